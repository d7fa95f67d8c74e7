"""What keys and the command palette do beyond one widget: palette commands, process control."""

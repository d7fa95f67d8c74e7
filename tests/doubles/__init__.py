"""Test doubles: stand-ins for what cannot run here (a GPU driver)."""

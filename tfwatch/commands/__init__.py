"""Non-interactive commands (``ls``, ``export`` …): same pipeline as the app."""

"""Widgets of the main screen: header, runs table, alerts panel, system strip, charts."""

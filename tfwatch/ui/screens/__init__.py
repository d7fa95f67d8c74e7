"""Screens pushed over the runs table: detail, compare, help, metric picker, process."""

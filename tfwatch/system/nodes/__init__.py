"""Nodes other than this one: readers of SSH hosts and Prometheus, and the monitor that
polls them off the UI thread (see docs/cluster.md)."""

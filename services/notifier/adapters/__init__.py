"""Adapters of the notifier's ports, one technology each."""

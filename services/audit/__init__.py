"""Audit: the append-only evidence log of every interaction."""

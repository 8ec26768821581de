"""Adapters of the scheduler's ports, one technology each."""

"""Adapters of the audit service's ports, one technology each."""

"""Test data and the scripts that made it."""

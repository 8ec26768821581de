"""Builders for scheduler unit tests."""

"""Tests: component."""

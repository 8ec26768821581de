"""Tests: unit/shared."""

"""Tests: unit/audit."""

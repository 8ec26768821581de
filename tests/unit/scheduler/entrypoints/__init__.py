"""Tests: unit/scheduler/entrypoints."""

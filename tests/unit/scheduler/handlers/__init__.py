"""Tests: unit/scheduler/handlers."""

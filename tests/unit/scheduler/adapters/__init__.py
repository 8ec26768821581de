"""Tests: unit/scheduler/adapters."""

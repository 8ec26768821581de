"""Tests: unit/scheduler/domain."""

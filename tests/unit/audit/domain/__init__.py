"""Tests: unit/audit/domain."""

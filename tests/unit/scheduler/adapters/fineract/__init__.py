"""Tests: unit/scheduler/adapters/fineract."""

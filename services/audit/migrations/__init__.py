"""Alembic migrations of the evidence log's schema."""

"""The desk's Alembic migrations."""

"""Alembic environment: runs migrations on the connection the audit store hands over."""

from __future__ import annotations

from alembic import context

from services.audit.adapters.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()

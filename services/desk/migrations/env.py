"""Alembic environment: runs migrations on the connection the desk store hands over."""

from __future__ import annotations

from alembic import context

from services.desk.adapters.sql.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection, target_metadata=metadata, version_table="desk_alembic_version"
)
with context.begin_transaction():
    context.run_migrations()

"""Alembic environment: the connection comes from `store.schema.upgrade`, never from an ini file."""

from __future__ import annotations

from alembic import context

from store.schema import staged  # noqa: F401  # registers the staging tables in METADATA
from store.schema.tables import METADATA

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `sofs-sync init`, which supplies the store connection")

context.configure(
    connection=connection,
    target_metadata=METADATA,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

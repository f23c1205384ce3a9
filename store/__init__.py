"""The store: SQLAlchemy models, Alembic migrations, batched upserts and the dashboards' read model."""

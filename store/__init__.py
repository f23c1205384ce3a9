"""The store, in three rooms around one schema: `schema` (every table once, the views, the engine and
the migrations), `write` (what a run writes) and `read` (what the dashboards and listings read)."""

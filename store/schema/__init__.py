"""The store's shape, once: its tables, views and keys, the engine that opens it and the migrations."""

"""The DuckDB warehouse: schema migrations, the build-and-swap write session, loading, runs."""

"""Production acceptance tests (issue #6): real processes on one PostgreSQL database."""

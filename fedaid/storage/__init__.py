"""What differs between SQLite and PostgreSQL; nothing else writes dialect-specific queries."""

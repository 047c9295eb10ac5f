"""The SQLAlchemy tables, one module per domain."""

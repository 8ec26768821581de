"""The notifier's store on SQLAlchemy Core, one module per part of it."""

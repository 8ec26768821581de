"""Dunwell's shared library: events, topics, settings, Kafka I/O, metrics, logging."""

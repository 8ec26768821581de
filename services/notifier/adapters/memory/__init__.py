"""In-memory adapters of the notifier's ports."""

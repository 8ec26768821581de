"""The notifier's entry points: HTTP routes (and, beside them, its consumers and commands)."""

"""How the audit is reached: HTTP routes, the verification page, the consumer, the CLI."""

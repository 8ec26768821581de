"""Contract-test helpers shared by every adapter suite."""

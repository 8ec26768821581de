"""The audit domain: pure models, rules and algorithms; no I/O."""

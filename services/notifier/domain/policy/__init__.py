"""The compliance gate: versioned policy packs evaluated at dispatch time (pure, no I/O)."""

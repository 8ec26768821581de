"""The desk's adapters, one technology each."""

"""The desk's use cases, over its ports."""

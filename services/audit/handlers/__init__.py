"""The audit use cases: the evidence log coordinator, checkpoints, exports, ingestion."""

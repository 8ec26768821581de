"""The scheduler's use cases: records in, decisions published and loan state written."""

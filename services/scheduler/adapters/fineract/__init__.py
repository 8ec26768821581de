"""Apache Fineract's external events: Avro single-object records mapped to Dunwell's events."""

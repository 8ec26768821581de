"""HTTP routes and the Kafka dispatch of the desk."""

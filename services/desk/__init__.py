"""Desk: the people's side of collections: tasks, queues and case views."""

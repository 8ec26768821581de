"""Tests: the Kubernetes manifests, alert rules and dashboards, validated offline."""

"""Tests: pages in a real headless browser."""

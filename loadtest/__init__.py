"""Locust load tests against a running service."""

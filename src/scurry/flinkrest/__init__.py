"""Typed async client for the Flink JobManager REST API."""

from scurry.flinkrest.client import FlinkRestClient

__all__ = ["FlinkRestClient"]

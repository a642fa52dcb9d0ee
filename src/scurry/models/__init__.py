"""Pydantic models of the resources scurry serves, camelCase on the wire."""

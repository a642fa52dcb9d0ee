"""The CMF-compatible API under `/cmf/api/v1` (and `/cmf/api/v1alpha1`)."""

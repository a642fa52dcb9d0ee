"""Confluent for Kubernetes manifests (`platform.confluent.io/v1beta1`) on the CMF API.

`scurry apply -f` takes CFK's FlinkEnvironment and FlinkApplication and makes
them the CMF environment and application they describe, through the same
API `scurry flink` uses; `get`, `describe` and `delete` show and remove them
in CFK's shape. Fields that only mean something to CFK on Kubernetes (the
CMFRestClass that tells CFK where CMF is, the namespace the custom resource
lives in) are accepted and reported as ignored.
"""

"""A fake Kubernetes API server for tests: kmock plus the API server's object semantics.

See docs/testing.md ("Kubernetes without a cluster") for what it does and does not do.
"""

from scurry.testing.kube.apiserver import ApiError, ApiServer
from scurry.testing.kube.background import FakeKubernetes, find
from scurry.testing.kube.resources import STANDARD, ApiResource

__all__ = ["STANDARD", "ApiError", "ApiResource", "ApiServer", "FakeKubernetes", "find"]

"""The ResourceStore port over the Kubernetes API (custom resources, Events, Leases)."""

from scurry.store.kubernetes.store import KubernetesStore, open_kubernetes_store

__all__ = ["KubernetesStore", "open_kubernetes_store"]

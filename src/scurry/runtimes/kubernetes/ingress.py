"""`spec.ingress` as a networking.k8s.io/v1 Ingress to the REST Service (FKO's IngressUtils).

The template is a URL with `{{name}}` and `{{namespace}}` placeholders (any
case): its host becomes the rule's host and its path the rule's path, e.g.
`{{name}}.{{namespace}}.flink.k8s.io` (host only) or
`/{{namespace}}/{{name}}(/|$)(.*)` (path only, for a rewriting controller).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from scurry.errors import ValidationFailed
from scurry.models.cluster import ClusterSpec
from scurry.runtimes.kubernetes import naming

Obj = dict[str, Any]
_NAME = re.compile(r"\{\{name\}\}", re.IGNORECASE)
_NAMESPACE = re.compile(r"\{\{namespace\}\}", re.IGNORECASE)
_SCHEME = re.compile(r"^https?://", re.IGNORECASE)


def ingress_url(template: str, name: str, namespace: str) -> tuple[str, str]:
    """(host, path) of the template with the cluster's name and namespace filled in."""
    url = template if _SCHEME.match(template) else f"http://{template}"
    url = _NAMESPACE.sub(namespace, _NAME.sub(name, url))
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError as exc:
        raise ValidationFailed(
            f"spec.ingress.template: unable to process the Ingress template ({template}): {exc}"
        ) from None
    return host, parts.path


def render_ingress(spec: ClusterSpec, rest_port: int, meta: Obj) -> Obj:
    ingress = spec.ingress or {}
    host, path = ingress_url(str(ingress.get("template") or ""), spec.ref.name, spec.ref.namespace)
    http_path: Obj = {
        "pathType": "ImplementationSpecific",
        "backend": {
            "service": {
                "name": naming.rest_service(spec.ref.name),
                "port": {"number": rest_port},
            }
        },
    }
    if path:
        http_path["path"] = path
    rule: Obj = {"http": {"paths": [http_path]}}
    if host:
        rule["host"] = host
    metadata = {**meta, "labels": {**meta["labels"], **(ingress.get("labels") or {})}}
    if ingress.get("annotations"):
        metadata["annotations"] = dict(ingress["annotations"])
    body: Obj = {"rules": [rule]}
    if ingress.get("className"):
        body["ingressClassName"] = ingress["className"]
    if ingress.get("tls"):
        body["tls"] = ingress["tls"]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata,
        "spec": body,
    }

"""kopf's connection from the `kubernetes` client's configuration.

The operator has one notion of "the cluster": the `ApiClient` built from the
in-cluster service account or kubeconfig. kopf is handed the same endpoint
and credentials, so the store and the watches can never talk to two clusters.
"""

from __future__ import annotations

import kopf
from kubernetes.client import ApiClient


def connection_info(client: ApiClient) -> kopf.ConnectionInfo:
    config = client.configuration
    header = config.get_api_key_with_prefix("BearerToken") or config.get_api_key_with_prefix(
        "authorization"
    )
    scheme, _, token = (header or "").partition(" ")
    if header and not token:  # a bare token, no scheme
        scheme, token = "", header
    return kopf.ConnectionInfo(
        server=str(config.host),
        ca_path=config.ssl_ca_cert,
        insecure=not config.verify_ssl,
        username=config.username or None,
        password=config.password or None,
        scheme=scheme or None,
        token=token or None,
        certificate_path=config.cert_file,
        private_key_path=config.key_file,
    )

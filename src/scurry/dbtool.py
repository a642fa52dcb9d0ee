"""`scurry db`: the installation's database, worked on directly (not over HTTP).

- `backup FILE`: an online copy of the embedded SQLite database (a running
  server may go on writing);
- `restore FILE [--force]`: put a backup in place and migrate it to the
  newest schema; refused while a control plane uses the database (the
  `scurry up` pidfile names a live process, or a controller lease is held);
- `upgrade`: migrate the database (SQLite or PostgreSQL) to the newest schema;
- `revision`: the schema revision of the database and of this scurry.

Outside the layering contracts' entry points on purpose, like `controlplane`:
it is the one command that opens the database itself, so it cannot live in
`cli/`, which talks to the server over HTTP only.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import psutil
import sqlalchemy as sa
import typer

from scurry.config.settings import Settings
from scurry.errors import Conflict, ScurryError, Unavailable
from scurry.store.sql import backup as backups
from scurry.store.sql import leases
from scurry.store.sql.engine import create_store_engine
from scurry.store.sql.migrate import current_revision, head_revisions, upgrade_to_head

PIDFILE = Path("run") / "server.pid"  # where `scurry up` records its server, under SCURRY_HOME
START_TIME_TOLERANCE = 0.05

app = typer.Typer(
    name="db",
    help="Back up, restore and migrate this installation's database.",
    no_args_is_help=True,
    add_completion=False,
)


def _url() -> str:
    return Settings().effective_database_url


def shown(url: str) -> str:
    """The URL without its password, or the file of an SQLite database."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return str(parsed.database or ":memory:")
    return parsed.render_as_string(hide_password=True)


@app.command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="Where to write the copy (replaced if present).")],
) -> None:
    """Copy the embedded database to FILE while the server keeps running."""
    database = backups.sqlite_path(_url())
    copy = backups.backup(database, file)
    typer.echo(
        f"backed up {database} to {copy.path} "
        f"(schema revision {copy.revision}, {copy.objects} objects)"
    )


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="A backup made by `scurry db backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Restore even while a control plane uses it.")
    ] = False,
) -> None:
    """Replace the embedded database with FILE, then migrate it to the newest schema."""
    settings = Settings()
    url = settings.effective_database_url
    database = backups.sqlite_path(url)
    backups.inspect(file)  # refuse a bad file before looking at who is running
    if not force:
        refuse_if_in_use(settings.home, url, database)
    restored = backups.restore(file, database)
    head = migrate(url)
    typer.echo(
        f"restored {file} into {database} ({restored.objects} objects, "
        f"schema revision {restored.revision}"
        + ("" if head == restored.revision else f" -> {head}")
        + ")"
    )


@app.command("upgrade")
def upgrade_command() -> None:
    """Migrate the database to the newest schema revision (nothing to do when it is there)."""
    url = _url()
    before = revision_of(url)
    head = migrate(url)
    if before == head:
        typer.echo(f"{shown(url)}: already at schema revision {head}")
    else:
        typer.echo(f"{shown(url)}: schema revision {before or 'none'} -> {head}")


@app.command("revision")
def revision_command() -> None:
    """Show the database's schema revision and the newest one this scurry knows."""
    url = _url()
    typer.echo(f"database: {shown(url)}")
    typer.echo(f"current:  {revision_of(url) or 'none (not created yet)'}")
    typer.echo(f"head:     {head_revisions()[0]}")


def migrate(url: str) -> str:
    engine = create_store_engine(url)
    try:
        upgrade_to_head(engine)
        return current_revision(engine) or "none"
    finally:
        engine.dispose()


def revision_of(url: str) -> str | None:
    """The database's revision; an SQLite file that does not exist is not created to ask."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(str(parsed.database)).exists():
        return None
    engine = create_store_engine(url)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def refuse_if_in_use(home: Path, url: str, database: Path) -> None:
    """Conflict when `scurry up`'s server runs or a controller lease is held on `database`."""
    pid = live_server_pid(home / PIDFILE)
    if pid is not None:
        raise Conflict(
            f"a scurry server (pid {pid}) is running on this installation: stop it first "
            "(scurry down), or pass --force"
        )
    if not database.exists():
        return
    engine = create_store_engine(url)
    try:
        with engine.connect() as conn:
            held = leases.held(conn, now=time.time()) if _has_leases(conn) else []
    finally:
        engine.dispose()
    if held:
        lease = held[0]
        raise Conflict(
            f"the {lease.name} lease is held by {lease.holder} (renewed "
            f"{lease.renewed_at:%Y-%m-%d %H:%M:%S}Z, for {lease.duration_seconds:.0f}s): a "
            "control plane is using the database; stop it first, or pass --force"
        )


def _has_leases(conn: sa.Connection) -> bool:
    return sa.inspect(conn).has_table("leases")


def live_server_pid(pidfile: Path) -> int | None:
    """The pid `scurry up` recorded, if that very process (same start time) still runs."""
    try:
        record = json.loads(pidfile.read_text(encoding="utf-8"))
        pid, started = int(record["pid"]), float(record["create_time"])
        process = psutil.Process(pid)
        alive = process.status() != psutil.STATUS_ZOMBIE
        same = abs(process.create_time() - started) <= START_TIME_TOLERANCE
    except (OSError, ValueError, KeyError, TypeError, psutil.Error):
        return None
    return pid if alive and same else None


def main(args: list[str]) -> int:
    """Run `scurry db ARGS`; the exit code of the error, as the rest of the CLI does."""
    command = typer.main.get_command(app)
    try:
        command.main(args=args or ["--help"], prog_name="scurry db", standalone_mode=False)
    except ScurryError as error:
        typer.echo(f"error: {error.message}", err=True)
        return error.exit_code
    except sa.exc.OperationalError as error:
        reason = str(error.orig or error).strip().splitlines()[0]
        typer.echo(f"error: the database does not answer: {reason}", err=True)
        return Unavailable.exit_code
    except typer.Exit as done:
        return done.exit_code
    except typer.Abort:
        return 130
    except typer.TyperException as error:  # click's usage errors
        typer.echo(f"error: {error.format_message()} (see 'scurry db --help')", err=True)
        return error.exit_code
    return 0

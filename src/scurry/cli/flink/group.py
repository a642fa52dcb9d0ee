"""The `scurry flink` command group: one sub-group per CMF resource, as `confluent flink` has."""

from __future__ import annotations

import typer

from scurry.cli.flink import (
    application,
    catalog,
    compute_pool,
    detached_savepoint,
    environment,
    savepoint,
    secret,
    secret_mapping,
    sql_shell,
    statement,
    system_info,
)

app = typer.Typer(
    name="flink",
    help="Manage Apache Flink through the CMF API (the commands of `confluent flink` on-prem).",
    no_args_is_help=True,
)


def _group(sub: typer.Typer, name: str, *aliases: str) -> None:
    app.add_typer(sub, name=name)
    for alias in aliases:
        app.add_typer(sub, name=alias, hidden=True)


_group(application.app, "application", "app")
_group(catalog.app, "catalog")
_group(detached_savepoint.app, "detached-savepoint")
_group(environment.app, "environment", "env")
_group(savepoint.app, "savepoint")
_group(secret.app, "secret")
_group(secret_mapping.app, "secret-mapping")
_group(compute_pool.app, "compute-pool")
_group(statement.app, "statement")
app.command("shell")(sql_shell.shell)
app.command("system-info")(system_info.system_info)

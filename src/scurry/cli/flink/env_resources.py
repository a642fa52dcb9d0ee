"""The five commands of a resource kept in an environment and written from resource files.

Compute pools and environment secret mappings are managed alike in `confluent flink`:
`create FILE` and `update FILE` post or put the file, `describe NAME`, `list` and
`delete NAME...`, each with `--environment` and (but delete) `--output`. One definition
serves both, so that their flags, messages and output stay the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import typer

from scurry.cli.flink.cmf import Cmf, Obj
from scurry.cli.flink.connection import connected
from scurry.cli.flink.deletion import Deletion, delete_all
from scurry.cli.flink.errors import failing
from scurry.cli.flink.options import (
    Environment,
    Force,
    Name,
    Names,
    OutputFormat,
    PageSize,
    ResourceFile,
    need,
)
from scurry.cli.flink.render import Output, show, show_all
from scurry.cli.flink.secret import named_resource
from scurry.cli.flink.shapes import Shape


@dataclass(frozen=True)
class EnvResource:
    noun: str  # "compute pool", as the messages name one
    plural: str
    title: str  # "Flink compute pool", as the help names one
    collection: Callable[[str], str]  # env -> its URL
    item: Callable[[str, str], str]  # env, name -> its URL
    shape: Shape
    headers: list[str]
    row: Callable[[Obj], list[str]]
    deletion: Deletion
    delete_help: str

    def rows(self, obj: Obj) -> list[tuple[str, str | None]]:
        return list(zip(self.headers, self.row(obj), strict=True))


def add_commands(app: typer.Typer, kind: EnvResource) -> None:
    """Give `app` create, update, describe, list and delete for `kind`."""

    @app.command("create", help=f"Create a {kind.title} from a resource file.")
    @connected
    def create(
        cmf: Cmf,
        file: ResourceFile,
        environment: Environment = None,
        output: OutputFormat = Output.human,
    ) -> None:
        (env,) = need(environment=environment)
        name, resource = named_resource(file)
        with failing(f'failed to create {kind.noun} "{name}" in the environment "{env}"'):
            created = cmf.post(kind.collection(env), resource)
        show(created, output, kind.shape, kind.rows)

    @app.command("update", help=f"Update a {kind.title} from a resource file.")
    @connected
    def update(
        cmf: Cmf,
        file: ResourceFile,
        environment: Environment = None,
        output: OutputFormat = Output.human,
    ) -> None:
        (env,) = need(environment=environment)
        name, resource = named_resource(file)
        with failing(f'failed to update {kind.noun} "{name}" in the environment "{env}"'):
            updated = cmf.put(kind.item(env, name), resource)
        show(updated, output, kind.shape, kind.rows)

    @app.command("describe", help=f"Describe a {kind.title}.")
    @connected
    def describe(
        cmf: Cmf, name: Name, environment: Environment = None, output: OutputFormat = Output.human
    ) -> None:
        (env,) = need(environment=environment)
        with failing(f'failed to get {kind.noun} "{name}" in the environment "{env}"'):
            found = cmf.get(kind.item(env, name))
        show(found, output, kind.shape, kind.rows)

    @app.command("list", help=f"List {kind.title}s.")
    @connected
    def list_(
        cmf: Cmf,
        environment: Environment = None,
        page_size: PageSize = 100,
        output: OutputFormat = Output.human,
    ) -> None:
        (env,) = need(environment=environment)
        with failing(f'failed to list {kind.plural} in the environment "{env}"'):
            found = cmf.pages(kind.collection(env), page_size, what=kind.plural)
        show_all(found, output, kind.shape, kind.headers, kind.row)

    @app.command("delete", help=kind.delete_help)
    @connected
    def delete(
        cmf: Cmf, names: Names, environment: Environment = None, force: Force = False
    ) -> None:
        (env,) = need(environment=environment)
        delete_all(
            kind.deletion,
            names,
            exists=lambda name: cmf.exists(kind.item(env, name)),
            delete=lambda name: cmf.delete(kind.item(env, name)),
            force=force,
        )

"""`scurry get|describe|delete` for the CFK kinds.

Kinds go by kubectl's names: `flinkenvironment(s)` or `flinkenv`,
`flinkapplication(s)` or `flinkapp`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from scurry.cli.cfk import api
from scurry.cli.cfk.views import application_view, described, environment_view, headers, row
from scurry.cli.client import ApiClient
from scurry.cli.output import Format, note, print_document, print_table, write
from scurry.errors import InvalidInput, NotFound
from scurry.models.cfk import FLINK_ENVIRONMENT, GROUP, CfkKind, Mapped, Obj, kind_named


def selected(resources: Sequence[str]) -> tuple[CfkKind, list[str]] | None:
    """`KIND [NAME...]` or `KIND/NAME...` when KIND is a CFK kind; else None."""
    if not resources:
        return None
    head = resources[0].partition("/")[0]
    kind = kind_named(head)
    if kind is None:
        return None
    if "/" not in resources[0]:
        return kind, list(resources[1:])
    names = []
    for item in resources:
        other, _, name = item.partition("/")
        if kind_named(other) is not kind or not name:
            raise InvalidInput(f"name resources of one kind, as KIND/NAME: {item!r}")
        names.append(name)
    return kind, names


def views(client: ApiClient, kind: CfkKind, names: Sequence[str]) -> list[Obj]:
    """The named resources (all of them when none is named), in CFK's shape."""
    if kind is FLINK_ENVIRONMENT:
        if not names:
            return [environment_view(env) for env in api.environments(client)]
        return [environment_view(_environment(client, name)) for name in names]
    if not names:
        return [
            application_view(app, str(env["name"]))
            for env in api.environments(client)
            for app in api.applications(client, str(env["name"]))
        ]
    return [application_view(app, env) for env, app in (_application(client, n) for n in names)]


def _environment(client: ApiClient, name: str) -> Obj:
    found = api.find(client, api.environment_path(name))
    if found is None:
        raise NotFound(f'flinkenvironments.platform.confluent.io "{name}" not found')
    return found


def _application(client: ApiClient, name: str) -> tuple[str, Obj]:
    found = api.locate_application(client, name)
    if found is None:
        raise NotFound(f'flinkapplications.platform.confluent.io "{name}" not found')
    return found


def get(client: ApiClient, kind: CfkKind, names: Sequence[str], output: Format | None) -> None:
    found = views(client, kind, names)
    if output in (Format.json, Format.yaml):
        data = found[0] if len(names) == 1 else {"apiVersion": "v1", "kind": "List", "items": found}
        print_document(data, output)
    elif output is Format.name:
        for view in found:
            write(kind.display(view["metadata"]["name"]))
    elif not found:
        note("No resources found")
    else:
        now = datetime.now(UTC)
        print_table(headers(kind), [row(view, now) for view in found])


def describe(client: ApiClient, kind: CfkKind, names: Sequence[str]) -> None:
    found = views(client, kind, names)
    if not found:
        note("No resources found")
    write("\n\n".join(described(view) for view in found))


def delete(client: ApiClient, kind: CfkKind, names: Sequence[str], *, ignore_missing: bool) -> None:
    """Delete by name: an application wherever it is, an environment by its name."""
    for name in names:
        try:
            if kind is FLINK_ENVIRONMENT:
                _environment(client, name)
                api.delete(client, api.environment_path(name))
            else:
                env, _ = _application(client, name)
                api.delete(client, api.application_path(env, name))
        except NotFound:
            if not ignore_missing:
                raise
            continue
        write(f'{kind.singular}.{GROUP} "{name}" deleted')


def delete_mapped(client: ApiClient, mapped: Sequence[Mapped], *, ignore_missing: bool) -> None:
    """`delete -f`: applications first (an environment with applications may not go), then
    environments; an application is looked for in the environment its manifest names."""
    for item in sorted(mapped, key=lambda m: m.kind is FLINK_ENVIRONMENT):
        if item.environment is not None:
            path = api.application_path(item.environment, item.name)
        elif item.kind is FLINK_ENVIRONMENT:
            path = api.environment_path(item.name)
        else:
            continue  # a CMFRestClass: nothing was stored for it
        try:
            api.delete(client, path)
        except NotFound:
            if not ignore_missing:
                raise
            continue
        write(f'{item.kind.singular}.{GROUP} "{item.name}" deleted')

"""`scurry render -f FILE [-n NS]`: the Kubernetes objects the operator would create, as YAML.

Offline: no server, no cluster, no network. For review and GitOps diffs; the
operator creates the same objects (with owner references to the resource once
it exists, and a fresh job id and deploy token per deploy).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from scurry.config.operator_defaults import OperatorDefaults
from scurry.errors import InvalidInput, ScurryError
from scurry.runtimes.kubernetes.manifests import control_config, render_manifest
from scurry.runtimes.kubernetes.pods import RenderOptions

STDIN = "-"


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(
        prog="scurry render",
        description="Print, as YAML, the Kubernetes objects the operator would create for "
        "the FlinkDeployments in the given manifests. Works offline.",
    )
    parse.add_argument(
        "-f",
        "--filename",
        action="append",
        required=True,
        metavar="FILE",
        help="manifest to render ('-' reads stdin); repeatable",
    )
    parse.add_argument("-n", "--namespace", help="namespace of objects that name none")
    parse.add_argument(
        "--defaults",
        type=Path,
        metavar="FILE",
        help="operator-wide Flink defaults (FKO's default configuration), as the operator has",
    )
    parse.add_argument(
        "--fetch-image",
        default=RenderOptions.fetch_image,
        metavar="IMAGE",
        help="image of the init container that fetches remote jars (default: %(default)s)",
    )
    return parse


class _BlockDumper(yaml.SafeDumper):
    """YAML whose multi-line strings (configuration files) read as blocks."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _string)


def dump(objects: list[dict[str, Any]]) -> str:
    return yaml.dump_all(objects, Dumper=_BlockDumper, sort_keys=False, width=1 << 16)


def _read(name: str) -> str:
    if name == STDIN:
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"{name}: {exc.strerror or exc}") from None


def _defaults(path: Path | None) -> OperatorDefaults | None:
    if path is None:
        return None
    try:
        return OperatorDefaults.parse(_read(str(path)))
    except ValueError as exc:
        raise InvalidInput(f"{path}: {exc}") from None


def render(options: argparse.Namespace) -> list[dict[str, Any]]:
    control = control_config(_defaults(options.defaults))
    opts = RenderOptions(fetch_image=options.fetch_image)
    objects: list[dict[str, Any]] = []
    for name in options.filename:
        source = "<stdin>" if name == STDIN else name
        objects += render_manifest(
            _read(name), source=source, namespace=options.namespace, control=control, options=opts
        )
    return objects


def main(args: list[str]) -> int:
    options = parser().parse_args(args)
    try:
        objects = render(options)
    except ScurryError as error:
        sys.stderr.write(f"error: {error.message}\n")
        return error.exit_code
    if objects:
        sys.stdout.write(dump(objects))
    return 0

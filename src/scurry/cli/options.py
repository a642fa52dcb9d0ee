"""Options several commands share, declared once as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

import typer

Namespace = Annotated[
    str | None,
    typer.Option("--namespace", "-n", help="Namespace of the resources (default: default)."),
]
AllNamespaces = Annotated[
    bool, typer.Option("--all-namespaces", "-A", help="List across all namespaces.")
]
Files = Annotated[
    list[str] | None,
    typer.Option(
        "--filename", "-f", help="A manifest file, a directory of them, or - for stdin; repeatable."
    ),
]
Timeout = Annotated[
    str, typer.Option("--timeout", help="How long to wait: 90s, 5m, 1h or seconds.")
]
Resources = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="KIND [NAME...] | KIND/NAME...",
        help="Resources: a kind (any kubectl name of it) and names, or KIND/NAME.",
        show_default=False,
    ),
]

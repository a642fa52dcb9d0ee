"""Flags the `scurry flink` commands share, spelled as Confluent's CLI spells them.

Required flags are checked by the commands (`need`), so that a missing one
reads `Error: required flag(s) "environment" not set`, as in `confluent flink`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from scurry.cli.flink.errors import CommandError, required_flags
from scurry.cli.flink.render import DocumentOutput, Output

Environment = Annotated[
    str | None,
    typer.Option(
        "--environment", help="REQUIRED: Name of the Flink environment.", show_default=False
    ),
]
Application = Annotated[
    str | None,
    typer.Option(
        "--application", help="REQUIRED: Name of the Flink application.", show_default=False
    ),
]
OutputFormat = Annotated[
    Output,
    typer.Option("--output", "-o", help='Specify the output format as "human", "json", or "yaml".'),
]
DocumentFormat = Annotated[
    DocumentOutput,
    typer.Option("--output", "-o", help='Specify the output format as "json" or "yaml".'),
]
PageSize = Annotated[
    int,
    typer.Option(
        "--page-size",
        min=-(2**31),
        max=2**31 - 1,
        help="Number of results to fetch per API request while paginating; "
        "does not cap the total results returned.",
    ),
]
Force = Annotated[bool, typer.Option("--force", help="Skip the deletion confirmation prompt.")]
ResourceFile = Annotated[
    str,
    typer.Argument(
        metavar="RESOURCE_FILE", help="A resource file: .json, .yaml or .yml.", show_default=False
    ),
]
Names = Annotated[
    list[str],
    typer.Argument(metavar="NAME...", help="One or more names.", show_default=False),
]
Name = Annotated[str, typer.Argument(metavar="NAME", show_default=False)]


def need(**flags: str | None) -> tuple[str, ...]:
    """The values of required flags, in order; fails as cobra does when some are missing."""
    missing = [name.replace("_", "-") for name, value in flags.items() if not value]
    if missing:
        raise required_flags(*missing)
    return tuple(value or "" for value in flags.values())


def one_of(**flags: str | None) -> None:
    """Exactly one of a group of flags (cobra's OneRequired + MutuallyExclusive)."""
    names = [name.replace("_", "-") for name in flags]
    given = [name.replace("_", "-") for name, value in flags.items() if value]
    group = "[" + " ".join(names) + "]"
    if not given:
        raise CommandError(
            f"at least one of the flags in the group {group} is required", exit_code=2
        )
    if len(given) > 1:
        listed = "[" + " ".join(given) + "]"
        raise CommandError(
            f"if any flags in the group {group} are set none of the others can be; "
            f"{listed} were all set",
            exit_code=2,
        )

"""Deleting several resources the way `confluent flink ... delete` does.

1. every name must exist, else nothing is deleted (`Flink environment "x" not
   found`, with suggestions);
2. unless `--force`, one confirmation for all of them;
3. each is deleted; the ones that went are reported in one line (`Deleted
   Flink environments "a" and "b".`), failures are collected into one error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from scurry.cli.flink.errors import CHECK_CMF, ApiFailure, CommandError, quoted_list
from scurry.cli.flink.render import emit
from scurry.cli.output import spinner

YES = ("y", "yes")


@dataclass(frozen=True)
class Deletion:
    """What is deleted (`Flink environment`) and how to list what exists."""

    thing: str
    list_command: str

    @property
    def things(self) -> str:
        return f"{self.thing}s"

    def named(self, names: Sequence[str]) -> str:
        label = self.thing if len(names) == 1 else self.things
        return f"{label} {quoted_list(list(names))}"


def delete_all(
    what: Deletion,
    names: Sequence[str],
    *,
    exists: Callable[[str], bool],
    delete: Callable[[str], None],
    force: bool,
) -> None:
    """Check, confirm, delete, report; raise one error for the names that failed."""
    missing = [name for name in names if not exists(name)]
    if missing:
        suggestion = f"List available {what.things} with `{what.list_command}`."
        raise CommandError(f"{what.named(missing)} not found", f"{suggestion}\n{CHECK_CMF}")
    if not force and not confirmed(f"Are you sure you want to delete {what.named(names)}?"):
        return
    deleted, failures = [], []
    with spinner(f"Deleting {what.named(names)}"):
        for name in names:
            try:
                delete(name)
            except ApiFailure as failure:
                failures.append(f"failed to delete {name}: {failure.message}")
            else:
                deleted.append(name)
    if deleted:
        emit(f"Deleted {what.named(deleted)}.")
    if failures:
        raise CommandError(combined(failures))


def confirmed(question: str) -> bool:
    """Ask on the terminal; only `y`/`yes` goes ahead. No answer at all is an error."""
    sys.stdout.write(f"{question} (y/n): ")
    sys.stdout.flush()
    answer = sys.stdin.readline()
    if not answer:
        raise CommandError(
            "failed to read your confirmation", "Use `--force` to delete without a prompt."
        )
    return answer.strip().lower() in YES


def combined(failures: Sequence[str]) -> str:
    """One failure as itself; several as `N errors occurred:` and a bulleted list."""
    if len(failures) == 1:
        return failures[0]
    return f"{len(failures)} errors occurred:" + "".join(f"\n\t* {f}" for f in failures)

"""Errors of the `scurry flink` commands, worded and printed as Confluent's CLI does.

`Error: <message>`, then, when there is advice, a `Suggestions:` block with one
indented line per suggestion. Scripts written against `confluent flink` match
on these messages, so they keep its wording.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from scurry.errors import ScurryError

CHECK_CMF = "Check that CMF is running and accessible."


class CommandError(ScurryError):
    """A `scurry flink` failure: the message and, optionally, suggestions."""

    def __init__(self, message: str, suggestions: str = "", *, exit_code: int = 1) -> None:
        super().__init__(message)
        self.suggestions = suggestions
        self.exit_code = exit_code

    def render(self) -> str:
        text = f"Error: {self.message}"
        if self.suggestions:
            lines = "".join(f"\n    {line}" for line in self.suggestions.splitlines())
            text += f"\n\nSuggestions:{lines}"
        return text


class ApiFailure(CommandError):
    """An error answer of the CMF API: its HTTP status and the server's message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status

    @property
    def not_found(self) -> bool:
        return self.status == 404


def required_flags(*names: str) -> CommandError:
    """cobra's wording for flags that must be given."""
    listed = ", ".join(f'"{name}"' for name in names)
    return CommandError(f"required flag(s) {listed} not set", exit_code=2)


def quoted_list(names: list[str] | tuple[str, ...], conjunction: str = "and") -> str:
    """`"a"`, `"a" and "b"`, `"a", "b", and "c"`: how the CLI lists names."""
    quoted = [f'"{name}"' for name in names]
    if len(quoted) <= 2:
        return f" {conjunction} ".join(quoted)
    return ", ".join(quoted[:-1]) + f", {conjunction} {quoted[-1]}"


@contextlib.contextmanager
def failing(action: str) -> Iterator[None]:
    """Word an API failure inside the block as `<action>: <server's message>`."""
    try:
        yield
    except ApiFailure as failure:
        raise CommandError(f"{action}: {failure.message}") from None

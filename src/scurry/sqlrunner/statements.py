"""Splitting SQL scripts into statements, and the client-side SET / RESET commands.

A statement ends at a `;` outside quotes ('...', "...", `...`) and comments
(`-- ...`, `/* ... */`). `EXECUTE STATEMENT SET BEGIN ... END;` keeps its
inner semicolons, and the SQL client's block form (`BEGIN STATEMENT SET;`
... `END;`) becomes that one statement. TableEnvironment.executeSql does
not take SET or RESET, so scripts and sessions apply them to the table
configuration themselves (`parse_set`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SET = re.compile(r"^SET\s*'(?P<key>(?:[^']|'')+)'\s*=\s*'(?P<value>(?:[^']|'')*)'$", re.I | re.S)
_RESET = re.compile(r"^RESET(?:\s*'(?P<key>(?:[^']|'')+)')?$", re.I | re.S)
_BEGIN_SET = re.compile(r"^BEGIN\s+STATEMENT\s+SET$", re.I)
_EXECUTE_SET = re.compile(r"^EXECUTE\s+STATEMENT\s+SET\b", re.I)
_END = re.compile(r"\bEND$", re.I)


class ScriptError(ValueError):
    """A script that cannot be split into statements (an unclosed quote or block)."""


@dataclass(frozen=True)
class SetCommand:
    """`SET 'key' = 'value'` (key and value given), `RESET 'key'`, `RESET` (neither)."""

    key: str | None
    value: str | None


def split(script: str) -> list[str]:
    """The statements of `script`, without their final `;`, comments and outer whitespace."""
    codes = [_code(piece) for piece in _raw_pieces(script)]
    return _join_statement_sets([code for code in codes if code])


def parse_set(statement: str) -> SetCommand | None:
    """The SET / RESET command `statement` is, or None if it is ordinary SQL.

    `SET` alone (which lists the configuration in the SQL client) changes
    nothing and is refused like any malformed SET.
    """
    text = _code(statement)
    words = text.split()
    if not words or words[0].upper() not in ("SET", "RESET"):
        return None
    if found := _SET.match(text):
        return SetCommand(_unquote(found["key"]), _unquote(found["value"]))
    if found := _RESET.match(text):
        key = found["key"]
        return SetCommand(_unquote(key) if key else None, None)
    raise ScriptError(
        f"malformed {words[0].upper()}: use SET 'key' = 'value', RESET 'key' or RESET "
        "(keys and values in single quotes)"
    )


def _unquote(text: str) -> str:
    return text.replace("''", "'")


def _raw_pieces(script: str) -> list[str]:
    """Split at every `;` that is code (not in a quote or comment)."""
    pieces: list[str] = []
    start, index, length = 0, 0, len(script)
    while index < length:
        char = script[index]
        if char in "'\"`":
            index = _after_quote(script, index)
            continue
        if script.startswith("--", index):
            end = script.find("\n", index)
            index = length if end < 0 else end + 1
            continue
        if script.startswith("/*", index):
            end = script.find("*/", index + 2)
            if end < 0:
                raise ScriptError(f"unclosed comment starting at offset {index}")
            index = end + 2
            continue
        if char == ";":
            pieces.append(script[start:index].strip())
            start = index + 1
        index += 1
    pieces.append(script[start:].strip())
    return pieces


def _after_quote(script: str, start: int) -> int:
    """The index after the quote opened at `start`; a doubled quote character escapes it."""
    quote, index = script[start], start + 1
    while True:
        end = script.find(quote, index)
        if end < 0:
            raise ScriptError(f"unclosed {quote} quote starting at offset {start}")
        if script.startswith(quote * 2, end):
            index = end + 2
            continue
        return end + 1


def _code(piece: str) -> str:
    """`piece` without comments and outer whitespace (empty if it holds only comments)."""
    result: list[str] = []
    index, length = 0, len(piece)
    while index < length:
        char = piece[index]
        if char in "'\"`":
            end = _after_quote(piece, index)
            result.append(piece[index:end])
            index = end
        elif piece.startswith("--", index):
            end = piece.find("\n", index)
            index = length if end < 0 else end + 1
            result.append(" ")
        elif piece.startswith("/*", index):
            end = piece.find("*/", index + 2)
            index = length if end < 0 else end + 2
            result.append(" ")
        else:
            result.append(char)
            index += 1
    return "".join(result).strip()


def _join_statement_sets(codes: list[str]) -> list[str]:
    """Merge the pieces of each statement-set block back into one statement."""
    statements: list[str] = []
    head: str | None = None  # set while a block is open
    items: list[str] = []
    for code in codes:
        if head is None:
            if _BEGIN_SET.match(code):
                head, items = "EXECUTE STATEMENT SET BEGIN\n", []
            elif _EXECUTE_SET.match(code) and not _END.search(code):
                head, items = "", [code]
            else:
                statements.append(code)
        elif code.upper() == "END":
            statements.append(head + "".join(f"{item};\n" for item in items) + "END")
            head = None
        else:
            items.append(code)
    if head is not None:
        raise ScriptError("statement set not closed: END; is missing")
    return statements

"""Reading what the commands are given as files: resource files and defaults.

Resource files are `.json`, `.yaml` or `.yml` (chosen by extension, as
Confluent's CLI does) and must hold one object. Defaults flags take inline
JSON or the path of such a file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from scurry.cli.flink.errors import CommandError

SUFFIXES = (".json", ".yaml", ".yml")
SUPPORTED = "Supported file formats are .json, .yaml, and .yml."


def read_resource(file: str) -> dict[str, Any]:
    """The object in a resource file; a bad file is an error naming it and the problem."""
    path = Path(file)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise CommandError(f"unsupported file format: {path.suffix or '(none)'}", SUPPORTED)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"failed to read file: {exc}") from None
    data = _parse(text, suffix, "failed to parse input file")
    if not isinstance(data, dict):
        raise CommandError(
            f"failed to parse input file: {file} must hold one object, not {type(data).__name__}"
        )
    return data


def read_defaults(value: str, label: str) -> Any:
    """`--defaults`-style flags: a .json/.yaml/.yml file, or else inline JSON."""
    suffix = Path(value).suffix.lower()
    if suffix in SUFFIXES:
        try:
            text = Path(value).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            kind = "JSON" if suffix == ".json" else "YAML"
            raise CommandError(f"failed to read {label} defaults {kind} file: {exc}") from None
    else:
        text, suffix = value, ".json"
    data = _parse(text, suffix, f"failed to parse {label} defaults")
    if data is not None and not isinstance(data, dict):
        raise CommandError(
            f"failed to parse {label} defaults: expected an object, not {type(data).__name__}"
        )
    return data


def _parse(text: str, suffix: str, failure: str) -> Any:
    try:
        return json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise CommandError(f"{failure}: line {exc.lineno}: {exc.msg}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise CommandError(f"{failure}: {where}{getattr(exc, 'problem', None) or exc}") from None

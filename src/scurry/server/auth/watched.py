"""A configuration file that is re-read when it changes, so a revoked token or a changed
binding takes effect without a restart; a broken edit keeps the last good version."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

import pydantic
import yaml

from scurry.errors import InvalidInput

log = logging.getLogger(__name__)
T = TypeVar("T")
M = TypeVar("M", bound=pydantic.BaseModel)
CHECK_INTERVAL = 2.0


def load_yaml(path: Path) -> object:
    """The file's one YAML (or JSON) document; an unreadable file is an InvalidInput naming it."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{path}: not valid YAML ({exc})") from None


def load_model(path: Path, model: type[M]) -> M:
    """The file as `model`; each problem named by its field (`tokens.2.sha256: ...`)."""
    try:
        return model.model_validate(load_yaml(path))
    except pydantic.ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'the file'}: {e['msg']}" for e in exc.errors()
        ]
        raise InvalidInput(f"{path}: {'; '.join(problems)}") from None


class WatchedFile(Generic[T]):
    """`parse(path)` of a file, parsed again when its modification time changes.

    The first parse happens here and its errors propagate (a server must not start
    with a broken file); later ones are logged and the previous value stays.
    """

    def __init__(
        self,
        path: Path,
        parse: Callable[[Path], T],
        *,
        interval: float = CHECK_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path, self._parse, self._interval, self._clock = path, parse, interval, clock
        self._stamp = self._mtime()
        self._value = parse(path)
        self._checked = clock()

    def current(self) -> T:
        now = self._clock()
        if now - self._checked >= self._interval:
            self._checked = now
            self._reload_if_changed()
        return self._value

    def _reload_if_changed(self) -> None:
        stamp = self._mtime()
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            self._value = self._parse(self.path)
        except InvalidInput as exc:
            log.error("keeping the previous version of %s: %s", self.path, exc.message)
        else:
            log.info("reloaded %s", self.path)

    def _mtime(self) -> int | None:
        try:
            return self.path.stat().st_mtime_ns
        except OSError:
            return None

"""Interactive queries: a Flink job whose rows are collected into a bounded buffer.

A query runs in its own thread: it submits the job (with the job id the
control plane chose) to the target cluster and pulls rows from Flink's
collect sink into the buffer. The buffer holds at most `capacity` rows
that the client has not acknowledged; when it is full the thread stops
pulling, and Flink's backpressure holds the job. Reading at an offset
acknowledges every row before it, which frees room. Offsets below what
was acknowledged are gone.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from scurry.sqlrunner import rows, tableenv

STARTING, RUNNING, FINISHED, FAILED, CANCELED = (
    "STARTING",
    "RUNNING",
    "FINISHED",
    "FAILED",
    "CANCELED",
)
ENDED = (FINISHED, FAILED, CANCELED)


class Gone(Exception):
    """The rows asked for were acknowledged and dropped."""


@dataclass
class Page:
    rows: list[dict[str, Any]]
    next_offset: int
    end: bool  # no row will ever follow


@dataclass
class Query:
    query_id: str
    job_id: str
    statement: str
    context: dict[str, Any]
    target: tuple[str, int]
    capacity: int
    state: str = STARTING
    error: str | None = None
    base: int = 0  # the offset of buffer[0]
    buffer: deque[dict[str, Any]] = field(default_factory=deque)
    columns: list[dict[str, str]] = field(default_factory=list)
    ended_at: float | None = None
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _client: Any = None
    _cancelled: bool = False

    @property
    def total(self) -> int:
        return self.base + len(self.buffer)

    def start(self) -> None:
        threading.Thread(target=self._run, name=f"query-{self.query_id}", daemon=True).start()

    def report(self) -> dict[str, Any]:
        with self._cond:
            return {
                "id": self.query_id,
                "jobId": self.job_id,
                "state": self.state,
                "error": self.error,
                "produced": self.total,
                "acknowledged": self.base,
                "columns": self.columns,
            }

    def page(self, offset: int, limit: int) -> Page:
        """Rows from `offset` (acknowledging those before it), at most `limit`."""
        with self._cond:
            if offset < self.base:
                raise Gone(f"rows before offset {self.base} were already read and dropped")
            if offset > self.total:
                raise ValueError(f"offset {offset} is beyond the {self.total} rows produced")
            while self.buffer and self.base < offset:
                self.buffer.popleft()
                self.base += 1
            chosen = [self.buffer[i] for i in range(min(limit, len(self.buffer)))]
            self._cond.notify_all()
            ended = self.state in ENDED
            return Page(chosen, offset + len(chosen), ended and offset + len(chosen) == self.total)

    def cancel(self) -> None:
        with self._cond:
            self._cancelled = True
            self._cond.notify_all()
        self._cancel_job()
        self._end(CANCELED, None)

    def _cancel_job(self) -> None:
        client = self._client
        if client is None or self.state in ENDED:
            return
        try:
            client.cancel().result()
        except Exception:  # the job may have ended on its own meanwhile
            return

    def _run(self) -> None:
        try:
            tenv = tableenv.create(self.context.get("configuration") or {}, self.target)
            tableenv.prepare(tenv, self.context)
            tenv.get_config().set(tableenv.FIXED_JOB_ID, self.job_id)
            query, declared = tableenv.collectable(tenv, self.statement)
            result = tenv.execute_sql(query)
            self.columns = declared or tableenv.result_columns(result)
            with self._cond:
                self._client = result.get_job_client()
                cancelled = self._cancelled
                if not cancelled:
                    self.state = RUNNING
            if cancelled:  # cancelled while the job was being submitted
                self._cancel_job()
                return
            with result.collect() as found:
                for row in found:
                    if not self._put(rows.result_row(row)):
                        return
            self._end(FINISHED, None)
        except tableenv.StatementError as exc:
            self._end(FAILED, str(exc))
        except Exception as exc:
            self._end(FAILED, tableenv.java_error(exc))

    def _put(self, row: dict[str, Any]) -> bool:
        with self._cond:
            while len(self.buffer) >= self.capacity and not self._cancelled:
                self._cond.wait(1.0)
            if self._cancelled:
                return False
            self.buffer.append(row)
            return True

    def _end(self, state: str, error: str | None) -> None:
        with self._cond:
            if self.state in ENDED:
                return
            if self._cancelled and state != CANCELED:
                state, error = CANCELED, None
            self.state, self.error, self.ended_at = state, error, time.monotonic()
            self._cond.notify_all()

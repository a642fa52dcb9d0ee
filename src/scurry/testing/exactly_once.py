"""Check that a job's committed output holds every record exactly once.

Made for sequence jobs (each record an increasing id, as the quickstart's
datagen sequence writes): read the committed part files of a filesystem sink,
ignoring in-progress files (their names start with '.'), then look for
duplicates and gaps.

At parallelism 1 the ids must be exactly 1..N. After a rescale, Flink's
sequence source splits its remaining ids between subtasks, so the committed ids
form one contiguous run per subtask: duplicates are never allowed, and gaps are
judged per run.

    ids = committed_ids(cluster_dir / "output")
    report = check_sequence(ids)
    report.assert_exactly_once(max_runs=1)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


def committed_ids(output: Path) -> list[int]:
    """Every id in the committed files under `output` (recursively), in file order."""
    ids: list[int] = []
    if not output.exists():
        return ids
    for path in sorted(output.rglob("*")):
        if path.is_file() and not any(
            part.startswith(".") for part in path.relative_to(output).parts
        ):
            ids.extend(int(field) for field in path.read_text().split() if field.strip())
    return ids


@dataclass(frozen=True)
class SequenceReport:
    count: int
    duplicates: tuple[int, ...]
    runs: tuple[tuple[int, int], ...]  # maximal contiguous (first, last) ranges, ascending

    @property
    def exactly_once_from_one(self) -> bool:
        """1..N, each once: the strict check for a job that never ran above parallelism 1."""
        return not self.duplicates and self.runs[:1] == ((1, self.count),) and len(self.runs) == 1

    def assert_exactly_once(self, *, max_runs: int = 1) -> None:
        """No duplicates, output starting at 1, and at most `max_runs` contiguous runs."""
        if self.count == 0:
            raise AssertionError("no committed output")
        if self.duplicates:
            shown = ", ".join(map(str, self.duplicates[:10]))
            raise AssertionError(f"{len(self.duplicates)} duplicate ids (first: {shown})")
        if self.runs[0][0] != 1:
            raise AssertionError(f"output does not start at 1: first run {self.runs[0]}")
        if len(self.runs) > max_runs:
            raise AssertionError(
                f"{len(self.runs)} runs where at most {max_runs} fit: {self.runs[:6]}"
            )


def check_sequence(ids: list[int]) -> SequenceReport:
    seen: set[int] = set()
    duplicates: list[int] = []
    for value in ids:
        if value in seen:
            duplicates.append(value)
        seen.add(value)
    return SequenceReport(count=len(seen), duplicates=tuple(duplicates), runs=_runs(sorted(seen)))


def _runs(values: list[int]) -> tuple[tuple[int, int], ...]:
    runs: list[tuple[int, int]] = []
    for value in values:
        if runs and value == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return tuple(runs)

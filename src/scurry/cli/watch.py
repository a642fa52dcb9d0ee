"""`scurry get KIND [NAME] --watch`: the objects, then one more for every change, until Ctrl-C.

As kubectl does: the current objects first (`--watch-only` skips them),
then each change as it happens: a table row, a JSON or YAML document (YAML
documents separated by `---`), or a name. A deleted object gets its last
row too. Rows printed later keep the columns of the first ones, widened when
a cell needs more room. The server's BOOKMARK tells where the current objects
end; the watch ends with Ctrl-C or when the server ends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from scurry.cli.client import ApiClient, Obj
from scurry.cli.columns import columns_for, tabulate
from scurry.cli.output import Format, print_document, write
from scurry.cli.refs import Selection, Target, kind_named
from scurry.errors import InvalidInput
from scurry.models.resources import KindInfo

COLUMN_GAP = "   "


@dataclass
class WatchPrinter:
    """Prints objects as they come, in the format of `-o`."""

    output: Format | None
    all_namespaces: bool
    widths: list[int] = field(default_factory=list)
    documents: int = 0

    def show(self, objs: Sequence[Obj]) -> None:
        if self.output in (Format.json, Format.yaml):
            for obj in objs:
                self._document(obj)
        elif self.output is Format.name:
            for obj in objs:
                write(Target(kind_named(obj["kind"]), obj["metadata"]["name"]).display)
        elif objs:
            self._rows(objs)

    def _document(self, obj: Obj) -> None:
        assert self.output is not None
        if self.output is Format.yaml and self.documents:
            write("---")
        print_document(obj, self.output)
        self.documents += 1

    def _rows(self, objs: Sequence[Obj]) -> None:
        columns = columns_for(
            kind_named(objs[0]["kind"]),
            wide=self.output is Format.wide,
            all_namespaces=self.all_namespaces,
        )
        headers, rows = tabulate(objs, columns, datetime.now(UTC))
        lines = rows if self.widths else [headers, *rows]
        self.widths = [
            max(width, *(len(line[i]) for line in lines))
            for i, width in enumerate(self.widths or [0] * len(headers))
        ]
        for line in lines:
            write(format_row(line, self.widths))


def format_row(cells: Sequence[str], widths: Sequence[int]) -> str:
    """Cells left-aligned in their columns, three spaces apart, as `get` prints tables."""
    padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
    return COLUMN_GAP.join(padded).rstrip()


def watched(selection: Selection, selector: str | None) -> tuple[KindInfo, str | None]:
    """The kind and (if one was named) the name to watch; a watch is of one or all."""
    targets = selection.targets
    if len(targets) > 1:
        raise InvalidInput(
            "watch is only supported on individual resources and resource collections, "
            f"but {len(targets)} resources were found"
        )
    if targets and selector:
        raise InvalidInput("a label selector (-l) cannot be combined with resource names")
    return selection.kind, targets[0].name if targets else None


def watch(
    client: ApiClient,
    selection: Selection,
    namespace: str | None,
    selector: str | None,
    printer: WatchPrinter,
    *,
    watch_only: bool,
) -> None:
    """Print the objects (unless `watch_only`), then every change, until Ctrl-C."""
    info, name = watched(selection, selector)
    if name is not None:
        if namespace is None:
            raise InvalidInput("a resource cannot be retrieved by name across all namespaces")
        if not watch_only:
            client.get(info, namespace, name)  # a missing object fails as `get` does
    current: list[Obj] | None = []
    try:
        for event in client.watch(info, namespace, selector, name):
            if event["type"] == "BOOKMARK":
                if current is not None and not watch_only:
                    printer.show(current)
                current = None
            elif current is not None:
                current.append(event["object"])
            else:
                printer.show([event["object"]])
    except KeyboardInterrupt:
        return

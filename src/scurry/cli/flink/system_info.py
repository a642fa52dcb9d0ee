"""`scurry flink system-info`: the server's version and revision."""

from __future__ import annotations

from scurry.cli.flink import routes, shapes
from scurry.cli.flink.cmf import Cmf, Obj
from scurry.cli.flink.connection import connected
from scurry.cli.flink.errors import failing
from scurry.cli.flink.options import OutputFormat
from scurry.cli.flink.render import Output, show, text


def rows(information: Obj) -> list[tuple[str, str | None]]:
    status = information.get("status") or {}
    return [("Version", text(status.get("version"))), ("Revision", text(status.get("revision")))]


@connected
def system_info(cmf: Cmf, output: OutputFormat = Output.human) -> None:
    """Display CMF system information."""
    with failing("failed to get system information"):
        information = cmf.get(routes.system_information())
    show(information, output, shapes.SYSTEM_INFORMATION, rows)

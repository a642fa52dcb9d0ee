"""The `scurry` command group and `main`, which turns every failure into one line and a code.

Each command lives in its own module; this one only holds the global options
(`--server`, `-v`) and the mapping of errors to exit codes: a `ScurryError`
exits with its own `exit_code`, a usage error with 2, Ctrl-C with 130.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import pydantic
import typer

from scurry.cli import (
    apply,
    delete,
    describe,
    events,
    get,
    jobs,
    lifecycle,
    logs,
    patch,
    plan,
    quickstart,
    snapshot_export,
    top,
    wait,
)
from scurry.cli.client import error_line
from scurry.cli.flink import group as flink
from scurry.cli.flink.errors import CommandError
from scurry.cli.session import Session
from scurry.config.settings import Settings
from scurry.errors import InvalidInput, ScurryError

INTERRUPTED = 130
GLOBAL_FLAGS = ("-v", "--verbose")
# Global options that take a value: the server and the credentials to show it.
GLOBAL_OPTIONS = (
    "--server",
    "--token",
    "--client-cert-path",
    "--client-key-path",
    "--certificate-authority-path",
)

app = typer.Typer(
    name="scurry",
    help="A control plane for Apache Flink: FlinkDeployments on this machine, kubectl style.",
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(
    ctx: typer.Context,
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            envvar="SCURRY_SERVER",
            help="URL of the scurry server (env SCURRY_SERVER; default: from SCURRY_HOST/PORT).",
            show_envvar=False,
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Print each API request to stderr.")
    ] = False,
    token: Annotated[
        str | None, typer.Option("--token", help="Bearer token for the server (SCURRY_TOKEN).")
    ] = None,
    client_cert_path: Annotated[
        Path | None,
        typer.Option(help="Client certificate (PEM) for mTLS (SCURRY_CLIENT_CERT_PATH)."),
    ] = None,
    client_key_path: Annotated[
        Path | None, typer.Option(help="Its private key (PEM) (SCURRY_CLIENT_KEY_PATH).")
    ] = None,
    certificate_authority_path: Annotated[
        Path | None,
        typer.Option(help="CA that signs the server's certificate (PEM)."),
    ] = None,
) -> None:
    """A control plane for Apache Flink: FlinkDeployments on this machine, kubectl style."""
    connection = {
        "server": server,
        "token": token,
        "client_cert_path": client_cert_path,
        "client_key_path": client_key_path,
        "certificate_authority_path": certificate_authority_path,
    }
    session = Session(load_settings(connection), verbose=verbose)
    ctx.obj = session
    ctx.call_on_close(session.close)


def load_settings(options: Mapping[str, Any]) -> Settings:
    """The installation's settings, with the options given; a bad SCURRY_* variable is an
    InvalidInput naming it."""
    try:
        return Settings(**{name: value for name, value in options.items() if value is not None})
    except pydantic.ValidationError as exc:
        problems = [
            f"SCURRY_{'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        ]
        raise InvalidInput("; ".join(problems)) from None


app.command("up")(lifecycle.up_command)
app.command("down")(lifecycle.down_command)
app.command("quickstart")(quickstart.quickstart_command)
app.command("apply")(apply.apply_command)
app.command("plan")(plan.plan_command)
app.command("get")(get.get_command)
app.command("describe")(describe.describe_command)
app.command("delete")(delete.delete_command)
app.command("patch")(patch.patch_command)
app.command("logs")(logs.logs_command)
app.command("events")(events.events_command)
app.command("top")(top.top_command)
app.command("wait")(wait.wait_command)
app.command("suspend")(jobs.suspend_command)
app.command("resume")(jobs.resume_command)
app.command("restart")(jobs.restart_command)
app.command("savepoint")(jobs.savepoint_command)
app.command("checkpoint")(jobs.checkpoint_command)
app.command(snapshot_export.COMMAND, hidden=True)(snapshot_export.export_command)
app.add_typer(flink.app, name="flink")


def hoist_global_options(args: list[str]) -> list[str]:
    """Move `--server URL`, the credentials and `-v` to the front, so that they work anywhere
    (as in kubectl)."""
    front: list[str] = []
    rest: list[str] = []
    items = iter(args)
    for arg in items:
        if arg == "--":
            rest.extend([arg, *items])
        elif arg in GLOBAL_FLAGS or arg.startswith(tuple(f"{o}=" for o in GLOBAL_OPTIONS)):
            front.append(arg)
        elif arg in GLOBAL_OPTIONS:
            front.extend([arg, next(items, "")])
        else:
            rest.append(arg)
    return [*front, *rest]


def route_subcommands(args: list[str]) -> list[str]:
    """`savepoint export ...` is its own command; `savepoint NAME` (take one) stays as it is."""
    index = 0
    while index < len(args) and args[index].startswith("-"):  # the hoisted global options
        index += 2 if args[index] in GLOBAL_OPTIONS else 1
    if args[index : index + 2] == ["savepoint", "export"]:
        return [*args[:index], snapshot_export.COMMAND, *args[index + 2 :]]
    return args


def main(args: list[str]) -> int:
    """Run the CLI on `args`; return the exit code instead of exiting."""
    command = typer.main.get_command(app)
    arguments = route_subcommands(hoist_global_options(args)) or ["--help"]
    try:
        result = command.main(args=arguments, prog_name="scurry", standalone_mode=False)
    except CommandError as error:  # `scurry flink`: worded as Confluent's CLI words it
        return fail(error.render(), error.exit_code)
    except ScurryError as error:
        return fail(error_line(error), error.exit_code)
    except typer.TyperException as error:
        prefix = "Error" if in_flink_group(error) else "error"
        return fail(f"{prefix}: {error.format_message()} {usage_hint(error)}", error.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        return fail("interrupted", INTERRUPTED)
    except BrokenPipeError:  # `scurry get ... | head`: the reader has gone, nothing to say
        return 1
    except OSError as error:
        return fail(f"error: {error}", 1)
    return result if isinstance(result, int) else 0


def in_flink_group(error: typer.TyperException) -> bool:
    path = getattr(getattr(error, "ctx", None), "command_path", None) or ""
    return path.startswith("scurry flink")


def usage_hint(error: typer.TyperException) -> str:
    path = getattr(getattr(error, "ctx", None), "command_path", None) or "scurry"
    return f"(see '{path} --help')"


def fail(line: str, code: int) -> int:
    sys.stderr.write(f"{line}\n")
    sys.stderr.flush()
    return code

"""The `scurry` command: `server` runs the control plane here, `db` works on its
database directly, `render` and `fetch` work offline; the rest is the CLI.

Entry points are imported lazily, so `scurry get` does not load FastAPI,
SQLAlchemy or Flink's wheels.
"""

from __future__ import annotations

import sys


def run_server(args: list[str]) -> int:
    import asyncio

    import pydantic

    from scurry.config import logformat
    from scurry.config.settings import Settings
    from scurry.controlplane import serve
    from scurry.errors import ScurryError
    from scurry.server.flags import parse_server_args

    parsed = parse_server_args(args)
    try:
        settings = Settings(**parsed.overrides)
        logformat.configure(settings.log_format)
        asyncio.run(serve(settings, with_controller=parsed.with_controller))
    except pydantic.ValidationError as exc:
        print(f"error: invalid server settings:\n{exc}", file=sys.stderr)
        return 2
    except ScurryError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    return 0


def run_operator(args: list[str]) -> int:
    """`scurry operator`: the Kubernetes operator; its settings come from SCURRY_* variables."""
    import asyncio
    import logging

    import pydantic

    from scurry.config.settings import Settings
    from scurry.errors import ScurryError

    if args:
        print("usage: scurry operator (configured by SCURRY_* variables)", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        from scurry.operator.kubeop.main import run_operator as operate

        asyncio.run(operate(Settings()))
    except ImportError as exc:
        print(f"error: {exc}; install scurry[operator]", file=sys.stderr)
        return 2
    except pydantic.ValidationError as exc:
        print(f"error: invalid operator settings:\n{exc}", file=sys.stderr)
        return 2
    except ScurryError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    return 0


def run_fetch(args: list[str]) -> int:
    from scurry.runtimes.fetch_command import main as fetch_main

    return fetch_main(args)


def run_render(args: list[str]) -> int:
    from scurry.runtimes.kubernetes.render_command import main as render_main

    return render_main(args)


def run_db(args: list[str]) -> int:
    from scurry.dbtool import main as db_main

    return db_main(args)


# Commands that run here, without a server: started lazily, outside the CLI's contract.
LOCAL_COMMANDS = {
    "server": run_server,
    "operator": run_operator,
    "db": run_db,
    "fetch": run_fetch,
    "render": run_render,
}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in LOCAL_COMMANDS:
        return LOCAL_COMMANDS[args[0]](args[1:])
    from scurry.cli.app import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())

"""The `scurry` command: `server` runs the control plane here, `db` works on its
database directly, `render` and `fetch` work offline; the rest is the CLI.

Entry points are imported lazily, so `scurry get` does not load FastAPI,
SQLAlchemy or Flink's wheels.
"""

from __future__ import annotations

import sys


def run_server(args: list[str]) -> int:
    import asyncio
    import logging

    from scurry.config.settings import Settings
    from scurry.controlplane import serve

    if any(a in ("-h", "--help") for a in args):
        print(
            "usage: scurry server [--no-controller]\n\nRun the API server and the controller "
            "in the foreground (SCURRY_HOST, SCURRY_PORT, SCURRY_HOME configure it)."
        )
        return 0
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(serve(Settings(), with_controller="--no-controller" not in args))
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

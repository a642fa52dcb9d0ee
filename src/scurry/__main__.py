"""The `scurry` command: `server` runs the control plane here, `db` works on its
database directly; the rest is the CLI.

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


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "server":
        return run_server(args[1:])
    if args and args[0] == "db":
        from scurry.dbtool import main as db_main

        return db_main(args[1:])
    from scurry.cli.app import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())

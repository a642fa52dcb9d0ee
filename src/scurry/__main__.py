"""The `scurry` command: `server` runs the control plane here, `db` works on its
database directly; the rest is the CLI.

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

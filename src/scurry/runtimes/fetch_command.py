"""`scurry fetch URI DEST`: download one artifact, as the pods' init container does.

Stock Flink images carry no S3 filesystem plugin, so an application whose
`jarURI` is `s3://` or `http(s)://` gets its jar from this command, run from the
scurry image before Flink starts. Credentials come from the environment
(`SCURRY_S3_*`, or boto3's `AWS_*` chain); headers, as FKO's
`kubernetes.operator.user.artifacts.http.header` gives them, from `--header`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import pydantic

from scurry.config.settings import Settings
from scurry.errors import ScurryError
from scurry.runtimes.fetch import ArtifactFetcher, parse_http_headers, s3_options

USAGE_ERROR = 2


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(
        prog="scurry fetch",
        description="Download an http(s):// or s3:// artifact to DEST (retried, checksummed).",
    )
    parse.add_argument("uri", metavar="URI")
    parse.add_argument("dest", metavar="DEST", type=Path, help="the file to write")
    parse.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="NAME:VALUE",
        help="an HTTP header to send (repeatable)",
    )
    parse.add_argument("--attempts", type=int, default=5, help="tries before giving up")
    return parse


def main(args: list[str]) -> int:
    options = parser().parse_args(args)
    try:
        settings = Settings()
    except pydantic.ValidationError as exc:
        sys.stderr.write(f"error: invalid SCURRY_* setting: {exc.errors()[0]['msg']}\n")
        return USAGE_ERROR
    fetcher = ArtifactFetcher(s3_options(settings), attempts=max(1, options.attempts))
    headers = parse_http_headers(",".join(options.header))
    try:
        target = asyncio.run(
            fetcher.fetch_to(options.uri, options.dest.absolute(), headers=headers, label="fetch")
        )
    except ScurryError as error:
        sys.stderr.write(f"error: {error.message}\n")
        return error.exit_code
    print(target)
    return 0

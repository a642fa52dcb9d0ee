"""A detached SQL statement's setup, put into its session job's arguments at submission.

The FKO object of a statement names the Secret holding its setup
(`--setup-secret NAME`) instead of carrying the DDL, whose connector
options may hold credentials. The controller expands the name into the
statements at the last step, the `/jars/run` request, so the setup in clear
reaches Flink and nothing that is stored or served.
"""

from __future__ import annotations

import json

from scurry.errors import InvalidInput, NotFound
from scurry.models.cluster import JobLaunch
from scurry.operator.environment import data_of
from scurry.ports import ResourceStore
from scurry.services.cmf.statement_jobs import SETUP_KEY, SETUP_OPTION


async def with_setup(store: ResourceStore, namespace: str, job: JobLaunch) -> JobLaunch:
    """`job` with `--setup-secret NAME` replaced by `--statement` for each setup statement."""
    args = list(job.args)
    if SETUP_OPTION not in args[:-1]:
        return job
    at = args.index(SETUP_OPTION)
    name = args[at + 1]
    try:
        secret = await store.get("Secret", namespace, name)
    except NotFound:
        raise NotFound(f"the SQL setup Secret {namespace}/{name} does not exist") from None
    try:
        statements = json.loads(data_of(secret)[SETUP_KEY])
    except (KeyError, ValueError):
        raise InvalidInput(f"Secret {namespace}/{name}: no JSON list under {SETUP_KEY}") from None
    expanded = [part for statement in statements for part in ("--statement", str(statement))]
    return job.model_copy(update={"args": (*args[:at], *expanded, *args[at + 2 :])})

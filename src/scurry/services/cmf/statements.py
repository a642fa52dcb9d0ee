"""SQL statements: planned when created, then run the way their kind asks.

Creating a statement plans it in the SQL engine against the environment's
catalog. A statement Flink refuses (syntax, unknown table, type mismatch)
is stored FAILED with Flink's message in `detail` and `exceptions`; the
request itself succeeds, as in CMF. Then, by kind (`sql_kinds`):

- detached (INSERT): an FKO job (`statement_jobs`) the controller runs;
  the phase is read live from it; stop, resume and rescale are PUTs.
- interactive (SELECT): a query in the SQL engine against the pool's
  cluster, started once the cluster serves (the statement waits in
  PENDING until then); rows are paged through `results`.
- immediate (SHOW, DESCRIBE, EXPLAIN): run at once, rows kept with it.
- catalog (CREATE / DROP ...): run against the stored catalog, which is
  replaced by the result; Kafka catalogs are read-only.
- session (USE, SET): nothing to run; the CMF way is `spec.properties`.

Phases move forward on reads (`refresh`): a client that polls a statement
is what moves it, and what the engine or the controller did meanwhile is
recorded then, so the stored status is never ahead of the world.
"""

from __future__ import annotations

import secrets
from typing import Any

from scurry.errors import Conflict, Gone, InvalidInput, NotFound, StatementRefused, ValidationFailed
from scurry.models.cluster import ClusterRef
from scurry.models.cmf import CMF_API_VERSION
from scurry.models.cmfsql import StatementRequest
from scurry.models.manifest import normalize
from scurry.models.resources import FLINK_DEPLOYMENT
from scurry.ports import Obj, SqlEngine
from scurry.services.cmf import kinds, lookup, names, records, requests, sql_catalog, statement_jobs
from scurry.services.cmf.context import CmfContext
from scurry.services.cmf.deployments import owned_by
from scurry.services.cmf.listing import ListQuery, ListRules, page_of, path_getter, v2_rules
from scurry.services.cmf.pools import (
    ComputePools,
    admit_cluster,
    cluster_for,
    cluster_name,
    effective_spec,
    rest_target,
)
from scurry.services.cmf.sql_kinds import Kind, classify, column

KIND = "Statement"
TERMINAL = ("COMPLETED", "FAILED", "STOPPED")
MAX_EXCEPTIONS = 10
IMMEDIATE_ROWS = 1000
QUERY_CAPACITY = 1000
PAGE_ROWS = 100
RULES: ListRules = v2_rules(
    always_fields=("spec.statement", "spec.computePoolName", "status.phase"),  # the spec's
    extra_filters={
        "phase": path_getter("status.phase"),
        "computePoolName": path_getter("spec.computePoolName"),
    },
    search_scopes={
        "name": path_getter("metadata.name"),
        "statement": path_getter("spec.statement"),
    },
)


class Statements:
    def __init__(self, ctx: CmfContext, engine: SqlEngine) -> None:
        self.ctx, self.engine = ctx, engine
        self.pools = ComputePools(ctx)

    # -- create ---------------------------------------------------------------------------

    async def create(self, env_name: str, body: Any) -> dict[str, Any]:
        env = await lookup.environment(self.ctx, env_name)
        spec, name, labels, notes = _parsed(body)
        pool = await self._pool_of(env_name, spec)
        if await records.find(self.ctx.cmf, kinds.STATEMENT, env_name, name) is not None:
            raise Conflict(f'{KIND} "{name}" already exists in Environment "{env_name}"')
        if spec.get("startFromSavepoint"):
            raise ValidationFailed(
                f'{KIND} "{name}" is invalid: spec.startFromSavepoint: works only when a '
                "statement is updated"
            )
        setup = await sql_catalog.setup(self.ctx, env_name)
        own_config = dict(spec.get("flinkConfiguration") or {})
        status: dict[str, Any] = {"exceptions": []}
        kind: Kind | str | None = setup.refusal(spec["statement"], spec.get("properties") or {})
        try:
            if kind is None:
                analysis = await self.engine.analyze(
                    sql_catalog.context(setup, spec, own_config), spec["statement"]
                )
                kind = classify(analysis)
        except StatementRefused as exc:
            kind = setup.explained(exc.message)
        obj = records.record(
            kinds.STATEMENT, env_name, name, spec, labels=labels, annotations=notes
        )
        stored = await records.create(self.ctx.cmf, obj, self.ctx.now(), KIND)
        if isinstance(kind, str):
            return render(await self._fail(stored, kind))
        status.update(mode=kind.mode, traits={"sqlKind": kind.sql_kind, **kind.traits})
        config = {**_defaults(env, kind), **own_config}
        status["configuration"] = config
        stored = await records.touch(self.ctx.cmf, stored, self.ctx.now(), **status)
        try:
            stored = await self._start(env, pool, stored, kind, setup, config)
        except StatementRefused as exc:
            stored = await self._fail(stored, setup.explained(exc.message))
        except ValidationFailed:
            await records.delete_quietly(self.ctx.cmf, stored)
            raise
        return render(await self.refresh(env, stored))

    async def _start(
        self,
        env: Obj,
        pool: Obj,
        stmt: Obj,
        kind: Kind,
        setup: sql_catalog.Setup,
        config: dict[str, str],
    ) -> Obj:
        spec, env_name = stmt["spec"], env["metadata"]["name"]
        context = sql_catalog.context(setup, spec, config)
        if kind.mode == "detached":
            await self._write_job(env, pool, stmt, None)
            return await self._phase(stmt, "PENDING", "waiting for the compute pool")
        if kind.mode == "interactive":
            query = {"queryId": stmt["metadata"]["uid"], "jobId": secrets.token_hex(16)}
            stmt = await records.touch(self.ctx.cmf, stmt, self.ctx.now(), query=query)
            if _dedicated(pool, env):
                await self._write_query_cluster(env, pool, stmt)
            return await self._phase(stmt, "PENDING", "waiting for the compute pool")
        if kind.mode == "immediate":
            answer = await self.engine.execute(
                context, spec["statement"], max_rows=IMMEDIATE_ROWS, catalog=False
            )
            stmt = await self._with_rows(stmt, answer)
            return await self._phase(stmt, "COMPLETED", None)
        if kind.mode == "catalog":
            target = await self._target_catalog(context, spec["statement"])
            refusal = setup.read_only(target)
            if refusal:
                raise StatementRefused(refusal)
            if target not in (None, sql_catalog.DEFAULT_CATALOG):
                raise StatementRefused(
                    f"catalog {target} is read-only: tables, views and functions can be created "
                    f"and dropped only in {sql_catalog.DEFAULT_CATALOG}"
                )
            answer = await self.engine.execute(
                context, spec["statement"], max_rows=IMMEDIATE_ROWS, catalog=True
            )
            await sql_catalog.replace(self.ctx, env_name, answer.get("catalog") or [])
            stmt = await self._with_rows(stmt, answer)
            return await self._phase(stmt, "COMPLETED", None)
        return await self._phase(
            stmt,
            "COMPLETED",
            "nothing to run: a statement's session is set through spec.properties "
            "(sql.current-catalog, sql.current-database) and spec.flinkConfiguration",
        )

    async def _target_catalog(self, context: dict[str, Any], statement: str) -> str | None:
        analysis = await self.engine.analyze(context, statement)
        target = analysis.get("targetCatalog")
        return str(target) if target else None

    # -- read -----------------------------------------------------------------------------

    async def get(self, env_name: str, name: str) -> dict[str, Any]:
        env = await lookup.environment(self.ctx, env_name)
        return render(await self.refresh(env, await self.record(env_name, name)))

    async def page(
        self, env_name: str, query: ListQuery, pool: str | None, phase: str | None
    ) -> dict[str, Any]:
        env = await lookup.environment(self.ctx, env_name)
        found = []
        for stmt in await self.ctx.cmf.list(kinds.STATEMENT, env_name):
            if pool and stmt["spec"].get("computePoolName") != pool:
                continue
            current = render(await self.refresh(env, stmt))
            if phase and str(current["status"]["phase"]).upper() != phase.upper():
                continue
            found.append(current)
        return page_of(found, query, RULES)

    async def record(self, env_name: str, name: str) -> Obj:
        found = await records.find(self.ctx.cmf, kinds.STATEMENT, env_name, name)
        if found is None:
            raise NotFound(f'{KIND} "{name}" not found in Environment "{env_name}"')
        return found

    async def refresh(self, env: Obj, stmt: Obj) -> Obj:
        """Move the statement's phase forward from what its job or query did.

        Requests and the statement driver may refresh at once: the one that
        loses the write reads what the other one wrote.
        """
        try:
            return await self._refresh(env, stmt)
        except Conflict:
            meta = stmt["metadata"]
            return await self.record(meta["namespace"], meta["name"])

    async def _refresh(self, env: Obj, stmt: Obj) -> Obj:
        status = stmt.get("status") or {}
        mode, phase = status.get("mode"), status.get("phase")
        if phase == "DELETING":
            return stmt
        if mode == "detached":
            derived = await self._job(env, stmt)
            if derived is None and phase not in TERMINAL:
                # Acknowledged but its job never written (a crash in between): write it now.
                pool = await self._pool_of(env["metadata"]["name"], stmt["spec"])
                await self._write_job(env, pool, stmt, None)
                derived = await self._job(env, stmt)
            new_phase, detail = statement_jobs.job_phase(derived, bool(stmt["spec"].get("stopped")))
            if (new_phase, detail) != (phase, status.get("detail")):
                stmt = await self._phase(stmt, new_phase, detail)
            return stmt
        if mode != "interactive" or phase in TERMINAL:
            return stmt
        query = status.get("query") or {}
        report = await self.engine.query(query["queryId"])
        if report is None:
            if phase == "RUNNING":
                return await self._fail(
                    stmt, "the statement's results were lost with the SQL session"
                )
            return await self._start_query(env, stmt)
        return await self._follow(env, stmt, report)

    async def _start_query(self, env: Obj, stmt: Obj) -> Obj:
        pool = await self._pool_of(env["metadata"]["name"], stmt["spec"])
        namespace = lookup.namespace_of(env)
        if _dedicated(pool, env):
            cluster = statement_jobs.job_name(stmt["metadata"]["name"])
        else:
            cluster = (await self.pools.cluster(env, pool) or {}).get("metadata", {}).get("name")
        target = await rest_target(self.ctx, namespace, cluster) if cluster else None
        if target is None:
            return await self._phase(stmt, "PENDING", "waiting for the compute pool")
        setup = await sql_catalog.setup(self.ctx, env["metadata"]["name"])
        status = stmt["status"]
        body = {
            "statement": stmt["spec"]["statement"],
            "context": sql_catalog.context(setup, stmt["spec"], status.get("configuration") or {}),
            "target": {"host": target[0], "port": target[1]},
            "jobId": status["query"]["jobId"],
            "capacity": QUERY_CAPACITY,
        }
        report = await self.engine.start_query(status["query"]["queryId"], body)
        return await self._follow(env, stmt, report)

    async def _follow(self, env: Obj, stmt: Obj, report: dict[str, Any]) -> Obj:
        followed = await self._followed(stmt, report)
        if followed["status"].get("phase") in TERMINAL:
            # A finished query's rows are all in the engine: a dedicated cluster can go.
            cluster = await self._job(env, followed)
            if cluster is not None:
                await records.delete_quietly(self.ctx.fko, cluster)
        return followed

    async def _followed(self, stmt: Obj, report: dict[str, Any]) -> Obj:
        state = str(report.get("state") or "")
        if state == "FAILED":
            return await self._fail(stmt, str(report.get("error") or "the query failed"))
        phase, detail = {
            "STARTING": ("RUNNING", "the query's job is being submitted"),
            "RUNNING": ("RUNNING", None),
            "FINISHED": ("COMPLETED", None),
            "CANCELED": ("STOPPED", "the query was cancelled"),
        }.get(state, ("RUNNING", None))
        status = stmt.get("status") or {}
        if (phase, detail) == (status.get("phase"), status.get("detail")):
            return stmt
        return await self._phase(stmt, phase, detail)

    # -- results and exceptions -----------------------------------------------------------

    async def results(self, env_name: str, name: str, token: str | None) -> dict[str, Any]:
        env = await lookup.environment(self.ctx, env_name)
        stmt = await self.refresh(env, await self.record(env_name, name))
        status = stmt.get("status") or {}
        offset = _offset(token)
        if status.get("mode") == "immediate" or "rows" in status:
            rows = status.get("rows") or []
            chosen = rows[offset : offset + PAGE_ROWS]
            after = offset + len(chosen)
            return _result(stmt, chosen, str(after) if after < len(rows) else None)
        if status.get("mode") != "interactive":
            raise InvalidInput(f'{KIND} "{name}" does not return results')
        if status.get("phase") == "PENDING":
            return _result(stmt, [], str(offset))
        query_id = status["query"]["queryId"]
        if await self.engine.query(query_id) is None:
            raise Gone(f'the results of {KIND} "{name}" are gone')
        page = await self.engine.rows(query_id, offset, PAGE_ROWS)
        end = bool(page.get("end"))
        return _result(stmt, page.get("rows") or [], None if end else str(page["nextOffset"]))

    async def exceptions(self, env_name: str, name: str) -> dict[str, Any]:
        env = await lookup.environment(self.ctx, env_name)
        stmt = await self.refresh(env, await self.record(env_name, name))
        found = list((stmt.get("status") or {}).get("exceptions") or [])
        data = [
            {"apiVersion": CMF_API_VERSION, "kind": "StatementException", **item}
            for item in reversed(found[-MAX_EXCEPTIONS:])
        ]
        return {"apiVersion": CMF_API_VERSION, "kind": "StatementExceptionList", "data": data}

    # -- update and delete ----------------------------------------------------------------

    async def update(self, env_name: str, name: str, body: Any) -> dict[str, Any]:
        env = await lookup.environment(self.ctx, env_name)
        stmt = await self.record(env_name, name)
        spec, body_name, labels, notes = _parsed(body)
        requests.check_same_name(name, body_name)
        before = stmt["spec"]
        for field in ("statement", "computePoolName"):
            if spec.get(field) != before.get(field):
                raise ValidationFailed(
                    f'{KIND} "{name}" is invalid: spec.{field}: cannot be changed; create a new '
                    "statement instead"
                )
        status = stmt.get("status") or {}
        if status.get("mode") != "detached" and spec != before:
            raise ValidationFailed(
                f'{KIND} "{name}" is invalid: only detached statements (INSERT INTO ...) can be '
                "stopped, resumed or rescaled"
            )
        if status.get("phase") in ("COMPLETED", "FAILED") and spec != before:
            raise ValidationFailed(
                f'{KIND} "{name}" is invalid: it is {status.get("phase")} and cannot be changed'
            )
        parallelism = spec.get("parallelism")
        if parallelism is not None and (not isinstance(parallelism, int) or parallelism < 1):
            raise ValidationFailed(f'{KIND} "{name}" is invalid: spec.parallelism: must be >= 1')
        updated = await records.replace(
            self.ctx.cmf, stmt, spec, self.ctx.now(), labels=labels, annotations=notes
        )
        if status.get("mode") == "detached":
            pool = await self._pool_of(env_name, spec)
            await self._write_job(env, pool, updated, await self._job(env, updated))
        return render(await self.refresh(env, updated))

    async def delete(self, env_name: str, name: str, *, force: bool = False) -> None:
        env = await lookup.environment(self.ctx, env_name)
        stmt = await self.record(env_name, name)
        if not force:
            # Recorded first, so that no refresh writes the job again while it goes.
            stmt = await self._phase(stmt, "DELETING", "the statement is being deleted")
            query = (stmt.get("status") or {}).get("query")
            if query:
                await self.engine.drop_query(query["queryId"])
            derived = await self._job(env, stmt)
            if derived is not None:
                await records.delete_quietly(self.ctx.fko, derived)
            await self._drop_setup(env, stmt)
        await self.ctx.cmf.delete(kinds.STATEMENT, env_name, name)

    # -- pieces ---------------------------------------------------------------------------

    async def _pool_of(self, env_name: str, spec: dict[str, Any]) -> Obj:
        pool_name = str(spec.get("computePoolName") or "")
        found = await records.find(self.ctx.cmf, kinds.COMPUTE_POOL, env_name, pool_name)
        if found is None:
            raise ValidationFailed(
                f'spec.computePoolName: ComputePool "{pool_name}" not found in Environment '
                f'"{env_name}"'
            )
        return found

    async def _job(self, env: Obj, stmt: Obj) -> Obj | None:
        """The FKO object of a detached statement (or a dedicated query's cluster)."""
        namespace = lookup.namespace_of(env)
        name = statement_jobs.job_name(stmt["metadata"]["name"])
        for kind in ("FlinkSessionJob", FLINK_DEPLOYMENT.kind):
            found = await records.find(self.ctx.fko, kind, namespace, name)
            if found is not None and owned_by(found, stmt):
                return found
        return None

    async def _write_job(self, env: Obj, pool: Obj, stmt: Obj, existing: Obj | None) -> None:
        pool_spec = effective_spec(pool, env)
        status = stmt.get("status") or {}
        setup = await sql_catalog.setup(self.ctx, env["metadata"]["name"])
        config = {**setup.configuration(), **(status.get("configuration") or {})}
        name = stmt["metadata"]["name"]
        await self._write_setup(statement_jobs.setup_secret(stmt, env, setup.statements))
        args = statement_jobs.runner_args(name, stmt["spec"], config)
        obj = statement_jobs.derived_job(stmt, env, pool, pool_spec, args, existing)
        what = f'{KIND} "{stmt["metadata"]["name"]}"'
        if obj["kind"] == FLINK_DEPLOYMENT.kind:
            await admit_cluster(self.ctx, obj, existing, what)
        if existing is None:
            await self.ctx.fko.create(normalize(obj))
        else:
            await self.ctx.fko.update(normalize(obj))

    async def _write_setup(self, secret: Obj) -> None:
        meta = secret["metadata"]
        found = await records.find(self.ctx.fko, "Secret", meta["namespace"], meta["name"])
        if found is None:
            await self.ctx.fko.create(secret)
            return
        meta["resourceVersion"] = found["metadata"].get("resourceVersion")
        await self.ctx.fko.update(secret)

    async def _drop_setup(self, env: Obj, stmt: Obj) -> None:
        name = statement_jobs.setup_name(stmt["metadata"]["name"])
        found = await records.find(self.ctx.fko, "Secret", lookup.namespace_of(env), name)
        if found is not None and owned_by(found, stmt):
            await records.delete_quietly(self.ctx.fko, found)

    async def _write_query_cluster(self, env: Obj, pool: Obj, stmt: Obj) -> None:
        """A dedicated pool's query gets a session cluster of its own."""
        pool_spec = effective_spec(pool, env)
        name = statement_jobs.job_name(stmt["metadata"]["name"])
        labels = {
            kinds.POOL_LABEL: pool["metadata"]["name"],
            kinds.STATEMENT_LABEL: stmt["metadata"]["name"],
        }
        obj = cluster_for(stmt, KIND, env, name, pool_spec.get("clusterSpec") or {}, labels)
        await admit_cluster(self.ctx, obj, None, f'{KIND} "{stmt["metadata"]["name"]}"')
        await self.ctx.fko.create(normalize(obj))

    async def _phase(self, stmt: Obj, phase: str, detail: str | None) -> Obj:
        return await records.touch(self.ctx.cmf, stmt, self.ctx.now(), phase=phase, detail=detail)

    async def _fail(self, stmt: Obj, message: str) -> Obj:
        status = stmt.get("status") or {}
        exceptions = list(status.get("exceptions") or [])
        exceptions.append(
            {
                "name": f"exception-{len(exceptions) + 1}",
                "message": message,
                "timestamp": records.stamp(self.ctx.now()),
            }
        )
        return await records.touch(
            self.ctx.cmf,
            stmt,
            self.ctx.now(),
            phase="FAILED",
            detail=message,
            exceptions=exceptions[-MAX_EXCEPTIONS:],
        )

    async def _with_rows(self, stmt: Obj, answer: dict[str, Any]) -> Obj:
        traits = dict((stmt.get("status") or {}).get("traits") or {})
        columns = answer.get("columns") or []
        if columns:
            traits["schema"] = {"columns": [column(c) for c in columns]}
            traits.setdefault("isAppendOnly", True)
        return await records.touch(
            self.ctx.cmf, stmt, self.ctx.now(), rows=answer.get("rows") or [], traits=traits
        )


def render(stmt: Obj) -> dict[str, Any]:
    status = stmt.get("status") or {}
    shown: dict[str, Any] = {"phase": status.get("phase") or "PENDING"}
    if status.get("detail"):
        shown["detail"] = status["detail"]
    if status.get("traits"):
        shown["traits"] = status["traits"]
    return {
        "apiVersion": CMF_API_VERSION,
        "kind": KIND,
        "metadata": records.metadata_view(stmt).to_wire(),
        "spec": stmt["spec"],
        "status": shown,
    }


def _result(stmt: Obj, rows: list[Any], next_token: str | None) -> dict[str, Any]:
    annotations = {"nextPageToken": next_token} if next_token is not None else {}
    return {
        "apiVersion": CMF_API_VERSION,
        "kind": "StatementResult",
        "metadata": {
            "creationTimestamp": stmt["metadata"].get("creationTimestamp"),
            "annotations": annotations,
        },
        "results": {"data": rows},
    }


def _offset(token: str | None) -> int:
    if token in (None, ""):
        return 0
    if not token.isdigit():
        raise InvalidInput(f"page-token: {token!r} is not a token this server gave out")
    return int(token)


def _dedicated(pool: Obj, env: Obj) -> bool:
    return effective_spec(pool, env).get("type") == "DEDICATED"


def _defaults(env: Obj, kind: Kind) -> dict[str, str]:
    """The environment's statementDefaults for the statement's kind of run."""
    group = "detached" if kind.mode == "detached" else "interactive"
    found = (env["spec"].get("statementDefaults") or {}).get(group) or {}
    config = found.get("flinkConfiguration") or {}
    return {str(k): str(v) for k, v in config.items()}


def _parsed(body: Any) -> tuple[dict[str, Any], str, dict[str, str], dict[str, str]]:
    parsed = requests.parse(StatementRequest, body)
    requests.check_kind(parsed.kind, KIND)
    name = names.check_name(parsed.metadata.get("name"))
    labels = requests.check_string_map(parsed.metadata.get("labels"), "metadata.labels")
    notes = requests.check_string_map(parsed.metadata.get("annotations"), "metadata.annotations")
    if not parsed.spec.statement.strip():
        raise InvalidInput("spec.statement: must not be empty")
    spec = {key: value for key, value in body["spec"].items() if value is not None}
    return spec, name, labels, notes


async def statement_cluster(ctx: CmfContext, env_name: str, name: str) -> ClusterRef:
    """The cluster statement `name` runs on: its pool's (shared) or its own (dedicated)."""
    env = await lookup.environment(ctx, env_name)
    stmt = await records.find(ctx.cmf, kinds.STATEMENT, env_name, name)
    if stmt is None:
        raise NotFound(f'{KIND} "{name}" not found in Environment "{env_name}"')
    pool_name = str(stmt["spec"].get("computePoolName") or "")
    pool = await records.find(ctx.cmf, kinds.COMPUTE_POOL, env_name, pool_name)
    namespace = lookup.namespace_of(env)
    if pool is not None and not _dedicated(pool, env):
        return ClusterRef(namespace=namespace, name=cluster_name(pool_name))
    return ClusterRef(namespace=namespace, name=statement_jobs.job_name(name))

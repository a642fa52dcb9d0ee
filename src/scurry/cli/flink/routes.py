"""The CMF API's paths for the resources `scurry flink` manages."""

from __future__ import annotations

from scurry.cli.flink.cmf import V1ALPHA1, path


def environments() -> str:
    return path("environments")


def environment(name: str) -> str:
    return path("environments", name)


def applications(env: str) -> str:
    return path("environments", env, "applications")


def application(env: str, name: str) -> str:
    return path("environments", env, "applications", name)


def instances(env: str, app: str) -> str:
    return path("environments", env, "applications", app, "instances")


def instance(env: str, app: str, name: str) -> str:
    return path("environments", env, "applications", app, "instances", name)


def events(env: str, app: str) -> str:
    return path("environments", env, "applications", app, "events", base=V1ALPHA1)


def web_ui(env: str, app: str) -> str:
    """Where the server proxies the application's Flink web UI (append the UI's path)."""
    return path("environments", env, "applications", app, "flink-web-ui")


def savepoints(env: str, owner_kind: str, owner: str) -> str:
    """Savepoints of an application (`applications`) or a statement (`statements`)."""
    return path("environments", env, owner_kind, owner, "savepoints")


def savepoint(env: str, owner_kind: str, owner: str, name: str) -> str:
    return path("environments", env, owner_kind, owner, "savepoints", name)


def detached_savepoints() -> str:
    return path("detached-savepoints")


def detached_savepoint(name: str) -> str:
    return path("detached-savepoints", name)


def secrets() -> str:
    return path("secrets")


def secret(name: str) -> str:
    return path("secrets", name)


def secret_mappings(env: str) -> str:
    return path("environments", env, "secret-mappings")


def secret_mapping(env: str, name: str) -> str:
    return path("environments", env, "secret-mappings", name)


def catalogs() -> str:
    return path("catalogs", "kafka")


def catalog(name: str) -> str:
    return path("catalogs", "kafka", name)


def databases(catalog: str) -> str:
    return path("catalogs", "kafka", catalog, "databases")


def database(catalog: str, name: str) -> str:
    return path("catalogs", "kafka", catalog, "databases", name)


def system_information() -> str:
    return path("system-information")


def compute_pools(env: str) -> str:
    return path("environments", env, "compute-pools")


def compute_pool(env: str, name: str) -> str:
    return path("environments", env, "compute-pools", name)


def statements(env: str) -> str:
    return path("environments", env, "statements")


def statement(env: str, name: str) -> str:
    return path("environments", env, "statements", name)


def statement_results(env: str, name: str) -> str:
    return path("environments", env, "statements", name, "results")


def statement_exceptions(env: str, name: str) -> str:
    return path("environments", env, "statements", name, "exceptions")


def statement_web_ui(env: str, name: str) -> str:
    """Where the server proxies the Flink web UI a statement runs on."""
    return path("environments", env, "statements", name, "flink-web-ui")

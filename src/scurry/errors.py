"""One typed error hierarchy for scurry.

Each error knows the HTTP status the server answers with and the exit code the
CLI ends with, so neither entry point decides that on its own::

    ScurryError
    ├── InvalidInput          400  malformed manifest, unknown kind, bad field
    │   └── ValidationFailed  422  a spec that breaks a validation rule
    ├── NotFound              404
    ├── Unauthenticated       401  no credentials, or credentials that do not hold
    ├── Forbidden             403  a principal without the role an operation needs
    ├── Conflict              409  stale resourceVersion, name taken
    ├── Unavailable           503  a dependency (Flink, the database) does not answer
    └── RuntimeFailure        500  the runtime could not carry out an action
        └── ArtifactError     400  a job artifact cannot be resolved or fetched
"""

from __future__ import annotations


class ScurryError(Exception):
    """Base of every error scurry raises on purpose."""

    http_status = 500
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(ScurryError):
    http_status = 400
    exit_code = 2


class ValidationFailed(InvalidInput):
    http_status = 422


class NotFound(ScurryError):
    http_status = 404
    exit_code = 3


class Unauthenticated(ScurryError):
    http_status = 401
    exit_code = 7


class Forbidden(ScurryError):
    http_status = 403
    exit_code = 8


class Conflict(ScurryError):
    http_status = 409
    exit_code = 4


class Unavailable(ScurryError):
    http_status = 503
    exit_code = 5


class RuntimeFailure(ScurryError):
    http_status = 500
    exit_code = 6


class ArtifactError(RuntimeFailure):
    http_status = 400


class Gone(ScurryError):
    """What was asked for existed once and is no longer kept (statement results)."""

    http_status = 410
    exit_code = 4


class StatementRefused(ValidationFailed):
    """Flink refused a SQL statement; the message is Flink's own."""

"""lifecycleState and the Running condition (fko-semantics.md §a status objects, §b)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scurry.core.lifecycle import TERMINAL_ERRORS, lifecycle_state, running_condition
from scurry.core.reconciled import serialize
from scurry.models.enums import (
    FlinkJobState,
    JobManagerDeploymentStatus,
    LifecycleState,
    ReconciliationState,
)
from scurry.models.spec import FlinkDeploymentSpec, FlinkSessionJobSpec
from scurry.models.status import (
    CommonStatus,
    Condition,
    FlinkDeploymentStatus,
    FlinkSessionJobStatus,
    JobStatus,
    ReconciliationStatus,
)

Jm, Life, Recon = JobManagerDeploymentStatus, LifecycleState, ReconciliationState
JOB = {"jarURI": "local:///opt/flink/examples/streaming/StateMachineExample.jar", "parallelism": 2}
RUNNING_SPEC = serialize(
    FlinkDeploymentSpec.model_validate({"flinkVersion": "v2_2", "job": JOB}), first_deployment=False
)
SUSPENDED_SPEC = serialize(
    FlinkDeploymentSpec.model_validate(
        {"flinkVersion": "v2_2", "job": {**JOB, "state": "suspended"}}
    ),
    first_deployment=False,
)
OTHER_RUNNING_SPEC = serialize(
    FlinkDeploymentSpec.model_validate({"flinkVersion": "v2_2", "job": {**JOB, "parallelism": 4}}),
    first_deployment=False,
)
SESSION_SPEC = serialize(
    FlinkDeploymentSpec.model_validate({"flinkVersion": "v2_2"}), first_deployment=True
)
NO_HA = "HA metadata is not available"


def deployment_status(
    *,
    reconciled: str | None = RUNNING_SPEC,
    stable: str | None = None,
    recon: Recon = Recon.DEPLOYED,
    job: FlinkJobState | None = FlinkJobState.RUNNING,
    jm: Jm = Jm.READY,
    error: str | None = None,
    previous: Life | None = None,
) -> FlinkDeploymentStatus:
    return FlinkDeploymentStatus(
        job_status=JobStatus(state=job),
        error=error,
        lifecycle_state=previous,
        reconciliation_status=ReconciliationStatus(
            last_reconciled_spec=reconciled, last_stable_spec=stable, state=recon
        ),
        job_manager_deployment_status=jm,
    )


BRANCHES: list[Any] = [
    # 1. DELETING / DELETED as the cleanup path set them
    pytest.param(
        {"previous": Life.DELETING, "job": FlinkJobState.FAILED}, Life.DELETING, id="deleting"
    ),
    pytest.param({"previous": Life.DELETED, "reconciled": None}, Life.DELETED, id="deleted"),
    pytest.param(
        {"previous": Life.FAILED, "stable": RUNNING_SPEC}, Life.STABLE, id="stale-is-recomputed"
    ),
    # 2. nothing reconciled yet
    pytest.param({"reconciled": None, "job": None, "jm": Jm.MISSING}, Life.CREATED, id="created"),
    pytest.param({"reconciled": None, "error": ""}, Life.CREATED, id="created-empty-error"),
    pytest.param({"reconciled": None, "error": "bad spec"}, Life.FAILED, id="failed-before-deploy"),
    # 3. reconciliation in flight
    pytest.param(
        {"recon": Recon.UPGRADING, "job": FlinkJobState.FAILED}, Life.UPGRADING, id="upgrading"
    ),
    pytest.param(
        {"recon": Recon.UPGRADING, "reconciled": SUSPENDED_SPEC},
        Life.UPGRADING,
        id="upgrading-suspended",
    ),
    pytest.param({"recon": Recon.ROLLING_BACK}, Life.ROLLING_BACK, id="rolling-back"),
    # 4. suspended by the reconciled spec
    pytest.param(
        {"reconciled": SUSPENDED_SPEC, "job": FlinkJobState.FAILED}, Life.SUSPENDED, id="suspended"
    ),
    pytest.param(
        {"reconciled": SUSPENDED_SPEC, "stable": SUSPENDED_SPEC, "jm": Jm.MISSING, "error": NO_HA},
        Life.SUSPENDED,
        id="suspended-wins-over-lost-jm",
    ),
    # 5. job failed
    pytest.param(
        {"job": FlinkJobState.FAILED, "stable": RUNNING_SPEC}, Life.FAILED, id="job-failed"
    ),
    pytest.param(
        {"job": FlinkJobState.FAILED, "recon": Recon.ROLLED_BACK},
        Life.FAILED,
        id="failed-over-rolled-back",
    ),
    # 6. JobManager lost for good
    *(
        pytest.param(
            {"jm": jm, "error": f"prefix {text} suffix", "stable": RUNNING_SPEC},
            Life.FAILED,
            id=f"jm-{jm.value.lower()}-{i}",
        )
        for jm in (Jm.MISSING, Jm.ERROR)
        for i, text in enumerate(TERMINAL_ERRORS)
    ),
    pytest.param(
        {"jm": Jm.MISSING, "error": "Missing JobManager deployment", "stable": RUNNING_SPEC},
        Life.STABLE,
        id="jm-missing-other-error",
    ),
    pytest.param(
        {"jm": Jm.READY, "error": NO_HA, "stable": RUNNING_SPEC},
        Life.STABLE,
        id="jm-ready-terminal-error",
    ),
    pytest.param(
        {"jm": Jm.DEPLOYING, "error": NO_HA}, Life.DEPLOYED, id="jm-deploying-terminal-error"
    ),
    # 7. rolled back, stable, deployed
    pytest.param(
        {"recon": Recon.ROLLED_BACK, "stable": RUNNING_SPEC}, Life.ROLLED_BACK, id="rolled-back"
    ),
    pytest.param({"stable": RUNNING_SPEC}, Life.STABLE, id="stable"),
    pytest.param({"stable": OTHER_RUNNING_SPEC}, Life.DEPLOYED, id="deployed-other-stable"),
    pytest.param({"stable": None}, Life.DEPLOYED, id="deployed-no-stable"),
    pytest.param(
        {"stable": None, "job": FlinkJobState.RECONCILING, "jm": Jm.DEPLOYING},
        Life.DEPLOYED,
        id="deployed-reconciling",
    ),
    pytest.param(
        {"reconciled": SESSION_SPEC, "stable": SESSION_SPEC, "job": None},
        Life.STABLE,
        id="session-stable",
    ),
]


@pytest.mark.parametrize(("fields", "expected"), BRANCHES)
def test_lifecycle_state(fields: dict[str, Any], expected: Life) -> None:
    assert lifecycle_state(deployment_status(**fields), FlinkDeploymentSpec) is expected


def test_lost_jobmanager_rule_is_for_deployments_only() -> None:
    spec = FlinkSessionJobSpec.model_validate({"deploymentName": "session", "job": JOB})
    text = serialize(spec, first_deployment=False)
    status = FlinkSessionJobStatus(
        error=NO_HA,
        reconciliation_status=ReconciliationStatus(
            last_reconciled_spec=text, last_stable_spec=text, state=Recon.DEPLOYED
        ),
    )

    assert lifecycle_state(status, FlinkSessionJobSpec) is Life.STABLE


def test_legacy_reconciled_spec_is_read() -> None:
    legacy = '{"apiVersion":"flink.apache.org/v1beta1","job":{"state":"suspended"}}'
    status = deployment_status(reconciled=legacy, stable=legacy)

    assert lifecycle_state(status, FlinkDeploymentSpec) is Life.SUSPENDED


# --- invariants over random statuses -------------------------------------------------------

statuses = st.builds(
    deployment_status,
    reconciled=st.sampled_from([None, RUNNING_SPEC, SUSPENDED_SPEC, SESSION_SPEC]),
    stable=st.sampled_from([None, RUNNING_SPEC, SUSPENDED_SPEC, OTHER_RUNNING_SPEC]),
    recon=st.sampled_from(Recon),
    job=st.none() | st.sampled_from(FlinkJobState),
    jm=st.sampled_from(Jm),
    error=st.sampled_from([None, "", "Job Not Found", *TERMINAL_ERRORS]),
    previous=st.none() | st.sampled_from(Life),
)


def reconciled_job_state(status: CommonStatus) -> str | None:
    text = status.reconciliation_status.last_reconciled_spec
    if text == SUSPENDED_SPEC:
        return "suspended"
    return "running" if text in (RUNNING_SPEC, OTHER_RUNNING_SPEC) else None


@given(statuses)
def test_lifecycle_invariants(status: FlinkDeploymentStatus) -> None:
    state = lifecycle_state(status, FlinkDeploymentSpec)
    recon = status.reconciliation_status
    deleting = status.lifecycle_state in (Life.DELETING, Life.DELETED)

    if deleting:
        assert state is status.lifecycle_state
        return
    assert state not in (Life.DELETING, Life.DELETED)
    if recon.last_reconciled_spec is not None:
        assert state is not Life.CREATED
        assert (state is Life.UPGRADING) == (recon.state is Recon.UPGRADING)
        assert (state is Life.ROLLING_BACK) == (recon.state is Recon.ROLLING_BACK)
    else:
        assert state is (Life.FAILED if status.error else Life.CREATED)
    if state is Life.SUSPENDED:
        assert reconciled_job_state(status) == "suspended"
    if state is Life.STABLE:
        assert recon.last_reconciled_spec == recon.last_stable_spec
    if state is Life.ROLLED_BACK:
        assert recon.state is Recon.ROLLED_BACK
    if state is Life.DEPLOYED:
        assert recon.last_reconciled_spec != recon.last_stable_spec


# --- the Running condition -----------------------------------------------------------------

NOW = "2026-01-02T03:04:05Z"
EARLIER = "2026-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("job", "status", "reason", "message"),
    [
        (FlinkJobState.RUNNING, "True", "Running", "Job status RUNNING"),
        (FlinkJobState.FAILED, "False", "Failed", "Job status FAILED"),
        (FlinkJobState.CANCELLING, "False", "Cancelling", "Job status CANCELLING"),
        (FlinkJobState.RECONCILING, "False", "Reconciling", "Job status RECONCILING"),
        (FlinkJobState.INITIALIZING, "False", "Initializing", "Job status INITIALIZING"),
        (None, "False", "Unknown", "Job status UNKNOWN"),
    ],
    ids=["RUNNING", "FAILED", "CANCELLING", "RECONCILING", "INITIALIZING", "no-state"],
)
def test_application_condition(
    job: FlinkJobState | None, status: str, reason: str, message: str
) -> None:
    # The JobManager's status does not matter in application mode.
    condition = running_condition(deployment_status(job=job, jm=Jm.MISSING), True, 3, NOW)

    assert condition == Condition(
        type="Running",
        status=status,
        reason=reason,
        message=message,
        last_transition_time=NOW,
        observed_generation=3,
    )


@pytest.mark.parametrize(
    ("jm", "status", "reason", "message"),
    [
        pytest.param(*row, id=row[0].value)
        for row in (
            (
                Jm.READY,
                "True",
                "JobManagerReady",
                "JobManager is running and ready to receive REST API calls",
            ),
            (
                Jm.DEPLOYED_NOT_READY,
                "False",
                "DeployedNotReady",
                "JobManager is running but not ready yet to receive REST API calls",
            ),
            (Jm.DEPLOYING, "False", "JobManagerIsDeploying", "JobManager process is starting up"),
            (Jm.MISSING, "False", "JobManagerDeploymentMissing", "JobManager deployment not found"),
            (Jm.ERROR, "False", "Error", "JobManager deployment failed"),
        )
    ],
)
def test_session_condition(jm: Jm, status: str, reason: str, message: str) -> None:
    # The job's state does not matter in session mode.
    condition = running_condition(
        deployment_status(reconciled=SESSION_SPEC, job=FlinkJobState.FAILED, jm=jm), False, 1, NOW
    )

    assert (condition.type, condition.status, condition.reason, condition.message) == (
        "Running",
        status,
        reason,
        message,
    )
    assert condition.last_transition_time == NOW


def with_previous(status: FlinkDeploymentStatus, *conditions: Condition) -> FlinkDeploymentStatus:
    status.conditions = list(conditions)
    return status


def test_transition_time_kept_while_status_unchanged() -> None:
    previous = Condition(
        type="Running", status="False", reason="Reconciling", last_transition_time=EARLIER
    )
    status = with_previous(deployment_status(job=FlinkJobState.FAILED), previous)

    condition = running_condition(status, True, 2, NOW)

    # Reason and message follow the job; only the status decides the transition time.
    assert (condition.status, condition.reason, condition.last_transition_time) == (
        "False",
        "Failed",
        EARLIER,
    )


def test_transition_time_reset_on_change() -> None:
    previous = Condition(type="Running", status="False", last_transition_time=EARLIER)
    status = with_previous(deployment_status(job=FlinkJobState.RUNNING), previous)

    condition = running_condition(status, True, 2, NOW)

    assert (condition.status, condition.last_transition_time) == ("True", NOW)


def test_transition_time_ignores_other_condition_types() -> None:
    other = Condition(type="Ready", status="True", last_transition_time=EARLIER)
    status = with_previous(deployment_status(job=FlinkJobState.RUNNING), other)

    assert running_condition(status, True, 2, NOW).last_transition_time == NOW


def test_session_transition_time_kept_while_ready() -> None:
    previous = Condition(type="Running", status="True", last_transition_time=EARLIER)
    status = with_previous(deployment_status(reconciled=SESSION_SPEC, jm=Jm.READY), previous)

    assert running_condition(status, False, 1, NOW).last_transition_time == EARLIER

"""The state of one FlinkDeployment decision, and the steps every path shares:
deploy a cluster, delete one, and what a deleted cluster leaves in the status.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from scurry.core import reconciled
from scurry.core import transitions as tr
from scurry.core.clusterspec import build_cluster_spec, effective_config
from scurry.core.observation import ControlConfig, DeploymentObservation
from scurry.core.options import OperatorOptions
from scurry.core.plan import DeleteCluster, DeployCluster, Plan
from scurry.models.cluster import ClusterRef
from scurry.models.enums import FlinkJobState, JobState
from scurry.models.enums import JobManagerDeploymentStatus as JmStatus
from scurry.models.resources import FlinkDeployment
from scurry.models.spec import FlinkDeploymentSpec
from scurry.models.status import FlinkDeploymentStatus

MSG_SUBMIT = "Starting deployment"


class Step:
    """One decision in the making: the resource, what was seen, and the plan so far."""

    def __init__(
        self,
        resource: FlinkDeployment,
        obs: DeploymentObservation,
        now: datetime,
        config: ControlConfig,
    ) -> None:
        self.resource, self.obs, self.now = resource, obs, now
        self.plan: Plan[FlinkDeploymentStatus] = Plan(status=resource.status.model_copy(deep=True))
        version = resource.spec.flink_version
        self.defaults: Mapping[str, str] = config.defaults_for(
            resource.metadata.namespace or "default",
            version.value if version else None,
            obs.runtime_defaults,
        )
        self.config = config
        self.config_map = effective_config(self.defaults, resource.spec)
        self.options = OperatorOptions.from_config(self.config_map)
        # The generation acted on: a rejected spec leaves the last good one's (as FKO does).
        self.generation = resource.metadata.generation or 0

    @property
    def status(self) -> FlinkDeploymentStatus:
        return self.plan.status

    @property
    def ref(self) -> ClusterRef:
        meta = self.resource.metadata
        return ClusterRef(namespace=meta.namespace or "default", name=meta.name or "")

    def last(self) -> reconciled.ReconciledSpec[FlinkDeploymentSpec] | None:
        text = self.status.reconciliation_status.last_reconciled_spec
        return reconciled.deserialize(text, FlinkDeploymentSpec)


def deploy(
    step: Step, recorded: FlinkDeploymentSpec, *, savepoint: str | None, first: bool
) -> None:
    """Record the intent to deploy, then deploy: Submit event, new job id, DeployCluster."""
    tr.before_deployment(
        step.status, recorded, generation=step.generation, now=step.now, first=first
    )
    deploy_spec(step, recorded, savepoint=savepoint)


def deploy_spec(step: Step, recorded: FlinkDeploymentSpec, *, savepoint: str | None) -> None:
    """Deploy `recorded` (with a fresh job id) as the intent in status names it."""
    status = step.status
    job_id = None
    if recorded.job is not None:
        job_id = tr.new_job_id(step.resource.metadata.uid or "", step.now)
        status.job_status.job_id = job_id
        status.job_status.state = FlinkJobState.RECONCILING
        status.job_status.start_time = None
        status.job_status.update_time = str(tr.epoch_ms(step.now))
        step.plan.emit("Normal", "Submit", MSG_SUBMIT)
    status.job_manager_deployment_status = JmStatus.DEPLOYING
    running = tr.with_job_state(recorded, JobState.RUNNING)
    cluster = build_cluster_spec(
        step.resource,
        running,
        step.defaults,
        job_id=job_id,
        savepoint_path=savepoint,
        token=tr.deploy_token(status),
    )
    step.plan.action = DeployCluster(cluster)
    step.plan.requeue(step.options.progress_check_interval)


def after_cluster_deletion(step: Step) -> None:
    """What FKO records once a cluster is deleted: JM missing, a live job finished."""
    status = step.status
    status.job_manager_deployment_status = JmStatus.MISSING
    state = status.job_status.state
    if state is None or not state.is_globally_terminal:
        status.job_status.state = FlinkJobState.FINISHED
        status.job_status.update_time = str(tr.epoch_ms(step.now))


def delete_leftover_cluster(step: Step) -> bool:
    """A cluster that should not exist is deleted first; True while one remains."""
    if not step.obs.cluster.exists:
        return False
    step.plan.action = DeleteCluster(step.ref)
    step.plan.requeue(step.options.progress_check_interval)
    return True

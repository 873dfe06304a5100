"""Workloads: deployments, statefulsets, daemonsets, replicasets, jobs and cronjobs.

Counts are the status fields kubectl prints (a missing field is 0, as Go's zero value);
`images` is the pod template's container images joined with commas, as in the wide output.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from masthead.store.columns import Column
from masthead.store.projection.base import (
    Interner,
    LabelSelectorIn,
    MetaIn,
    Projection,
    Row,
    base_columns,
    column,
    epoch,
    format_labels,
    row_base,
)

# ----------------------------------------------------------------------------------- inputs


class _Container(msgspec.Struct, gc=False):
    name: str = ""
    image: str = ""


class _PodSpec(msgspec.Struct, gc=False):
    containers: list[_Container] | None = None
    nodeSelector: dict[str, str] | None = None


class _Template(msgspec.Struct, gc=False):
    spec: _PodSpec = msgspec.field(default_factory=_PodSpec)


class _WorkloadSpec(msgspec.Struct, gc=False):
    replicas: int | None = None
    selector: LabelSelectorIn | None = None
    template: _Template = msgspec.field(default_factory=_Template)


class _WorkloadStatus(msgspec.Struct, gc=False):
    replicas: int = 0
    readyReplicas: int = 0
    updatedReplicas: int = 0
    availableReplicas: int = 0
    currentReplicas: int = 0
    # DaemonSet
    desiredNumberScheduled: int = 0
    currentNumberScheduled: int = 0
    numberReady: int = 0
    updatedNumberScheduled: int = 0
    numberAvailable: int = 0


class WorkloadIn(msgspec.Struct, gc=False):
    metadata: MetaIn = msgspec.field(default_factory=MetaIn)
    spec: _WorkloadSpec = msgspec.field(default_factory=_WorkloadSpec)
    status: _WorkloadStatus = msgspec.field(default_factory=_WorkloadStatus)


# -------------------------------------------------------------------------------------- row


class WorkloadRow(Row, frozen=True, kw_only=True, gc=False):
    """One row type for the replica-managing kinds; each kind fills the counts it has.

    `desired` is spec.replicas (DaemonSets: desiredNumberScheduled); `current` is
    status.replicas (DaemonSets: currentNumberScheduled). `ready` reads `ready/desired`.
    """

    ready: str
    desired: int
    current: int
    ready_replicas: int
    up_to_date: int
    available: int
    containers: str
    images: str
    selector: str
    node_selector: str  # DaemonSets only


def _images(spec: _PodSpec, interner: Interner) -> tuple[str, str]:
    containers = spec.containers or ()
    s = interner.string
    return s(",".join(c.name for c in containers)), s(",".join(c.image for c in containers))


def _selector(spec: _WorkloadSpec, interner: Interner) -> str:
    return interner.string(spec.selector.text()) if spec.selector is not None else ""


def _build(obj: WorkloadIn, interner: Interner, daemon: bool = False) -> WorkloadRow:
    spec, status = obj.spec, obj.status
    containers, images = _images(spec.template.spec, interner)
    if daemon:
        desired, current = status.desiredNumberScheduled, status.currentNumberScheduled
        ready, up_to_date = status.numberReady, status.updatedNumberScheduled
        available = status.numberAvailable
    else:
        desired, current = spec.replicas or 0, status.replicas
        ready, up_to_date = status.readyReplicas, status.updatedReplicas
        available = status.availableReplicas
    return WorkloadRow(
        **row_base(obj.metadata, interner),
        ready=interner.string(f"{ready}/{desired}"),
        desired=desired,
        current=current,
        ready_replicas=ready,
        up_to_date=up_to_date,
        available=available,
        containers=containers,
        images=images,
        selector=_selector(spec, interner),
        node_selector=interner.string(format_labels(spec.template.spec.nodeSelector))
        if daemon
        else "",
    )


def build_workload(obj: WorkloadIn, interner: Interner) -> WorkloadRow:
    return _build(obj, interner)


def build_daemon_set(obj: WorkloadIn, interner: Interner) -> WorkloadRow:
    return _build(obj, interner, daemon=True)


def _workload_columns(*extra: Column[WorkloadRow]) -> tuple[Column[WorkloadRow], ...]:
    return (
        *base_columns(),
        column("ready", "Ready", "string", lambda r: r.ready),
        column("desired", "Desired", "int", lambda r: r.desired),
        column("current", "Current", "int", lambda r: r.current),
        column("ready_replicas", "Ready replicas", "int", lambda r: r.ready_replicas),
        *extra,
        column("images", "Images", "string", lambda r: r.images, text=True),
        column("selector", "Selector", "string", lambda r: r.selector, sortable=False),
    )


_UP_TO_DATE: Column[WorkloadRow] = column("up_to_date", "Up-to-date", "int", lambda r: r.up_to_date)
_AVAILABLE: Column[WorkloadRow] = column("available", "Available", "int", lambda r: r.available)


def _workload(
    group: str, resource: str, kind: str, *extra: Column[WorkloadRow], daemon: bool = False
) -> Projection[WorkloadIn, WorkloadRow]:
    return Projection(
        group=group,
        resource=resource,
        kind=kind,
        row_type=WorkloadRow,
        input_type=WorkloadIn,
        columns=_workload_columns(*extra),
        build=build_daemon_set if daemon else build_workload,
    )


DEPLOYMENTS = _workload("apps", "deployments", "Deployment", _UP_TO_DATE, _AVAILABLE)
STATEFULSETS = _workload("apps", "statefulsets", "StatefulSet", _UP_TO_DATE, _AVAILABLE)
DAEMONSETS = _workload(
    "apps",
    "daemonsets",
    "DaemonSet",
    _UP_TO_DATE,
    _AVAILABLE,
    column("node_selector", "Node selector", "string", lambda r: r.node_selector, text=True),
    daemon=True,
)
REPLICASETS = _workload("apps", "replicasets", "ReplicaSet", _AVAILABLE)


# --------------------------------------------------------------------------------------- jobs


class _Condition(msgspec.Struct, gc=False):
    type: str = ""
    status: str = ""


class _JobSpec(msgspec.Struct, gc=False):
    completions: int | None = None
    parallelism: int | None = None
    suspend: bool | None = None
    selector: LabelSelectorIn | None = None
    template: _Template = msgspec.field(default_factory=_Template)


class _JobStatus(msgspec.Struct, gc=False):
    conditions: list[_Condition] | None = None
    succeeded: int = 0
    failed: int = 0
    active: int = 0
    startTime: datetime | None = None
    completionTime: datetime | None = None


class JobIn(msgspec.Struct, gc=False):
    metadata: MetaIn = msgspec.field(default_factory=MetaIn)
    spec: _JobSpec = msgspec.field(default_factory=_JobSpec)
    status: _JobStatus = msgspec.field(default_factory=_JobStatus)


class JobRow(Row, frozen=True, kw_only=True, gc=False):
    status: str  # Complete, Failed, Terminating, Suspended, FailureTarget, ..., Running
    completions: str  # "2/3", "0/1 of 4"
    succeeded: int
    failed: int
    active: int
    started: float | None
    finished: float | None
    containers: str
    images: str
    selector: str

    @property
    def duration(self) -> float | None:
        """Seconds from start to completion; a running job's duration grows with the clock,
        so it is computed at serve time from `started`."""
        if self.started is None or self.finished is None:
            return None
        return self.finished - self.started


def _first_condition_true(conditions: list[_Condition], ctype: str) -> bool:
    for c in conditions:
        if c.type == ctype:
            return c.status == "True"
    return False


def job_status(obj: JobIn) -> str:
    conditions = obj.status.conditions or []
    if _first_condition_true(conditions, "Complete"):
        return "Complete"
    if _first_condition_true(conditions, "Failed"):
        return "Failed"
    if obj.metadata.deletionTimestamp is not None:
        return "Terminating"
    for ctype in ("Suspended", "FailureTarget", "SuccessCriteriaMet"):
        if _first_condition_true(conditions, ctype):
            return ctype
    return "Running"


def build_job(obj: JobIn, interner: Interner) -> JobRow:
    spec, status = obj.spec, obj.status
    if spec.completions is not None:
        completions = f"{status.succeeded}/{spec.completions}"
    elif (spec.parallelism or 0) > 1:
        completions = f"{status.succeeded}/1 of {spec.parallelism}"
    else:
        completions = f"{status.succeeded}/1"
    containers, images = _images(spec.template.spec, interner)
    return JobRow(
        **row_base(obj.metadata, interner),
        status=interner.string(job_status(obj)),
        completions=interner.string(completions),
        succeeded=status.succeeded,
        failed=status.failed,
        active=status.active,
        started=epoch(status.startTime),
        finished=epoch(status.completionTime),
        containers=containers,
        images=images,
        selector=interner.string(spec.selector.text()) if spec.selector is not None else "",
    )


JOBS: Projection[JobIn, JobRow] = Projection(
    group="batch",
    resource="jobs",
    kind="Job",
    row_type=JobRow,
    input_type=JobIn,
    columns=(
        *base_columns(),
        column("status", "Status", "string", lambda r: r.status, facet=True, text=True),
        column("completions", "Completions", "string", lambda r: r.completions),
        column("succeeded", "Succeeded", "int", lambda r: r.succeeded),
        column("failed", "Failed", "int", lambda r: r.failed),
        column("active", "Active", "int", lambda r: r.active),
        column("started", "Started", "time", lambda r: r.started),
        column("duration", "Duration", "duration", lambda r: r.duration),
        column("images", "Images", "string", lambda r: r.images, text=True),
    ),
    build=build_job,
)


class _JobTemplateSpec(msgspec.Struct, gc=False):
    template: _Template = msgspec.field(default_factory=_Template)


class _JobTemplate(msgspec.Struct, gc=False):
    spec: _JobTemplateSpec = msgspec.field(default_factory=_JobTemplateSpec)


class _CronJobSpec(msgspec.Struct, gc=False):
    schedule: str = ""
    timeZone: str | None = None
    suspend: bool | None = None
    jobTemplate: _JobTemplate = msgspec.field(default_factory=_JobTemplate)


class _ObjectRef(msgspec.Struct, gc=False):
    name: str = ""
    uid: str = ""


class _CronJobStatus(msgspec.Struct, gc=False):
    active: list[_ObjectRef] | None = None
    lastScheduleTime: datetime | None = None
    lastSuccessfulTime: datetime | None = None


class CronJobIn(msgspec.Struct, gc=False):
    metadata: MetaIn = msgspec.field(default_factory=MetaIn)
    spec: _CronJobSpec = msgspec.field(default_factory=_CronJobSpec)
    status: _CronJobStatus = msgspec.field(default_factory=_CronJobStatus)


class CronJobRow(Row, frozen=True, kw_only=True, gc=False):
    schedule: str
    time_zone: str | None
    suspend: bool
    active: int
    last_schedule: float | None
    last_successful: float | None
    containers: str
    images: str


def build_cron_job(obj: CronJobIn, interner: Interner) -> CronJobRow:
    spec, status = obj.spec, obj.status
    containers, images = _images(spec.jobTemplate.spec.template.spec, interner)
    return CronJobRow(
        **row_base(obj.metadata, interner),
        schedule=interner.string(spec.schedule),
        time_zone=spec.timeZone,
        suspend=spec.suspend is True,
        active=len(status.active or ()),
        last_schedule=epoch(status.lastScheduleTime),
        last_successful=epoch(status.lastSuccessfulTime),
        containers=containers,
        images=images,
    )


CRONJOBS: Projection[CronJobIn, CronJobRow] = Projection(
    group="batch",
    resource="cronjobs",
    kind="CronJob",
    row_type=CronJobRow,
    input_type=CronJobIn,
    columns=(
        *base_columns(),
        column("schedule", "Schedule", "string", lambda r: r.schedule, text=True),
        column("suspend", "Suspend", "bool", lambda r: str(r.suspend).lower(), facet=True),
        column("active", "Active", "int", lambda r: r.active),
        column("last_schedule", "Last schedule", "time", lambda r: r.last_schedule),
        column("images", "Images", "string", lambda r: r.images, text=True),
    ),
    build=build_cron_job,
)

"""Which class implements each controller name (registry-owned ones are flags, not classes)."""

from __future__ import annotations

from masthead.sim.controllers.cronjob import CronJobController
from masthead.sim.controllers.daemonset import DaemonSetController
from masthead.sim.controllers.deployment import DeploymentController
from masthead.sim.controllers.endpointslice import EndpointSliceController
from masthead.sim.controllers.events import EventTTL
from masthead.sim.controllers.job import JobController
from masthead.sim.controllers.kubelet import Kubelet
from masthead.sim.controllers.nodes import NodeHeartbeat, NodeLifecycle
from masthead.sim.controllers.replicaset import ReplicaSetController
from masthead.sim.controllers.runtime import Controller
from masthead.sim.controllers.scheduler import Scheduler
from masthead.sim.controllers.statefulset import StatefulSetController

CONTROLLER_TYPES: dict[str, type[Controller]] = {
    c.name: c
    for c in (
        NodeHeartbeat,
        NodeLifecycle,
        Scheduler,
        Kubelet,
        ReplicaSetController,
        DeploymentController,
        StatefulSetController,
        DaemonSetController,
        JobController,
        CronJobController,
        EndpointSliceController,
        EventTTL,
    )
}

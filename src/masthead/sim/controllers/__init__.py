"""kwok-like controllers inside the simulator: the cluster comes alive.

`ControllerManager` (runtime.py) starts the enabled controllers (names in settings.py), feeds
their work queues from `ObjectStore.observers` and runs their periodic ticks. Every write goes
through `Registry` with a real field manager (`kube-controller-manager`, `kubelet`,
`kube-scheduler`), and every transition records core/v1 Events (events.py), so managedFields,
events and watch streams look like a real cluster's.

Scenario conventions (pod or pod-template annotations; details in behaviour.py):
`sim.masthead.io/behaviour: run|crashloop|oom|complete|fail|imagepull` (or
`app=crashloop,sidecar=run`), `sim.masthead.io/run-seconds: "30"`, `sim.masthead.io/ready:
"false"`; images tagged `:bad`, `:doesnotexist`, ... fail to pull. Node annotation
`sim.masthead.io/node-state: NotReady` (kubelet reports NotReady) or `Unreachable` (kubelet
stops: heartbeats stop, the node lifecycle controller marks it Unknown after `node_grace`);
removing it brings the node back.
"""

from masthead.sim.controllers.runtime import ControllerManager
from masthead.sim.controllers.settings import (
    ALL_CONTROLLERS,
    DEFAULT_CONTROLLERS,
    ControllerSettings,
    parse_controllers,
    resolve_controllers,
)

__all__ = [
    "ALL_CONTROLLERS",
    "DEFAULT_CONTROLLERS",
    "ControllerManager",
    "ControllerSettings",
    "parse_controllers",
    "resolve_controllers",
]

"""`Simulator`: the in-process Kubernetes API server (`async with Simulator(...) as sim`).

It wires storage, catalogue, write path, authentication, RBAC and the HTTP server, seeds the
objects a fresh kube-apiserver bootstraps (system namespaces, RBAC defaults), plus an admin
and a restricted user, and writes a kubeconfig for both.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

from masthead.sim.admin import SimAdmin
from masthead.sim.auth import TokenAuthenticator
from masthead.sim.catalog import Catalog
from masthead.sim.controllers import ControllerManager, ControllerSettings, resolve_controllers
from masthead.sim.diagnostics import SimDiagnostics
from masthead.sim.faults import FaultInjector, reset_transport
from masthead.sim.gc_freeze import GcFreezer
from masthead.sim.kubeconfig import build_kubeconfig, write_kubeconfig
from masthead.sim.logs import LogConfig, LogService
from masthead.sim.metrics import GROUP as METRICS_GROUP
from masthead.sim.metrics import MetricsConfig, MetricsService
from masthead.sim.rbac import RbacAuthorizer, RbacSnapshot, UserInfo, bootstrap_rbac_objects
from masthead.sim.registry import Registry, RegistryConfig, WriteContext
from masthead.sim.resources import ResourceInfo, builtin
from masthead.sim.server import ServerSettings, SimServer
from masthead.sim.store import (
    DEFAULT_HISTORY_BYTES,
    DEFAULT_HISTORY_SECONDS,
    DEFAULT_HISTORY_SIZE,
    DEFAULT_WATCH_QUEUE_BYTES,
    ObjectStore,
)
from masthead.sim.tls import ServingCerts, generate
from masthead.sim.validation import warm_models
from masthead.sim.world.builder import World, build_world
from masthead.sim.world.scenario import scenario_knobs

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
# The restricted user may work in these namespaces only (edit in the first two, view in the
# third); everything else, cluster-scoped resources included, is forbidden to it.
RESTRICTED_USER = "jane"
RESTRICTED_GROUPS = ("dev-team",)
RESTRICTED_NAMESPACES = ("team-a", "team-b", "team-c")

_RBAC = "rbac.authorization.k8s.io"
_RBAC_KEYS = {
    "roles": (_RBAC, "roles"),
    "cluster_roles": (_RBAC, "clusterroles"),
    "role_bindings": (_RBAC, "rolebindings"),
    "cluster_role_bindings": (_RBAC, "clusterrolebindings"),
}


@dataclass
class SimConfig:
    host: str = "127.0.0.1"
    port: int = 0
    https: bool = False
    kubeconfig_out: Path | None = None
    # Hard cap of events per resource (store.DEFAULT_HISTORY_SIZE, upstream's 102,400).
    history_size: int = DEFAULT_HISTORY_SIZE
    # Every event younger than this stays in its resource's history unless a hard cap (count,
    # bytes) says otherwise (store.DEFAULT_HISTORY_SECONDS: upstream's 75 s).
    history_seconds: float = DEFAULT_HISTORY_SECONDS
    # Byte cap of all resources' watch histories together (store.DEFAULT_HISTORY_BYTES).
    history_bytes: int = DEFAULT_HISTORY_BYTES
    # Bytes of encoded objects one watcher may have queued before it is closed
    # (store.DEFAULT_WATCH_QUEUE_BYTES; counted in /_sim/state `watchersClosedBehind`).
    watch_queue_bytes: int = DEFAULT_WATCH_QUEUE_BYTES
    watch_list_enabled: bool = True
    bookmark_period: float = 60.0
    min_request_timeout: float = 1800.0
    start_rv: int | None = None
    registry: RegistryConfig = field(default_factory=RegistryConfig)
    # Namespaces created at start besides the system ones.
    namespaces: tuple[str, ...] = RESTRICTED_NAMESPACES
    admin_token: str | None = None
    restricted_token: str | None = None
    # metrics.k8s.io: absent | ok | forbidden | unavailable (switch later with
    # `Simulator.set_metrics_state`). In-process default "absent", like a bare kube-apiserver.
    metrics: str = "absent"
    metrics_config: MetricsConfig = field(default_factory=MetricsConfig)
    logs: LogConfig = field(default_factory=LogConfig)
    # Simulated controllers to run (names in controllers/settings.py); None = all of them for
    # a scenario world, else only the registry's garbage collector and namespace finalization.
    controllers: frozenset[str] | None = None
    controller_settings: ControllerSettings = field(default_factory=ControllerSettings)
    # The world to build at construction (masthead.sim.world): "empty" (bootstrap objects
    # only), demo, small, large, huge or restricted; `world_knobs` overrides the scenario's
    # WorldKnobs fields (nodes, namespaces, deployments, pods_per_deployment, crds, epoch...).
    # Seconds between freezes of the cyclic GC's survivors (gc_freeze.py); None: never (an
    # in-process simulator shares its process; `masthead sim` sets it).
    gc_freeze_every: float | None = None
    scenario: str = "empty"
    seed: int = 1
    world_knobs: dict[str, Any] = field(default_factory=dict)


class Simulator:
    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        c = self.config
        self.store = ObjectStore(
            start_rv=c.start_rv,
            history_size=c.history_size,
            history_bytes=c.history_bytes,
            watch_queue_bytes=c.watch_queue_bytes,
            history_seconds=c.history_seconds,
        )
        # Bootstrap and world writes (and `load_pods` before `start`) are the state the
        # simulator starts from, not history: no watch events are built for them.
        self.store.pause_history()
        self.catalog = Catalog()
        enabled = resolve_controllers(c)
        registry_config = dataclasses.replace(
            c.registry,
            gc_enabled=c.registry.gc_enabled and "garbagecollector" in enabled,
            namespace_controller=c.registry.namespace_controller and "namespace" in enabled,
        )
        self.registry = Registry(self.store, self.catalog, registry_config)
        self.controllers = ControllerManager(
            self.store, self.registry, c.controller_settings, enabled
        )
        self.authn = TokenAuthenticator()
        self.authz = RbacAuthorizer(self._rbac_snapshot)
        self.admin_token = c.admin_token or secrets.token_urlsafe(24)
        self.restricted_token = c.restricted_token or secrets.token_urlsafe(24)
        self.authn.add(
            self.admin_token,
            UserInfo(name="admin", groups=("system:masters", "system:authenticated")),
        )
        self.authn.add(
            self.restricted_token,
            UserInfo(name=RESTRICTED_USER, groups=(*RESTRICTED_GROUPS, "system:authenticated")),
        )
        self.certs: ServingCerts | None = generate() if c.https else None
        self.server: SimServer | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        # Fault injection and the /_sim/ admin API (installed on the server at start).
        self.faults = FaultInjector(self)
        self.admin = SimAdmin(self)
        self.gc_freezer = None if c.gc_freeze_every is None else GcFreezer(c.gc_freeze_every)
        self.diagnostics = SimDiagnostics(self.store, self.gc_freezer)
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None
        self.port = 0
        self.kubeconfig_path: Path | None = None
        self._bootstrap()
        # The scenario's objects, before anything serves or observes the store.
        self.world = self._build_world()
        # Pod logs and metrics.k8s.io (wired into the server at start).
        self.logs = LogService(self.store, c.logs)
        self.metrics = MetricsService(self.store, self.catalog, self.registry, c.metrics_config)
        self.metrics.set_state(c.metrics)

    # ------------------------------------------------------------------ world
    def _rbac_snapshot(self) -> RbacSnapshot:
        version = max(self.store.last_write_rv(k) for k in _RBAC_KEYS.values())
        lists = {
            name: [s.decode() for s in self.store.iter_objects(key)]
            for name, key in _RBAC_KEYS.items()
        }
        return RbacSnapshot(version=version, **lists)

    def _bootstrap(self) -> None:
        ctx = WriteContext("kube-apiserver")
        ns_info = builtin("", "namespaces")
        for ns in (*SYSTEM_NAMESPACES, *self.config.namespaces):
            self.registry.create(ns_info, "", {"metadata": {"name": ns}}, ctx)
            self.registry.create(
                builtin("", "serviceaccounts"), ns, {"metadata": {"name": "default"}}, ctx
            )
        for obj in bootstrap_rbac_objects():
            info = builtin(_RBAC, _plural(obj["kind"]))
            self.registry.create(info, obj["metadata"].get("namespace", ""), obj, ctx)
        self.registry.create(
            builtin("", "services"),
            "default",
            {
                "metadata": {
                    "name": "kubernetes",
                    "labels": {"component": "apiserver", "provider": "kubernetes"},
                },
                "spec": {
                    "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]
                },
            },
            ctx,
        )
        roles = ("edit", "edit", "view")
        for ns, role in zip(self.config.namespaces, roles, strict=False):
            self.grant(ns, role)

    def _build_world(self) -> World | None:
        c = self.config
        knobs = scenario_knobs(c.scenario, seed=c.seed, **c.world_knobs)
        return None if knobs is None else build_world(self.registry, knobs, self.grant)

    def grant(self, namespace: str, cluster_role: str, user: str = RESTRICTED_USER) -> None:
        """Bind `cluster_role` to `user` in `namespace` (tests revoke by deleting the binding)."""
        self.registry.create(
            builtin(_RBAC, "rolebindings"),
            namespace,
            {
                "metadata": {"name": f"{user}-{cluster_role}"},
                "roleRef": {"apiGroup": _RBAC, "kind": "ClusterRole", "name": cluster_role},
                "subjects": [{"apiGroup": _RBAC, "kind": "User", "name": user}],
            },
            WriteContext("masthead-sim"),
        )

    def set_metrics_state(self, state: str) -> None:
        """metrics.k8s.io: "absent", "ok", "forbidden" or "unavailable", at run time."""
        self.metrics.set_state(state)

    def info(self, group: str, version: str, resource: str) -> ResourceInfo:
        found = self.catalog.lookup(group, version, resource)
        if found is None:
            raise KeyError(f"{resource}.{group}/{version}")
        return found

    # ------------------------------------------------------------------ serving
    @property
    def url(self) -> str:
        scheme = "https" if self.certs is not None else "http"
        return f"{scheme}://{self.config.host}:{self.port}"

    async def start(self) -> None:
        c = self.config
        # Validating a write needs the official client's models, imported lazily one by one
        # (seconds in all, once a process): load them now, off the loop, rather than stall
        # the loop at the first write of each kind.
        await asyncio.to_thread(warm_models)
        self.diagnostics.start()
        self.store.open_history()
        settings = ServerSettings(
            watch_list_enabled=c.watch_list_enabled,
            bookmark_period=c.bookmark_period,
            min_request_timeout=c.min_request_timeout,
        )
        self.server = SimServer(
            self.store,
            self.catalog,
            self.registry,
            self.authn,
            self.authz,
            f"{c.host}:{c.port or 6443}",
            settings,
        )
        self.server.log_handler = self.logs.handle
        self.server.group_handlers[METRICS_GROUP] = self.metrics.handle
        self.server.request_hooks.append(self.metrics.discovery_hook)
        self._runner = web.AppRunner(
            self.server.app(), access_log=None, handle_signals=False, shutdown_timeout=0.5
        )
        await self._runner.setup()
        self.faults.install(self.server)
        self.admin.install(self.server)
        self.port = c.port
        await self.start_listening()
        self.server.discovery.server_address = f"{c.host}:{self.port}"
        self.kubeconfig_path = c.kubeconfig_out
        if self.kubeconfig_path is None:
            self._tmpdir = tempfile.TemporaryDirectory(prefix="masthead-sim-")
            self.kubeconfig_path = Path(self._tmpdir.name) / "kubeconfig"
        write_kubeconfig(self.kubeconfig_path, self.kubeconfig())
        await self.controllers.start()
        if self.gc_freezer is not None:
            self.gc_freezer.start()

    def kubeconfig(self) -> dict[str, Any]:
        return build_kubeconfig(
            self.url,
            {"admin": self.admin_token, "restricted": self.restricted_token},
            self.certs.ca_pem if self.certs is not None else None,
        )

    @property
    def listening(self) -> bool:
        return self._site is not None

    async def start_listening(self) -> None:
        """Open the listening socket (again, on the same port after `stop_listening`)."""
        assert self._runner is not None
        ssl_ctx = self.certs.ssl_context() if self.certs is not None else None
        site = web.TCPSite(self._runner, self.config.host, self.port, ssl_context=ssl_ctx)
        await site.start()
        self._site = site
        sockets = getattr(site._server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.port

    async def stop_listening(self) -> None:
        """Go down like a crashed apiserver: refuse connections and reset the open ones."""
        if self._site is not None:
            await self._site.stop()
            self._site = None
        if self.server is not None:
            for aw in list(self.server.active_watches):
                aw.session.watcher.close()
                aw.session.resume()
        http = self._runner.server if self._runner is not None else None
        for conn in http.connections if http is not None else []:
            if conn.transport is not None:
                reset_transport(conn.transport)

    async def stop(self) -> None:
        await self.controllers.stop()
        await self.diagnostics.stop()
        if self.gc_freezer is not None:
            await self.gc_freezer.stop()
        await self.admin.aclose()
        await self.faults.aclose()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.registry.aclose()
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


def _plural(kind: str) -> str:
    return {
        "ClusterRole": "clusterroles",
        "ClusterRoleBinding": "clusterrolebindings",
        "Role": "roles",
        "RoleBinding": "rolebindings",
    }[kind]

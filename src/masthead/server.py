"""`Server`: startup and shutdown of masthead — the demo simulator (optional), the cluster
registry, the aiohttp app on 127.0.0.1 — in that order up, reverse order down."""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from masthead.api.app import create_app
from masthead.api.context import ApiContext, LiveTuning
from masthead.api.feeds import Feeds, FeedTuning, default_data_dir
from masthead.api.login import UserAuth
from masthead.api.namespaces import configured_at_start
from masthead.api.security import COOKIE, Security
from masthead.api.static import DEFAULT_DIST
from masthead.identity import InClusterOptions
from masthead.kube.kubeconfig import (
    ClusterCredentials,
    in_cluster_entry,
    load_in_cluster,
    service_account_credentials,
)
from masthead.kube.transport import Transport
from masthead.kube.tuning import DEFAULT_TUNING, Tuning
from masthead.malloc_trimmer import MallocTrimmer
from masthead.persist.settings import Settings
from masthead.snapshots.store import SnapshotStore, SnapshotTuning
from masthead.snapshots.warm import WarmStart
from masthead.token_review import TokenValidator
from masthead.user_sessions import UserSessions
from masthead.views.sources import ViewRegistry

if TYPE_CHECKING:
    from masthead.cluster import ClusterSession
    from masthead.sim.app import Simulator

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
# The simulator's world for `--demo` (and when no kubeconfig exists).
DEMO_SCENARIO = "demo"
# Changes per second the demo's churn driver makes: enough to see rows move, not a storm.
DEMO_CHURN = 2.0


@dataclass
class ServerConfig:
    kubeconfigs: Sequence[Path] | None = None  # None: KUBECONFIG / ~/.kube/config
    context: str | None = None  # connected at start (default: the current context)
    port: int = 0
    token: str | None = None
    demo: bool = False
    demo_churn: float | None = DEMO_CHURN  # None: a still world
    read_only: Sequence[str] = ()
    read_only_patterns: Sequence[str] = ()  # globs of context names, e.g. "*prod*"
    confirm: Sequence[str] = ()  # contexts where destructive actions need `confirm`
    confirm_patterns: Sequence[str] = ()
    # Namespaces to try per context name, for users who cannot list namespaces; merged with
    # the ones saved from the UI (api/namespaces.py), these first.
    namespaces: Mapping[str, Sequence[str]] = field(default_factory=dict)
    web_dist: Path | None = DEFAULT_DIST
    tuning: Tuning = DEFAULT_TUNING
    live: LiveTuning = field(default_factory=LiveTuning)
    connect: Sequence[str] | None = None  # contexts to open at start; None: the default one
    data_dir: Path | None = None  # the SQLite database's directory; None: default_data_dir()
    feeds: FeedTuning = field(default_factory=FeedTuning)
    # Multi-user mode inside a cluster (no kubeconfig, no launch token): see identity.py.
    in_cluster: InClusterOptions | None = None
    # Warm-start snapshots (written every interval and at shutdown); None: none kept or used.
    snapshots: SnapshotTuning | None = field(default_factory=SnapshotTuning)
    # Seconds between checks of the memory glibc's malloc keeps free (trimmed past 8 MB;
    # malloc_trimmer.py); 0: never.
    malloc_trim_interval: float = 60.0


class Server:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.sim: DemoSimulator | None = None
        self.registry: ViewRegistry | None = None
        self.security = Security(config.token)
        self.ctx: ApiContext | None = None
        self.feeds: Feeds | None = None
        self.warm: WarmStart | None = None
        self._runner: web.AppRunner | None = None
        self._connects: set[asyncio.Task[object]] = set()
        self.users: UserSessions | None = None
        self._service: Transport | None = None  # in-cluster: validates users' tokens
        self.port = 0

    @property
    def url(self) -> str:
        """The launch URL (with the token); in-cluster mode has none: users sign in."""
        if self.config.in_cluster is not None:
            return self.base
        return self.security.launch_url(self.port)

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    async def start(self) -> str:
        c = self.config
        paths = list(c.kubeconfigs) if c.kubeconfigs is not None else None
        to_open: list[str] = list(c.connect or ())
        if c.demo:
            self.sim = DemoSimulator(c.demo_churn)
            await self.sim.start()
            assert self.sim.kubeconfig_path is not None
            paths = [self.sim.kubeconfig_path]
            to_open = to_open or ["admin", "restricted"]
        self.feeds = await Feeds.open(c.data_dir or default_data_dir(), c.feeds)
        if c.in_cluster is not None:
            paths, to_open = [], []  # no kubeconfig: each user gets a session of their own
        settings = Settings(self.feeds.db)
        namespaces = await configured_at_start(settings, c.namespaces)
        # In-cluster mode keeps no snapshots: many users' rows would sit on disk, keyed by
        # tokens that rotate (so rarely restored anyway).
        if c.snapshots is not None and c.in_cluster is None:
            self.warm = WarmStart(SnapshotStore(self.feeds.db, c.snapshots))
        self.registry = ViewRegistry(
            paths,
            tuning=c.tuning,
            history=self.feeds.history,
            namespaces=namespaces,
            warm=self.warm,
        )
        await self.registry.start()
        if self.warm is not None:
            registry = self.registry
            self.warm.start(lambda: list(registry.sessions.values()))
        if c.in_cluster is not None:
            await self._start_users(c.in_cluster, self.registry)
        elif not to_open:
            default = c.context or self.registry.current_context
            if default is not None:
                to_open = [default]
        self.ctx = ApiContext(
            registry=self.registry,
            security=self.security,
            read_only=frozenset(c.read_only),
            read_only_patterns=tuple(c.read_only_patterns),
            confirm=frozenset(c.confirm),
            confirm_patterns=tuple(c.confirm_patterns),
            web_dist=c.web_dist,
            live=c.live,
            feeds=self.feeds,
            settings=settings,
            namespace_flags=c.namespaces,
            malloc_trimmer=MallocTrimmer(c.malloc_trim_interval),
        )
        app = create_app(self.ctx)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        host = c.in_cluster.bind if c.in_cluster is not None else HOST
        site = web.TCPSite(self._runner, host, c.port)
        await site.start()
        self.port = _bound_port(self._runner)
        self.security.bind(self.port)
        for name in to_open:
            try:
                session = self.registry.get(name)
            except KeyError:
                log.warning("context %r is not in the kubeconfig", name)
                continue
            self._open_in_background(session)
        return self.url

    async def _start_users(self, options: InClusterOptions, registry: ViewRegistry) -> None:
        """In-cluster mode: the pod's service account locates the API server and checks
        tokens; every user's data comes through a session with their own token."""
        target = await asyncio.to_thread(load_in_cluster, options.account_dir, options.env)
        entry = in_cluster_entry(target, "service-account", "service-account")
        credentials = ClusterCredentials(
            entry, self.config.tuning, lambda _, gen: service_account_credentials(target, gen)
        )
        self._service = Transport(credentials, self.config.tuning)
        self.users = UserSessions(
            registry,
            target,
            TokenValidator(self._service, options.tuning),
            options.tuning,
            on_open=self._open_in_background,
        )
        self.users.start()
        self.security.users = UserAuth(self.users, COOKIE)
        self.security.public_hosts = options.public_hosts

    def _open_in_background(self, session: ClusterSession) -> None:
        # In the background: the URL is printed at once, the UI shows the state meanwhile.
        task = asyncio.create_task(_open(session), name=f"connect {session.id}")
        self._connects.add(task)
        task.add_done_callback(self._connects.discard)

    async def stop(self) -> None:
        for task in list(self._connects):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.users is not None:
            await self.users.close()
            self.users = None
        if self._service is not None:
            await self._service.close()
            self._service = None
        if self.feeds is not None:
            await self.feeds.close_followers()
        if self.warm is not None:  # before the sources stop: the last state, still live
            await self.warm.stop()
            if self.registry is not None:
                await self.warm.save(list(self.registry.sessions.values()))
        if self.registry is not None:
            await self.registry.close()
            self.registry = None
        if self.feeds is not None:  # after the sources: the last events are recorded
            await self.feeds.close()
            self.feeds = None
        if self.sim is not None:
            await self.sim.stop()
            self.sim = None


async def _open(session: ClusterSession) -> None:
    """Connect, then start the events source: its events are recorded in the history from
    the start (the SSE stream and object events read them), whether or not a view shows them."""
    await session.connect()
    try:
        await session.ensure_source("events")
    except Exception:
        log.exception("cluster %s: starting the events source failed", session.id)


class DemoSimulator:
    """The demo world on its own thread and event loop: its controllers catch up in bursts of
    seconds after a build, and the dashboard's loop must not wait for them (nor would a real
    API server share our loop)."""

    def __init__(self, churn: float | None) -> None:
        self.churn = churn
        self.sim: Simulator | None = None
        self.kubeconfig_path: Path | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None

    async def start(self) -> None:
        started: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        caller = asyncio.get_running_loop()

        def report(error: BaseException | None) -> None:
            if started.done():
                return
            if error is None:
                started.set_result(None)
            else:
                started.set_exception(error)

        def run() -> None:
            loop = _new_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._serve(functools.partial(_call_in, caller, report)))
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="masthead demo simulator", daemon=True)
        self._thread.start()
        await started

    async def _serve(self, report: Callable[[BaseException | None], None]) -> None:
        from masthead.sim.app import SimConfig, Simulator
        from masthead.sim.churn import Churn

        self._stop = asyncio.Event()
        try:
            sim = Simulator(SimConfig(scenario=DEMO_SCENARIO, metrics="ok"))
            await sim.start()
        except BaseException as e:
            report(e)
            raise
        self.sim = sim
        self.kubeconfig_path = sim.kubeconfig_path
        if self.churn:
            sim.admin.start_churn(Churn(sim, self.churn))
        report(None)
        try:
            await self._stop.wait()
        finally:
            await sim.stop()

    async def stop(self) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 10.0)
            self._thread = None


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


def _call_in(
    loop: asyncio.AbstractEventLoop,
    fn: Callable[[BaseException | None], None],
    arg: BaseException | None,
) -> None:
    loop.call_soon_threadsafe(fn, arg)


def _bound_port(runner: web.AppRunner) -> int:
    for addr in runner.addresses:
        if isinstance(addr, tuple) and len(addr) >= 2:
            return int(addr[1])
    raise RuntimeError("the server is not listening")


def default_kubeconfig_exists() -> bool:
    from masthead.kube.kubeconfig import standard_paths

    return any(p.expanduser().is_file() for p in standard_paths())

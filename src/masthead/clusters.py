"""`ClusterRegistry`: every kubeconfig context as a `ClusterSession`, kept in step with the files.

Contexts come from the standard loading rules (KUBECONFIG or ~/.kube/config) plus the files and
directories the user configured (`kube.kubeconfig.load_kubeconfig`). Each becomes an idle
session with the entry's stable id; nothing connects until a session is opened. The files (and
the extra directories, so a file dropped into one counts) are polled; on a change the registry
reloads and applies the difference: new contexts get idle sessions, removed ones are closed,
and a context whose definition changed (server, user, credentials, namespace...) gets a fresh
session — opened again, with the same resources, if the old one was open. A file that does not
parse (half written by an editor) changes nothing until it does; at start, when there is
nothing to keep, it is left out (named in `last_error`) and the other files' contexts load.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from masthead.cluster import ClusterSession, ClusterState, SinkFactory, memory_sinks
from masthead.kube.errors import KubeError
from masthead.kube.kubeconfig import (
    ClusterCredentials,
    ClusterEntry,
    KubeconfigPoller,
    expand_extra,
    load_kubeconfig,
    standard_paths,
)
from masthead.kube.tuning import DEFAULT_TUNING, Tuning
from masthead.tasks import cancel_and_wait

log = logging.getLogger(__name__)

SinkFactoryFor = Callable[[ClusterEntry], SinkFactory]


@dataclass(frozen=True, slots=True)
class RegistryChange:
    """What one reload did, by session id."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


ChangeListener = Callable[[RegistryChange], None]


@dataclass
class _Slot:
    session: ClusterSession
    fingerprint: str
    reopen: asyncio.Task[None] | None = field(default=None)
    dynamic: bool = False  # added at run time (`add_session`), not from a kubeconfig file


class ClusterRegistry:
    def __init__(
        self,
        paths: Sequence[Path] | None = None,
        extra: Sequence[Path] = (),
        tuning: Tuning = DEFAULT_TUNING,
        *,
        sink_factory: SinkFactoryFor | None = None,
        namespaces: Mapping[str, Sequence[str]] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        """`paths`: kubeconfig files instead of the standard rules (KUBECONFIG, else
        ~/.kube/config, read from `env` or the process environment); `extra`: more files or
        directories. `namespaces`: configured namespaces per context name."""
        self.paths = list(paths) if paths is not None else None
        self.extra = list(extra)
        self.tuning = tuning
        self.env = env
        self.namespaces: dict[str, tuple[str, ...]] = {
            k: tuple(v) for k, v in (namespaces or {}).items()
        }
        self._sink_factory = sink_factory or (lambda entry: memory_sinks)
        self._slots: dict[str, _Slot] = {}
        self.current_context: str | None = None
        self.files: tuple[Path, ...] = ()
        self.last_error = ""
        self.reloads = 0
        self.version = 0
        self._listeners: list[ChangeListener] = []
        self._poller: KubeconfigPoller | None = None
        self._reload_lock = asyncio.Lock()

    # ------------------------------------------------------------------ reading
    @property
    def sessions(self) -> dict[str, ClusterSession]:
        """Sessions by id, in kubeconfig order."""
        return {i: slot.session for i, slot in self._slots.items()}

    def get(self, id_or_context: str) -> ClusterSession:
        slot = self._slots.get(id_or_context)
        if slot is not None:
            return slot.session
        for s in self._slots.values():
            if s.session.entry.context == id_or_context:
                return s.session
        raise KeyError(id_or_context)

    @property
    def current(self) -> ClusterSession | None:
        """The session of the kubeconfig's current-context, if it exists."""
        if self.current_context is None:
            return None
        with contextlib.suppress(KeyError):
            return self.get(self.current_context)
        return None

    def subscribe(self, listener: ChangeListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def snapshot(self) -> dict[str, object]:
        return {
            "files": [str(p) for p in self.files],
            "current_context": self.current_context,
            "last_error": self.last_error,
            "reloads": self.reloads,
            "clusters": [s.snapshot() for s in self.sessions.values()],
        }

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> RegistryChange:
        """Load the contexts (idle sessions) and start watching the files."""
        change = await self.reload()
        if self._poller is None:
            self._poller = KubeconfigPoller(self._watched_paths(), self.tuning, self._on_files)
            self._poller.start()
        return change

    async def close(self) -> None:
        if self._poller is not None:
            await self._poller.stop()
            self._poller = None
        for slot in list(self._slots.values()):
            await self._close_slot(slot)
        self._slots.clear()

    async def set_namespaces(self, id_or_context: str, namespaces: Sequence[str]) -> None:
        """Configure the namespaces to try in one cluster (kept across reloads)."""
        session = self.get(id_or_context)
        self.namespaces[session.entry.context] = tuple(namespaces)
        await session.set_namespaces(namespaces)

    def add_session(self, entry: ClusterEntry, credentials: ClusterCredentials) -> ClusterSession:
        """A session that no kubeconfig defines (an in-cluster user's): kept across reloads
        until `remove_session`. Idle, like every new session."""
        if entry.id in self._slots:
            raise KeyError(f"session {entry.id!r} exists")
        session = self._new_session(entry, credentials, forget_data=True)
        self._slots[entry.id] = _Slot(session, "", dynamic=True)
        return session

    def detach_session(self, id: str) -> ClusterSession | None:
        """Forget a session added with `add_session` at once (its id is free again, with
        new tables); the caller closes it."""
        slot = self._slots.get(id)
        if slot is None or not slot.dynamic:
            return None
        del self._slots[id]
        self._forget(id)
        return slot.session

    async def remove_session(self, id: str) -> None:
        """Forget and close a session added with `add_session`."""
        session = self.detach_session(id)
        if session is not None:
            await session.close()

    def _forget(self, id: str) -> None:
        """Drop what the registry keeps per session beyond the session (subclasses)."""

    async def reload(self) -> RegistryChange:
        """Read the files again and apply the difference to the sessions."""
        async with self._reload_lock:
            load = functools.partial(
                load_kubeconfig,
                self.paths,
                self.extra,
                self.env,
                skip_unparsable=self.reloads == 0,
            )
            try:
                config = await asyncio.to_thread(load)
            except KubeError as e:
                self.last_error = str(e)
                log.warning("kubeconfig not reloaded: %s", e)
                return RegistryChange()
            self.last_error = "; ".join(config.errors)
            if config.errors:
                log.warning("kubeconfig files left out: %s", self.last_error)
            self.reloads += 1
            self.current_context = config.current_context
            self.files = config.files
            change = await self._apply(config.entries)
            if self._poller is not None:
                self._poller.paths = self._watched_paths()
        if change:
            self.version += 1
            for listener in list(self._listeners):
                listener(change)
        return change

    # ------------------------------------------------------------------ internals
    async def _on_files(self) -> None:
        await self.reload()

    def _watched_paths(self) -> list[Path]:
        """Every file that may hold contexts, plus the extra directories themselves (their
        mtime changes when a file is added or removed)."""
        base = standard_paths(self.env) if self.paths is None else self.paths
        dirs = [p.expanduser() for p in self.extra if p.expanduser().is_dir()]
        return list(dict.fromkeys([*base, *expand_extra(self.extra), *dirs]))

    async def _apply(self, entries: Sequence[ClusterEntry]) -> RegistryChange:
        added: list[str] = []
        changed: list[str] = []
        new_slots: dict[str, _Slot] = {}
        for entry in entries:
            fp = _fingerprint(entry)
            old = self._slots.get(entry.id)
            if old is not None and old.fingerprint == fp:
                new_slots[entry.id] = old
                continue
            slot = _Slot(self._new_session(entry), fp)
            new_slots[entry.id] = slot
            if old is None:
                added.append(entry.id)
                continue
            changed.append(entry.id)
            was_open = old.session.state is not ClusterState.IDLE
            wanted = [g.name for g in old.session.resources]
            await self._close_slot(old)
            if was_open:
                slot.reopen = asyncio.create_task(
                    _reopen(slot.session, wanted), name=f"reopen {entry.id}"
                )
        for i, slot in self._slots.items():
            if slot.dynamic:
                new_slots[i] = slot
        removed = [i for i in self._slots if i not in new_slots]
        for i in removed:
            await self._close_slot(self._slots[i])
        self._slots = new_slots
        return RegistryChange(tuple(added), tuple(removed), tuple(changed))

    def _new_session(
        self,
        entry: ClusterEntry,
        credentials: ClusterCredentials | None = None,
        *,
        forget_data: bool = False,
    ) -> ClusterSession:
        return ClusterSession(
            entry,
            self.tuning,
            namespaces=self.namespaces.get(entry.context, ()),
            credentials=credentials,
            forget_data=forget_data,
            **self._storage(entry),
        )

    def _storage(self, entry: ClusterEntry) -> dict[str, Any]:
        """Where a new session's sources put their objects (ClusterSession's `sink_factory`
        and storage options); a registry that serves views gives its tables."""
        return {"sink_factory": self._sink_factory(entry)}

    async def _close_slot(self, slot: _Slot) -> None:
        await cancel_and_wait(slot.reopen)
        slot.reopen = None
        await slot.session.close()


async def _reopen(session: ClusterSession, resources: Sequence[str]) -> None:
    try:
        for name in resources:  # the first one connects
            await session.ensure_source(name)
        await session.connect()
    except KubeError as e:  # the session's own state says what went wrong; retries continue
        log.info("cluster %s: reopening after a kubeconfig change: %s", session.id, e)


def _fingerprint(entry: ClusterEntry) -> str:
    """Everything that defines a context: a different value means a different session."""
    return json.dumps(
        {
            "name": entry.name,
            "server": entry.server,
            "namespace": entry.namespace,
            "config": entry.config,
        },
        sort_keys=True,
        default=str,
    )

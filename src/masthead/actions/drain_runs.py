"""The drains of every cluster, run as background tasks and bounded: at most
`running_per_cluster` at once (more is refused, counted), one per node, and the newest
`finished_per_cluster` finished ones kept for reading back (older ones are dropped, counted)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from masthead.actions.drain import Drain, DrainOptions, DrainTuning
from masthead.kube.transport import Transport
from masthead.tasks import cancel_and_wait

log = logging.getLogger(__name__)

Finished = Callable[[Drain], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class DrainLimits:
    running_per_cluster: int = 4
    finished_per_cluster: int = 20


class DrainRefused(Exception):
    """Not started: `code` 409 (this node is being drained) or 429 (too many drains)."""

    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message


class DrainRuns:
    def __init__(
        self, limits: DrainLimits | None = None, tuning: DrainTuning | None = None
    ) -> None:
        self.limits = limits or DrainLimits()
        self.tuning = tuning or DrainTuning()
        self._drains: dict[str, dict[str, Drain]] = {}  # cluster -> id -> drain, oldest first
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.refused = 0  # drains refused at the running cap
        self.dropped = 0  # finished drains forgotten at the retention cap

    def start(
        self, cluster: str, options: DrainOptions, transport: Transport, finished: Finished
    ) -> Drain:
        drains = self._drains.setdefault(cluster, {})
        running = [d for d in drains.values() if not d.finished]
        busy = next((d for d in running if d.options.node == options.node), None)
        if busy is not None:
            raise DrainRefused(
                409, "AlreadyDraining", f"node {options.node!r} is being drained ({busy.id})"
            )
        if len(running) >= self.limits.running_per_cluster:
            self.refused += 1
            raise DrainRefused(
                429,
                "TooManyDrains",
                f"{len(running)} drains are running on this cluster (the cap); wait for one to "
                "finish or cancel one",
            )
        drain = Drain(cluster, options, self.tuning)
        drains[drain.id] = drain
        self._tasks[drain.id] = asyncio.create_task(
            self._run(drain, transport, finished), name=f"drain {cluster}/{options.node}"
        )
        self._prune(drains)
        return drain

    async def _run(self, drain: Drain, transport: Transport, finished: Finished) -> None:
        try:
            await drain.run(transport)
        finally:
            self._tasks.pop(drain.id, None)
            drain.cancelled()  # no-op when it finished on its own
            self.finished_one(drain.cluster)
            try:
                await asyncio.shield(finished(drain))
            except Exception:
                log.exception("recording the end of drain %s failed", drain.id)

    def _prune(self, drains: dict[str, Drain]) -> None:
        done = [d for d in drains.values() if d.finished]
        for d in done[: max(0, len(done) - self.limits.finished_per_cluster)]:
            del drains[d.id]
            self.dropped += 1

    def as_dict(self) -> dict[str, int]:
        drains = [d for per in self._drains.values() for d in per.values()]
        return {
            "running": sum(1 for d in drains if not d.finished),
            "kept": sum(1 for d in drains if d.finished),
            "refused": self.refused,
            "dropped": self.dropped,
        }

    def get(self, cluster: str, drain_id: str) -> Drain | None:
        return self._drains.get(cluster, {}).get(drain_id)

    def cancel(self, cluster: str, drain_id: str) -> Drain | None:
        drain = self.get(cluster, drain_id)
        if drain is None:
            return None
        task = self._tasks.get(drain.id)
        if task is not None:
            task.cancel()
        drain.cancelled()
        return drain

    def finished_one(self, cluster: str) -> None:
        """A drain of `cluster` ended: keep the retention cap."""
        self._prune(self._drains.get(cluster, {}))

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        await cancel_and_wait(*tasks)

"""CronJob controller: creates Jobs on the 5-field schedule (by the settings clock, so tests
can move time), honours suspend, concurrencyPolicy and startingDeadlineSeconds, tracks
`status.active` / `lastScheduleTime` / `lastSuccessfulTime`, and trims finished Jobs to the
history limits. `trigger` runs one now, like `kubectl create job --from=cronjob/x`."""

from __future__ import annotations

import math
from typing import Any

from masthead.sim.clone import clone
from masthead.sim.controllers.cron import CronError, Schedule
from masthead.sim.controllers.events import NORMAL, WARNING
from masthead.sim.controllers.job import job_finished
from masthead.sim.controllers.objects import (
    CRONJOBS,
    JOBS,
    Obj,
    controller_ref,
    parse_time,
    rfc3339,
)
from masthead.sim.controllers.settings import CRONJOB
from masthead.sim.controllers.workloads import KCM, WorkloadController
from masthead.sim.errors import ApiError
from masthead.sim.registry import DeleteOptions, WriteContext
from masthead.sim.store import WatchEvent

SCHEDULED = "batch.kubernetes.io/cronjob-scheduled-timestamp"
MAX_MISSED = 100


def _job_ref(job: Obj) -> Obj:
    m = job["metadata"]
    return {
        "kind": "Job",
        "namespace": m["namespace"],
        "name": m["name"],
        "uid": m["uid"],
        "apiVersion": "batch/v1",
        "resourceVersion": m.get("resourceVersion", ""),
    }


class CronJobController(WorkloadController):
    name = CRONJOB
    component = "cronjob-controller"
    info = CRONJOBS

    def setup(self) -> None:
        self.tick_interval = self.settings.cron_tick
        self.handlers[CRONJOBS.storage_key] = lambda ev: self.queue.add(
            (ev.obj.namespace, ev.obj.name)
        )
        self.handlers[JOBS.storage_key] = self._on_job
        self._schedules: dict[str, Schedule | None] = {}
        # When each CronJob is next due (epoch seconds; inf: suspended or unparseable): a tick
        # syncs only those due, as upstream's controller requeues a CronJob for its next
        # schedule time. Syncing every CronJob each tick decoded all their Jobs once a second
        # (~3 % of the simulator's loop at `large` under churn). Changes to a CronJob or its
        # Jobs still sync it at once.
        self._next_due: dict[tuple[str, str], float] = {}

    def _on_job(self, ev: WatchEvent) -> None:
        self.enqueue_owner(ev, "CronJob")

    def initial_sync(self) -> None:
        self.tick()

    def tick(self) -> None:
        # CronJobs are a small set; each tick checks which are due.
        now = self.now()
        for s in self.store.iter_objects(CRONJOBS.storage_key):
            key = (s.namespace, s.name)
            if self._next_due.get(key, now) <= now:
                self.queue.add(key)

    def _schedule(self, spec: str) -> Schedule | None:
        if spec not in self._schedules:
            try:
                self._schedules[spec] = Schedule(spec)
            except (CronError, ValueError):
                self._schedules[spec] = None
        return self._schedules[spec]

    def _jobs(self, cj: Obj) -> list[Obj]:
        out = []
        uid = cj["metadata"]["uid"]
        for key, ns, name in self.registry.dependents(uid):
            if key == JOBS.storage_key and (s := self.store.get(key, ns, name)) is not None:
                out.append(s.decode())
        return out

    def create_job(self, cj: Obj, scheduled: float, *, manual: bool = False) -> Obj | None:
        meta = cj["metadata"]
        template = clone((cj.get("spec") or {}).get("jobTemplate") or {})
        tmeta = template.get("metadata") or {}
        annotations = dict(tmeta.get("annotations") or {})
        if manual:
            annotations["cronjob.kubernetes.io/instantiate"] = "manual"
            name = f"{meta['name']}-manual-{int(self.now()) % 100000:05d}"
        else:
            annotations[SCHEDULED] = rfc3339(scheduled)
            name = f"{meta['name']}-{int(scheduled // 60)}"
        body: Obj = {
            "metadata": {
                "name": name,
                "labels": dict(tmeta.get("labels") or {}),
                "annotations": annotations,
                "ownerReferences": [controller_ref(cj, CRONJOBS)],
            },
            "spec": template.get("spec") or {},
        }
        if not body["metadata"]["labels"]:
            del body["metadata"]["labels"]
        try:
            job = self.registry.create(JOBS, meta["namespace"], body, WriteContext(KCM))
        except ApiError as e:
            if e.code != 409:
                self.recorder.record(
                    cj, WARNING, "FailedCreate", f"Error creating job: {e.message}",
                    component=self.component,
                )  # fmt: skip
            return None
        self.recorder.record(
            cj, NORMAL, "SuccessfulCreate", f"Created job {name}", component=self.component
        )
        return job

    def trigger(self, namespace: str, name: str) -> Obj | None:
        """Run the CronJob now (a manual Job, not counted as a scheduled run)."""
        s = self.store.get(CRONJOBS.storage_key, namespace, name)
        return None if s is None else self.create_job(s.decode(), self.now(), manual=True)

    def sync(self, item: Any) -> None:
        ns, name = item
        cj = self.get(ns, name)
        if cj is None or cj["metadata"].get("deletionTimestamp"):
            self._next_due.pop(item, None)
            return
        spec = cj.get("spec") or {}
        self._next_due[item] = self._due_after(spec, self.now())
        status: Obj = dict(cj.get("status") or {})
        jobs = self._jobs(cj)
        was_active = {r.get("uid") for r in status.get("active") or []}
        active: list[Obj] = []
        succeeded: list[Obj] = []
        failed: list[Obj] = []
        for j in jobs:
            state = job_finished(j)
            if state is None:
                active.append(j)
                continue
            (succeeded if state == "Complete" else failed).append(j)
            if j["metadata"]["uid"] in was_active:
                self.recorder.record(
                    cj, NORMAL, "SawCompletedJob",
                    f"Saw completed job: {j['metadata']['name']}, condition: {state}",
                    component=self.component,
                )  # fmt: skip
        finished_at = [(j.get("status") or {}).get("completionTime", "") for j in succeeded]
        if finished_at:
            status["lastSuccessfulTime"] = max(finished_at)
        self._trim(cj, succeeded, int(spec.get("successfulJobsHistoryLimit", 3)))
        self._trim(cj, failed, int(spec.get("failedJobsHistoryLimit", 1)))
        job = self._maybe_run(cj, spec, status, active)
        if job is not None:
            active.append(job)
        status["active"] = [_job_ref(j) for j in active]
        if not status["active"]:
            del status["active"]
        order = ("active", "lastScheduleTime", "lastSuccessfulTime")
        self.write_status(cj, {k: status[k] for k in order if k in status})

    def _due_after(self, spec: Obj, now: float) -> float:
        """The next scheduled time after `now`; inf when nothing can run until a change."""
        schedule = self._schedule(str(spec.get("schedule", "")))
        if spec.get("suspend") or schedule is None:
            return math.inf
        try:
            return schedule.next_after(now)
        except CronError:
            return math.inf

    def _maybe_run(self, cj: Obj, spec: Obj, status: Obj, active: list[Obj]) -> Obj | None:
        if spec.get("suspend"):
            return None
        schedule = self._schedule(str(spec.get("schedule", "")))
        if schedule is None:
            self.recorder.record(
                cj, WARNING, "UnparseableSchedule",
                f"unparseable schedule: {spec.get('schedule')!r}", component=self.component,
            )  # fmt: skip
            return None
        now = self.now()
        last = parse_time(status.get("lastScheduleTime")) or parse_time(
            cj["metadata"].get("creationTimestamp")
        )
        if last is None:
            return None
        due = None
        t = schedule.next_after(last)
        missed = 0
        while t <= now and missed < MAX_MISSED:
            due = t
            missed += 1
            t = schedule.next_after(t)
        if due is None:
            return None
        deadline = spec.get("startingDeadlineSeconds")
        if deadline is not None and now - due > int(deadline):
            return None
        policy = spec.get("concurrencyPolicy", "Allow")
        if active and policy == "Forbid":
            return None
        if active and policy == "Replace":
            for j in list(active):
                self._delete_job(cj, j)
            active.clear()
        job = self.create_job(cj, due)
        status["lastScheduleTime"] = rfc3339(due)
        return job

    def _delete_job(self, cj: Obj, job: Obj) -> None:
        try:
            self.registry.delete(
                JOBS, job["metadata"]["namespace"], job["metadata"]["name"],
                DeleteOptions(propagation="Background"),
            )  # fmt: skip
        except ApiError:
            return
        self.recorder.record(
            cj, NORMAL, "SuccessfulDelete", f"Deleted job {job['metadata']['name']}",
            component=self.component,
        )  # fmt: skip

    def _trim(self, cj: Obj, jobs: list[Obj], limit: int) -> None:
        jobs = [j for j in jobs if not j["metadata"].get("deletionTimestamp")]
        if len(jobs) <= limit:
            return
        jobs.sort(key=lambda j: (j.get("status") or {}).get("startTime", ""))
        for j in jobs[: len(jobs) - limit]:
            self._delete_job(cj, j)

"""Job controller: runs `parallelism` pods until `completions` succeed (NonIndexed and
Indexed), counts failures against `backoffLimit`, and sets the Complete / Failed conditions
(with SuccessCriteriaMet / FailureTarget first, as 1.31+ does)."""

from __future__ import annotations

from typing import Any

from masthead.sim.controllers.events import NORMAL, WARNING
from masthead.sim.controllers.objects import JOBS, PODS, Obj, get_condition, rfc3339, set_condition
from masthead.sim.controllers.settings import JOB
from masthead.sim.controllers.workloads import WorkloadController, pod_from_template
from masthead.sim.store import WatchEvent

INDEX = "batch.kubernetes.io/job-completion-index"


def job_finished(job: Obj) -> str | None:
    for ctype in ("Complete", "Failed"):
        c = get_condition(job, ctype)
        if c is not None and c.get("status") == "True":
            return ctype
    return None


class JobController(WorkloadController):
    name = JOB
    component = "job-controller"
    info = JOBS

    def setup(self) -> None:
        self.handlers[JOBS.storage_key] = lambda ev: self.queue.add((ev.obj.namespace, ev.obj.name))
        self.handlers[PODS.storage_key] = self._on_pod

    def _on_pod(self, ev: WatchEvent) -> None:
        self.enqueue_owner(ev, "Job")

    def initial_sync(self) -> None:
        for s in self.store.iter_objects(JOBS.storage_key):
            self.queue.add((s.namespace, s.name))

    def sync(self, item: Any) -> None:
        ns, name = item
        job = self.get(ns, name)
        if job is None or job["metadata"].get("deletionTimestamp") or job_finished(job):
            return
        spec = job.get("spec") or {}
        t = rfc3339(self.now())
        pods = self.ctx.pods.owned_by(self.registry, job["metadata"]["uid"])
        succeeded = [p for p in pods if p.phase == "Succeeded"]
        failed = [p for p in pods if p.phase == "Failed"]
        active = [p for p in pods if p.active]
        completions = spec.get("completions")
        parallelism = int(spec.get("parallelism", 1))
        backoff_limit = int(spec.get("backoffLimit", 6))
        status: Obj = dict(job.get("status") or {})
        conds = list(status.get("conditions") or [])
        status.setdefault("startTime", t)
        if len(failed) > backoff_limit:
            for p in active:
                self.delete_pod(job, p)
            active = []
            msg = "Job has reached the specified backoff limit"
            conds = set_condition(
                conds, "FailureTarget", "True", t, "BackoffLimitExceeded", msg, probe_time=True
            )
            conds = set_condition(
                conds, "Failed", "True", t, "BackoffLimitExceeded", msg, probe_time=True
            )
            self.recorder.record(
                job, WARNING, "BackoffLimitExceeded", msg, component=self.component
            )
        elif (completions is not None and len(succeeded) >= int(completions)) or (
            completions is None and succeeded and not active
        ):
            msg = "Reached expected number of succeeded pods"
            conds = set_condition(
                conds, "SuccessCriteriaMet", "True", t, "CompletionsReached", msg, probe_time=True
            )
            conds = set_condition(
                conds, "Complete", "True", t, "CompletionsReached", msg, probe_time=True
            )
            status["completionTime"] = t
            self.recorder.record(
                job, NORMAL, "Completed", "Job completed", component=self.component
            )
        elif not spec.get("suspend"):
            if completions is None:
                want = 0 if succeeded else parallelism
            else:
                want = min(parallelism, int(completions) - len(succeeded))
            indexed = spec.get("completionMode") == "Indexed"
            taken = {p.annotations.get(INDEX) for p in [*succeeded, *active]}
            free = [str(i) for i in range(int(completions or 0)) if str(i) not in taken]
            for _ in range(max(0, want - len(active))):
                extra: dict[str, str] = {}
                if indexed and free:
                    extra = {INDEX: free.pop(0)}
                pod = pod_from_template(job, JOBS, spec.get("template") or {}, extra_labels=extra)
                if extra:
                    pod["metadata"]["annotations"] = {
                        **pod["metadata"].get("annotations", {}),
                        **extra,
                    }
                    pod["metadata"]["generateName"] = f"{name}-{extra[INDEX]}-"
                    pod["spec"]["hostname"] = f"{name}-{extra[INDEX]}"
                created = self.create_pod(job, pod)
                if created is None:
                    break
                view = self.ctx.pods.get(ns, created["metadata"]["name"])
                if view is not None:
                    active.append(view)
        status.pop("active", None)
        if active:
            status["active"] = len(active)
        status["ready"] = sum(1 for p in active if p.ready)
        if succeeded:
            status["succeeded"] = len(succeeded)
        if failed:
            status["failed"] = len(failed)
        status["terminating"] = sum(1 for p in pods if p.deleting)
        status["uncountedTerminatedPods"] = {}
        if conds:
            status["conditions"] = conds
        order = ("conditions", "startTime", "completionTime", "active", "succeeded", "failed",
                 "terminating", "uncountedTerminatedPods", "ready")  # fmt: skip
        self.write_status(job, {k: status[k] for k in order if k in status} | status)

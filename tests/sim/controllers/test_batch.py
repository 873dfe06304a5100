"""Jobs and CronJobs: completions, failures against backoffLimit, schedules on a test clock."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from masthead.sim.controllers import ControllerSettings
from tests.sim.controllers.helpers import NS, PODS, add_nodes, cluster, container, eventually, items
from tests.sim.simclient import SimClient

JOBS = f"/apis/batch/v1/namespaces/{NS}/jobs"
CRONJOBS = f"/apis/batch/v1/namespaces/{NS}/cronjobs"


def job_spec(completions: int, parallelism: int, **annotations: str) -> dict[str, Any]:
    return {
        "completions": completions,
        "parallelism": parallelism,
        "backoffLimit": 2,
        "template": {
            "metadata": {"annotations": annotations},
            "spec": {"restartPolicy": "Never", "containers": [container("busybox:1.36")]},
        },
    }


async def _job(c: SimClient, name: str) -> dict[str, Any]:
    r = await c.get(f"{JOBS}/{name}")
    assert r.status == 200, r.text
    body: dict[str, Any] = r.body
    return body


def _cond(obj: dict[str, Any], ctype: str) -> dict[str, Any] | None:
    for cnd in (obj.get("status") or {}).get("conditions") or []:
        if cnd["type"] == ctype and cnd["status"] == "True":
            return dict(cnd)
    return None


async def test_job_runs_to_completion() -> None:
    async with cluster() as c:
        await add_nodes(c, "node-a")
        body = {"metadata": {"name": "batch"}, "spec": job_spec(3, 2)}
        assert (await c.post(JOBS, body)).status == 201

        async def complete() -> dict[str, Any] | None:
            j = await _job(c, "batch")
            return j if _cond(j, "Complete") else None

        j = await eventually(complete, what="job complete")
        assert j["status"]["succeeded"] == 3 and "active" not in j["status"]
        assert j["status"]["completionTime"] and j["status"]["startTime"]
        assert _cond(j, "SuccessCriteriaMet") is not None
        pods = await items(c, PODS, labelSelector="job-name=batch")
        assert len(pods) == 3 and {p["status"]["phase"] for p in pods} == {"Succeeded"}
        reasons = [
            e["reason"]
            for e in await items(c, f"/api/v1/namespaces/{NS}/events")
            if e["involvedObject"]["name"] == "batch"
        ]
        assert reasons.count("SuccessfulCreate") == 3 and "Completed" in reasons


async def test_job_fails_after_backoff_limit() -> None:
    async with cluster() as c:
        await add_nodes(c, "node-a")
        spec = job_spec(1, 1, **{"sim.masthead.io/behaviour": "fail"})
        await c.post(JOBS, {"metadata": {"name": "flaky"}, "spec": spec})

        async def failed() -> dict[str, Any] | None:
            j = await _job(c, "flaky")
            return j if _cond(j, "Failed") else None

        j = await eventually(failed, what="job failed")
        assert _cond(j, "Failed")["reason"] == "BackoffLimitExceeded"  # type: ignore[index]
        assert j["status"]["failed"] == 3  # backoffLimit 2 → the third failure ends it


class FakeClock:
    def __init__(self) -> None:
        self.t = time.time()

    def __call__(self) -> float:
        return self.t


async def test_cronjob_creates_jobs_on_schedule_and_keeps_history() -> None:
    clock = FakeClock()
    async with cluster(settings=ControllerSettings.fast(clock=clock)) as c:
        await add_nodes(c, "node-a")
        spec = {
            "schedule": "* * * * *",
            "successfulJobsHistoryLimit": 2,
            "jobTemplate": {"spec": job_spec(1, 1)},
        }
        assert (await c.post(CRONJOBS, {"metadata": {"name": "tick"}, "spec": spec})).status == 201
        for minute in range(1, 5):
            clock.t += 60

            due = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(clock.t // 60 * 60))

            async def ran(n: int = minute, due: str = due) -> dict[str, Any] | None:
                cj = (await c.get(f"{CRONJOBS}/tick")).body
                done = [j for j in await items(c, JOBS) if _cond(j, "Complete")]
                st = cj.get("status", {})
                ok = st.get("lastScheduleTime") == due and len(done) == min(n, 2)
                return cj if ok and "active" not in st else None

            cj = await eventually(ran, what=f"run {minute}")
        jobs = await items(c, JOBS)
        assert len(jobs) == 2  # history limit trimmed the older ones
        names = sorted(j["metadata"]["name"] for j in jobs)
        assert all(n.startswith("tick-") for n in names)
        scheduled = int(names[-1].rsplit("-", 1)[1]) * 60
        assert cj["status"]["lastScheduleTime"] == time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime(scheduled)
        )
        assert cj["status"]["lastSuccessfulTime"]
        ann = jobs[-1]["metadata"]["annotations"]
        assert "batch.kubernetes.io/cronjob-scheduled-timestamp" in ann
        assert jobs[0]["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
        evs = await items(
            c, f"/api/v1/namespaces/{NS}/events", fieldSelector="involvedObject.name=tick"
        )
        reasons = {e["reason"] for e in evs}
        assert {"SuccessfulCreate", "SawCompletedJob", "SuccessfulDelete"} <= reasons


async def test_a_cronjob_is_synced_when_due_not_every_tick() -> None:
    # Upstream requeues a CronJob for its next schedule time; syncing every CronJob on every
    # tick decoded all their Jobs once a second.
    # The schedule counts from the CronJob's creationTimestamp, which the store takes from the
    # wall clock: the fake clock starts at the wall clock's now, and by the first :00 or :30 at
    # least a minute later a run is due (a test started at :29:59 still creates the CronJob
    # before its first schedule time).
    clock = FakeClock()
    due = (int(clock.t) + 60) // 1800 * 1800 + 1800
    settings = ControllerSettings.fast(clock=clock)
    async with cluster(settings=settings) as c:
        await add_nodes(c, "node-a")
        spec = {"schedule": "*/30 * * * *", "jobTemplate": {"spec": job_spec(1, 1)}}
        assert (await c.post(CRONJOBS, {"metadata": {"name": "half"}, "spec": spec})).status == 201
        ctl = c.sim.controllers.get("cronjob")
        assert ctl is not None

        async def synced_once() -> bool:
            return ctl.syncs >= 1 and c.sim.controllers.idle()

        await eventually(synced_once, what="the create's sync")
        before = ctl.syncs
        await asyncio.sleep(settings.cron_tick * 10)  # ten ticks, nothing due
        assert ctl.syncs == before
        assert await items(c, JOBS) == []

        clock.t = due
        jobs = await eventually(lambda: items(c, JOBS), what="the run when due")
        assert len(jobs) == 1 and ctl.syncs > before


async def test_cronjob_manual_trigger() -> None:
    async with cluster() as c:
        await add_nodes(c, "node-a")
        spec = {"schedule": "0 0 1 1 *", "jobTemplate": {"spec": job_spec(1, 1)}}
        await c.post(CRONJOBS, {"metadata": {"name": "yearly"}, "spec": spec})
        ctl = c.sim.controllers.get("cronjob")
        assert ctl is not None
        job = ctl.trigger(NS, "yearly")  # type: ignore[attr-defined]
        assert job["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"

        async def complete() -> dict[str, Any] | None:
            j = await _job(c, job["metadata"]["name"])
            return j if _cond(j, "Complete") else None

        await eventually(complete)

"""CronJob actions.

- `suspend` / `resume`: merge patch of a CronJob's `spec.suspend`.
- `trigger`: a Job created from a CronJob's `jobTemplate`, annotated
  `cronjob.kubernetes.io/instantiate: manual` and owned by the CronJob (`kubectl create job
  --from=cronjob/…`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any

from masthead.actions.base import (
    MERGE_PATCH,
    NAME,
    ActionInvalid,
    Answer,
    Builder,
    Check,
    Plan,
    Target,
    name_of,
    namespace_of,
    patcher,
    send,
)
from masthead.kube.transport import Transport

INSTANTIATE = "cronjob.kubernetes.io/instantiate"
_JOB_NAME_MAX = 52  # a Job's name must leave room for its pods' suffixes (kubectl's limit)


def suspension_builder(action: str, suspend: bool) -> Builder:
    def build(body: Mapping[str, Any], now: Callable[[], float]) -> Plan:
        target = Target("batch", "v1", "cronjobs", namespace_of(body), name_of(body))
        return Plan(
            action,
            target,
            {"suspend": suspend},
            (Check("patch", "batch", "cronjobs", target.namespace),),
            patcher(target, {"spec": {"suspend": suspend}}, MERGE_PATCH),
        )

    return build


def trigger(body: Mapping[str, Any], now: Callable[[], float]) -> Plan:
    target = Target("batch", "v1", "cronjobs", namespace_of(body), name_of(body))
    job_name = body.get("jobName")
    if job_name is None:
        stem = target.name[: _JOB_NAME_MAX - len("-manual-xxxxxx")]
        job_name = f"{stem}-manual-{secrets.token_hex(3)}"
    elif not isinstance(job_name, str) or not NAME.match(job_name):
        raise ActionInvalid("jobName", f"jobName {job_name!r} is not a valid object name")
    if len(job_name) > _JOB_NAME_MAX:
        raise ActionInvalid("jobName", f"jobName must be at most {_JOB_NAME_MAX} characters")
    jobs = f"/apis/batch/v1/namespaces/{target.namespace}/jobs"

    async def run(transport: Transport, dry_run: bool) -> Answer:
        cj = (await transport.request("get", target.path)).json()
        template = (cj.get("spec") or {}).get("jobTemplate") or {}
        meta = template.get("metadata") or {}
        annotations = {**(meta.get("annotations") or {}), INSTANTIATE: "manual"}
        job: dict[str, Any] = {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {
                "name": job_name,
                "namespace": target.namespace,
                "annotations": annotations,
                "ownerReferences": [
                    {
                        "apiVersion": "batch/v1",
                        "kind": "CronJob",
                        "name": cj["metadata"]["name"],
                        "uid": cj["metadata"]["uid"],
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "spec": template.get("spec") or {},
        }
        if meta.get("labels"):
            job["metadata"]["labels"] = dict(meta["labels"])
        return await send(transport, "create", "POST", jobs, job, dry_run)

    return Plan(
        "trigger",
        target,
        {"jobName": job_name},
        (
            Check("get", "batch", "cronjobs", target.namespace),
            Check("create", "batch", "jobs", target.namespace),
        ),
        run,
    )

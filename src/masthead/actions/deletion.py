"""Deleting objects and their finalizers.

- `delete`: any object, with `propagationPolicy` and `gracePeriodSeconds`; `force` deletes at
  once (grace period 0), for pods stuck terminating on a node that is gone, and says so.
- `remove-finalizers`: a JSON patch removing `metadata.finalizers`, guarded by `test` ops on
  the uid and on the finalizers as read, so a concurrent change is a 409, not an overwrite.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from masthead.actions.base import (
    JSON_PATCH,
    ActionInvalid,
    Answer,
    Check,
    Plan,
    any_target,
    flag,
    integer,
    one_of,
    send,
)
from masthead.kube.errors import ApiError, ApiStatus
from masthead.kube.transport import Transport

PROPAGATION = ("Background", "Foreground", "Orphan")
# kubectl's own words for --force.
FORCE_WARNING = (
    "Immediate deletion does not wait for confirmation that the running resource has been "
    "terminated. The resource may continue to run on the cluster indefinitely."
)


def delete(body: Mapping[str, Any], now: Callable[[], float]) -> Plan:
    target = any_target(body)
    propagation = one_of(body, "propagationPolicy", PROPAGATION, "Background")
    grace = integer(body, "gracePeriodSeconds", required=False)
    force = flag(body, "force")
    if force and grace not in (None, 0):
        raise ActionInvalid(
            "gracePeriodSeconds", "force deletes at once: gracePeriodSeconds must be 0 or omitted"
        )
    if force:
        grace = 0
    options: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "DeleteOptions",
        "propagationPolicy": propagation,
    }
    params: dict[str, Any] = {"propagationPolicy": propagation}
    if grace is not None:
        options["gracePeriodSeconds"] = grace
        params["gracePeriodSeconds"] = grace
    if force:
        params["force"] = True

    async def run(transport: Transport, dry_run: bool) -> Answer:
        opts = {**options, "dryRun": ["All"]} if dry_run else options
        answer = await send(transport, "delete", "DELETE", target.path, opts, dry_run)
        return Answer(answer.status, answer.body, (FORCE_WARNING,) if force else ())

    check = Check("delete", target.group, target.resource, target.namespace)
    return Plan("delete", target, params, (check,), run, destructive=True)


def remove_finalizers(body: Mapping[str, Any], now: Callable[[], float]) -> Plan:
    target = any_target(body)

    async def run(transport: Transport, dry_run: bool) -> Answer:
        current = (await transport.request("get", target.path)).json()
        meta = current.get("metadata") or {}
        finalizers = meta.get("finalizers")
        if not finalizers:
            return Answer(200, current)  # nothing to remove: the object as it is
        patch = [
            {"op": "test", "path": "/metadata/uid", "value": meta.get("uid")},
            {"op": "test", "path": "/metadata/finalizers", "value": finalizers},
            {"op": "remove", "path": "/metadata/finalizers"},
        ]
        try:
            return await send(transport, "patch", "PATCH", target.path, patch, dry_run, JSON_PATCH)
        except ApiError as e:
            if e.status.code != 422:
                raise
            # A failed `test`: the object or its finalizers changed since they were read.
            raise ApiError(
                ApiStatus(
                    409,
                    "Conflict",
                    f"the finalizers of {target.resource} {target.name!r} changed since they were"
                    f" read ({', '.join(finalizers)}); nothing was removed, read them again",
                )
            ) from None

    checks = (
        Check("get", target.group, target.resource, target.namespace),
        Check("patch", target.group, target.resource, target.namespace),
    )
    return Plan("remove-finalizers", target, {}, checks, run, destructive=True)

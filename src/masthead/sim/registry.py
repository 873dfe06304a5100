"""The write path: create, update, patch and delete with the apiserver's semantics.

Everything that writes objects goes through here (HTTP handlers and the simulated controllers
alike): defaulting, validation, server-owned metadata, managedFields, status/scale
subresources, generation, finalizers, graceful deletion and owner-reference garbage collection.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from masthead.sim import errors
from masthead.sim.catalog import Catalog, crd_version
from masthead.sim.clone import clone
from masthead.sim.crdschema import validate_against_schema
from masthead.sim.defaults import (
    admission_forbidden,
    apply_defaults,
    generate_job_selector,
    missing_service_account_message,
    pod_needs_service_account,
)
from masthead.sim.errors import ApiError
from masthead.sim.eventconv import core_to_events_v1, events_v1_to_core
from masthead.sim.fieldsets import field_values
from masthead.sim.managedfields import record_update, server_side_apply
from masthead.sim.owned_leaf import owned_leaf_update
from masthead.sim.patch import json_patch, merge_patch, strategic_merge_patch
from masthead.sim.resources import OBJECT_META_ORDER, ResourceInfo, builtin
from masthead.sim.store import ObjectStore, Stored
from masthead.sim.validation import prune_patched, validate_create, validate_update
from masthead.tasks import cancel_and_wait

# Kinds whose metadata.generation tracks spec changes (upstream strategies that set it).
GENERATION_KINDS = frozenset(
    {
        ("apps", "Deployment"),
        ("apps", "ReplicaSet"),
        ("apps", "StatefulSet"),
        ("apps", "DaemonSet"),
        ("batch", "Job"),
        ("batch", "CronJob"),
        ("", "Pod"),
        ("", "ReplicationController"),
        ("autoscaling", "HorizontalPodAutoscaler"),
        ("policy", "PodDisruptionBudget"),
        ("networking.k8s.io", "Ingress"),
        ("networking.k8s.io", "NetworkPolicy"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    }
)

# Kinds whose DELETE answers with the object rather than a Status (upstream ReturnDeletedObject).
RETURNS_DELETED_OBJECT = frozenset(
    {
        ("", "pods"),
        ("", "services"),
        ("", "namespaces"),
        ("apiextensions.k8s.io", "customresourcedefinitions"),
    }
)

METADATA_ORDER = OBJECT_META_ORDER

# How long the simulated kubelet takes to finish a graceful pod deletion (seconds, at most
# the pod's grace period). Short, so tests and kubectl's delete --wait finish quickly.
DEFAULT_KUBELET_DELETE_DELAY = 0.5
# Delay before the garbage collector acts on dependents of a deleted owner.
DEFAULT_GC_DELAY = 0.05

NAMESPACES = builtin("", "namespaces")
CRDS = builtin("apiextensions.k8s.io", "customresourcedefinitions")
SERVICE_ACCOUNTS = builtin("", "serviceaccounts")


def now_rfc3339(t: float) -> str:
    return datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _order_metadata(meta: dict[str, Any]) -> dict[str, Any]:
    out = {k: meta[k] for k in METADATA_ORDER if k in meta}
    for k, v in meta.items():
        if k not in out:
            out[k] = v
    return out


def _strip_empty_metadata(meta: dict[str, Any]) -> None:
    for k in ("labels", "annotations", "ownerReferences", "finalizers", "managedFields"):
        if k in meta and not meta[k]:
            del meta[k]


def _random_suffix(n: int = 5) -> str:
    # Upstream's generateName alphabet leaves out vowels and confusable characters.
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    return "".join(secrets.choice(alphabet) for _ in range(n))


@dataclass
class DeleteOptions:
    grace_period: int | None = None
    propagation: str | None = None  # Background | Foreground | Orphan
    preconditions_uid: str | None = None
    preconditions_rv: str | None = None
    dry_run: bool = False


@dataclass
class WriteContext:
    manager: str
    dry_run: bool = False
    # The request's fieldValidation (patches check the patched object) and the warnings
    # the write produced, for the response's Warning header.
    field_validation: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class RegistryConfig:
    gc_enabled: bool = True
    namespace_controller: bool = True
    kubelet_delete_delay: float = DEFAULT_KUBELET_DELETE_DELAY
    crd_establish_delay: float = 0.0
    service_cidr_base: tuple[int, int, int, int] = (10, 96, 0, 0)


@dataclass
class Registry:
    store: ObjectStore
    catalog: Catalog
    config: RegistryConfig = field(default_factory=RegistryConfig)
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        self._owner_index: dict[str, set[tuple[tuple[str, str], str, str]]] = {}
        self._owners_of: dict[tuple[tuple[str, str], str, str], tuple[str, ...]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._next_ip = 10
        self.on_catalog_change: list[Callable[[], None]] = []

    # ------------------------------------------------------------------ helpers
    def info_for_storage(self, info: ResourceInfo) -> tuple[str, str]:
        return info.storage_key

    def fields_fn(self, info: ResourceInfo) -> Callable[[Mapping[str, Any]], Mapping[str, str]]:
        g, r = info.storage_key
        return lambda obj: field_values(g, r, obj)

    def _spawn(self, coro: Any) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            coro.close()
            return
        t = loop.create_task(coro)
        self._tasks.add(t)
        t.add_done_callback(self._tasks.discard)

    async def aclose(self) -> None:
        await cancel_and_wait(*self._tasks)

    def _get_stored(self, info: ResourceInfo, ns: str, name: str) -> Stored:
        s = self.store.get(info.storage_key, ns if info.namespaced else "", name)
        if s is None:
            raise errors.not_found(info, name)
        return s

    def get(self, info: ResourceInfo, ns: str, name: str) -> dict[str, Any]:
        return self._get_stored(info, ns, name).decode()

    def put_prepared(self, info: ResourceInfo, obj: dict[str, Any]) -> dict[str, Any]:
        """Store a complete object without admission (bulk world building): the owner index
        is still maintained so garbage collection finds its dependents."""
        return self._put(info, obj)

    def _put(self, info: ResourceInfo, obj: dict[str, Any]) -> dict[str, Any]:
        obj["metadata"] = _order_metadata(obj["metadata"])
        if info.is_custom:
            obj = _sorted_keys(obj)
        _, prev = self.store.put(info.storage_key, obj, self.fields_fn(info))
        self._index_owners(info, obj, prev)
        return obj

    def _index_owners(self, info: ResourceInfo, obj: dict[str, Any], prev: Stored | None) -> None:
        meta = obj["metadata"]
        ref = (info.storage_key, meta.get("namespace", ""), meta["name"])
        owners = tuple(o["uid"] for o in meta.get("ownerReferences") or [] if o.get("uid"))
        if self._owners_of.get(ref, ()) == owners:
            return
        self._unindex_ref(ref)
        if owners:
            self._owners_of[ref] = owners
            for uid in owners:
                self._owner_index.setdefault(uid, set()).add(ref)

    def _unindex(self, info: ResourceInfo, ns: str, name: str) -> None:
        self._unindex_ref((info.storage_key, ns, name))

    def _unindex_ref(self, ref: tuple[tuple[str, str], str, str]) -> None:
        # The reverse map keeps this O(owners of one object), not O(all owners).
        for uid in self._owners_of.pop(ref, ()):
            deps = self._owner_index.get(uid)
            if deps is not None:
                deps.discard(ref)
                if not deps:
                    del self._owner_index[uid]

    def namespace_phase(self, ns: str) -> str | None:
        s = self.store.get(NAMESPACES.storage_key, "", ns)
        if s is None:
            return None
        phase: str = (s.decode().get("status") or {}).get("phase", "Active")
        return phase

    # ------------------------------------------------------------------ create
    def create(
        self, info: ResourceInfo, ns: str, obj: dict[str, Any], ctx: WriteContext
    ) -> dict[str, Any]:
        # events.k8s.io Events arrive in their core/v1 storage form: default, validate and
        # track fields in the served form, store the core form.
        served_events = info.group == "events.k8s.io" and info.storage_group is not None
        obj = core_to_events_v1(obj) if served_events else clone(obj)
        meta = obj.setdefault("metadata", {}) or {}
        obj["metadata"] = meta
        if info.namespaced:
            meta["namespace"] = ns
            phase = self.namespace_phase(ns)
            if phase is None:
                raise errors.not_found(NAMESPACES, ns)
            if phase == "Terminating":
                raise ApiError(
                    403,
                    "Forbidden",
                    f'{info.qualified} "{meta.get("name", "")}" is forbidden: unable to create '
                    f"new content in namespace {ns} because it is being terminated",
                    {"name": meta.get("name", "")}
                    | ({"group": info.group} if info.group else {})
                    | {
                        "kind": info.resource,
                        "causes": [
                            {
                                "reason": "NamespaceTerminating",
                                "message": f"namespace {ns} is being terminated",
                                "field": "metadata.namespace",
                            }
                        ],
                    },
                )
        else:
            meta.pop("namespace", None)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + _random_suffix()
        obj = {"kind": info.kind, "apiVersion": info.api_version, **_without_type(obj)}
        if info.has_status and not _keeps_status_on_create(info):
            obj.pop("status", None)
        obj = apply_defaults(info, obj, allocate_cluster_ip=self._next_cluster_ip)
        if info.resource == "pods" and info.group == "":
            self._admit_pod(info, ns, obj)
        validate_create(info, obj)
        _validate_custom(info, obj)
        name = obj["metadata"]["name"]
        if self.store.get(info.storage_key, ns if info.namespaced else "", name) is not None:
            raise errors.already_exists(info, name)
        t = self.clock()
        meta = obj["metadata"]
        meta["uid"] = str(uuid.uuid4())
        if info.group == "batch" and info.resource == "jobs":
            generate_job_selector(obj, meta["uid"])
        meta["creationTimestamp"] = now_rfc3339(t)
        if (info.group, info.kind) in GENERATION_KINDS or info.is_custom:
            meta["generation"] = 1
        meta.pop("deletionTimestamp", None)
        meta.pop("deletionGracePeriodSeconds", None)
        meta.pop("resourceVersion", None)
        meta["managedFields"] = []
        obj = record_update(
            None, obj, manager=ctx.manager, api_version=info.api_version, time=now_rfc3339(t)
        )
        _strip_empty_metadata(obj["metadata"])
        if served_events:
            obj = events_v1_to_core(obj)
        if ctx.dry_run:
            obj["metadata"] = _order_metadata(obj["metadata"])
            return obj
        stored = self._put(info, obj)
        self._after_create(info, stored)
        return stored

    def _admit_pod(self, info: ResourceInfo, ns: str, obj: dict[str, Any]) -> None:
        sa = pod_needs_service_account(obj)
        if sa is not None and self.store.get(SERVICE_ACCOUNTS.storage_key, ns, sa) is None:
            name = obj["metadata"].get("name", "")
            raise admission_forbidden(info, name, missing_service_account_message(ns, sa))

    def _next_cluster_ip(self) -> str:
        a, b, _, _ = self.config.service_cidr_base
        n = self._next_ip
        self._next_ip += 1
        return f"{a}.{b}.{(n >> 8) & 255}.{n & 255}"

    def _after_create(self, info: ResourceInfo, obj: dict[str, Any]) -> None:
        if info.storage_key == CRDS.storage_key:
            self._spawn(self._establish_crd(obj["metadata"]["name"]))

    # ------------------------------------------------------------------ update
    def update(
        self,
        info: ResourceInfo,
        ns: str,
        name: str,
        obj: dict[str, Any],
        ctx: WriteContext,
        subresource: str | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """PUT. Returns (object, created)."""
        ns = ns if info.namespaced else ""
        cur = self.store.get(info.storage_key, ns, name)
        if cur is None:
            if subresource is None and _allows_create_on_update(info):
                return self.create(info, ns, obj, ctx), True
            raise errors.not_found(info, name)
        old = cur.decode()
        body_meta = obj.get("metadata") or {}
        want_rv = body_meta.get("resourceVersion")
        if want_rv and want_rv != old["metadata"]["resourceVersion"]:
            raise errors.conflict(info, name)
        if body_meta.get("name", name) != name:
            raise errors.bad_request(
                "the name of the object "
                f"({body_meta.get('name')}) does not match the name on the URL ({name})"
            )
        new = self._merge_for_write(info, old, obj, subresource)
        return self._commit_update(info, old, new, ctx, subresource), False

    def update_owned_leaf(
        self,
        info: ResourceInfo,
        ns: str,
        name: str,
        path: tuple[str, ...],
        value: str,
        ctx: WriteContext,
    ) -> dict[str, Any]:
        """PUT of the stored object with the scalar at `path` set to `value` (a Lease
        renewal): the same stored object and watch event as `update`, without its defaulting,
        validation and managedFields diff when the writer alone owns the field."""
        ns = ns if info.namespaced else ""
        cur = self.store.get(info.storage_key, ns, name)
        if cur is None:
            raise errors.not_found(info, name)
        obj = cur.decode()  # owned_leaf_update changes it only when it applies
        if not (ctx.dry_run or info.is_custom):
            shortcut = owned_leaf_update(
                obj,
                path,
                value,
                manager=ctx.manager,
                api_version=info.api_version,
                time=now_rfc3339(self.clock()),
            )
            if shortcut is not None:
                new, changed = shortcut
                return self._put(info, new) if changed else new
        parent = obj
        for key in path[:-1]:
            parent = parent.setdefault(key, {})
        parent[path[-1]] = value
        return self.update(info, ns, name, obj, ctx)[0]

    def _merge_for_write(
        self,
        info: ResourceInfo,
        old: dict[str, Any],
        incoming: dict[str, Any],
        subresource: str | None,
    ) -> dict[str, Any]:
        """Apply status-subresource rules: main writes keep old status, /status keeps the rest."""
        if subresource == "status":
            # `old` is this write's own decode and the rest of the write path only reads below
            # the top level and metadata, so copying those is enough; only the status comes
            # from the caller, whose object must not be shared with the stored one.
            new = {**old, "metadata": dict(old["metadata"])}
            if "status" in incoming:
                new["status"] = clone(incoming["status"])
            else:
                new.pop("status", None)
            return new
        incoming = clone(incoming)
        new = {"kind": info.kind, "apiVersion": info.api_version, **_without_type(incoming)}
        meta = new.setdefault("metadata", {})
        old_meta = old["metadata"]
        for k in (
            "uid",
            "creationTimestamp",
            "namespace",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
        ):
            if k in old_meta:
                meta[k] = old_meta[k]
            else:
                meta.pop(k, None)
        meta["name"] = old_meta["name"]
        meta["managedFields"] = old_meta.get("managedFields", [])
        if info.has_status:
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)
        return new

    def _commit_update(
        self,
        info: ResourceInfo,
        old: dict[str, Any],
        new: dict[str, Any],
        ctx: WriteContext,
        subresource: str | None,
    ) -> dict[str, Any]:
        if subresource is None:
            new = apply_defaults(info, new)
        validate_update(info, _served_form(info, new), _served_form(info, old))
        _validate_custom(info, new)
        old_meta = old["metadata"]
        meta = new["metadata"]
        if old_meta.get("deletionTimestamp"):
            added = set(meta.get("finalizers") or []) - set(old_meta.get("finalizers") or [])
            if added:
                raise errors.invalid(
                    info.kind,
                    info.group,
                    old_meta["name"],
                    [
                        errors.cause(
                            "FieldValueForbidden",
                            "Forbidden: no new finalizers can be added if the object is being "
                            "deleted, found new finalizers " + str(sorted(added)),
                            "metadata.finalizers",
                        )
                    ],
                )
        if "generation" in old_meta and _spec_changed(old, new):
            meta["generation"] = old_meta["generation"] + 1
        t = now_rfc3339(self.clock())
        new = record_update(
            old,
            new,
            manager=ctx.manager,
            api_version=info.api_version,
            time=t,
            subresource=subresource,
        )
        _strip_empty_metadata(new["metadata"])
        if _same_object(old, new):
            # Upstream skips the write (no RV bump, no watch event) for no-op updates.
            return old
        if ctx.dry_run:
            return new
        return self._store_update(info, old, new)

    def _store_update(
        self, info: ResourceInfo, old: dict[str, Any], new: dict[str, Any]
    ) -> dict[str, Any]:
        meta = new["metadata"]
        if (
            meta.get("deletionTimestamp")
            and old["metadata"].get("finalizers")
            and not meta.get("finalizers")
        ):
            # The last finalizer is gone: the object is removed, and the answer keeps the old RV.
            new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
            self._remove(info, meta.get("namespace", ""), meta["name"])
            return new
        return self._put(info, new)

    # ------------------------------------------------------------------ patch
    def patch(
        self,
        info: ResourceInfo,
        ns: str,
        name: str,
        patch_type: str,
        patch: Any,
        ctx: WriteContext,
        *,
        force: bool = False,
        subresource: str | None = None,
    ) -> tuple[dict[str, Any], bool]:
        ns = ns if info.namespaced else ""
        cur = self.store.get(info.storage_key, ns, name)
        if patch_type == "apply":
            return self._apply(info, ns, name, cur, patch, ctx, force, subresource)
        if cur is None:
            raise errors.not_found(info, name)
        old = cur.decode()
        if patch_type == "json":
            patched = json_patch(old, patch)
        elif patch_type == "merge":
            patched = merge_patch(old, patch)
        else:
            patched = strategic_merge_patch(old, patch, info.group, info.kind)
        merge_body = patch if patch_type == "merge" else None
        patched, warnings = prune_patched(info, patched, ctx.field_validation, merge_body)
        ctx.warnings.extend(warnings)
        want_rv = (patched.get("metadata") or {}).get("resourceVersion")
        if want_rv and want_rv != old["metadata"]["resourceVersion"]:
            raise errors.conflict(info, name)
        new = self._merge_for_write(info, old, patched, subresource)
        if subresource is None and not info.has_status and "status" in patched:
            new["status"] = patched["status"]
        return self._commit_update(info, old, new, ctx, subresource), False

    def _apply(
        self,
        info: ResourceInfo,
        ns: str,
        name: str,
        cur: Stored | None,
        applied: Any,
        ctx: WriteContext,
        force: bool,
        subresource: str | None,
    ) -> tuple[dict[str, Any], bool]:
        if not isinstance(applied, dict):
            raise errors.bad_request("apply patch body must be an object")
        if subresource is None and info.has_status and "status" in applied:
            # The strategy's reset fields: status sent to the main resource is ignored before
            # ownership is computed, so it neither conflicts with the controller that owns it
            # nor becomes the applier's (upstream's fieldmanager resetFieldsFilter).
            applied = {k: v for k, v in applied.items() if k != "status"}
        t = now_rfc3339(self.clock())
        if cur is None:
            if subresource is not None:
                raise errors.not_found(info, name)
            body = clone(applied)
            body.setdefault("metadata", {})["name"] = name
            created = self.create(info, ns, body, WriteContext(ctx.manager, True))
            created["metadata"]["managedFields"] = []
            result = server_side_apply(
                None,
                applied,
                manager=ctx.manager,
                force=force,
                api_version=info.api_version,
                time=t,
                group=info.group,
                kind=info.kind,
            )
            created = _overlay_managed(created, result)
            if ctx.dry_run:
                return created, True
            return self._put(info, created), True
        old = cur.decode()
        result = server_side_apply(
            old,
            applied,
            manager=ctx.manager,
            force=force,
            api_version=info.api_version,
            time=t,
            group=info.group,
            kind=info.kind,
        )
        new = self._merge_for_write(info, old, result, subresource)
        new["metadata"]["managedFields"] = result["metadata"].get("managedFields", [])
        if subresource is None:
            new = apply_defaults(info, new)
        validate_update(info, _served_form(info, new), _served_form(info, old))
        _validate_custom(info, new)
        if "generation" in old["metadata"] and _spec_changed(old, new):
            new["metadata"]["generation"] = old["metadata"]["generation"] + 1
        _strip_empty_metadata(new["metadata"])
        if _same_object(old, new):
            return old, False
        if ctx.dry_run:
            return new, False
        return self._store_update(info, old, new), False

    # ------------------------------------------------------------------ scale
    def get_scale(self, info: ResourceInfo, ns: str, name: str) -> dict[str, Any]:
        obj = self.get(info, ns, name)
        return _scale_of(info, obj)

    def update_scale(
        self, info: ResourceInfo, ns: str, name: str, scale: dict[str, Any], ctx: WriteContext
    ) -> dict[str, Any]:
        old = self.get(info, ns, name)
        want_rv = (scale.get("metadata") or {}).get("resourceVersion")
        if want_rv and want_rv != old["metadata"]["resourceVersion"]:
            raise errors.conflict(info, name)
        replicas = (scale.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or replicas < 0:
            raise errors.invalid(
                "Scale",
                "autoscaling",
                name,
                [
                    errors.cause(
                        "FieldValueInvalid",
                        f"Invalid value: {replicas}: must be greater than or equal to 0",
                        "spec.replicas",
                    )
                ],
            )
        new = clone(old)
        _set_path(new, _spec_replicas_path(info), replicas)
        if _same_object(old, new):
            return _scale_of(info, old)
        if "generation" in old["metadata"]:
            new["metadata"]["generation"] = old["metadata"]["generation"] + 1
        new = record_update(
            old,
            new,
            manager=ctx.manager,
            api_version=info.api_version,
            time="",
            subresource="scale",
        )
        if ctx.dry_run:
            return _scale_of(info, new)
        return _scale_of(info, self._put(info, new))

    # ------------------------------------------------------------------ delete
    def delete(
        self, info: ResourceInfo, ns: str, name: str, opts: DeleteOptions
    ) -> tuple[dict[str, Any], bool]:
        """DELETE. Returns (body, finished): the object or a Status, and whether it is gone."""
        ns = ns if info.namespaced else ""
        cur = self._get_stored(info, ns, name)
        obj = cur.decode()
        meta = obj["metadata"]
        if opts.preconditions_uid and opts.preconditions_uid != meta.get("uid"):
            raise ApiError(
                409,
                "Conflict",
                f'Operation cannot be fulfilled on {info.qualified} "{name}": Precondition '
                f"failed: UID in precondition: {opts.preconditions_uid}, UID in object meta: "
                f"{meta.get('uid')}",
                {"name": name, "kind": info.resource}
                | ({"group": info.group} if info.group else {}),
            )
        if opts.preconditions_rv and opts.preconditions_rv != meta.get("resourceVersion"):
            raise errors.conflict(info, name)
        if opts.dry_run:
            return self._delete_answer(info, obj), True
        if info.storage_key == NAMESPACES.storage_key:
            return self._delete_namespace(info, obj), False
        propagation = opts.propagation or _default_propagation(info)
        finalizers = list(meta.get("finalizers") or [])
        t = self.clock()
        if propagation == "Foreground" and "foregroundDeletion" not in finalizers:
            finalizers.append("foregroundDeletion")
        elif propagation == "Orphan" and "orphan" not in finalizers:
            finalizers.append("orphan")
        if info.resource == "pods" and info.group == "" and not finalizers:
            grace = self._pod_grace(obj, opts)
            if grace > 0 and (obj.get("spec") or {}).get("nodeName"):
                if meta.get("deletionTimestamp"):
                    return obj, False
                meta["deletionTimestamp"] = now_rfc3339(t + grace)
                meta["deletionGracePeriodSeconds"] = grace
                stored = self._put(info, obj)
                delay = min(float(grace), self.config.kubelet_delete_delay)
                self._spawn(self._finish_pod_delete(info, ns, name, meta["uid"], delay))
                return stored, False
        if info.storage_key == CRDS.storage_key and CRD_CLEANUP not in finalizers:
            finalizers.append(CRD_CLEANUP)
            _set_crd_terminating(obj, now_rfc3339(t))
        if finalizers:
            if meta.get("deletionTimestamp"):
                return obj, False
            meta["deletionTimestamp"] = now_rfc3339(t)
            meta["finalizers"] = finalizers
            # The CRD's own delete only stamps deletionTimestamp; the generic markAsDeleting
            # also sets a zero grace period and bumps the generation.
            if info.storage_key != CRDS.storage_key:
                meta["deletionGracePeriodSeconds"] = 0
                if meta.get("generation"):
                    meta["generation"] += 1
            stored = self._put(info, obj)
            self._after_mark_deleted(info, stored, propagation)
            return stored, False
        final = self._remove(info, ns, name)
        self._collect_dependents(meta["uid"], "Background" if propagation != "Orphan" else "Orphan")
        if info.resource == "pods" and info.group == "":
            # BeforeDelete marks the pod (grace 0 when unscheduled) before it is removed.
            fm = final["metadata"]
            fm["deletionTimestamp"] = now_rfc3339(t)
            fm["deletionGracePeriodSeconds"] = 0
            if fm.get("generation"):
                fm["generation"] += 1
            final["metadata"] = _order_metadata(fm)
        return self._delete_answer(info, final), True

    def _pod_grace(self, obj: dict[str, Any], opts: DeleteOptions) -> int:
        if opts.grace_period is not None:
            return max(0, opts.grace_period)
        g = (obj.get("spec") or {}).get("terminationGracePeriodSeconds")
        return int(g) if isinstance(g, int) else 30

    def _delete_answer(self, info: ResourceInfo, obj: dict[str, Any]) -> dict[str, Any]:
        if info.is_custom or info.storage_key in RETURNS_DELETED_OBJECT:
            return obj
        details: dict[str, Any] = {"name": obj["metadata"]["name"]}
        if info.group:
            details["group"] = info.group
        details["kind"] = info.resource
        details["uid"] = obj["metadata"].get("uid", "")
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "details": details,
        }

    def _remove(self, info: ResourceInfo, ns: str, name: str) -> dict[str, Any]:
        final = self.store.remove(info.storage_key, ns, name)
        if final is None:
            raise errors.not_found(info, name)
        self._unindex(info, ns, name)
        obj = final.decode()
        if info.storage_key == CRDS.storage_key:
            self._drop_crd(obj)
        return obj

    async def _finish_pod_delete(
        self, info: ResourceInfo, ns: str, name: str, uid: str, delay: float
    ) -> None:
        await asyncio.sleep(delay)
        cur = self.store.get(info.storage_key, ns, name)
        if cur is not None and cur.uid == uid:
            obj = cur.decode()
            if not obj["metadata"].get("finalizers"):
                self._remove(info, ns, name)
                self._collect_dependents(uid, "Background")

    def _after_mark_deleted(
        self, info: ResourceInfo, obj: dict[str, Any], propagation: str
    ) -> None:
        if info.storage_key == CRDS.storage_key:
            # CRD cleanup is an apiserver-internal controller: it runs without the GC too.
            self._spawn(self._cleanup_crd(obj["metadata"]["name"]))
        if not self.config.gc_enabled:
            return
        uid = obj["metadata"]["uid"]
        if "foregroundDeletion" in (obj["metadata"].get("finalizers") or []):
            self._spawn(
                self._foreground(
                    info, obj["metadata"].get("namespace", ""), obj["metadata"]["name"], uid
                )
            )
        elif "orphan" in (obj["metadata"].get("finalizers") or []):
            self._spawn(
                self._orphan(
                    info, obj["metadata"].get("namespace", ""), obj["metadata"]["name"], uid
                )
            )

    # ------------------------------------------------------------------ garbage collection
    def dependents(self, uid: str) -> list[tuple[tuple[str, str], str, str]]:
        return sorted(self._owner_index.get(uid, set()))

    def _info_for_key(self, key: tuple[str, str]) -> ResourceInfo | None:
        for r in self.catalog.all():
            if r.storage_key == key and r.storage_group is None:
                return r
        return None

    def _collect_dependents(self, uid: str, policy: str) -> None:
        if not self.config.gc_enabled or not self._owner_index.get(uid):
            return
        self._spawn(self._collect(uid, policy))

    async def _collect(self, uid: str, policy: str) -> None:
        await asyncio.sleep(DEFAULT_GC_DELAY)
        for key, ns, name in self.dependents(uid):
            info = self._info_for_key(key)
            if info is None:
                continue
            cur = self.store.get(key, ns, name)
            if cur is None:
                continue
            obj = cur.decode()
            refs = obj["metadata"].get("ownerReferences") or []
            remaining = [r for r in refs if r.get("uid") != uid]
            try:
                if policy == "Orphan" or remaining:
                    self.patch(
                        info,
                        ns,
                        name,
                        "merge",
                        {"metadata": {"ownerReferences": remaining or None}},
                        WriteContext("kube-controller-manager"),
                    )
                else:
                    self.delete(info, ns, name, DeleteOptions(propagation="Background"))
            except ApiError:
                continue
        if not self._owner_index.get(uid):
            self._owner_index.pop(uid, None)

    async def _foreground(self, info: ResourceInfo, ns: str, name: str, uid: str) -> None:
        for _ in range(600):
            await asyncio.sleep(DEFAULT_GC_DELAY)
            live = [d for d in self.dependents(uid) if self.store.get(d[0], d[1], d[2]) is not None]
            for key, dns, dname in live:
                dinfo = self._info_for_key(key)
                if dinfo is None:
                    continue
                with contextlib.suppress(ApiError):
                    self.delete(dinfo, dns, dname, DeleteOptions(propagation="Foreground"))
            if not live:
                break
        self._remove_finalizer(info, ns, name, uid, "foregroundDeletion")

    async def _orphan(self, info: ResourceInfo, ns: str, name: str, uid: str) -> None:
        await self._collect(uid, "Orphan")
        self._remove_finalizer(info, ns, name, uid, "orphan")

    def _remove_finalizer(
        self, info: ResourceInfo, ns: str, name: str, uid: str, finalizer: str
    ) -> None:
        cur = self.store.get(info.storage_key, ns, name)
        if cur is None or cur.uid != uid:
            return
        obj = cur.decode()
        fins = [f for f in obj["metadata"].get("finalizers") or [] if f != finalizer]
        with contextlib.suppress(ApiError):
            self.patch(
                info,
                ns,
                name,
                "merge",
                {"metadata": {"finalizers": fins or None}},
                WriteContext("kube-controller-manager"),
            )

    # ------------------------------------------------------------------ namespaces
    def _delete_namespace(self, info: ResourceInfo, obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj["metadata"]
        if meta.get("deletionTimestamp"):
            return obj
        meta["deletionTimestamp"] = now_rfc3339(self.clock())
        obj.setdefault("status", {})["phase"] = "Terminating"
        stored = self._put(info, obj)
        if self.config.namespace_controller:
            self._spawn(self._finalize_namespace(meta["name"]))
        return stored

    async def _finalize_namespace(self, ns: str) -> None:
        """The namespace controller: empty the namespace, then drop the `kubernetes` finalizer."""
        for _ in range(600):
            await asyncio.sleep(DEFAULT_GC_DELAY)
            remaining = 0
            for info in list(self.catalog.all()):
                if not info.namespaced or info.storage_group is not None:
                    continue
                if "delete" not in info.verbs or "list" not in info.verbs:
                    continue
                for s in list(self.store.iter_objects(info.storage_key, ns)):
                    remaining += 1
                    with contextlib.suppress(ApiError):
                        self.delete(info, ns, s.name, DeleteOptions())
            if remaining == 0:
                break
        cur = self.store.get(NAMESPACES.storage_key, "", ns)
        if cur is None:
            return
        obj = cur.decode()
        spec = obj.get("spec") or {}
        if "kubernetes" in (spec.get("finalizers") or []):
            spec["finalizers"] = [f for f in spec["finalizers"] if f != "kubernetes"]
            obj["spec"] = spec
        if not spec.get("finalizers") and not obj["metadata"].get("finalizers"):
            self._remove(NAMESPACES, "", ns)
        else:
            self._put(NAMESPACES, obj)

    def finalize_namespace(
        self, name: str, body: dict[str, Any], ctx: WriteContext
    ) -> dict[str, Any]:
        """PUT /api/v1/namespaces/{name}/finalize: replace spec.finalizers."""
        old = self.get(NAMESPACES, "", name)
        new = clone(old)
        new.setdefault("spec", {})["finalizers"] = (body.get("spec") or {}).get("finalizers") or []
        if not new["spec"]["finalizers"]:
            del new["spec"]["finalizers"]
        if (
            new["metadata"].get("deletionTimestamp")
            and not new["spec"].get("finalizers")
            and not new["metadata"].get("finalizers")
        ):
            self._remove(NAMESPACES, "", name)
            return new
        return self._put(
            NAMESPACES,
            record_update(
                old,
                new,
                manager=ctx.manager,
                api_version="v1",
                time=now_rfc3339(self.clock()),
                subresource="finalize",
            ),
        )

    # ------------------------------------------------------------------ CRDs
    async def _establish_crd(self, name: str) -> None:
        if self.config.crd_establish_delay:
            await asyncio.sleep(self.config.crd_establish_delay)
        self.establish_crd(name)

    def establish_crd(self, name: str) -> None:
        cur = self.store.get(CRDS.storage_key, "", name)
        if cur is None:
            return
        old = cur.decode()
        if old["metadata"].get("deletionTimestamp"):
            return
        names = dict((old.get("spec") or {}).get("names") or {})
        t = now_rfc3339(self.clock())
        new = clone(old)
        new["status"] = {
            "conditions": [
                {
                    "type": "NamesAccepted",
                    "status": "True",
                    "lastTransitionTime": t,
                    "reason": "NoConflicts",
                    "message": "no conflicts found",
                },
                {
                    "type": "Established",
                    "status": "True",
                    "lastTransitionTime": t,
                    "reason": "InitialNamesAccepted",
                    "message": "the initial names have been accepted",
                },
            ],
            "acceptedNames": names,
            "storedVersions": [
                v["name"] for v in (old.get("spec") or {}).get("versions") or [] if v.get("storage")
            ],
        }
        new = record_update(
            old,
            new,
            manager="kube-apiserver",
            api_version=CRDS.api_version,
            time=t,
            subresource="status",
        )
        stored = self._put(CRDS, new)
        self.catalog.set_crd(stored)
        self._catalog_changed()

    async def _cleanup_crd(self, name: str) -> None:
        cur = self.store.get(CRDS.storage_key, "", name)
        if cur is None:
            return
        crd = cur.decode()
        spec = crd.get("spec") or {}
        key = (spec.get("group", ""), (spec.get("names") or {}).get("plural", ""))
        for s in list(self.store.iter_objects(key)):
            self.store.remove(key, s.namespace, s.name)
        await asyncio.sleep(0)
        self._remove_finalizer(
            CRDS, "", name, crd["metadata"]["uid"], "customresourcecleanup.apiextensions.k8s.io"
        )

    def _drop_crd(self, crd: dict[str, Any]) -> None:
        spec = crd.get("spec") or {}
        removed = self.catalog.remove_crd(crd["metadata"]["name"])
        if removed:
            self.store.drop_resource(
                (spec.get("group", ""), (spec.get("names") or {}).get("plural", ""))
            )
            self._catalog_changed()

    def _catalog_changed(self) -> None:
        for cb in self.on_catalog_change:
            cb()


CRD_CLEANUP = "customresourcecleanup.apiextensions.k8s.io"


def _validate_custom(info: ResourceInfo, obj: dict[str, Any]) -> None:
    """Custom resources are checked against the served version's openAPIV3Schema."""
    if info.crd is None:
        return
    schema = (crd_version(info.crd, info.version).get("schema") or {}).get("openAPIV3Schema")
    if not schema:
        return
    causes = validate_against_schema(schema, obj)
    if causes:
        raise errors.invalid(info.kind, info.group, obj["metadata"].get("name"), causes)


def _served_form(info: ResourceInfo, obj: dict[str, Any]) -> dict[str, Any]:
    """The object as `info` serves it, for validation: events.k8s.io Events are stored in
    core/v1 form, but their rules are written for the events.k8s.io/v1 fields."""
    if info.group == "events.k8s.io" and info.storage_group is not None:
        return core_to_events_v1(obj)
    return obj


def _set_crd_terminating(crd: dict[str, Any], ts: str) -> None:
    conds = (crd.setdefault("status", {}) or {}).setdefault("conditions", []) or []
    crd["status"]["conditions"] = [c for c in conds if c.get("type") != "Terminating"] + [
        {
            "type": "Terminating",
            "status": "True",
            "lastTransitionTime": ts,
            "reason": "InstanceDeletionPending",
            "message": "CustomResourceDefinition marked for deletion; CustomResource deletion "
            "will begin soon",
        }
    ]


def _default_propagation(info: ResourceInfo) -> str:
    return "Background"


def _keeps_status_on_create(info: ResourceInfo) -> bool:
    # Nodes, PVs/PVCs, and pods accept some status on create in upstream strategies; the rest
    # reset it. Pods' status is then replaced by defaulting.
    return (info.group, info.resource) in {
        ("", "nodes"),
        ("", "persistentvolumes"),
        ("", "persistentvolumeclaims"),
        ("", "pods"),
        ("", "namespaces"),
    }


def _allows_create_on_update(info: ResourceInfo) -> bool:
    # Upstream AllowCreateOnUpdate: true for a few kinds (e.g. endpoints, leases?, events...).
    return (info.group, info.resource) in {
        ("", "endpoints"),
        ("coordination.k8s.io", "leases"),
        ("", "events"),
        ("events.k8s.io", "events"),
    }


def _without_type(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}


def _sorted_keys(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _sorted_keys(v[k]) for k in sorted(v)}
    if isinstance(v, list):
        return [_sorted_keys(x) for x in v]
    return v


def _spec_changed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    for k in set(old) | set(new):
        if k in ("kind", "apiVersion", "metadata", "status"):
            continue
        if old.get(k) != new.get(k):
            return True
    return False


def _same_object(old: dict[str, Any], new: dict[str, Any]) -> bool:
    a = {k: v for k, v in old.items() if k != "metadata"}
    b = {k: v for k, v in new.items() if k != "metadata"}
    if a != b:
        return False
    ma = {k: v for k, v in old["metadata"].items() if k not in ("managedFields", "resourceVersion")}
    mb = {k: v for k, v in new["metadata"].items() if k not in ("managedFields", "resourceVersion")}
    return ma == mb


def _overlay_managed(obj: dict[str, Any], applied_result: dict[str, Any]) -> dict[str, Any]:
    obj["metadata"]["managedFields"] = applied_result["metadata"].get("managedFields", [])
    _strip_empty_metadata(obj["metadata"])
    return obj


def _spec_replicas_path(info: ResourceInfo) -> str:
    if info.crd is not None:
        scale = (crd_version(info.crd, info.version).get("subresources") or {}).get("scale") or {}
        return str(scale.get("specReplicasPath", ".spec.replicas"))
    return ".spec.replicas"


def _get_path(obj: Any, path: str) -> Any:
    cur = obj
    for part in path.strip(".").split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def _set_path(obj: dict[str, Any], path: str, value: Any) -> None:
    parts = path.strip(".").split(".")
    cur = obj
    for p in parts[:-1]:
        cur = cur.setdefault(p, {})
    cur[parts[-1]] = value


def _scale_of(info: ResourceInfo, obj: dict[str, Any]) -> dict[str, Any]:
    from masthead.selectors import label_selector_from_dict

    meta = obj["metadata"]
    scale_meta = {
        k: meta[k]
        for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
        if k in meta
    }
    status_path = ".status.replicas"
    selector_str = ""
    if info.crd is not None:
        sc = (crd_version(info.crd, info.version).get("subresources") or {}).get("scale") or {}
        status_path = sc.get("statusReplicasPath", status_path)
        lsp = sc.get("labelSelectorPath")
        if lsp:
            selector_str = str(_get_path(obj, lsp) or "")
    else:
        sel = (obj.get("spec") or {}).get("selector")
        if isinstance(sel, dict):
            if info.resource == "replicationcontrollers":
                selector_str = ",".join(f"{k}={v}" for k, v in sorted(sel.items()))
            else:
                selector_str = str(label_selector_from_dict(sel))
    status: dict[str, Any] = {"replicas": _get_path(obj, status_path) or 0}
    if selector_str:
        status["selector"] = selector_str
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": scale_meta,
        "spec": {"replicas": _get_path(obj, _spec_replicas_path(info)) or 0},
        "status": status,
    }


__all__ = [
    "DeleteOptions",
    "Registry",
    "RegistryConfig",
    "WriteContext",
    "now_rfc3339",
]

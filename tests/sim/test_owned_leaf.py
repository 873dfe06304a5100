"""A Lease renewal's shortcut stores what the full update path stores, or steps aside."""

from __future__ import annotations

from typing import Any

import orjson

from masthead.sim.app import Simulator
from masthead.sim.owned_leaf import owned_leaf_update
from masthead.sim.registry import WriteContext

RENEW = ("spec", "renewTime")
LEASE_API = "coordination.k8s.io/v1"


def _lease(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {
            "holderIdentity": "node-1",
            "leaseDurationSeconds": 40,
            "renewTime": "2026-11-30T00:00:00.000000Z",
        },
    }


def _same_but_name(raw: bytes, name: str, uid: str, rv: str) -> bytes:
    return (
        raw.replace(name.encode(), b"<name>")
        .replace(uid.encode(), b"<uid>")
        .replace(f'"resourceVersion":"{rv}"'.encode(), b'"resourceVersion":"<rv>"')
    )


async def test_renewal_shortcut_stores_the_full_paths_bytes() -> None:
    async with Simulator() as sim:
        info = sim.info("coordination.k8s.io", "v1", "leases")
        sim.registry.clock = lambda: 1_800_000_000.0
        kubelet = WriteContext("kubelet")
        for name in ("full", "short"):
            sim.registry.create(info, "default", _lease(name), kubelet)
        sim.registry.clock = lambda: 1_800_000_042.0
        renewed = "2027-01-15T08:00:42.123456Z"
        full = sim.registry.get(info, "default", "full")
        full["spec"]["renewTime"] = renewed
        sim.registry.update(info, "default", "full", full, kubelet)
        # The shortcut applies to this shape (else the comparison below compares the full
        # path with itself).
        before = sim.store.get(info.storage_key, "default", "short")
        assert before is not None
        assert owned_leaf_update(
            before.decode(), RENEW, renewed, manager="kubelet", api_version=LEASE_API, time="t"
        )
        sim.registry.update_owned_leaf(info, "default", "short", RENEW, renewed, kubelet)
        got = {name: sim.store.get(info.storage_key, "default", name) for name in ("full", "short")}
        raws = [
            _same_but_name(s.raw, s.name, s.uid, str(s.rv)) for s in got.values() if s is not None
        ]
        assert len(raws) == 2 and raws[0] == raws[1]
        short = orjson.loads(got["short"].raw) if got["short"] else {}
        assert short["spec"]["renewTime"] == renewed
        assert short["metadata"]["managedFields"][0]["time"] == "2027-01-15T08:00:42Z"
        assert int(short["metadata"]["resourceVersion"]) > before.rv


async def test_renewal_to_the_same_time_writes_nothing() -> None:
    async with Simulator() as sim:
        info = sim.info("coordination.k8s.io", "v1", "leases")
        kubelet = WriteContext("kubelet")
        sim.registry.create(info, "default", _lease("same"), kubelet)
        rv = sim.store.rv
        out = sim.registry.update_owned_leaf(
            info, "default", "same", RENEW, "2026-11-30T00:00:00.000000Z", kubelet
        )
        assert sim.store.rv == rv
        assert out["metadata"]["resourceVersion"] == str(rv)


def _stored(managed: list[dict[str, Any]], **meta: Any) -> dict[str, Any]:
    lease = _lease("x")
    lease["metadata"].update(managedFields=managed, resourceVersion="5", **meta)
    return lease


def _entry(manager: str, fields: dict[str, Any], **kw: str) -> dict[str, Any]:
    return {
        "manager": manager,
        "operation": kw.get("operation", "Update"),
        "apiVersion": kw.get("apiVersion", LEASE_API),
        "time": "2026-11-30T00:00:00Z",
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
        **({"subresource": kw["subresource"]} if "subresource" in kw else {}),
    }


OWNS_RENEW = {"f:spec": {"f:renewTime": {}, "f:holderIdentity": {}}}


def test_shortcut_steps_aside_unless_the_writer_alone_owns_the_field() -> None:
    def attempt(obj: dict[str, Any]) -> Any:
        return owned_leaf_update(
            obj, RENEW, "2027-01-01T00:00:00.000000Z", manager="kubelet",
            api_version=LEASE_API, time="2027-01-01T00:00:00Z",
        )  # fmt: skip

    ok = attempt(_stored([_entry("kubelet", OWNS_RENEW)]))
    assert (
        ok is not None
        and ok[1]
        and ok[0]["metadata"]["managedFields"][0]["time"] == ("2027-01-01T00:00:00Z")
    )
    assert attempt(_stored([_entry("kubelet", OWNS_RENEW), _entry("other", OWNS_RENEW)])) is None
    assert attempt(_stored([_entry("other", OWNS_RENEW)])) is None
    assert attempt(_stored([_entry("kubelet", OWNS_RENEW, operation="Apply")])) is None
    assert attempt(_stored([_entry("kubelet", OWNS_RENEW, apiVersion="v1beta1")])) is None
    assert attempt(_stored([_entry("kubelet", OWNS_RENEW, subresource="status")])) is None
    assert attempt(_stored([_entry("kubelet", {"f:spec": {"f:holderIdentity": {}}})])) is None
    assert attempt(_stored([_entry("kubelet", OWNS_RENEW)], generation=1)) is None

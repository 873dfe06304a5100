"""A hypothesis state machine over masthead and the simulator: random object changes, faults
and page reads, interleaved; at every quiet point (faults cleared) each page masthead serves
must equal the brute-force answer computed from the simulator's own store, within a bound,
with its source live."""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from masthead.sim.registry import DeleteOptions, WriteContext
from tests.api.harness import BEARER, ThreadedServer

pytestmark = pytest.mark.faults

NAMESPACES = ("sm-a", "sm-b")
NAMES = tuple(f"cm-{i}" for i in range(5))
LABELS = st.dictionaries(
    st.sampled_from(("app", "tier")), st.sampled_from(("web", "db")), max_size=2
)
# Faults that break watches or lists while objects change; each ends by itself or at the next
# quiet point.
FAULTS: dict[str, dict[str, Any]] = {
    "drop-watches": {},
    "force-410": {"count": 3},
    "errors": {"count": 4, "code": 503},
    "stall-watches": {"duration": 30},
    "jump-rv": {"delta": 1000},
}
SELECTORS = (None, "app=web", "tier!=db", "app", "!tier")
CONVERGE_WITHIN = 10.0

SERVER: ThreadedServer | None = None


@pytest.fixture(scope="module", autouse=True)
def server() -> Iterator[ThreadedServer]:
    global SERVER
    srv = ThreadedServer(connect=("admin",))
    srv.start()
    SERVER = srv
    try:
        yield srv
    finally:
        SERVER = None
        srv.stop()


def _matches(selector: str | None, labels: dict[str, str]) -> bool:
    if selector is None:
        return True
    if "!=" in selector:
        key, value = selector.split("!=")
        return labels.get(key) != value
    if "=" in selector:
        key, value = selector.split("=")
        return labels.get(key) == value
    if selector.startswith("!"):
        return selector[1:] not in labels
    return selector in labels


class ServedMatchesTheStore(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        assert SERVER is not None and SERVER.served is not None
        self.srv = SERVER
        self.sim = SERVER.served.sim
        self.faulted: set[str] = set()

    # ------------------------------------------------------------------ helpers
    def _on_loop(self, fn: Any) -> Any:
        async def call() -> Any:
            return fn()

        return self.srv.run(call)

    def _stored(self) -> dict[tuple[str, str], dict[str, str]]:
        def read() -> dict[tuple[str, str], dict[str, str]]:
            out = {}
            for o in self.sim.store.iter_objects(("", "configmaps")):
                if o.namespace in NAMESPACES:
                    out[(o.namespace, o.name)] = dict(o.decode()["metadata"].get("labels") or {})
            return out

        result: dict[tuple[str, str], dict[str, str]] = self._on_loop(read)
        return result

    def _page(self, namespaces: tuple[str, ...], selector: str | None, desc: bool) -> Any:
        params = {"namespace": ",".join(namespaces), "sort": "name", "desc": str(int(desc))}
        if selector is not None:
            params["selector"] = selector
        url = f"{self.srv.base}/api/v1/clusters/admin/views/configmaps?" + urllib.parse.urlencode(
            params
        )
        with urllib.request.urlopen(urllib.request.Request(url, headers=BEARER), timeout=10) as r:
            return json.loads(r.read())

    # ------------------------------------------------------------------ rules
    @initialize()
    def clean(self) -> None:
        def reset() -> None:
            info = self.sim.info("", "v1", "namespaces")
            for ns in NAMESPACES:
                if self.sim.store.get(("", "namespaces"), "", ns) is None:
                    self.sim.registry.create(
                        info, "", {"metadata": {"name": ns}}, WriteContext("t")
                    )
            cms = self.sim.info("", "v1", "configmaps")
            for ns, name in [k for k in self._stored_now()]:
                self.sim.registry.delete(cms, ns, name, DeleteOptions())

        self._on_loop(reset)

    def _stored_now(self) -> list[tuple[str, str]]:
        return [
            (o.namespace, o.name)
            for o in self.sim.store.iter_objects(("", "configmaps"))
            if o.namespace in NAMESPACES
        ]

    @rule(ns=st.sampled_from(NAMESPACES), name=st.sampled_from(NAMES), labels=LABELS)
    def put(self, ns: str, name: str, labels: dict[str, str]) -> None:
        def write() -> None:
            info = self.sim.info("", "v1", "configmaps")
            body = {"metadata": {"name": name, "namespace": ns, "labels": labels}, "data": {}}
            if self.sim.store.get(("", "configmaps"), ns, name) is None:
                self.sim.registry.create(info, ns, body, WriteContext("t"))
            else:
                current = self.sim.store.get(("", "configmaps"), ns, name)
                assert current is not None
                obj = current.decode()
                obj["metadata"]["labels"] = labels
                self.sim.registry.put_prepared(info, obj)

        self._on_loop(write)

    @rule(ns=st.sampled_from(NAMESPACES), name=st.sampled_from(NAMES))
    def delete(self, ns: str, name: str) -> None:
        def remove() -> None:
            if self.sim.store.get(("", "configmaps"), ns, name) is not None:
                info = self.sim.info("", "v1", "configmaps")
                self.sim.registry.delete(info, ns, name, DeleteOptions())

        self._on_loop(remove)

    @rule(fault=st.sampled_from(sorted(FAULTS)))
    def fault(self, fault: str) -> None:
        self.srv.run(lambda: self.sim.faults.set(fault, dict(FAULTS[fault])))
        self.faulted.add(fault)

    @rule(
        namespaces=st.sampled_from([NAMESPACES, NAMESPACES[:1], NAMESPACES[1:]]),
        selector=st.sampled_from(SELECTORS),
        desc=st.booleans(),
    )
    def quiet_point(self, namespaces: tuple[str, ...], selector: str | None, desc: bool) -> None:
        for name in sorted(self.faulted):
            self.srv.run(lambda name=name: self.sim.faults.clear(name))
        self.faulted.clear()
        deadline = time.monotonic() + CONVERGE_WITHIN
        while True:
            stored = self._stored()
            expected = sorted(
                (
                    (ns, name)
                    for (ns, name), labels in stored.items()
                    if ns in namespaces and _matches(selector, labels)
                ),
                key=lambda k: (k[1], k[0]),
            )
            if desc:  # values descending, ties (same name) by namespace ascending
                expected.sort(key=lambda k: k[0])
                expected.sort(key=lambda k: k[1], reverse=True)
            page = self._page(namespaces, selector, desc)
            got = [(r["namespace"], r["name"]) for r in page["rows"]]
            states = {s["id"]: s["state"] for s in page["sources"] if s["id"] != "metrics"}
            if (
                got == expected
                and page["total"] == len(expected)
                and set(states.values()) == {"live"}
            ):
                return
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"not converged in {CONVERGE_WITHIN}s: got {got} (total {page['total']}, "
                    f"sources {states}), expected {expected}"
                )
            time.sleep(0.1)

    def teardown(self) -> None:
        for name in sorted(self.faulted):
            self.srv.run(lambda name=name: self.sim.faults.clear(name))


ServedMatchesTheStore.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
TestServedMatchesTheStore = ServedMatchesTheStore.TestCase

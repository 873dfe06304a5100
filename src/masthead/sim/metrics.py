"""metrics.k8s.io/v1beta1 as metrics-server serves it through the aggregator, in four states.

- `absent`: no APIService. The group is in no discovery document and every path under
  /apis/metrics.k8s.io answers the mux's plain-text `404 page not found`.
- `ok`: NodeMetrics and PodMetrics (get, list; all namespaces or one; labelSelector;
  fieldSelector on metadata.name/metadata.namespace) with usage computed from the stored
  world. The `system:aggregated-metrics-reader` ClusterRole (aggregated into view/edit/admin)
  exists, as metrics-server's manifest installs it.
- `unavailable`: APIService registered but its backend is down. /apis lists the group;
  aggregated discovery shows its version `Stale` with no resources; the version's discovery
  document and every request answer the aggregator's 503 plain text `service unavailable`.
- `forbidden`: served, but every request is refused with the authorizer's 403 Status, for
  every user (the admin is system:masters and could not otherwise be refused); the
  aggregated-metrics-reader ClusterRole is removed so non-admin RBAC agrees.

Usage is a pure function of (object uid, container, scrape time), so repeated reads within
one scrape window agree and nothing is stored. It follows requests/limits and state: usage
hovers around a per-container fraction of requests with slow waves and noise, CPU bursts and
memory ramps up after a container starts, crash-looping containers spike to their CPU limit,
OOM-killed ones climb toward their memory limit. Containers appear `first_scrape_delay`
after they start (metrics-server needs two scrapes); pods and nodes without metrics are left
out of lists and are 404 on get. Node usage is the sum of its pods plus system overhead; a
NotReady node has no metrics.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from aiohttp import web

from masthead.selectors import (
    FieldSelector,
    LabelSelector,
    parse_field_selector,
    parse_label_selector,
)
from masthead.sim.big_bodies import list_json, send_body
from masthead.sim.catalog import Catalog
from masthead.sim.errors import ApiError
from masthead.sim.loggen import mix, seed_of
from masthead.sim.loop_slices import Slicer
from masthead.sim.rbac import Attributes, UserInfo, forbidden_error
from masthead.sim.registry import DeleteOptions, Registry, WriteContext
from masthead.sim.resources import ResourceInfo, builtin
from masthead.sim.routing import ResourceRoute
from masthead.sim.store import ObjectStore

GROUP = "metrics.k8s.io"
VERSION = "v1beta1"
API_VERSION = f"{GROUP}/{VERSION}"
STATES = ("absent", "ok", "forbidden", "unavailable")
READER_ROLE = "system:aggregated-metrics-reader"

NODE_METRICS = ResourceInfo(
    group=GROUP,
    version=VERSION,
    resource="nodes",
    kind="NodeMetrics",
    namespaced=False,
    verbs=("get", "list"),
    singular="node",
)
POD_METRICS = ResourceInfo(
    group=GROUP,
    version=VERSION,
    resource="pods",
    kind="PodMetrics",
    namespaced=True,
    verbs=("get", "list"),
    singular="pod",
)
SEC = 1_000_000_000
GI = 1024**3
MI = 1024**2


@dataclass
class MetricsConfig:
    resolution: float = 15.0  # metrics-server --metric-resolution: one scrape per window
    first_scrape_delay: float = 15.0  # a started container is visible after this long


# ---------------------------------------------------------------------- quantities
_SUFFIX = {
    "n": 1e-9,
    "u": 1e-6,
    "m": 1e-3,
    "": 1.0,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
    "Ki": 2.0**10,
    "Mi": 2.0**20,
    "Gi": 2.0**30,
    "Ti": 2.0**40,
    "Pi": 2.0**50,
    "Ei": 2.0**60,
}


def parse_quantity(text: object) -> float | None:
    """A resource.Quantity string as a float (cores or bytes); None if unparsable."""
    s = str(text).strip()
    if not s:
        return None
    for suffix in ("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"):
        if s.endswith(suffix):
            num, mult = s[: -len(suffix)], _SUFFIX[suffix]
            break
    else:
        if s[-1] in "numkMGTPE":
            num, mult = s[:-1], _SUFFIX[s[-1]]
        else:
            num, mult = s, 1.0
    try:
        return float(num) * mult
    except ValueError:
        return None


def format_cpu(nanocores: int) -> str:
    """metrics-server's CPU: scale -9 DecimalSI, canonicalised (n, collapsed to u or m)."""
    n = max(0, int(nanocores))
    if n == 0:
        return "0"
    suffixes = ("n", "u", "m", "", "k", "M", "G")
    i = 0
    while n % 1000 == 0 and i < len(suffixes) - 1:
        n //= 1000
        i += 1
    return f"{n}{suffixes[i]}"


def format_memory(nbytes: int) -> str:
    """BinarySI canonical form: the largest exact power of 1024, plain below 1024."""
    b = max(0, int(nbytes))
    if b < 1024:
        return str(b)
    suffixes = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei")
    i = 0
    while b % 1024 == 0 and i < len(suffixes) - 1:
        b //= 1024
        i += 1
    return f"{b}{suffixes[i]}"


def go_duration(seconds: float) -> str:
    """time.Duration.String() for non-negative durations (millisecond precision)."""
    ms = round(seconds * 1000)
    if ms == 0:
        return "0s"
    if ms < 1000:
        return f"{ms}ms"
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, frac = divmod(rest, 1000)
    sec = f"{s}.{frac:03d}".rstrip("0").rstrip(".") + "s"
    if h:
        return f"{h}h{m}m{sec}"
    if m:
        return f"{m}m{sec}"
    return sec


def _rfc3339(t_ns: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t_ns // SEC))


def _ns_of(ts: object) -> int | None:
    if not isinstance(ts, str) or not ts:
        return None
    try:
        return int(datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * SEC)
    except ValueError:
        return None


# ---------------------------------------------------------------------- usage model
def _unit(seed: int, salt: int) -> float:
    """A deterministic number in [0, 1)."""
    return (mix(seed, salt) >> 11) / float(1 << 53)


@dataclass(frozen=True, slots=True)
class ContainerProfile:
    name: str
    seed: int
    cpu_request: float | None
    cpu_limit: float | None
    mem_request: float | None
    mem_limit: float | None
    started_ns: int | None  # running since; None when not running
    crash_looping: bool
    oom_killed: bool

    def usage(self, t_ns: int) -> tuple[int, int]:
        """(nanocores, bytes) at scrape time t."""
        assert self.started_ns is not None
        s = self.seed
        age = max(0.0, (t_ns - self.started_ns) / SEC)
        t = t_ns / SEC
        cpu_ref = self.cpu_request or (
            self.cpu_limit * 0.3 if self.cpu_limit else 0.01 + 0.09 * _unit(s, 1)
        )
        mem_ref = self.mem_request or (
            self.mem_limit * 0.5 if self.mem_limit else (48 + 208 * _unit(s, 2)) * MI
        )
        p1, p2 = 300 + 900 * _unit(s, 3), 30 + 60 * _unit(s, 4)
        wave = (
            1
            + 0.35 * math.sin(2 * math.pi * t / p1 + 6.3 * _unit(s, 5))
            + 0.15 * math.sin(2 * math.pi * t / p2 + 6.3 * _unit(s, 6))
            + 0.2 * (_unit(s, 1000 + int(t // 15)) - 0.5)
        )
        startup = 1 + 1.5 * math.exp(-age / 20)  # JIT, caches, connection pools
        cpu = cpu_ref * (0.1 + 0.7 * _unit(s, 7)) * wave * startup
        mem = (
            mem_ref
            * (0.3 + 0.6 * _unit(s, 8))
            * (0.55 + 0.45 * (1 - math.exp(-age / 90)))
            * (1 + 0.04 * math.sin(2 * math.pi * t / (600 + 600 * _unit(s, 9))))
        )
        if self.crash_looping:
            ceiling = self.cpu_limit or max(cpu_ref * 3, 0.5)
            cpu = max(cpu, ceiling * (0.85 + 0.15 * _unit(s, 2000 + int(t // 15))))
        if self.oom_killed and self.mem_limit:
            mem = self.mem_limit * (0.5 + 0.48 * min(1.0, age / 60))
        if self.cpu_limit:
            cpu = min(cpu, self.cpu_limit)
        if self.mem_limit:
            mem = min(mem, self.mem_limit * 0.99)
        # Working sets are whole pages; CPU is reported to the nanocore.
        return max(1000, int(cpu * 1e9)), max(4096, int(mem) // 4096 * 4096)


@dataclass(frozen=True, slots=True)
class PodProfile:
    namespace: str
    name: str
    labels: Mapping[str, str]
    node: str
    containers: tuple[ContainerProfile, ...]


def _resources(c: Mapping[str, Any]) -> tuple[float | None, ...]:
    res = c.get("resources") or {}
    req, lim = res.get("requests") or {}, res.get("limits") or {}
    return (
        parse_quantity(req["cpu"]) if "cpu" in req else None,
        parse_quantity(lim["cpu"]) if "cpu" in lim else None,
        parse_quantity(req["memory"]) if "memory" in req else None,
        parse_quantity(lim["memory"]) if "memory" in lim else None,
    )


def pod_profile(pod: Mapping[str, Any]) -> PodProfile:
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    statuses = {
        cs.get("name"): cs for cs in (pod.get("status") or {}).get("containerStatuses") or []
    }
    uid = meta.get("uid", "")
    out = []
    for c in spec.get("containers") or []:
        cs = statuses.get(c.get("name")) or {}
        running = (cs.get("state") or {}).get("running")
        last = (cs.get("lastState") or {}).get("terminated") or {}
        restarts = int(cs.get("restartCount") or 0)
        cpu_req, cpu_lim, mem_req, mem_lim = _resources(c)
        out.append(
            ContainerProfile(
                name=c.get("name", ""),
                seed=seed_of(uid, c.get("name", "")),
                cpu_request=cpu_req,
                cpu_limit=cpu_lim,
                mem_request=mem_req,
                mem_limit=mem_lim,
                started_ns=_ns_of(running.get("startedAt")) if running is not None else None,
                crash_looping=restarts > 0 and int(last.get("exitCode") or 0) != 0,
                oom_killed=last.get("reason") == "OOMKilled",
            )
        )
    return PodProfile(
        namespace=meta.get("namespace", ""),
        name=meta.get("name", ""),
        labels=meta.get("labels") or {},
        node=spec.get("nodeName") or "",
        containers=tuple(out),
    )


# ---------------------------------------------------------------------- the service
@dataclass
class _NodeTotals:
    key: tuple[int, int, int] = (-1, -1, -1)
    usage: dict[str, tuple[int, int]] = field(default_factory=dict)


class MetricsService:
    def __init__(
        self,
        store: ObjectStore,
        catalog: Catalog,
        registry: Registry,
        config: MetricsConfig | None = None,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.registry = registry
        self.config = config or MetricsConfig()
        self.state = "absent"
        self._profiles: dict[str, tuple[int, PodProfile]] = {}  # uid -> (rv, profile)
        self._nodes = _NodeTotals()

    # -------------------------------------------------------------- state
    def set_state(self, state: str) -> None:
        """Switch between absent / ok / forbidden / unavailable (at any time)."""
        if state not in STATES:
            raise ValueError(f"metrics state must be one of {', '.join(STATES)}, not {state!r}")
        self.state = state
        if state == "absent":
            self.catalog.remove_api_service(GROUP)
        else:
            self.catalog.set_api_service(
                GROUP, [NODE_METRICS, POD_METRICS], available=state != "unavailable"
            )
        self._reader_role(present=state in ("ok", "unavailable"))

    def _reader_role(self, present: bool) -> None:
        info = builtin("rbac.authorization.k8s.io", "clusterroles")
        exists = self.store.get(info.storage_key, "", READER_ROLE) is not None
        ctx = WriteContext("metrics-server")
        if present and not exists:
            labels = {
                f"rbac.authorization.k8s.io/aggregate-to-{r}": "true"
                for r in ("admin", "edit", "view")
            }
            labels["k8s-app"] = "metrics-server"
            role = {
                "metadata": {"name": READER_ROLE, "labels": labels},
                "rules": [
                    {
                        "apiGroups": [GROUP],
                        "resources": ["pods", "nodes"],
                        "verbs": ["get", "list", "watch"],
                    }
                ],
            }
            self.registry.create(info, "", role, ctx)
        elif not present and exists:
            self.registry.delete(info, "", READER_ROLE, DeleteOptions())

    # -------------------------------------------------------------- serving
    async def discovery_hook(self, request: web.Request) -> web.StreamResponse | None:
        """The version's discovery document is proxied too: 503 while unavailable."""
        if self.state != "unavailable":
            return None
        if request.path.rstrip("/") != f"/apis/{API_VERSION}":
            return None
        return _service_unavailable()

    async def handle(
        self, request: web.Request, route: ResourceRoute, user: UserInfo
    ) -> web.StreamResponse:
        if self.state == "unavailable":
            return _service_unavailable()
        verb = "get" if route.name is not None else "list"
        if self.state == "forbidden":
            raise forbidden_error(
                user,
                Attributes(
                    verb=verb,
                    api_group=GROUP,
                    resource=route.info.resource,
                    namespace=route.namespace or "",
                    name=route.name or "",
                ),
            )
        if request.method != "GET":
            raise ApiError(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
                {},
            )
        q = request.query
        labels = parse_label_selector(q["labelSelector"]) if q.get("labelSelector") else None
        fields = parse_field_selector(q["fieldSelector"]) if q.get("fieldSelector") else None
        now = time.time_ns()
        if route.info.resource == "nodes":
            items = await self.node_metrics(now, route.name, labels, fields)
            kind = "NodeMetrics"
            qualified = "nodemetrics"
        else:
            items = await self.pod_metrics(now, route.namespace, route.name, labels, fields)
            kind = "PodMetrics"
            qualified = "podmetrics"
        if route.name is not None:
            if not items:
                raise ApiError(
                    404,
                    "NotFound",
                    f'{qualified}.{GROUP} "{route.name}" not found',
                    {"name": route.name, "group": GROUP, "kind": qualified},
                )
            data = orjson.dumps({"kind": kind, "apiVersion": API_VERSION, **items[0]})
        else:
            head = {"kind": f"{kind}List", "apiVersion": API_VERSION, "metadata": {}}
            data = await list_json(head, items)
        headers = {"Content-Type": "application/json", "Cache-Control": "no-cache, private"}
        return await send_body(request, data, headers)

    # -------------------------------------------------------------- data
    def scrape_time(self, now_ns: int) -> int:
        res = max(1, int(self.config.resolution * SEC))
        return now_ns // res * res

    def _window(self, seed: int, scrape: int) -> str:
        jitter = 0.001 * (mix(seed, scrape // SEC) % 90)
        return go_duration(self.config.resolution + jitter)

    def _profile(self, uid: str, rv: int, decode: Any) -> PodProfile:
        hit = self._profiles.get(uid)
        if hit is not None and hit[0] == rv:
            return hit[1]
        prof = pod_profile(decode())
        self._profiles[uid] = (rv, prof)
        return prof

    def _pod_usage(self, prof: PodProfile, scrape: int) -> list[tuple[str, int, int]]:
        ready_before = scrape - int(self.config.first_scrape_delay * SEC)
        out = []
        for c in prof.containers:
            if c.started_ns is None or c.started_ns > ready_before:
                continue
            cpu, mem = c.usage(scrape)
            out.append((c.name, cpu, mem))
        return out

    async def _pods(self, namespace: str | None, slicer: Slicer) -> list[tuple[str, PodProfile]]:
        """Every pod's profile (of one namespace or all), time-sliced: metrics-server is a
        process of its own, and 100k pods' answer built in one step held the API server's
        loop (its watches, its requests) for seconds. The store is read from a snapshot of
        its pods, so writes between slices do not disturb the pass."""
        seen: set[str] = set()
        out: list[tuple[str, PodProfile]] = []
        for s in list(self.store.iter_objects(("", "pods"), namespace)):
            seen.add(s.uid)
            out.append((s.uid, self._profile(s.uid, s.rv, s.decode)))
            await slicer.pause_if_due()
        if namespace is None:  # a full pass: forget pods that are gone
            for uid in [u for u in self._profiles if u not in seen]:
                del self._profiles[uid]
        return out

    async def pod_metrics(
        self,
        now_ns: int,
        namespace: str | None,
        name: str | None,
        labels: LabelSelector | None,
        fields: FieldSelector | None,
    ) -> list[dict[str, Any]]:
        scrape = self.scrape_time(now_ns)
        created = _rfc3339(now_ns)
        slicer = Slicer()
        if name is not None:
            stored = self.store.get(("", "pods"), namespace or "", name)
            pods = (
                []
                if stored is None
                else [(stored.uid, self._profile(stored.uid, stored.rv, stored.decode))]
            )
        else:
            pods = await self._pods(namespace, slicer)
        items: list[dict[str, Any]] = []
        for uid, prof in pods:
            await slicer.pause_if_due()
            if labels is not None and not labels.matches(prof.labels):
                continue
            if fields is not None and not fields.matches(
                {"metadata.name": prof.name, "metadata.namespace": prof.namespace}
            ):
                continue
            usage = self._pod_usage(prof, scrape)
            if not usage:
                continue
            meta: dict[str, Any] = {
                "name": prof.name,
                "namespace": prof.namespace,
                "creationTimestamp": created,
            }
            if prof.labels:
                meta["labels"] = dict(prof.labels)
            items.append(
                {
                    "metadata": meta,
                    "timestamp": _rfc3339(scrape),
                    "window": self._window(seed_of(uid), scrape),
                    "containers": [
                        {"name": n, "usage": {"cpu": format_cpu(cpu), "memory": format_memory(mem)}}
                        for n, cpu, mem in usage
                    ],
                }
            )
        items.sort(key=lambda i: (i["metadata"]["namespace"], i["metadata"]["name"]))
        return items

    async def _node_totals(self, scrape: int, slicer: Slicer) -> dict[str, tuple[int, int]]:
        key = (
            scrape,
            self.store.last_write_rv(("", "pods")),
            self.store.last_write_rv(("", "nodes")),
        )
        if self._nodes.key == key:
            return self._nodes.usage
        totals: dict[str, tuple[int, int]] = {}
        for _, prof in await self._pods(None, slicer):
            await slicer.pause_if_due()
            if not prof.node:
                continue
            for _, cpu, mem in self._pod_usage(prof, scrape):
                c0, m0 = totals.get(prof.node, (0, 0))
                totals[prof.node] = (c0 + cpu, m0 + mem)
        self._nodes = _NodeTotals(key, totals)
        return totals

    async def node_metrics(
        self,
        now_ns: int,
        name: str | None,
        labels: LabelSelector | None,
        fields: FieldSelector | None,
    ) -> list[dict[str, Any]]:
        scrape = self.scrape_time(now_ns)
        created = _rfc3339(now_ns)
        if name is not None:
            s = self.store.get(("", "nodes"), "", name)
            nodes = [] if s is None else [s]
        else:
            nodes = list(self.store.iter_objects(("", "nodes")))
        slicer = Slicer()
        totals = await self._node_totals(scrape, slicer) if nodes else {}
        ready_before = scrape - int(self.config.first_scrape_delay * SEC)
        items: list[dict[str, Any]] = []
        for s in nodes:
            await slicer.pause_if_due()
            if labels is not None and not labels.matches(s.labels):
                continue
            if fields is not None and not fields.matches({"metadata.name": s.name}):
                continue
            node = s.decode()
            if not _node_reporting(node, ready_before):
                continue
            status = node.get("status") or {}
            alloc = status.get("allocatable") or status.get("capacity") or {}
            cpu_alloc = parse_quantity(alloc.get("cpu", "4")) or 4.0
            mem_alloc = parse_quantity(alloc.get("memory", "16Gi")) or 16.0 * GI
            seed = seed_of(s.uid)
            t = scrape / SEC
            wave = 1 + 0.2 * math.sin(2 * math.pi * t / (600 + 600 * _unit(seed, 1)))
            pods_cpu, pods_mem = totals.get(s.name, (0, 0))
            cpu = pods_cpu + cpu_alloc * 1e9 * (0.03 + 0.04 * _unit(seed, 2)) * wave
            mem = pods_mem + mem_alloc * (0.08 + 0.07 * _unit(seed, 3))
            meta: dict[str, Any] = {"name": s.name, "creationTimestamp": created}
            if s.labels:
                meta["labels"] = dict(s.labels)
            items.append(
                {
                    "metadata": meta,
                    "timestamp": _rfc3339(scrape),
                    "window": self._window(seed, scrape),
                    "usage": {
                        "cpu": format_cpu(int(min(cpu, cpu_alloc * 1e9))),
                        "memory": format_memory(int(min(mem, mem_alloc)) // 1024 * 1024),
                    },
                }
            )
        items.sort(key=lambda i: i["metadata"]["name"])
        return items


def _node_reporting(node: Mapping[str, Any], ready_before: int) -> bool:
    """A node has metrics while Ready, once scraped twice since it became Ready (or was created)."""
    since = _ns_of((node.get("metadata") or {}).get("creationTimestamp"))
    for cond in (node.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            if cond.get("status") != "True":
                return False
            since = _ns_of(cond.get("lastTransitionTime")) or since
    return since is None or since <= ready_before


def _service_unavailable() -> web.Response:
    # The aggregator's proxy answers with http.Error: plain text, not a Status.
    return web.Response(
        status=503,
        text="service unavailable\n",
        headers={
            "Content-Type": "text/plain; charset=utf-8",
            "Cache-Control": "no-cache, private",
            "X-Content-Type-Options": "nosniff",
        },
    )

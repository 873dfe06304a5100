"""Replay the recorded exchanges of a real kube-apiserver 1.36 against the simulator.

Fixtures: /work/shared/fixtures/kube-apiserver-1.36/*.json (format and normalisation in the
README there). One fresh simulator per file; the unrecorded setup is recreated from data visible
in the recording; recorded resourceVersions, uids, continue tokens and ETags in requests are
mapped to the simulator's own values, learnt from the same JSON positions in earlier responses.

Compared per exchange: status code; main Content-Type; Status bodies (reason, code, message with
RV-like numbers normalised, details); list bodies (kind, apiVersion, item names in order,
continue/remainingItemCount presence, remainingItemCount value); objects and Tables as a whole
after normalising uid/timestamps/RV/continue/age cells; text bodies exactly; trimmed discovery
bodies only by group names (or not at all); watches by the sequence of non-BOOKMARK event types
and object names plus the presence of the initial-events-end bookmark.
Differences named in `fixture_allowlist.ALLOWED` are tolerated; an allow-listed exchange that no
longer differs fails the test, so the list shrinks.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from masthead.sim.app import SimConfig, Simulator
from masthead.sim.rbac import UserInfo
from masthead.sim.registry import RegistryConfig
from tests.sim.fixture_allowlist import ALLOWED
from tests.sim.simclient import SimClient, running_sim

FIXTURES = Path("/work/shared/fixtures/kube-apiserver-1.36")
FILES = sorted(FIXTURES.glob("*.json")) if FIXTURES.is_dir() else []

pytestmark = pytest.mark.skipif(not FILES, reason="kube-apiserver 1.36 fixtures not available")

_TS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_UID_PH = re.compile(r"<uid-\d+>")
_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")
_RAND = re.compile(r"kube-api-access-[a-z0-9]{5}\b")
_NUM = re.compile(r"\b\d{3,}\b")
USER_AGENT = "kdiff/1.0"  # the recorder's; managedFields[].manager defaults to it
_AGE_COLUMNS = {"age", "last seen", "first seen"}


# --- normalisation ------------------------------------------------------------------------


def _norm_str(s: str) -> str:
    s = _TS.sub("<ts>", s)
    s = _UID_PH.sub("<uid>", s)
    s = _UUID.sub("<uid>", s)
    s = _JWT.sub("<jwt>", s)
    return _RAND.sub("kube-api-access-<rand>", s)


def _norm(v: Any, key: str = "") -> Any:
    if isinstance(v, dict):
        out = {k: _norm(x, k) for k, x in v.items()}
        if v.get("kind") == "Table":
            _norm_table(out)
        if v.get("kind") == "SelfSubjectRulesReview":  # rule order is not stable (README 15)
            st = out.get("status") or {}
            for k in ("resourceRules", "nonResourceRules"):
                if isinstance(st.get(k), list):
                    st[k] = sorted(st[k], key=lambda r: json.dumps(r, sort_keys=True))
        return out
    if isinstance(v, list):
        return [_norm(x, key) for x in v]
    if isinstance(v, str):
        if key == "resourceVersion" and v:
            return "<rv>"
        if key == "continue" and v:
            return "<continue>"
        if key == "uid" and v:
            return "<uid>"
        if key == "token":
            return "<jwt>"
        if key == "serverAddress":  # the simulator listens on a random local port
            return "<address>"
        return _norm_str(v)
    return v


def _norm_table(t: dict[str, Any]) -> None:
    cols = t.get("columnDefinitions") or []
    idx = [
        i
        for i, c in enumerate(cols)
        if str(c.get("name", "")).lower() in _AGE_COLUMNS or c.get("format") == "date"
    ]
    for row in t.get("rows") or []:
        cells = row.get("cells") or []
        for i in idx:
            if i < len(cells) and cells[i] != "<unknown>":
                cells[i] = "<age>"


def _norm_msg(s: Any) -> Any:
    return _NUM.sub("<n>", _norm_str(s)) if isinstance(s, str) else s


def _diff(rec: Any, act: Any, path: str = "", out: list[str] | None = None) -> list[str]:
    out = [] if out is None else out
    if isinstance(rec, dict) and isinstance(act, dict):
        for k in rec.keys() | act.keys():
            p = f"{path}.{k}"
            if k not in act:
                out.append(f"{p}: missing (recorded {_short(rec[k])})")
            elif k not in rec:
                out.append(f"{p}: unexpected {_short(act[k])}")
            else:
                _diff(rec[k], act[k], p, out)
    elif isinstance(rec, list) and isinstance(act, list) and len(rec) == len(act):
        for i, (a, b) in enumerate(zip(rec, act, strict=True)):
            _diff(a, b, f"{path}[{i}]", out)
    elif rec != act:
        out.append(f"{path}: recorded {_short(rec)} != sim {_short(act)}")
    return out


def _short(v: Any) -> str:
    s = json.dumps(v, sort_keys=True)
    return s if len(s) <= 160 else s[:157] + "..."


# --- identity mapping (recorded value -> simulator value) -------------------------------------


class Mapping:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.rv: dict[int, int] = {}
        self.tokens: dict[str, str] = {}
        self.uids: dict[str, str] = {}
        self.etags: dict[str, str] = {}
        self.rv_conflicts: list[str] = []

    def learn(self, rec: Any, act: Any, key: str = "") -> None:
        if isinstance(rec, dict) and isinstance(act, dict):
            for k, v in rec.items():
                if k in act:
                    self.learn(v, act[k], k)
        elif isinstance(rec, list) and isinstance(act, list):
            for a, b in zip(rec, act, strict=False):
                self.learn(a, b, key)
        elif isinstance(rec, str) and isinstance(act, str) and rec and act:
            if key == "resourceVersion" and rec.isdigit() and act.isdigit():
                seen = self.rv.setdefault(int(rec), int(act))
                if seen != int(act):
                    # The same recorded revision showed up as two different simulator ones,
                    # e.g. a write that returns a new RV where the apiserver kept the old one.
                    self.rv_conflicts.append(f"resourceVersion {rec}: sim {seen}, then {act}")
            elif key == "continue":
                self.tokens.setdefault(rec, act)
            elif key == "uid" and _UID_PH.fullmatch(rec):
                self.uids.setdefault(rec, act)

    def map_rv(self, rec: str) -> str:
        if not rec.isdigit() or rec in ("0", "1"):
            return rec
        x = int(rec)
        if x in self.rv:
            return str(self.rv[x])
        cur = self.sim.store.rv
        known = sorted(self.rv)
        if not known or x > known[-1]:
            far = x - known[-1] if known else 0
            return str(cur + far) if far > 1000 else str(cur)
        lower = [k for k in known if k < x]
        return str(self.rv[lower[-1]]) if lower else rec

    def map_body(self, v: Any, key: str = "") -> Any:
        if isinstance(v, dict):
            return {k: self.map_body(x, k) for k, x in v.items()}
        if isinstance(v, list):
            return [self.map_body(x, key) for x in v]
        if isinstance(v, str):
            if key == "resourceVersion":
                return self.map_rv(v)
            if v == "<ts>":  # timestamps we sent were normalised too
                return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            return _UID_PH.sub(lambda m: self.uids.get(m.group(), m.group()), v)
        return v

    def map_query(self, q: dict[str, str]) -> dict[str, str]:
        out = dict(q)
        if "resourceVersion" in out:
            out["resourceVersion"] = self.map_rv(out["resourceVersion"])
        if "continue" in out:
            out["continue"] = self.tokens.get(out["continue"], out["continue"])
        return out


# --- setup that ran but was not recorded -----------------------------------------------------


def _bare(obj: dict[str, Any]) -> dict[str, Any]:
    obj = copy.deepcopy(obj)
    md = obj["metadata"]
    out = {k: v for k, v in obj.items() if k not in ("metadata", "status")}
    out["metadata"] = {k: md[k] for k in ("name", "labels", "annotations") if k in md}
    return out


def _body(ex: dict[str, dict[str, Any]], name: str) -> Any:
    return ex[name]["response"]["body"]


async def _ns(c: SimClient, *names: str) -> None:
    for n in names:
        body = {"metadata": {"name": n, "labels": {"fixrun": "fix"}}}
        r = await c.post("/api/v1/namespaces", body, headers={"User-Agent": USER_AGENT})
        assert r.status == 201, r.text


async def _create(c: SimClient, path: str, obj: dict[str, Any]) -> None:
    r = await c.post(path, _bare(obj), headers={"User-Agent": USER_AGENT})
    assert r.status == 201, (path, r.text)


Setup = Callable[[SimClient, dict[str, dict[str, Any]]], Awaitable[None]]


async def _setup_03(c: SimClient, ex: dict[str, dict[str, Any]]) -> None:
    await _ns(c, "fix-val")
    labels = {"app": "imm"}
    dep = {
        "metadata": {"name": "imm"},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
            },
        },
    }
    await _create(c, "/apis/apps/v1/namespaces/fix-val/deployments", dep)


async def _setup_04_after_first(c: SimClient, ex: dict[str, dict[str, Any]]) -> None:
    for item in _body(ex, "list all configmaps (no paging)")["items"]:
        if item["metadata"]["name"] != "lst-00":
            await _create(c, "/api/v1/namespaces/fix-list/configmaps", item)
    for row in _body(ex, "Table for deployments includeObject=Object")["rows"]:
        await _create(c, "/apis/apps/v1/namespaces/fix-list/deployments", row["object"])


async def _setup_07(c: SimClient, ex: dict[str, dict[str, Any]]) -> None:
    await _ns(c, "fix-sub")
    dep = _bare(_body(ex, "get deployment web after scale (spec.replicas=5)"))
    dep["spec"]["replicas"] = _body(ex, "get deployments/web/scale")["spec"]["replicas"]
    await _create(c, "/apis/apps/v1/namespaces/fix-sub/deployments", dep)


# 08: the recorded RVs show each setup create right before the exchange that uses it
# (fg at 323, dep-fg at 326, dc-1..3 at 328..330), after the watch from 319.
async def _setup_08_fg(c: SimClient, ex: dict[str, dict[str, Any]]) -> None:
    fg = _body(ex, "get fg (foregroundDeletion finalizer, still present)")
    await _create(c, "/api/v1/namespaces/fix-fin/configmaps", fg)


async def _setup_08_dep(c: SimClient, ex: dict[str, dict[str, Any]]) -> None:
    dep = _body(ex, "delete deployment dep-fg with ?propagationPolicy=Foreground")
    await _create(c, "/apis/apps/v1/namespaces/fix-fin/deployments", dep)


async def _setup_08_dc(c: SimClient, ex: dict[str, dict[str, Any]]) -> None:
    dc = [
        *_body(ex, "deletecollection configmaps with labelSelector grp=x")["items"],
        *_body(ex, "list after deletecollection")["items"],
    ]
    for item in sorted(dc, key=lambda i: i["metadata"]["name"]):
        await _create(c, "/api/v1/namespaces/fix-fin/configmaps", item)


async def _setup_05_advance(c: SimClient, ex: dict[str, dict[str, Any]]) -> None:
    # "advance revision 1..3": three writes to w-0 between the pre-compaction list and the
    # compaction (the later GET of w-0 shows data.adv=3 and the watch from rv_old 3 MODIFIED).
    for i in (1, 2, 3):
        r = await c.patch(
            "/api/v1/namespaces/fix-watch/configmaps/w-0",
            {"data": {"adv": str(i)}},
            "application/merge-patch+json",
            headers={"User-Agent": USER_AGENT},
        )
        assert r.status == 200, r.text


def _ns_setup(*names: str) -> Setup:
    async def run(c: SimClient, ex: dict[str, dict[str, Any]]) -> None:
        await _ns(c, *names)

    return run


# file stem -> {exchange name to run before ("" = at start): setup}
SETUPS: dict[str, dict[str, Setup]] = {
    "03-validation-errors": {"": _setup_03},
    "04-list-semantics": {
        "": _ns_setup("fix-list"),
        "list all configmaps (no paging)": _setup_04_after_first,
    },
    "05-watch-semantics": {
        "": _ns_setup("fix-watch"),
        "etcd compaction (out of band)": _setup_05_advance,
    },
    "06-authorization": {"": _ns_setup("fix-a", "fix-b")},
    "07-subresources-crd": {"": _setup_07},
    "08-finalizers-deletion": {
        "": _ns_setup("fix-fin"),
        "delete fg with DeleteOptions propagationPolicy=Foreground": _setup_08_fg,
        "delete deployment dep-fg with ?propagationPolicy=Foreground": _setup_08_dep,
        "deletecollection configmaps with labelSelector grp=x": _setup_08_dc,
    },
    "09-events": {"": _ns_setup("fix-ev")},
    "11-pods": {"": _ns_setup("fix-pod")},
}


# --- replay -----------------------------------------------------------------------------------


class Replay:
    def __init__(self, stem: str, c: SimClient) -> None:
        self.stem = stem
        self.c = c
        self.sim = c.sim
        self.map = Mapping(c.sim)
        self.sa_token = ""
        self.problems: dict[str, list[str]] = {}

    def key(self, name: str) -> str:
        full = f"{self.stem}:{name}"
        return full if full in ALLOWED or name not in ALLOWED else name

    def headers_for(self, e: dict[str, Any]) -> dict[str, str]:
        h = {k: v for k, v in e["request"].get("headers", {}).items() if k != "Content-Type"}
        h.setdefault("Accept", "application/json")
        h["User-Agent"] = USER_AGENT
        if "If-None-Match" in h:
            h["If-None-Match"] = self.map.etags.get(h["If-None-Match"], h["If-None-Match"])
        user = e.get("user")
        if user is None:
            h["Authorization"] = f"Bearer {self.c.token}"
        elif user.startswith("system:serviceaccount:"):
            h["Authorization"] = f"Bearer {self.sa_token}"
        elif user == "invalid bearer token":
            h["Authorization"] = "Bearer not-a-valid-token"
        return h

    async def send(self, e: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        req = e["request"]
        h = self.headers_for(e)
        data: bytes | None = None
        if "body" in req:
            b = self.map.map_body(req["body"])
            data = b.encode() if isinstance(b, str) else orjson.dumps(b)
            h["Content-Type"] = req["headers"].get("Content-Type", "application/json")
        async with self.c.session.request(
            req["method"],
            self.sim.url + req["path"],
            params=self.map.map_query(req.get("query", {})),
            headers=h,
            data=data,
        ) as r:
            raw = await r.read()
            body: Any
            try:
                body = orjson.loads(raw) if raw else ""
            except orjson.JSONDecodeError:
                body = raw.decode(errors="replace")
            return r.status, dict(r.headers), body

    async def run_exchange(self, e: dict[str, Any]) -> list[str]:
        if e["request"].get("query", {}).get("watch") == "true":
            return await self.run_watch(e, [])
        deadline = asyncio.get_running_loop().time() + 3.0
        while True:
            status, headers, body = await self.send(e)
            if not e.get("polled") or status == e["response"]["status"]:
                break
            if asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.1)
        self.map.rv_conflicts.clear()
        self.after(e, body, headers)
        return compare(e, status, headers, body) + self.map.rv_conflicts

    def after(self, e: dict[str, Any], body: Any, headers: dict[str, str]) -> None:
        rec = e["response"]
        self.map.learn(rec.get("body"), body)
        etag = _header(headers, "ETag")
        if "ETag" in rec["headers"] and etag:
            self.map.etags.setdefault(rec["headers"]["ETag"], etag)
        if e["name"].startswith("create ServiceAccount restricted") and isinstance(body, dict):
            self.add_sa_user(body)

    def add_sa_user(self, sa: dict[str, Any]) -> None:
        md = sa["metadata"]
        self.sa_token = secrets.token_urlsafe(24)
        ns = md["namespace"]
        self.sim.authn.add(
            self.sa_token,
            UserInfo(
                name=f"system:serviceaccount:{ns}:{md['name']}",
                uid=md.get("uid", ""),
                groups=(
                    "system:serviceaccounts",
                    f"system:serviceaccounts:{ns}",
                    "system:authenticated",
                ),
                extra={"authentication.kubernetes.io/credential-id": (f"JTI={uuid.uuid4()}",)},
            ),
        )

    async def run_watch(self, e: dict[str, Any], concurrent: list[dict[str, Any]]) -> list[str]:
        req = e["request"]
        rec = e["response"]
        h = self.headers_for(e)
        timeout = aiohttp.ClientTimeout(total=float(req["query"].get("timeoutSeconds", 5)) + 10)
        async with self.c.session.get(
            self.sim.url + req["path"],
            params=self.map.map_query(req["query"]),
            headers=h,
            timeout=timeout,
        ) as r:
            status, headers = r.status, dict(r.headers)
            if status != 200 or "watch_events" not in rec:
                raw = await r.read()
                try:
                    body: Any = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    body = raw.decode(errors="replace")
                return compare(e, status, headers, body)
            events: list[dict[str, Any]] = []

            async def reader() -> None:
                async for line in r.content:
                    if line.strip():
                        events.append(orjson.loads(line))

            task = asyncio.create_task(reader())
            await asyncio.sleep(0.3)
            side: dict[str, list[str]] = {}
            for ce in concurrent:
                side[ce["name"]] = await self.run_exchange(ce)
                await asyncio.sleep(0.05)
            await task
        self.map.rv_conflicts.clear()
        self.map.learn(
            [ev["object"] for ev in rec["watch_events"]], [ev["object"] for ev in events]
        )
        conflicts = list(self.map.rv_conflicts)
        for name, probs in side.items():
            self.problems[name] = probs
        problems = compare_head(e, status, headers) + conflicts
        want = _event_seq(rec["watch_events"])
        got = _event_seq(events)
        if want != got:
            problems.append(f"events: recorded {want} != sim {got}")
        want_end = _has_initial_end(rec["watch_events"])
        if want_end != _has_initial_end(events):
            problems.append(f"initial-events-end bookmark: recorded {want_end}, sim {not want_end}")
        return problems


def _obj_name(obj: dict[str, Any]) -> str:
    if obj.get("kind") == "Table":
        rows = obj.get("rows") or []
        if rows:
            return str(rows[0].get("object", {}).get("metadata", {}).get("name", "?"))
        return "?"
    if obj.get("kind") == "Status":
        return f"{obj.get('reason')}/{obj.get('code')}"
    return str(obj.get("metadata", {}).get("name", "?"))


def _event_seq(events: list[dict[str, Any]]) -> list[str]:
    return [f"{ev['type']} {_obj_name(ev['object'])}" for ev in events if ev["type"] != "BOOKMARK"]


def _has_initial_end(events: list[dict[str, Any]]) -> bool:
    for ev in events:
        if ev["type"] == "BOOKMARK":
            ann = ev["object"].get("metadata", {}).get("annotations") or {}
            if ann.get("k8s.io/initial-events-end") == "true":
                return True
    return False


# --- comparison -------------------------------------------------------------------------------


def _header(headers: dict[str, str], name: str) -> str:
    for k, v in headers.items():
        if k.lower() == name.lower():
            return v
    return ""


def _ctype(headers: dict[str, str]) -> str:
    return _header(headers, "Content-Type").split(";")[0].strip()


def compare_head(e: dict[str, Any], status: int, headers: dict[str, str]) -> list[str]:
    rec = e["response"]
    out = []
    if status != rec["status"]:
        out.append(f"status: recorded {rec['status']} != sim {status}")
    if _ctype(rec["headers"]) != _ctype(headers):
        out.append(f"Content-Type: recorded {_ctype(rec['headers'])!r} != sim {_ctype(headers)!r}")
    if "Warning" in rec["headers"]:
        w = _header(headers, "Warning")
        if _norm_str(rec["headers"]["Warning"]) != _norm_str(w):
            out.append(f"Warning: recorded {rec['headers']['Warning']!r} != sim {w!r}")
    return out


def compare(e: dict[str, Any], status: int, headers: dict[str, str], body: Any) -> list[str]:
    out = compare_head(e, status, headers)
    rec = e["response"].get("body", "")
    if isinstance(rec, str) or not isinstance(body, dict):
        if isinstance(rec, str) and isinstance(body, str):
            if rec.strip() != body.strip():
                out.append(f"body: recorded {rec.strip()[:120]!r} != sim {body.strip()[:120]!r}")
        elif rec != body:
            out.append(f"body: recorded {_short(rec)} != sim {_short(body)}")
        return out
    if e.get("trimmed"):
        if isinstance(rec, dict) and "groups" in rec:
            want = [g["name"] for g in rec["groups"]]
            got = [g.get("name") for g in body.get("groups", [])]
            if want != got:
                out.append(f"group names: recorded {want} != sim {got}")
        return out
    kind = rec.get("kind", "")
    if kind == "Status":
        for k in ("kind", "status", "reason", "code", "message", "details"):
            a, b = _norm(rec.get(k)), _norm(body.get(k))
            if k == "message":
                a, b = _norm_msg(a), _norm_msg(b)
            if k == "details" and a is not None and b is not None:
                a = (
                    {
                        **a,
                        "causes": [
                            {**c, "message": _norm_msg(c.get("message"))}
                            for c in a.get("causes", [])
                        ],
                    }
                    if "causes" in a
                    else a
                )
                b = (
                    {
                        **b,
                        "causes": [
                            {**c, "message": _norm_msg(c.get("message"))}
                            for c in b.get("causes", [])
                        ],
                    }
                    if "causes" in b
                    else b
                )
            if a != b:
                out.extend(_diff(a, b, k))
    elif kind.endswith("List") and isinstance(rec.get("items"), list) and kind != "APIResourceList":
        for k in ("kind", "apiVersion"):
            if rec.get(k) != body.get(k):
                out.append(f"{k}: recorded {rec.get(k)!r} != sim {body.get(k)!r}")
        want = [i.get("metadata", {}).get("name") for i in rec["items"]]
        got = [i.get("metadata", {}).get("name") for i in body.get("items") or []]
        if want != got:
            out.append(f"items: recorded {want} != sim {got}")
        rm, am = rec.get("metadata", {}), body.get("metadata", {})
        for k in ("continue", "remainingItemCount"):
            if (k in rm) != (k in am):
                out.append(f"metadata.{k}: recorded {'present' if k in rm else 'absent'}")
        if rm.get("remainingItemCount") != am.get("remainingItemCount"):
            out.append(
                f"remainingItemCount: recorded {rm.get('remainingItemCount')} "
                f"!= sim {am.get('remainingItemCount')}"
            )
    else:
        out.extend(_diff(_norm(rec), _norm(body)))
    return out


# --- the test ---------------------------------------------------------------------------------


def _config() -> SimConfig:
    return SimConfig(registry=RegistryConfig(gc_enabled=False, namespace_controller=False))


def _load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc


@pytest.mark.slow
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
async def test_fixture_replay(path: Path) -> None:
    doc = _load(path)
    stem = path.stem
    exchanges: list[dict[str, Any]] = doc["exchanges"]
    by_name = {e["name"]: e for e in exchanges if "name" in e}
    setups = SETUPS.get(stem, {})
    async with running_sim(_config()) as c:
        rp = Replay(stem, c)
        if "" in setups:
            await setups[""](c, by_name)
        i = 0
        while i < len(exchanges):
            e = exchanges[i]
            i += 1
            if e.get("name") in setups:
                await setups[e["name"]](c, by_name)
            if "out_of_band" in e:
                # etcd compaction: exact lists and old continue tokens expire, the watch
                # cache keeps its window (README "Behaviours" 3 and 4).
                c.sim.store.resource(("", "configmaps")).compact(c.sim.store.rv)
                continue
            if e["request"].get("query", {}).get("watch") == "true":
                conc = []
                while i < len(exchanges) and exchanges[i].get("concurrent_with") == e["name"]:
                    conc.append(exchanges[i])
                    i += 1
                rp.problems[e["name"]] = await rp.run_watch(e, conc)
            else:
                rp.problems[e["name"]] = await rp.run_exchange(e)

    failures = []
    for e in exchanges:
        if "out_of_band" in e:
            continue
        name = e["name"]
        probs = rp.problems.get(name, ["not run"])
        allowed = rp.key(name) in ALLOWED
        if probs and not allowed:
            failures.append(f"- {name}:\n    " + "\n    ".join(probs[:8]))
        elif not probs and allowed:
            failures.append(f"- {name}: matches now; remove it from fixture_allowlist.ALLOWED")
    assert not failures, f"{stem}: {len(failures)} exchange(s) differ\n" + "\n".join(failures)

"""Table output checked against kube-apiserver 1.36 recordings and upstream printer behaviour."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from masthead.sim import jsonpath, tables
from masthead.sim.printers import human_duration
from masthead.sim.resources import ResourceInfo, builtin
from tests.conftest import exchange, load_fixture

NOW = 1_750_000_000.0  # 2025-06-15T15:06:40Z
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
AGE_COLUMNS = {"Age", "Last Seen", "First Seen", "Last Schedule", "Duration"}
PODS = builtin("", "pods")
CONFIGMAPS = builtin("", "configmaps")
DEPLOYMENTS = builtin("apps", "deployments")


def _ago(seconds: int) -> str:
    return datetime.fromtimestamp(NOW - seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _unmask(value: Any) -> Any:
    """Recorded objects carry `<ts>`; give them a real time so the printers compute ages."""
    if isinstance(value, dict):
        return {k: _unmask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unmask(v) for v in value]
    return _ago(300) if value == "<ts>" else value


def _mask(table: dict[str, Any], columns: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The fixture README's normalisation: timestamps become `<ts>`, age cells `<age>`."""

    def ts(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: ts(v) for k, v in value.items()}
        if isinstance(value, list):
            return [ts(v) for v in value]
        return "<ts>" if isinstance(value, str) and TS.match(value) else value

    out: dict[str, Any] = ts(table)
    # Later watch events have no columnDefinitions; their cells follow the first event's.
    cols = out["columnDefinitions"] or columns
    for row in out["rows"] or []:
        for i, col in enumerate(cols or []):
            aged = col["name"] in AGE_COLUMNS or col["type"] == "date"
            if aged and i < len(row["cells"]) and row["cells"][i] not in ("<unknown>", None):
                row["cells"][i] = "<age>"
    return out


def _recorded_objects(scenario: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """Every full object the scenario's responses contain, by (name, resourceVersion)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            meta = value.get("metadata")
            wanted = value.get("kind") not in ("Table", "PartialObjectMetadata")
            if wanted and isinstance(meta, dict) and "name" in meta and "resourceVersion" in meta:
                found.setdefault((meta["name"], meta["resourceVersion"]), value)
            for v in value.values():
                visit(v)
        elif isinstance(value, list):
            for v in value:
                visit(v)

    for e in scenario["exchanges"]:
        visit(e.get("response", {}).get("body"))
    return found


def _objects_for(scenario: dict[str, Any], body: dict[str, Any]) -> list[dict[str, Any]]:
    objects = _recorded_objects(scenario)
    keys = [
        (r["object"]["metadata"]["name"], r["object"]["metadata"]["resourceVersion"])
        for r in body["rows"]
    ]
    return [_unmask(objects[k]) for k in keys]


def _compare(
    actual: dict[str, Any],
    recorded: dict[str, Any],
    columns: list[dict[str, Any]] | None = None,
) -> None:
    masked = _mask(actual, columns)
    assert masked == recorded
    # Key order too: the same JSON text, byte for byte.
    assert json.dumps(masked) == json.dumps(recorded)


CASES = [
    ("04-list-semantics", "Table for configmaps (default includeObject)", CONFIGMAPS, "Metadata"),
    ("04-list-semantics", "Table for configmaps includeObject=Object", CONFIGMAPS, "Object"),
    ("04-list-semantics", "Table for deployments (default includeObject)", DEPLOYMENTS, "Metadata"),
    ("04-list-semantics", "Table for deployments includeObject=Object", DEPLOYMENTS, "Object"),
    ("04-list-semantics", "Table for one deployment (GET by name)", DEPLOYMENTS, "Metadata"),
    ("11-pods", "pods Table", PODS, "Metadata"),
]


@pytest.mark.parametrize(("scenario", "name", "info", "include"), CASES)
def test_recorded_tables_are_reproduced(
    scenario: str, name: str, info: ResourceInfo, include: str
) -> None:
    fixture = load_fixture(scenario)
    body = exchange(fixture, name)["response"]["body"]
    objs = _objects_for(fixture, body)
    table = tables.to_table(
        info, objs, include_object=include, list_metadata=body["metadata"], now=NOW
    )
    _compare(table, body)


@pytest.mark.parametrize(
    ("kind", "info"),
    [("configmaps", CONFIGMAPS), ("deployments", DEPLOYMENTS)],
)
def test_include_object_none_sends_null_objects(kind: str, info: ResourceInfo) -> None:
    fixture = load_fixture("04-list-semantics")
    body = exchange(fixture, f"Table for {kind} includeObject=None")["response"]["body"]
    with_objects = exchange(fixture, f"Table for {kind} includeObject=Object")["response"]["body"]
    by_name = {r["object"]["metadata"]["name"]: r["object"] for r in with_objects["rows"]}
    objs = [_unmask(by_name[r["cells"][0]]) for r in body["rows"]]
    table = tables.to_table(
        info, objs, include_object="None", list_metadata=body["metadata"], now=NOW
    )
    _compare(table, body)


def _gadgets() -> tuple[ResourceInfo, dict[str, Any]]:
    fixture = load_fixture("07-subresources-crd")
    crd = exchange(fixture, "create CRD gadgets.fix.example.com (201)")["response"]["body"]
    info = ResourceInfo("fix.example.com", "v1", "gadgets", "Gadget", True, crd=crd)
    return info, fixture


@pytest.mark.parametrize(
    "name", ["get Gadget g1 as Table (printer columns)", "list Gadgets as Table"]
)
def test_custom_resource_printer_columns_match_recording(name: str) -> None:
    info, fixture = _gadgets()
    gadget = _unmask(
        exchange(fixture, "create Gadget g1 (status in the body is dropped)")["response"]["body"]
    )
    body = exchange(fixture, name)["response"]["body"]
    table = tables.to_table(
        info, [gadget], include_object="Metadata", list_metadata=body["metadata"], now=NOW
    )
    _compare(table, body)


def test_partial_object_metadata_list_matches_recording() -> None:
    fixture = load_fixture("04-list-semantics")
    body = exchange(fixture, "PartialObjectMetadataList for configmaps")["response"]["body"]
    objects = _recorded_objects(fixture)
    objs = [
        objects[(i["metadata"]["name"], i["metadata"]["resourceVersion"])] for i in body["items"]
    ]
    result = tables.to_partial_object_metadata_list(objs, body["metadata"])
    assert json.dumps(result) == json.dumps(body)


def test_table_watch_events_match_recording() -> None:
    fixture = load_fixture("05-watch-semantics")
    events = exchange(fixture, "watch as Table (kubectl get -w)")["response"]["watch_events"]
    added, modified, bookmark = (e["object"] for e in events)
    produced = []
    for i, recorded in enumerate((added, modified)):
        row = recorded["rows"][0]
        keys = ["v", "w"][: row["cells"][1]]
        obj = _unmask({"metadata": row["object"]["metadata"], "data": dict.fromkeys(keys, "x")})
        produced.append(tables.watch_table_event_object(CONFIGMAPS, obj, NOW, "Metadata", i == 0))
    _compare(produced[0], added)
    _compare(produced[1], modified, added["columnDefinitions"])
    assert modified["columnDefinitions"] is None
    assert tables.watch_table_bookmark(CONFIGMAPS, 284, False) == bookmark


def test_first_event_bookmark_carries_columns_and_initial_events_annotation() -> None:
    table = tables.watch_table_bookmark(PODS, 7, True, first=True)
    assert [c["name"] for c in table["columnDefinitions"]][:3] == ["Name", "Ready", "Status"]
    row = table["rows"][0]
    assert row["cells"] == ["", "0/0", "", "0", "<unknown>", "<none>", "<none>", "<none>", "<none>"]
    assert row["object"]["metadata"] == {
        "resourceVersion": "7",
        "annotations": {"k8s.io/initial-events-end": "true"},
    }


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (-3, "<invalid>"),
        (-1.5, "0s"),
        (0, "0s"),
        (59, "59s"),
        (119.9, "119s"),
        (120, "2m"),
        (150, "2m30s"),
        (599, "9m59s"),
        (600, "10m"),
        (3 * 3600 - 1, "179m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 59 * 60, "3h59m"),
        (8 * 3600, "8h"),
        (47 * 3600 + 3599, "47h"),
        (48 * 3600, "2d"),
        (50 * 3600, "2d2h"),
        (8 * 86400 - 1, "7d23h"),
        (8 * 86400, "8d"),
        (729 * 86400, "729d"),
        (730 * 86400, "2y"),
        (731 * 86400, "2y1d"),
        (8 * 365 * 86400, "8y"),
        (20 * 365 * 86400 + 5 * 86400, "20y"),
    ],
)
def test_human_duration(seconds: float, expected: str) -> None:
    assert human_duration(timedelta(seconds=seconds)) == expected


def _pod(
    *,
    phase: str = "Running",
    statuses: list[dict[str, Any]] | None = None,
    init: list[dict[str, Any]] | None = None,
    init_statuses: list[dict[str, Any]] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    containers: int = 1,
    **extra: Any,
) -> dict[str, Any]:
    meta = {"name": "p", "creationTimestamp": _ago(3600)} | extra.pop("meta", {})
    status: dict[str, Any] = {"phase": phase, "conditions": conditions or []}
    status["containerStatuses"] = statuses or []
    status["initContainerStatuses"] = init_statuses or []
    status |= extra.pop("status", {})
    spec = {
        "containers": [{"name": f"c{i}"} for i in range(containers)],
        "initContainers": init or [],
    }
    return {"metadata": meta, "spec": spec, "status": status}


RUNNING = {"running": {"startedAt": _ago(60)}}
READY = [{"type": "Ready", "status": "True"}]


@pytest.mark.parametrize(
    ("pod", "ready", "status", "restarts"),
    [
        (_pod(phase="Pending"), "0/1", "Pending", "0"),
        (_pod(statuses=[{"ready": True, "state": RUNNING}]), "1/1", "Running", "0"),
        (
            _pod(statuses=[{"state": {"waiting": {"reason": "ContainerCreating"}}}]),
            "0/1",
            "ContainerCreating",
            "0",
        ),
        (
            _pod(
                statuses=[
                    {
                        "restartCount": 5,
                        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                        "lastState": {"terminated": {"exitCode": 1, "finishedAt": _ago(300)}},
                    }
                ]
            ),
            "0/1",
            "CrashLoopBackOff",
            "5 (5m ago)",
        ),
        (
            _pod(statuses=[{"state": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}]),
            "0/1",
            "OOMKilled",
            "0",
        ),
        (
            _pod(phase="Failed", statuses=[{"state": {"terminated": {"exitCode": 2}}}]),
            "0/1",
            "ExitCode:2",
            "0",
        ),
        (
            _pod(statuses=[{"state": {"terminated": {"exitCode": 0, "signal": 9}}}]),
            "0/1",
            "Signal:9",
            "0",
        ),
        (
            _pod(
                phase="Succeeded",
                statuses=[{"state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}],
            ),
            "0/1",
            "Completed",
            "0",
        ),
        (
            _pod(
                containers=2,
                conditions=READY,
                statuses=[
                    {"ready": True, "state": RUNNING},
                    {"state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                ],
            ),
            "1/2",
            "Running",
            "0",
        ),
        (
            _pod(
                containers=2,
                statuses=[
                    {"ready": True, "state": RUNNING},
                    {"state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                ],
            ),
            "1/2",
            "NotReady",
            "0",
        ),
        (
            _pod(
                containers=2,
                statuses=[
                    {"state": {"terminated": {"exitCode": 1, "reason": "Error"}}},
                    {"state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                ],
            ),
            "0/2",
            "Error",
            "0",
        ),
        (
            _pod(
                phase="Pending",
                init=[{"name": "a"}, {"name": "b"}],
                init_statuses=[
                    {"name": "a", "state": {"terminated": {"exitCode": 0}}},
                    {"name": "b", "state": {"running": {}}},
                ],
            ),
            "0/1",
            "Init:1/2",
            "0",
        ),
        (
            _pod(
                phase="Pending",
                init=[{"name": "a"}],
                init_statuses=[
                    {
                        "name": "a",
                        "restartCount": 3,
                        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    }
                ],
            ),
            "0/1",
            "Init:CrashLoopBackOff",
            "3",
        ),
        (
            _pod(
                phase="Pending",
                init=[{"name": "a"}],
                init_statuses=[{"name": "a", "state": {"terminated": {"exitCode": 3}}}],
            ),
            "0/1",
            "Init:ExitCode:3",
            "0",
        ),
        (
            _pod(
                init=[{"name": "sidecar", "restartPolicy": "Always"}],
                init_statuses=[
                    {
                        "name": "sidecar",
                        "started": True,
                        "ready": True,
                        "restartCount": 2,
                        "state": RUNNING,
                    }
                ],
                statuses=[{"ready": True, "state": RUNNING, "restartCount": 1}],
                conditions=[{"type": "Initialized", "status": "True"}],
            ),
            "2/2",
            "Running",
            "3",
        ),
        (_pod(meta={"deletionTimestamp": _ago(1)}), "0/1", "Terminating", "0"),
        (
            _pod(meta={"deletionTimestamp": _ago(1)}, status={"reason": "NodeLost"}),
            "0/1",
            "Unknown",
            "0",
        ),
        (_pod(status={"reason": "Evicted"}, phase="Failed"), "0/1", "Evicted", "0"),
        (
            _pod(
                phase="Pending",
                conditions=[
                    {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}
                ],
            ),
            "0/1",
            "SchedulingGated",
            "0",
        ),
    ],
)
def test_pod_status_column(pod: dict[str, Any], ready: str, status: str, restarts: str) -> None:
    assert tables.row_cells(PODS, pod, NOW)[1:4] == [ready, status, restarts]


def test_pod_wide_cells_and_finished_row_conditions() -> None:
    pod = _pod(phase="Succeeded")
    pod["spec"] |= {
        "nodeName": "n1",
        "readinessGates": [{"conditionType": "x/ok"}, {"conditionType": "y"}],
    }
    pod["status"] |= {
        "podIPs": [{"ip": "10.0.0.7"}],
        "conditions": [{"type": "x/ok", "status": "True"}],
    }
    cells = tables.row_cells(PODS, pod, NOW)
    assert cells[4:] == ["60m", "10.0.0.7", "n1", "<none>", "1/2"]
    row = tables.to_table(PODS, [pod], include_object="None", list_metadata={}, now=NOW)["rows"][0]
    assert row["conditions"] == [
        {
            "type": "Completed",
            "status": "True",
            "reason": "Succeeded",
            "message": "The pod has completed successfully.",
        }
    ]


def test_node_service_job_and_event_cells() -> None:
    node = {
        "metadata": {
            "name": "n1",
            "creationTimestamp": _ago(90),
            "labels": {"node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "infra"},
        },
        "spec": {"unschedulable": True},
        "status": {
            "conditions": [{"type": "Ready", "status": "False"}],
            "nodeInfo": {"kubeletVersion": "v1.36.2"},
            "addresses": [{"type": "InternalIP", "address": "10.1.0.1"}],
        },
    }
    assert tables.row_cells(builtin("", "nodes"), node, NOW) == [
        "n1",
        "NotReady,SchedulingDisabled",
        "control-plane,infra",
        "90s",
        "v1.36.2",
        "10.1.0.1",
        "<none>",
        "<unknown>",
        "<unknown>",
        "<unknown>",
    ]
    svc = {
        "metadata": {"name": "web", "creationTimestamp": _ago(3 * 86400)},
        "spec": {
            "type": "LoadBalancer",
            "clusterIPs": ["10.96.0.10"],
            "ports": [
                {"port": 80, "protocol": "TCP", "nodePort": 30080},
                {"port": 53, "protocol": "UDP"},
            ],
            "selector": {"b": "2", "a": "1"},
        },
        "status": {"loadBalancer": {"ingress": [{"hostname": "lb.example"}, {"ip": "1.2.3.4"}]}},
    }
    assert tables.row_cells(builtin("", "services"), svc, NOW) == [
        "web",
        "LoadBalancer",
        "10.96.0.10",
        "1.2.3.4,lb.example",
        "80:30080/TCP,53/UDP",
        "3d",
        "a=1,b=2",
    ]
    job = {
        "metadata": {"name": "j", "creationTimestamp": _ago(600)},
        "spec": {
            "completions": 3,
            "selector": {
                "matchExpressions": [{"key": "t", "operator": "In", "values": ["z", "y"]}]
            },
            "template": {"spec": {"containers": [{"name": "a", "image": "i:1"}]}},
        },
        "status": {
            "succeeded": 3,
            "startTime": _ago(500),
            "completionTime": _ago(410),
            "conditions": [{"type": "Complete", "status": "True"}],
        },
    }
    assert tables.row_cells(builtin("batch", "jobs"), job, NOW) == [
        "j", "Complete", "3/3", "90s", "10m", "a", "i:1", "t in (y,z)",
    ]  # fmt: skip
    core_event = {
        "metadata": {"name": "e1"},
        "involvedObject": {"kind": "Pod", "name": "p1", "fieldPath": "spec.containers{c}"},
        "reason": "BackOff",
        "message": "Back-off restarting  ",
        "source": {"component": "kubelet", "host": "n1"},
        "firstTimestamp": _ago(600),
        "lastTimestamp": _ago(30),
        "count": 7,
        "type": "Warning",
    }
    expected = [
        "30s", "Warning", "BackOff", "pod/p1", "spec.containers{c}", "kubelet, n1",
        "Back-off restarting", "10m", 7, "e1",
    ]  # fmt: skip
    assert tables.row_cells(builtin("", "events"), core_event, NOW) == expected
    v1_event = {
        "metadata": {"name": "e1"},
        "regarding": core_event["involvedObject"],
        "note": core_event["message"],
        "deprecatedSource": core_event["source"],
        "deprecatedFirstTimestamp": core_event["firstTimestamp"],
        "deprecatedLastTimestamp": core_event["lastTimestamp"],
        "deprecatedCount": 7,
        "reason": "BackOff",
        "type": "Warning",
    }
    assert tables.row_cells(builtin("events.k8s.io", "events"), v1_event, NOW) == expected


def test_kinds_without_printers_get_the_default_table() -> None:
    roles = builtin("rbac.authorization.k8s.io", "roles")
    cols = tables.column_definitions(roles)
    assert [(c["name"], c["type"], c["format"]) for c in cols] == [
        ("Name", "string", "name"),
        ("Created At", "date", ""),
    ]
    role = {"metadata": {"name": "r", "creationTimestamp": "2024-05-01T12:00:00+02:00"}}
    assert tables.row_cells(roles, role, NOW) == ["r", "2024-05-01T10:00:00Z"]
    assert tables.row_cells(roles, {"metadata": {}}, NOW) == ["", "0001-01-01T00:00:00Z"]
    empty = tables.to_table(roles, [], include_object="Metadata", list_metadata={}, now=NOW)
    assert empty["rows"] is None
    assert (
        tables.to_table(CONFIGMAPS, [], include_object="Metadata", list_metadata={}, now=NOW)[
            "rows"
        ]
        == []
    )


def _crd(columns: list[dict[str, Any]]) -> ResourceInfo:
    crd = {"spec": {"versions": [{"name": "v1", "additionalPrinterColumns": columns}]}}
    return ResourceInfo("x.io", "v1", "things", "Thing", True, crd=crd)


def test_crd_columns_cell_typing() -> None:
    info = _crd(
        [
            {
                "name": "Ready",
                "type": "string",
                "jsonPath": '.status.conditions[?(@.type=="Ready")].status',
            },
            {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
            {"name": "Ratio", "type": "number", "jsonPath": ".spec.ratio"},
            {"name": "On", "type": "boolean", "jsonPath": ".spec.on"},
            {"name": "App", "type": "string", "jsonPath": ".metadata.labels.app"},
            {"name": "First", "type": "string", "jsonPath": ".spec.items[0].name"},
            {"name": "Last", "type": "string", "jsonPath": ".spec.items[-1]"},
            {"name": "Map", "type": "string", "jsonPath": ".spec.map"},
            {"name": "Since", "type": "date", "jsonPath": ".status.since", "description": "d"},
            {"name": "Bad", "type": "date", "jsonPath": ".status.bad"},
            {"name": "WrongType", "type": "integer", "jsonPath": ".spec.on"},
            {"name": "Missing", "type": "string", "jsonPath": ".spec.nope", "priority": 1},
        ]
    )
    thing = {
        "metadata": {"name": "t1", "labels": {"app": "web"}},
        "spec": {
            "replicas": 2.9,
            "ratio": 3,
            "on": True,
            "items": [{"name": "a"}, {"name": "b"}],
            "map": {"z": 1, "a": "<b>"},
        },
        "status": {
            "conditions": [
                {"type": "Synced", "status": "False"},
                {"type": "Ready", "status": "True"},
            ],
            "since": _ago(7200),
            "bad": "yesterday",
        },
    }
    assert tables.row_cells(info, thing, NOW) == [
        "t1",
        "True",
        2,
        3.0,
        True,
        "web",
        "a",
        '{"name":"b"}',
        '{"a":"\\u003cb\\u003e","z":1}',
        "120m",
        "<invalid>",
        None,
        None,
    ]
    cols = tables.column_definitions(info)
    assert cols[9]["description"] == "d"
    assert cols[12] == {
        "name": "Missing",
        "type": "string",
        "format": "",
        "description": "Custom resource definition column (in JSONPath format): .spec.nope",
        "priority": 1,
    }


def test_crd_without_printer_columns_gets_an_age_column() -> None:
    info = _crd([])
    assert [(c["name"], c["type"]) for c in tables.column_definitions(info)] == [
        ("Name", "string"),
        ("Age", "date"),
    ]
    thing = {"metadata": {"name": "t", "creationTimestamp": _ago(30)}}
    assert tables.row_cells(info, thing, NOW) == ["t", "30s"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (".a.b", [1]),
        ("{.a.b}", [1]),
        (".list[*].n", [1, 2, 3]),
        (".list[1:3].n", [2, 3]),
        (".list[?(@.n > 1)].n", [2, 3]),
        (".list[?(@.n != 2)].n", [1, 3]),
        (".list[?(@.tag)].n", [3]),
        (".list[?(@.n == 'x')].n", []),
        (".list[5].n", []),
        (".a['b']", [1]),
        (".a.missing.deeper", []),
    ],
)
def test_jsonpath_subset(path: str, expected: list[Any]) -> None:
    doc = {"a": {"b": 1}, "list": [{"n": 1}, {"n": 2}, {"n": 3, "tag": "t"}]}
    assert jsonpath.parse(path).find(doc) == expected


@pytest.mark.parametrize("path", ["..a", ".a[", ".a[?(@.x ~ 1)]", ".a[1,2]"])
def test_jsonpath_rejects_what_it_does_not_support(path: str) -> None:
    with pytest.raises(jsonpath.JSONPathError):
        jsonpath.parse(path)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.5, "1.5"),
        (2.0, "2"),
        (1e6, "1e+06"),
        (123456.0, "123456"),
        (1e-5, "1e-05"),
        (False, "false"),
    ],
)
def test_jsonpath_prints_scalars_like_go(value: Any, text: str) -> None:
    assert jsonpath.format_value(value) == text


def test_unknown_include_object_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="includeObject"):
        tables.to_table(PODS, [], include_object="Everything", list_metadata={}, now=NOW)

"""masthead's SQLite schema, one `Migration` per version (never edit a released one: add).

`events`: the event history (feeds/events_history.py). `id` is AUTOINCREMENT so ids are never
reused, even after retention deleted the newest rows of a quiet cluster: it is the SSE `id`,
monotonic per cluster (one sequence for all clusters, so also across them) and surviving
restarts. One row per (cluster, event uid, count): a repeat of an event (count or
series.count bumped) is a new row, an update that does not change the count is not.
`recorded` is when masthead saw it (retention runs on it).

`metrics_rollups`: coarse metrics samples per (cluster, scope, key) for sparklines
(feeds/metrics.py); scope is node, namespace, workload or cluster.

`audit`: every action asked of the server (api/actions.py; rows written by api/audit.py),
allowed or refused: who (the local user and how the request was authenticated), when, cluster,
object, action, its parameters (JSON), whether it was a dry run, and the outcome (HTTP code,
reason, message).

`settings`: small user settings that must survive a restart, one JSON value per key
(persist/settings.py), e.g. `namespaces/<context>` (api/namespaces.py).

`snapshots`: warm-start snapshots (masthead/snapshots): per (cluster, identity, API group,
resource, scope) the projected rows of one source (`data`, see snapshots/codec.py) with the
resourceVersion they are the state at, when they were taken, the container `format` and the
`row_schema` digest of the row type (either differing from this masthead's: ignored). `identity`
is a digest of the context's user credentials, so one user never restores another's rows.
"""

from __future__ import annotations

from masthead.persist.db import Migration

EVENTS_V1 = """
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cluster TEXT NOT NULL,
    uid TEXT NOT NULL,
    count INTEGER NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    reason TEXT NOT NULL,
    message TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_name TEXT NOT NULL,
    object_uid TEXT NOT NULL,
    object_field TEXT NOT NULL,
    source TEXT NOT NULL,
    first_seen REAL,
    last_seen REAL,
    recorded REAL NOT NULL
);
CREATE UNIQUE INDEX events_dedup ON events (cluster, uid, count);
CREATE INDEX events_cluster ON events (cluster, id);
CREATE INDEX events_namespace ON events (cluster, namespace, id);
CREATE INDEX events_object ON events (cluster, object_uid, id);
CREATE INDEX events_type ON events (cluster, type, id);
CREATE INDEX events_recorded ON events (recorded);
"""

METRICS_V2 = """
CREATE TABLE metrics_rollups (
    cluster TEXT NOT NULL,
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    t REAL NOT NULL,
    cpu_m REAL NOT NULL,
    memory INTEGER NOT NULL,
    samples INTEGER NOT NULL
);
CREATE INDEX metrics_rollups_key ON metrics_rollups (cluster, scope, key, t);
CREATE INDEX metrics_rollups_t ON metrics_rollups (t);
"""

AUDIT_V3 = """
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    who TEXT NOT NULL,
    cluster TEXT NOT NULL,
    context TEXT NOT NULL,
    action TEXT NOT NULL,
    api_group TEXT NOT NULL,
    resource TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    parameters TEXT NOT NULL,
    dry_run INTEGER NOT NULL,
    code INTEGER NOT NULL,
    reason TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX audit_cluster ON audit (cluster, id);
"""

SNAPSHOTS_V4 = """
CREATE TABLE snapshots (
    cluster TEXT NOT NULL,
    identity TEXT NOT NULL,
    api_group TEXT NOT NULL,
    resource TEXT NOT NULL,
    scope TEXT NOT NULL,
    format INTEGER NOT NULL,
    row_schema TEXT NOT NULL,
    resource_version TEXT NOT NULL,
    taken REAL NOT NULL,
    row_count INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (cluster, identity, api_group, resource, scope)
);
"""

SETTINGS_V5 = """
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated REAL NOT NULL
);
"""

MIGRATIONS = (
    Migration(1, "event history", EVENTS_V1),
    Migration(2, "metrics rollups", METRICS_V2),
    Migration(3, "action audit log", AUDIT_V3),
    Migration(4, "warm-start snapshots", SNAPSHOTS_V4),
    Migration(5, "settings", SETTINGS_V5),
)

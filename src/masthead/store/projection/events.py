"""Events, through either API (core/v1 or events.k8s.io/v1: one stored object, two shapes).

"Last seen" and "count" follow kubernetes-api.md §7 [DL]: last seen is the first set value of
series.lastObservedTime, lastTimestamp, eventTime, metadata.creationTimestamp; count is
series.count, then count, then 1. The involved object's uid is the row's `owner_uids`, so the
table's owner index answers "events of this object".
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from masthead.store.projection.base import (
    Interner,
    MetaIn,
    Projection,
    Row,
    base_columns,
    column,
    epoch,
    row_base,
)


class _ObjectRef(msgspec.Struct, gc=False):
    kind: str = ""
    namespace: str = ""
    name: str = ""
    uid: str = ""
    fieldPath: str = ""


class _Series(msgspec.Struct, gc=False):
    count: int = 0
    lastObservedTime: datetime | None = None


class _Source(msgspec.Struct, gc=False):
    component: str = ""
    host: str = ""


class EventIn(msgspec.Struct, gc=False):
    """core/v1 Event."""

    metadata: MetaIn = msgspec.field(default_factory=MetaIn)
    involvedObject: _ObjectRef = msgspec.field(default_factory=_ObjectRef)
    type: str = ""
    reason: str = ""
    message: str = ""
    count: int = 0
    firstTimestamp: datetime | None = None
    lastTimestamp: datetime | None = None
    eventTime: datetime | None = None
    series: _Series | None = None
    source: _Source = msgspec.field(default_factory=_Source)
    reportingComponent: str = ""
    reportingInstance: str = ""


class EventV1In(msgspec.Struct, gc=False):
    """events.k8s.io/v1 Event."""

    metadata: MetaIn = msgspec.field(default_factory=MetaIn)
    regarding: _ObjectRef = msgspec.field(default_factory=_ObjectRef)
    type: str = ""
    reason: str = ""
    note: str = ""
    deprecatedCount: int = 0
    deprecatedFirstTimestamp: datetime | None = None
    deprecatedLastTimestamp: datetime | None = None
    eventTime: datetime | None = None
    series: _Series | None = None
    deprecatedSource: _Source = msgspec.field(default_factory=_Source)
    reportingController: str = ""
    reportingInstance: str = ""


class EventRow(Row, frozen=True, kw_only=True, gc=False):
    type: str  # Normal, Warning
    reason: str
    object_kind: str
    object_name: str
    object_uid: str
    object_field: str  # fieldPath, e.g. spec.containers{web}
    message: str
    count: int
    first_seen: float | None
    last_seen: float | None
    source: str  # "component, host" as kubectl prints it


def _build(
    meta: MetaIn,
    ref: _ObjectRef,
    *,
    type_: str,
    reason: str,
    message: str,
    count: int,
    first: datetime | None,
    last: datetime | None,
    event_time: datetime | None,
    series: _Series | None,
    source: _Source,
    reporter: str,
    instance: str,
    interner: Interner,
) -> EventRow:
    s = interner.string
    last_seen = (
        (series.lastObservedTime if series is not None else None)
        or last
        or event_time
        or meta.creationTimestamp
    )
    if series is not None and series.count:
        count = series.count
    elif not count:
        count = 1
    component = source.component or reporter
    host = source.host or instance
    base = row_base(meta, interner)
    base["owner_uids"] = interner.strings([ref.uid]) if ref.uid else ()
    return EventRow(
        **base,
        type=s(type_),
        reason=s(reason),
        object_kind=s(ref.kind),
        object_name=s(ref.name),
        object_uid=s(ref.uid),
        object_field=s(ref.fieldPath),
        message=message.strip(),
        count=count,
        first_seen=epoch(first or event_time or meta.creationTimestamp),
        last_seen=epoch(last_seen),
        source=s(f"{component}, {host}" if host else component),
    )


def build_event(obj: EventIn, interner: Interner) -> EventRow:
    return _build(
        obj.metadata,
        obj.involvedObject,
        type_=obj.type,
        reason=obj.reason,
        message=obj.message,
        count=obj.count,
        first=obj.firstTimestamp,
        last=obj.lastTimestamp,
        event_time=obj.eventTime,
        series=obj.series,
        source=obj.source,
        reporter=obj.reportingComponent,
        instance=obj.reportingInstance,
        interner=interner,
    )


def build_event_v1(obj: EventV1In, interner: Interner) -> EventRow:
    return _build(
        obj.metadata,
        obj.regarding,
        type_=obj.type,
        reason=obj.reason,
        message=obj.note,
        count=obj.deprecatedCount,
        first=obj.deprecatedFirstTimestamp,
        last=obj.deprecatedLastTimestamp,
        event_time=obj.eventTime,
        series=obj.series,
        source=obj.deprecatedSource,
        reporter=obj.reportingController,
        instance=obj.reportingInstance,
        interner=interner,
    )


def _object_text(row: EventRow) -> str:
    kind = row.object_kind.lower()
    return f"{kind}/{row.object_name}" if row.object_name else kind


EVENT_COLUMNS = (
    *base_columns(),
    column("last_seen", "Last seen", "time", lambda r: r.last_seen),
    column("type", "Type", "string", lambda r: r.type, facet=True),
    column("reason", "Reason", "string", lambda r: r.reason, facet=True, text=True),
    column("object", "Object", "string", _object_text, text=True),
    column("object_kind", "Object kind", "string", lambda r: r.object_kind, facet=True),
    column("source", "Source", "string", lambda r: r.source, text=True),
    column("message", "Message", "string", lambda r: r.message, sortable=False, text=True),
    column("count", "Count", "int", lambda r: r.count),
    column("first_seen", "First seen", "time", lambda r: r.first_seen),
)

EVENTS: Projection[EventIn, EventRow] = Projection(
    group="",
    resource="events",
    kind="Event",
    row_type=EventRow,
    input_type=EventIn,
    columns=EVENT_COLUMNS,
    build=build_event,
)

EVENTS_V1: Projection[EventV1In, EventRow] = Projection(
    group="events.k8s.io",
    resource="events",
    kind="Event",
    row_type=EventRow,
    input_type=EventV1In,
    columns=EVENT_COLUMNS,
    build=build_event_v1,
)

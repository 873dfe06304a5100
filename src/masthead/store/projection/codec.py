"""From the wire to the table: `ProjectionCodec` decodes LIST pages and watch lines straight
into rows, `TableSink` applies the reflector's replace/upsert/delete to a `Table`.

No full object is ever built: msgspec decodes each item into the projection's partial input
struct (skipping undeclared fields in C), the projection builds the row, and the input is
dropped. The reflector only needs a row's key, and the resourceVersion is read from the
input before it is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Generic

import msgspec
import orjson

from masthead.kube.codec import (
    ADDED,
    BOOKMARK,
    DELETED,
    ERROR,
    INITIAL_EVENTS_END,
    MODIFIED,
    Line,
    ListPage,
    WatchEvent,
)
from masthead.kube.errors import ApiStatus, UndecodableObject
from masthead.store.projection.base import InputT, Interner, Projection, RowT
from masthead.store.table import ReplaceCounts, Table


class _ListMeta(msgspec.Struct, gc=False):
    resourceVersion: str = ""
    continue_: str = msgspec.field(default="", name="continue")
    remainingItemCount: int | None = None


class _RawListDoc(msgspec.Struct, gc=False):
    """A list whose items are left undecoded: the slow path when one item is malformed."""

    items: list[msgspec.Raw] = msgspec.field(default_factory=list)
    metadata: _ListMeta = msgspec.field(default_factory=_ListMeta)


_NO_IDENTITY = "object without metadata.name or metadata.uid"
_OBJECT_EVENTS = frozenset((ADDED, MODIFIED, DELETED))


class _EventDoc(msgspec.Struct, gc=False):
    type: str
    object: msgspec.Raw


class _BookmarkMeta(msgspec.Struct, gc=False):
    resourceVersion: str = ""
    annotations: dict[str, str] | None = None


class _Bookmark(msgspec.Struct, gc=False):
    metadata: _BookmarkMeta = msgspec.field(default_factory=_BookmarkMeta)


class ProjectionCodec(Generic[InputT, RowT]):
    """`kube.codec.ObjectCodec` whose objects are the projection's rows.

    Share one `interner` between the codecs of a cluster: namespaces, node names and label
    strings then exist once across every kind's table.
    """

    def __init__(
        self, projection: Projection[InputT, RowT], interner: Interner | None = None
    ) -> None:
        self.projection = projection
        self.interner = interner if interner is not None else Interner()
        list_doc = msgspec.defstruct(
            f"{projection.kind}ListDoc",
            [
                ("items", list[projection.input_type]),  # type: ignore[name-defined]
                ("metadata", _ListMeta, msgspec.field(default_factory=_ListMeta)),
            ],
            gc=False,
        )
        self._list = msgspec.json.Decoder(list_doc)
        # An object event decoded in one pass, envelope and object together; anything else
        # (a bookmark, an ERROR's Status, a malformed object) takes the two-step path.
        event_doc = msgspec.defstruct(
            f"{projection.kind}EventDoc",
            [("type", str), ("object", projection.input_type)],
            gc=False,
        )
        self._typed_event = msgspec.json.Decoder(event_doc)
        self._raw_list = msgspec.json.Decoder(_RawListDoc)
        self._event = msgspec.json.Decoder(_EventDoc)
        self._object = msgspec.json.Decoder(projection.input_type)
        self._bookmark = msgspec.json.Decoder(_Bookmark)

    def decode_list(self, body: bytes) -> ListPage[RowT]:
        """Rows of a LIST page; items that do not decode or have no identity are skipped and
        named in `rejected` (a body that is not a list at all still raises)."""
        rejected: list[str] = []
        doc: Any
        try:
            doc = self._list.decode(body)
            items = doc.items
        except (msgspec.ValidationError, UnicodeDecodeError):  # a bad item: one by one
            doc = self._raw_list.decode(body)
            items = []
            for raw in doc.items:
                try:
                    items.append(self._object.decode(raw))
                except (msgspec.DecodeError, UnicodeDecodeError) as e:
                    rejected.append(str(e))
        build, interner = self.projection.build, self.interner
        rows = []
        for item in items:
            try:
                row = build(item, interner)
            except msgspec.DecodeError as e:  # a raw field (RawMetaIn) read by the build
                rejected.append(str(e))
                continue
            if row.uid and row.name:
                rows.append(row)
            else:
                rejected.append(_NO_IDENTITY)
        m: _ListMeta = doc.metadata
        return ListPage(rows, m.resourceVersion, m.continue_, m.remainingItemCount, rejected)

    def decode_event(self, line: Line) -> WatchEvent[RowT]:
        try:
            typed: Any = self._typed_event.decode(line)
        except (msgspec.DecodeError, UnicodeDecodeError):
            return self._decode_event_in_steps(line)
        if typed.type not in _OBJECT_EVENTS:
            return self._decode_event_in_steps(line)
        return self._event_row(typed.type, typed.object)

    def _decode_event_in_steps(self, line: Line) -> WatchEvent[RowT]:
        try:
            ev = self._event.decode(line)
            if ev.type == ERROR:
                obj = orjson.loads(bytes(ev.object))
                status = ApiStatus.from_status_object(obj if isinstance(obj, dict) else {})
                return WatchEvent(ERROR, None, "", status=status)
            if ev.type == BOOKMARK:
                bm = self._bookmark.decode(ev.object).metadata
                end = (bm.annotations or {}).get(INITIAL_EVENTS_END) == "true"
                return WatchEvent(BOOKMARK, None, bm.resourceVersion, initial_events_end=end)
            item = self._object.decode(ev.object)
        except (msgspec.DecodeError, orjson.JSONDecodeError, UnicodeDecodeError) as e:
            raise UndecodableObject(f"undecodable watch event: {e}") from e
        return self._event_row(ev.type, item)

    def _event_row(self, type_: str, item: InputT) -> WatchEvent[RowT]:
        try:
            row = self.projection.build(item, self.interner)
        except msgspec.DecodeError as e:  # a raw field (RawMetaIn) read by the build
            raise UndecodableObject(f"undecodable {type_} event: {e}") from e
        if not (row.uid and row.name):
            raise UndecodableObject(f"{type_} event: {_NO_IDENTITY}")
        return WatchEvent(type_, row, self.projection.resource_version(item))

    def decode_object(self, body: bytes) -> RowT:
        """One object (a GET answer) as a row."""
        return self.projection.build(self._object.decode(body), self.interner)

    def key(self, obj: RowT) -> str:
        return f"{obj.namespace}/{obj.name}" if obj.namespace else obj.name


class TableSink(Generic[RowT]):
    """`kube.sink.Sink` over a `Table`: rows are identified by uid.

    A relist's `replace` goes through `Table.replace`, which deletes every row whose object is
    not in the new list, so nothing deleted while the watch was down survives as a ghost.
    Reflectors call `replace_steps` (kube.sink.SteppedSink): a subclass extends that, never
    `replace` alone.
    """

    def __init__(self, table: Table[RowT]) -> None:
        self.table = table
        self.resource_version = ""
        self.replaces = 0
        self.last_replace = ReplaceCounts(0, 0, 0)

    def replace(self, objects: Iterable[RowT], resource_version: str) -> None:
        for _ in self.replace_steps(objects, resource_version):
            pass

    def replace_steps(self, objects: Iterable[RowT], resource_version: str) -> Iterator[None]:
        """`replace` in slices (kube.sink.SteppedSink)."""
        self.last_replace = yield from self.table.replace_steps(objects)
        self.resource_version = resource_version
        self.replaces += 1

    def reuse(self, obj: RowT) -> RowT:
        """The held row when it equals `obj`, else `obj` (kube.sink.ReusingSink)."""
        held = self.table.get(obj.uid)
        return held if held is not None and held == obj else obj

    def upsert(self, obj: RowT) -> None:
        self.table.upsert(obj)

    def delete(self, obj: RowT) -> None:
        self.table.delete(obj.uid)

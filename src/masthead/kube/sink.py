"""Where a reflector delivers objects: the `Sink` protocol (client-go's Store) and `MemorySink`.

`replace` is a first-class operation: after a (re)list the sink receives the complete new
state and must delete whatever is not in it, so objects deleted while the watch was down can
never survive as ghosts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

T = TypeVar("T")
T_contra = TypeVar("T_contra", contravariant=True)


class Sink(Protocol[T_contra]):
    def replace(self, objects: Iterable[T_contra], resource_version: str) -> None:
        """The complete state of the source at `resource_version`: add, update, and delete
        everything not in `objects`."""
        ...

    def upsert(self, obj: T_contra) -> None: ...

    def delete(self, obj: T_contra) -> None: ...


@runtime_checkable
class SteppedSink(Protocol):
    """A sink whose `replace` can also run in slices: iterating `replace_steps` does the work,
    yielding between slices so the reflector can give the event loop back (a relist of 100k
    rows is seconds of indexing); the replace is complete when the iterator is exhausted."""

    def replace_steps(self, objects: Iterable[Any], resource_version: str) -> Iterator[None]: ...


@runtime_checkable
class ReusingSink(Protocol):
    """A sink that can hand back the object it already holds when a decoded one equals it.
    During a relist the reflector swaps each decoded object for the held one as it arrives, so
    the new copy is freed at once: the relist's peak is one copy of the source, not two."""

    def reuse(self, obj: Any) -> Any: ...


@dataclass(slots=True)
class ReplaceDiff:
    added: int = 0
    updated: int = 0
    deleted: int = 0


def dict_key(obj: dict[str, Any]) -> str:
    meta = obj["metadata"]
    ns = meta.get("namespace")
    return f"{ns}/{meta['name']}" if ns else str(meta["name"])


class MemorySink(Generic[T]):
    """Objects by key in a dict; counts what each operation did (for tests and benchmarks)."""

    def __init__(self, key: Callable[[T], str] = dict_key) -> None:  # type: ignore[assignment]
        self.key = key
        self.objects: dict[str, T] = {}
        self.resource_version = ""
        self.replaces = 0
        self.last_diff = ReplaceDiff()

    def replace(self, objects: Iterable[T], resource_version: str) -> None:
        new = {self.key(o): o for o in objects}
        diff = ReplaceDiff()
        for k, o in new.items():
            old = self.objects.get(k)
            if old is None:
                diff.added += 1
            elif old != o:
                diff.updated += 1
        diff.deleted = sum(1 for k in self.objects if k not in new)
        self.objects = new
        self.resource_version = resource_version
        self.replaces += 1
        self.last_diff = diff

    def upsert(self, obj: T) -> None:
        self.objects[self.key(obj)] = obj

    def delete(self, obj: T) -> None:
        self.objects.pop(self.key(obj), None)

"""One column's order over one table, kept sorted as rows change, read by position.

`SortedList` gives O(log N) insert, remove and positional access, so the first page, the last
page and a page 90k rows deep all cost the same. The order is the one columns.py defines.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from operator import itemgetter
from typing import Any

from sortedcontainers import SortedList

from masthead.store.columns import SortValue, Tiebreak, tiebreak
from masthead.store.rows import TableRow

# Reading a descending walk backwards costs nothing per row, but an equal-key group has to be
# buffered to come out in tiebreak order; past this many rows a bisect for the group's start is
# cheaper than buffering (think 90k pods with 0 restarts).
_GROUP_PEEK = 64

# Entries are flat: (value, namespace, name, uid) for rows with a value, the tiebreak
# (namespace, name, uid) for rows without. One 4-tuple per row is 80 bytes with its list slot;
# a (value, tiebreak) pair of tuples was 128 (12 MB per 100k rows for the default sort).
_UID_OF_PRESENT = itemgetter(3)
_UID_OF = itemgetter(2)  # of a tiebreak


class _AboveAll:
    """Compares greater than any tiebreak, so (key, _ABOVE_ALL) bisects to the end of a group."""

    __slots__ = ()

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return True


_ABOVE_ALL = _AboveAll()

_Entry = tuple[SortValue, str, str, str]  # (value, namespace, name, uid)


class SortedIndex:
    """Rows ordered by one column: (value, *tiebreak) entries for rows with a value, and the
    tiebreaks of rows without one, which always come after them."""

    __slots__ = ("_missing", "_present")

    @classmethod
    def _of(cls, present: Any, missing: Any) -> SortedIndex:
        """An index over two SortedLists already built (SortedIndexBuild's)."""
        index = cls()
        index._present, index._missing = present, missing
        return index

    def __init__(self, entries: Iterable[tuple[SortValue | None, Tiebreak]] = ()) -> None:
        present, missing = _split(entries)
        # Built in one sort: far cheaper than N inserts for the initial list of a source.
        self._present = SortedList(present)
        self._missing = SortedList(missing)

    def __len__(self) -> int:
        return len(self._present) + len(self._missing)

    def add(self, value: SortValue | None, tb: Tiebreak) -> None:
        if value is None:
            self._missing.add(tb)
        else:
            self._present.add((value, *tb))

    def remove(self, value: SortValue | None, tb: Tiebreak) -> None:
        if value is None:
            self._missing.remove(tb)
        else:
            self._present.remove((value, *tb))

    def position(self, value: SortValue | None, tb: Tiebreak, desc: bool) -> int:
        """Where a row with this value and tiebreak is (or would be) in column order, exact
        ascending; descending, up to the order inside its equal-value group."""
        if value is None:
            return len(self._present) + int(self._missing.bisect_left(tb))
        ascending = int(self._present.bisect_left((value, *tb)))
        return len(self._present) - 1 - ascending if desc else ascending

    def uids_from(self, position: int, desc: bool) -> Iterator[str]:
        """Uids in column order (descending when `desc`) starting at `position` (0-based)."""
        n = len(self._present)
        if position >= n:
            return map(_UID_OF, self._missing.islice(position - n))
        if desc:
            head: Iterator[_Entry] = self._desc_from(position)
        else:
            head = self._present.islice(position)
        # map/itemgetter keep the per-row cost of long filtered walks in C.
        return chain(map(_UID_OF_PRESENT, head), map(_UID_OF, self._missing))

    def _desc_from(self, position: int) -> Iterator[_Entry]:
        present = self._present
        # Keys read in descending order are the ascending keys reversed, so the row at
        # descending `position` shares its key with the row at ascending n-1-position.
        key = present[len(present) - 1 - position][0]
        lo = present.bisect_left((key,))
        hi = present.bisect_left((key, _ABOVE_ALL))
        skip = position - (len(present) - hi)
        yield from present.islice(lo + skip, hi)
        yield from self._desc_groups(lo)

    def _desc_groups(self, hi: int) -> Iterator[_Entry]:
        """Present entries below ascending index `hi` (a group boundary), highest key first,
        each equal-key group in ascending tiebreak order."""
        present = self._present
        while hi > 0:
            group: list[_Entry] = []
            for entry in present.islice(0, hi, reverse=True):
                if group and entry[0] != group[0][0]:
                    yield from reversed(group)
                    hi -= len(group)
                    group = [entry]
                elif len(group) < _GROUP_PEEK:
                    group.append(entry)
                else:
                    break
            else:
                yield from reversed(group)
                return
            lo = present.bisect_left((group[0][0],))
            yield from present.islice(lo, hi)
            hi = lo


def _split(
    entries: Iterable[tuple[SortValue | None, Tiebreak]],
) -> tuple[list[_Entry], list[Tiebreak]]:
    """Entries with a value (flat: value then tiebreak) and the tiebreaks of those without."""
    present: list[_Entry] = []
    missing: list[Tiebreak] = []
    for value, tb in entries:
        if value is None:
            missing.append(tb)
        else:
            present.append((value, *tb))
    return present, missing


# Rows per slice of a SortedIndexBuild: their entries and one run's sort, or that many entries
# of the merge, or that many logged changes replayed — a few ms each.
BUILD_STEP = 2000

# Changes logged while a build runs. Past this many the next step finishes the build in one go
# (a stall, counted in `forced`) rather than letting the log grow with the churn.
BUILD_LOG_CAP = 20_000


@dataclass(slots=True)
class SortedBuildCounters:
    """Sorted index builds since start (diagnostics `store.sorted_builds`)."""

    started: int = 0
    finished: int = 0
    forced: int = 0  # finished in one go: the change log reached BUILD_LOG_CAP
    max_log: int = 0  # the most changes one build logged


SORTED_BUILDS = SortedBuildCounters()


class SortedIndexBuild:
    """A SortedIndex built a slice at a time, so 100k rows never hold the event loop for the
    whole sort (~0.1-0.3 s): entries of `step` rows from a snapshot of the rows, each slice
    sorted into a run; the runs merged `step` entries at a time straight into the SortedList's
    sublists; then the changes made to the table meanwhile (`add`/`remove`, logged while the
    table holds the build in place of its index) replayed in order. Snapshot + replayed log =
    the table's rows now, so the result equals an index built at once at the end."""

    __slots__ = ("_forced", "_log", "_result", "_steps")

    def __init__(
        self,
        rows: Sequence[TableRow],
        key: Callable[[Any], SortValue | None],
        step: int | None = None,
    ) -> None:
        """`step`: rows per slice (BUILD_STEP, read now, by default)."""
        self._log: deque[tuple[bool, SortValue | None, Tiebreak]] = deque()
        self._forced = False
        self._result: SortedIndex | None = None
        self._steps = self._build(rows, key, step or BUILD_STEP)
        SORTED_BUILDS.started += 1

    def add(self, value: SortValue | None, tb: Tiebreak) -> None:
        self._note(True, value, tb)

    def remove(self, value: SortValue | None, tb: Tiebreak) -> None:
        self._note(False, value, tb)

    def _note(self, added: bool, value: SortValue | None, tb: Tiebreak) -> None:
        log = self._log
        log.append((added, value, tb))
        if len(log) >= BUILD_LOG_CAP:
            self._forced = True
        SORTED_BUILDS.max_log = max(SORTED_BUILDS.max_log, len(log))

    def step(self) -> SortedIndex | None:
        """One slice of the build; the index once it is complete (then again on every call)."""
        if self._result is None:
            if self._forced:
                SORTED_BUILDS.forced += 1
                return self.finish()
            self._advance()
        return self._result

    def finish(self) -> SortedIndex:
        """The rest of the build at once (a reader that cannot wait)."""
        while self._result is None:
            self._advance()
        return self._result

    def _advance(self) -> None:
        try:
            next(self._steps)
        except StopIteration as done:
            self._result = done.value
            SORTED_BUILDS.finished += 1

    def _build(
        self, rows: Sequence[TableRow], key: Callable[[Any], SortValue | None], step: int
    ) -> Generator[None, None, SortedIndex]:
        present_runs: list[list[_Entry]] = []
        missing_runs: list[list[Tiebreak]] = []
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            present, missing = _split(zip(map(key, chunk), map(tiebreak, chunk), strict=True))
            present.sort()
            missing.sort()
            present_runs.append(present)
            missing_runs.append(missing)
            yield
        del rows  # the snapshot, once every entry is made
        present_list = yield from _merged(present_runs, step)
        missing_list = yield from _merged(missing_runs, step)
        index = SortedIndex._of(present_list, missing_list)
        log = self._log
        while log:
            for _ in range(min(step, len(log))):
                added, value, tb = log.popleft()
                if added:
                    index.add(value, tb)
                else:
                    index.remove(value, tb)
            if log:
                yield
        return index


def _merged(runs: list[list[Any]], step: int) -> Generator[None, None, Any]:
    """A SortedList of the sorted `runs`, merged about `step` entries at a time. Its sublists
    are filled as SortedList.update fills an empty list from sorted values (each `_load`
    long but the last): the public constructor would sort the merged entries again, at once."""
    out = SortedList()
    load = out._load
    lists: list[list[Any]] = out._lists
    merged = heapq.merge(*(run for run in runs if run))
    runs.clear()  # the merge holds them; each is freed as it drains
    per_step = max(1, step // load)
    total = 0
    done = False
    while not done:
        for _ in range(per_step):
            sublist = list(islice(merged, load))
            if sublist:
                lists.append(sublist)
                total += len(sublist)
            if len(sublist) < load:
                done = True
                break
        if not done:
            yield
    out._maxes.extend(sublist[-1] for sublist in lists)
    out._len = total
    del out._index[:]
    return out

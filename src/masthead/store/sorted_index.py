"""One column's order over one table, kept sorted as rows change, read by position.

`SortedList` gives O(log N) insert, remove and positional access, so the first page, the last
page and a page 90k rows deep all cost the same. The order is the one columns.py defines.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from operator import itemgetter

from sortedcontainers import SortedList

from masthead.store.columns import SortValue, Tiebreak

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

    def __init__(self, entries: Iterable[tuple[SortValue | None, Tiebreak]] = ()) -> None:
        present: list[_Entry] = []
        missing: list[Tiebreak] = []
        for value, tb in entries:
            if value is None:
                missing.append(tb)
            else:
                present.append((value, *tb))
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

"""Substring search over one precomputed lowercase string per row: the row's own fields (name,
unfaceted text columns). Table.search_text adds the fields searched by distinct value."""

from __future__ import annotations

from collections.abc import Set

# Joins the searchable fields so that no search term can match across two of them.
FIELD_SEPARATOR = "\x1f"


def search_terms(text: str) -> list[str]:
    """A query's terms: whitespace-separated, case-insensitive, all required."""
    return text.lower().split()


class TextIndex:
    """uid → the row's searchable text. A linear scan: 100k `in` tests on short ASCII strings
    take a few milliseconds, less than maintaining an n-gram index on every change would.

    The text stays a str: as UTF-8 bytes it is 16 bytes smaller per row, but `in` on bytes
    goes through the buffer protocol and a 100k-row scan took 4x as long (9 → 35 ms)."""

    __slots__ = ("_text",)

    def __init__(self) -> None:
        self._text: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._text)

    def put(self, uid: str, fields: list[str]) -> None:
        self._text[uid] = FIELD_SEPARATOR.join(fields).lower()

    def discard(self, uid: str) -> None:
        self._text.pop(uid, None)

    def search(self, terms: list[str], within: Set[str] | None = None) -> set[str]:
        """Uids whose text contains every term, among `within` (all rows when None).

        One term at a time, longest (likely rarest) first, each over the rows the previous
        ones left: "team-01 crash" scans 100k rows for "team-01" and its 2k matches for
        "crash", instead of testing both terms on every row (45 ms → 10 ms at 100k rows).
        """
        text = self._text
        found: Set[str] | None = within
        for term in sorted(set(terms), key=len, reverse=True):
            if found is None:
                found = {uid for uid, s in text.items() if term in s}
            else:
                found = {uid for uid in found if term in text[uid]}
            if not found:
                break
        if found is None:  # no terms, every row
            return set(text)
        return found if isinstance(found, set) and found is not within else set(found)

"""Pages the live socket built lately, encoded once and shared by every subscription showing them.

A page's version names its cluster, view, sources' versions, query and window, so equal windows
in many tabs (or many users of one context) get the same `SharedPage`: the page is built once,
and its rows, sources and warnings are encoded to JSON once — a frame is those fragments spliced
between the subscription's own fields (`sub`, `seq`), never a second encoding of the rows. The
same fragments tell an unchanged window: two pages whose rows, total, offset, source states and
warnings encode alike show the same thing, whatever their versions.

A shared page keeps only its encoded fragments and a digest of its content, not the built body:
the body's row dicts (~1,000 objects for 50 rows) and a second copy of the rows' JSON in the
content string made up most of the 256 cached pages, and every window kept the content of the
last page it sent alive after the cache let the page go (issue 8).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

import orjson

from masthead.views.page import BuiltPage


@dataclass(frozen=True, slots=True)
class SharedPage:
    version: str
    total: int
    offset: int
    truncated: bool
    rows: str  # the rows, as JSON
    sources: str
    warnings: str
    # What a window shows, as a 128-bit digest: a frame goes out only when this differs from
    # the last one sent. Source states without their item counts and times (those move with
    # every change anywhere in the resource, not in the window).
    content: bytes

    @classmethod
    def of(cls, page: BuiltPage) -> SharedPage:
        body = page.body
        sources = body["sources"]
        states = [(s["id"], s["state"], s.get("message")) for s in sources]  # type: ignore[attr-defined]
        rows, warnings = _json(body["rows"]), _json(body["warnings"])
        content = f"{page.total}|{page.offset}|{_json(states)}|{warnings}|{rows}"
        digest = hashlib.blake2b(content.encode(), digest_size=16).digest()
        truncated = bool(body["truncated"])
        return cls(
            page.version, page.total, page.offset, truncated, rows, _json(sources), warnings, digest
        )

    def frame(self, sub: str, seq: int | None) -> str:
        """The protocol.md §3 page frame of subscription `sub`."""
        head = _json({"type": "page", "sub": sub, "version": self.version})[:-1]
        tail = f',"seq":{seq}}}' if seq is not None else "}"
        truncated = "true" if self.truncated else "false"
        return (
            f'{head},"total":{self.total},"offset":{self.offset},"rows":{self.rows},'
            f'"sources":{self.sources},"warnings":{self.warnings},"truncated":{truncated}{tail}'
        )


class SharedPages:
    """Pages built lately, by version (a version fixes the page's content). Bounded: least
    recently used first out, counted in `evicted`."""

    def __init__(self, cap: int = 256) -> None:
        self.cap = cap
        self.evicted = 0
        self._pages: OrderedDict[str, SharedPage] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pages)

    def get(self, version: str) -> SharedPage | None:
        page = self._pages.get(version)
        if page is not None:
            self._pages.move_to_end(version)
        return page

    def put(self, version: str, page: SharedPage) -> None:
        self._pages[version] = page
        self._pages.move_to_end(version)
        while len(self._pages) > self.cap:
            self._pages.popitem(last=False)
            self.evicted += 1


def _json(value: object) -> str:
    return orjson.dumps(value).decode()

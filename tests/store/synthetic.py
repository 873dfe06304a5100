"""A synthetic pod-like row, its columns, hypothesis strategies and the brute-force oracle that
the query engine is checked against. The oracle shares no code with the engine: it filters a
plain list and sorts it with an explicit comparator written from columns.py's docstring."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import msgspec
from hypothesis import strategies as st

from masthead.store.columns import Column, FacetValue
from masthead.store.query import Query


class PodLike(msgspec.Struct, frozen=True):
    uid: str
    namespace: str
    name: str
    labels: dict[str, str]
    node: str | None
    owner_uids: tuple[str, ...]
    status: str
    restarts: int | None
    age: float | None


COLUMNS: tuple[Column[PodLike], ...] = (
    Column(id="name", title="Name", type="string", key=lambda r: r.name),
    Column(id="namespace", title="Namespace", type="string", key=lambda r: r.namespace, facet=True),
    Column(
        id="status", title="Status", type="string", key=lambda r: r.status, facet=True, text=True
    ),
    Column(id="restarts", title="Restarts", type="int", key=lambda r: r.restarts),
    Column(id="age", title="Age", type="time", key=lambda r: r.age),
    Column(id="node", title="Node", type="string", key=lambda r: r.node, facet=True, text=True),
    Column(
        id="owner",
        title="Owner",
        type="string",
        key=lambda r: ",".join(r.owner_uids),
        sortable=False,
    ),
)
SORTABLE = tuple(c.id for c in COLUMNS if c.sortable)
FACETS = {c.id: c for c in COLUMNS if c.facet}

NAMESPACES = ("ns1", "ns2", "kube")
NAMES = ("web-1", "web-2", "db-1", "api")
STATUSES = ("Running", "Pending", "Failed")
NODES = (None, "n1", "n2")
LABEL_KEYS = ("app", "tier", "v")
LABEL_VALUES = ("web", "db", "1", "2")


def rows(uid_prefix: str = "u", uids: int = 10) -> st.SearchStrategy[PodLike]:
    # Small domains on purpose: collisions (same uid, equal keys, same names) are the cases
    # that break indexes and tiebreaks.
    return st.builds(
        PodLike,
        uid=st.integers(0, uids - 1).map(lambda i: f"{uid_prefix}{i}"),
        namespace=st.sampled_from(NAMESPACES),
        name=st.sampled_from(NAMES),
        labels=st.dictionaries(
            st.sampled_from(LABEL_KEYS), st.sampled_from(LABEL_VALUES), max_size=3
        ),
        node=st.sampled_from(NODES),
        owner_uids=st.lists(st.sampled_from(("o1", "o2")), max_size=2).map(tuple),
        status=st.sampled_from(STATUSES),
        restarts=st.none() | st.integers(0, 3),
        age=st.none() | st.sampled_from((1.0, 2.5, 3.0)),
    )


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str
    values: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Selector:
    """Stand-in for masthead.selectors' LabelSelector (same interface, Kubernetes semantics)."""

    requirements: tuple[Requirement, ...] = field(default_factory=tuple)

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(_requirement_holds(r, labels) for r in self.requirements)


def _requirement_holds(r: Requirement, labels: Mapping[str, str]) -> bool:
    value = labels.get(r.key)
    if r.operator in ("=", "==", "in"):
        return value is not None and value in r.values
    if r.operator in ("!=", "notin"):
        return value is None or value not in r.values
    if r.operator == "exists":
        return value is not None
    if r.operator == "!":
        return value is None
    (bound,) = r.values
    if value is None or not value.isdigit():
        return False
    return int(value) > int(bound) if r.operator == ">" else int(value) < int(bound)


def _requirements() -> st.SearchStrategy[Requirement]:
    key = st.sampled_from(LABEL_KEYS)
    values = st.frozensets(st.sampled_from(LABEL_VALUES), min_size=1, max_size=2)
    return st.one_of(
        st.builds(
            Requirement, key, st.sampled_from(("=", "==")), values.filter(lambda v: len(v) == 1)
        ),
        st.builds(Requirement, key, st.just("in"), values),
        st.builds(Requirement, key, st.sampled_from(("!=", "notin")), values),
        st.builds(Requirement, key, st.sampled_from(("exists", "!"))),
        st.builds(
            Requirement,
            key,
            st.sampled_from((">", "<")),
            st.sampled_from(("1", "2")).map(lambda v: frozenset({v})),
        ),
    )


@st.composite
def queries(draw: st.DrawFn) -> Query:
    # Which filters are on is drawn first, so unfiltered queries (the positional fast path)
    # are as common as any single filter.
    on = draw(st.sets(st.sampled_from(("namespaces", "selector", "text", "facets")), max_size=2))
    facet_values: dict[str, Collection[FacetValue]] = {
        "namespace": NAMESPACES,
        "status": STATUSES,
        "node": NODES,
    }
    selectors = st.builds(Selector, st.lists(_requirements(), max_size=3).map(tuple))
    texts = st.sampled_from(("", "web", "WEB", "app=", "=1", "n1 run", "ns", "pend", "zzz", " "))
    facets = st.fixed_dictionaries(
        {},
        optional={c: st.frozensets(st.sampled_from(tuple(v))) for c, v in facet_values.items()},
    )
    return Query(
        namespaces=draw(st.frozensets(st.sampled_from((*NAMESPACES, "absent"))))
        if "namespaces" in on
        else None,
        label_selector=draw(selectors) if "selector" in on else None,
        text=draw(texts) if "text" in on else None,
        facets=draw(facets) if "facets" in on else {},
        sort=draw(st.sampled_from(SORTABLE)),
        desc=draw(st.booleans()),
        offset=draw(st.integers(0, 12)),
        limit=draw(st.integers(0, 8)),
    )


@dataclass(frozen=True)
class OraclePage:
    uids: list[str]
    total: int
    facet_counts: dict[str, dict[FacetValue, int]]


def oracle(rows: Sequence[PodLike], q: Query) -> OraclePage:
    def passes(row: PodLike, except_facet: str | None = None) -> bool:
        if q.namespaces is not None and row.namespace not in q.namespaces:
            return False
        if q.label_selector is not None and not q.label_selector.matches(row.labels):
            return False
        if q.text is not None:
            fields = [row.name, row.namespace, *(f"{k}={v}" for k, v in row.labels.items())]
            fields += [str(c.key(row)) for c in COLUMNS if c.text and c.key(row) is not None]
            for term in q.text.lower().split():
                if not any(term in f.lower() for f in fields):
                    return False
        for column_id, values in q.facets.items():
            if column_id != except_facet and values and FACETS[column_id].key(row) not in values:
                return False
        return True

    matched = [r for r in rows if passes(r)]
    key = next(c for c in COLUMNS if c.id == q.sort).key

    def compare(a: PodLike, b: PodLike) -> int:
        ka, kb = key(a), key(b)
        if (ka is None) != (kb is None):
            return 1 if ka is None else -1
        if ka is not None and kb is not None and ka != kb:
            less = ka < kb  # type: ignore[operator]
            return (1 if less else -1) if q.desc else (-1 if less else 1)
        ta, tb = (a.namespace, a.name, a.uid), (b.namespace, b.name, b.uid)
        return -1 if ta < tb else (1 if ta > tb else 0)

    matched.sort(key=functools.cmp_to_key(compare))
    counts = {
        column_id: dict(Counter(c.key(r) for r in rows if passes(r, except_facet=column_id)))
        for column_id, c in FACETS.items()
    }
    window = matched[q.offset : q.offset + q.limit]
    return OraclePage([r.uid for r in window], len(matched), counts)

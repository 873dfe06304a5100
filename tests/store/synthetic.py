"""A synthetic pod-like row, its columns, hypothesis strategies (with selectors parsed by
masthead.selectors) and the brute-force oracle the query engine is checked against. The oracle
shares no code with the engine: it filters a plain list and sorts it with an explicit
comparator written from columns.py's docstring."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import msgspec
from hypothesis import strategies as st

from masthead.selectors import LabelSelector, parse_label_selector
from masthead.store.columns import Column, FacetValue, row_namespace, row_node
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


def _columns(
    namespace: Callable[[PodLike], str], node: Callable[[PodLike], str | None]
) -> tuple[Column[PodLike], ...]:
    return (
        Column(id="name", title="Name", type="string", key=lambda r: r.name),
        Column(id="namespace", title="Namespace", type="string", key=namespace, facet=True),
        Column(
            id="status",
            title="Status",
            type="string",
            key=lambda r: r.status,
            facet=True,
            text=True,
        ),
        Column(id="restarts", title="Restarts", type="int", key=lambda r: r.restarts),
        Column(id="age", title="Age", type="time", key=lambda r: r.age),
        Column(id="node", title="Node", type="string", key=node, facet=True, text=True),
        Column(
            id="owner",
            title="Owner",
            type="string",
            key=lambda r: ",".join(r.owner_uids),
            sortable=False,
        ),
    )


# The namespace and node facets keyed by the store's own getters share the table's by_namespace
# and by_node indexes; OWN_INDEX_COLUMNS (same values, other functions) keeps them apart.
COLUMNS = _columns(row_namespace, row_node)
OWN_INDEX_COLUMNS = _columns(lambda r: r.namespace, lambda r: r.node)
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


def _requirement_texts() -> st.SearchStrategy[str]:
    key = st.sampled_from(LABEL_KEYS)
    value = st.sampled_from(LABEL_VALUES)
    values = st.lists(value, min_size=1, max_size=2).map(",".join)
    return st.one_of(
        st.builds("{}{}{}".format, key, st.sampled_from(("=", "==", "!=")), value),
        st.builds("{} {} ({})".format, key, st.sampled_from(("in", "notin")), values),
        st.builds("{}{}".format, st.sampled_from(("", "!")), key),
        st.builds("{}{}{}".format, key, st.sampled_from((">", "<")), st.sampled_from(("1", "2"))),
    )


def selectors() -> st.SearchStrategy[LabelSelector]:
    """Parsed by masthead.selectors, plus the selector of a nil metav1.LabelSelector."""
    parsed = st.lists(_requirement_texts(), max_size=3).map(
        lambda r: parse_label_selector(",".join(r))
    )
    return parsed | st.just(LabelSelector(nothing=True))


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
    texts = st.sampled_from(("", "web", "WEB", "app=", "=1", "n1 run", "ns", "pend", "zzz", " "))
    facets = st.fixed_dictionaries(
        {},
        optional={c: st.frozensets(st.sampled_from(tuple(v))) for c, v in facet_values.items()},
    )
    return Query(
        namespaces=draw(st.frozensets(st.sampled_from((*NAMESPACES, "absent"))))
        if "namespaces" in on
        else None,
        label_selector=draw(selectors()) if "selector" in on else None,
        text=draw(texts) if "text" in on else None,
        facets=draw(facets) if "facets" in on else {},
        sort=draw(st.sampled_from(SORTABLE)),
        desc=draw(st.booleans()),
        offset=draw(st.integers(0, 12)),
        limit=draw(st.integers(0, 8)),
        count_facets=draw(st.booleans()),
    )


@dataclass(frozen=True)
class OraclePage:
    uids: list[str]
    total: int
    facet_counts: dict[str, dict[FacetValue, int]]  # empty unless the query counts facets


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
        if q.count_facets
    }
    window = matched[q.offset : q.offset + q.limit]
    return OraclePage([r.uid for r in window], len(matched), counts)

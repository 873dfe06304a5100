from __future__ import annotations

from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from masthead.store import table as table_module
from masthead.store.table import Table
from masthead.store.text_index import TextIndex, search_terms
from tests.store import synthetic


def test_terms_match_case_insensitively_and_all_must_match() -> None:
    index = TextIndex()
    index.put("u1", ["Web-1", "Prod", "app=Frontend"])
    index.put("u2", ["db-1", "prod", "app=postgres"])
    assert index.search(search_terms("PROD")) == {"u1", "u2"}
    assert index.search(search_terms("prod front")) == {"u1"}
    assert index.search(search_terms("prod front"), within={"u2"}) == set()


def test_non_ascii_text_matches_by_characters() -> None:
    index = TextIndex()
    index.put("u1", ["Grüße-Dienst", "zone-É"])
    index.put("u2", ["grusse"])
    assert index.search(search_terms("GRÜSSE")) == set()  # "ß".lower() is "ß", not "ss"
    assert index.search(search_terms("grü")) == {"u1"}
    assert index.search(search_terms("ße-d é")) == {"u1"}
    assert index.search(search_terms("gru")) == {"u2"}


def test_a_term_never_matches_across_two_fields() -> None:
    index = TextIndex()
    index.put("u1", ["web", "prod"])
    assert index.search(search_terms("webprod")) == set()
    assert index.search(search_terms("web prod")) == {"u1"}


def test_discarded_rows_are_not_found() -> None:
    index = TextIndex()
    index.put("u1", ["web"])
    index.discard("u1")
    index.discard("u1")
    assert index.search(["web"]) == set()
    assert len(index) == 0


# Fragments of names, namespaces, statuses, nodes and labels, in mixed case, and across a "=".
TERMS = ("web", "WEB", "1", "ns", "Kube", "run", "n2", "app=w", "p=web", "=", "tier=d", "x")


@settings(max_examples=150, deadline=None)
@given(
    table_rows=st.lists(synthetic.rows(), max_size=12),
    text=st.lists(st.sampled_from(TERMS), min_size=1, max_size=3).map(" ".join),
    within=st.none() | st.sets(st.sampled_from([f"u{i}" for i in range(10)])),
    rowwise_max=st.sampled_from([0, 3000]),
)
def test_table_search_equals_a_field_by_field_check(
    table_rows: list[synthetic.PodLike],
    text: str,
    within: set[str] | None,
    rowwise_max: int,
) -> None:
    """Both paths of Table.search_text (distinct values + own text, and row by row) against
    the definition: every term inside one field, case-insensitively."""
    table = Table(synthetic.COLUMNS)
    table.replace(table_rows)
    rows = {r.uid: r for r in table_rows}
    if within is not None:
        within &= rows.keys()  # candidates always come from the table's own indexes
    expected = {
        uid
        for uid in (rows if within is None else within)
        if all(any(term in f.lower() for f in _fields(rows[uid])) for term in search_terms(text))
    }
    with patch.object(table_module, "_ROWWISE_SEARCH_MAX", rowwise_max):
        assert table.search_text(search_terms(text), within) == expected


def _fields(row: synthetic.PodLike) -> list[str]:
    fields = [row.name, row.namespace, *(f"{k}={v}" for k, v in row.labels.items())]
    return fields + [
        str(c.key(row)) for c in synthetic.COLUMNS if c.text and c.key(row) is not None
    ]


def _pod(uid: str, name: str, status: str = "Running") -> synthetic.PodLike:
    return synthetic.PodLike(uid, "ns1", name, {}, "n1", (), status, 0, 1.0)


def test_row_text_is_built_by_the_first_search_kept_current_and_dropped_when_idle() -> None:
    table = Table(synthetic.OWN_INDEX_COLUMNS)
    table.replace([_pod("u1", "web-1"), _pod("u2", "db-1")])
    assert not table.text_built  # a sync does not pay for text nobody searched
    assert table.search_text(["web"]) == {"u1"}
    assert table.text_built
    table.upsert(_pod("u3", "web-2"))
    table.upsert(_pod("u1", "api"))
    table.delete("u2")
    assert table.search_text(["web"]) == {"u3"}
    assert table.search_text(["api"]) == {"u1"}
    table.replace([_pod("u4", "web-3"), _pod("u5", "cache")])  # a rebuild keeps it
    assert table.text_built
    assert table.search_text(["web"]) == {"u4"}
    later = table_module.time.monotonic() + table_module.SORTED_IDLE_S + 1
    with patch.object(table_module.time, "monotonic", return_value=later):
        table.sorted_index("name")
    assert not table.text_built
    table.upsert(_pod("u6", "web-4"))
    assert table.search_text(["web"]) == {"u4", "u6"}


# A change or a search: rows come and go (new label values, namespaces and statuses appear and
# vanish) between searches, so every text kept between searches must follow them.
steps = st.lists(
    st.one_of(
        st.tuples(st.just("upsert"), synthetic.rows()),
        st.tuples(st.just("delete"), st.integers(0, 9).map(lambda i: f"u{i}")),
        st.tuples(st.just("search"), st.lists(st.sampled_from(TERMS), min_size=1, max_size=2)),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(initial=st.lists(synthetic.rows(), max_size=10), ops=steps)
def test_searches_between_changes_equal_a_field_by_field_check(
    initial: list[synthetic.PodLike], ops: list[tuple[str, object]]
) -> None:
    table = Table(synthetic.COLUMNS)
    table.replace(initial)
    model = {r.uid: r for r in initial}
    for op, arg in ops:
        if op == "upsert":
            assert isinstance(arg, synthetic.PodLike)
            table.upsert(arg)
            model[arg.uid] = arg
        elif op == "delete":
            assert isinstance(arg, str)
            table.delete(arg)
            model.pop(arg, None)
        else:
            assert isinstance(arg, list)
            terms = search_terms(" ".join(arg))
            expected = {
                uid
                for uid, row in model.items()
                if all(any(t in f.lower() for f in _fields(row)) for t in terms)
            }
            assert table.search_text(terms) == expected


def _row(
    uid: str, name: str, namespace: str, labels: dict[str, str], status: str
) -> synthetic.PodLike:
    return synthetic.PodLike(uid, namespace, name, labels, "n1", (), status, 0, 1.0)


def test_terms_stay_inside_one_field_of_every_kind() -> None:
    """A term ending one field and starting the next (name|namespace, namespace|label,
    label|label, key|value around "=") matches nothing; the same text inside one field does."""
    table = Table(synthetic.COLUMNS)
    table.replace(
        [
            _row("u1", "web", "prod", {"app": "api", "tier": "db"}, "Running"),
            _row("u2", "webprod", "apiprod", {"app": "apitier"}, "Pending"),
        ]
    )
    assert table.search_text(["webprod"]) == {"u2"}  # u1's name + namespace would spell it
    assert table.search_text(["prodapp"]) == set()  # namespace + first label
    assert table.search_text(["apitier"]) == {"u2"}  # u1's two labels would spell it
    assert table.search_text(["app=api"]) == {"u1", "u2"}
    assert table.search_text(["=api"]) == {"u1", "u2"}
    assert table.search_text(["api="]) == set()
    assert table.search_text(["dbrunning"]) == set()  # a label + the status
    assert table.search_text(["db", "running"]) == {"u1"}


def test_unicode_in_every_searched_field() -> None:
    table = Table(synthetic.COLUMNS)
    table.replace(
        [
            _row("u1", "grüße-dienst", "équipe", {"zone": "Zürich"}, "Läuft"),
            _row("u2", "grusse", "equipe", {"zone": "zurich"}, "Running"),
        ]
    )
    assert table.search_text(search_terms("GRÜ")) == {"u1"}  # name
    assert table.search_text(search_terms("ÉQUIPE")) == {"u1"}  # namespace
    assert table.search_text(search_terms("zone=zür")) == {"u1"}  # label
    assert table.search_text(search_terms("läu")) == {"u1"}  # a faceted text column
    assert table.search_text(search_terms("equipe zurich")) == {"u2"}
    table.upsert(_row("u1", "grüße-dienst", "équipe", {"zone": "Genève"}, "Läuft"))
    assert table.search_text(search_terms("zür")) == set()  # the old label value is gone
    assert table.search_text(search_terms("genè")) == {"u1"}

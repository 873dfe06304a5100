"""The engine against the brute-force oracle, over random change sequences and queries."""

from __future__ import annotations

from collections import Counter

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from masthead.store.query import Page, Query, query_table, query_tables
from masthead.store.table import ReplaceCounts, Table
from tests.store.synthetic import (
    COLUMNS,
    FACETS,
    OWN_INDEX_COLUMNS,
    SORTABLE,
    PodLike,
    oracle,
    queries,
    rows,
)


class TablesAgainstOracle(RuleBasedStateMachine):
    """Two tables (two kinds with disjoint uids) changed at random; every query must equal the
    oracle's answer over the model, a plain dict per table."""

    def __init__(self) -> None:
        super().__init__()
        # "a" shares its namespace and node facets with by_namespace / by_node, "b" does not.
        self.tables = {"a": Table(COLUMNS), "b": Table(OWN_INDEX_COLUMNS)}
        self.models: dict[str, dict[str, PodLike]] = {p: {} for p in self.tables}
        self.versions = {p: 0 for p in self.tables}

    @rule(data=st.data(), prefix=st.sampled_from(("a", "b")))
    def upsert(self, data: st.DataObject, prefix: str) -> None:
        row = data.draw(rows(prefix))
        effective = self.models[prefix].get(row.uid) != row
        assert self.tables[prefix].upsert(row) is effective
        self.models[prefix][row.uid] = row
        self.versions[prefix] += effective

    @rule(data=st.data(), prefix=st.sampled_from(("a", "b")))
    def upsert_changed_status(self, data: st.DataObject, prefix: str) -> None:
        """The common watch event: an existing row with one status field changed."""
        model = self.models[prefix]
        if not model:
            return
        old = model[data.draw(st.sampled_from(sorted(model)))]
        new = data.draw(
            st.builds(
                lambda status, restarts: PodLike(
                    **{
                        **{f: getattr(old, f) for f in PodLike.__struct_fields__},
                        "status": status,
                        "restarts": restarts,
                    }
                ),
                st.sampled_from(("Running", "Pending", "Failed")),
                st.none() | st.integers(0, 3),
            )
        )
        effective = new != old
        assert self.tables[prefix].upsert(new) is effective
        model[new.uid] = new
        self.versions[prefix] += effective

    @rule(uid=st.integers(0, 9), prefix=st.sampled_from(("a", "b")))
    def delete(self, uid: int, prefix: str) -> None:
        key = f"{prefix}{uid}"
        existed = self.models[prefix].pop(key, None) is not None
        assert self.tables[prefix].delete(key) is existed
        self.versions[prefix] += existed

    @rule(data=st.data(), prefix=st.sampled_from(("a", "b")))
    def replace(self, data: st.DataObject, prefix: str) -> None:
        new_rows = data.draw(st.lists(rows(prefix), max_size=12))
        self._replace(prefix, new_rows)

    @precondition(lambda self: any(self.models.values()))
    @rule(data=st.data())
    def replace_few_changes(self, data: st.DataObject) -> None:
        """A relist after a short outage: most rows unchanged, so the incremental path runs."""
        prefix = data.draw(st.sampled_from([p for p, m in self.models.items() if m]))
        current = list(self.models[prefix].values())
        dropped = data.draw(st.sets(st.sampled_from(range(len(current))), max_size=1))
        kept = [r for i, r in enumerate(current) if i not in dropped]
        extra = data.draw(st.lists(rows(prefix), max_size=1))
        self._replace(prefix, kept + extra)

    def _replace(self, prefix: str, new_rows: list[PodLike]) -> None:
        model = self.models[prefix]
        incoming = {r.uid: r for r in new_rows}
        expected = ReplaceCounts(
            added=sum(1 for uid in incoming if uid not in model),
            updated=sum(1 for uid, r in incoming.items() if uid in model and model[uid] != r),
            deleted=sum(1 for uid in model if uid not in incoming),
        )
        assert self.tables[prefix].replace(new_rows) == expected
        self.models[prefix] = incoming
        self.versions[prefix] += expected.changed

    @rule(
        prefix=st.sampled_from(("a", "b")),
        column=st.sampled_from(SORTABLE),
        steps=st.integers(1, 4),
        step=st.integers(1, 4),
    )
    def step_sorted_build(self, prefix: str, column: str, steps: int, step: int) -> None:
        """A sorted index built a few rows at a time (the live server's first sort by a
        column): changes and queries run between its steps."""
        table = self.tables[prefix]
        for _ in range(steps):
            if table.step_sorted_build(column, step):
                assert column in table.sorted_built
                break

    @rule(q=queries())
    def query_one(self, q: Query) -> None:
        page = query_table(self.tables["a"], q)
        self._check(page, list(self.models["a"].values()), q)
        assert page.version == self.versions["a"]

    @rule(q=queries())
    def query_both(self, q: Query) -> None:
        page = query_tables([self.tables["a"], self.tables["b"]], q)
        self._check(page, [*self.models["a"].values(), *self.models["b"].values()], q)
        assert page.version == self.versions["a"] + self.versions["b"]

    @staticmethod
    def _check(page: Page[PodLike], model_rows: list[PodLike], q: Query) -> None:
        expected = oracle(model_rows, q)
        assert [r.uid for r in page.rows] == expected.uids
        by_uid = {r.uid: r for r in model_rows}
        assert all(by_uid[r.uid] == r for r in page.rows)
        assert page.total == expected.total
        assert page.facet_counts == expected.facet_counts

    @invariant()
    def versions_and_contents(self) -> None:
        for prefix, table in self.tables.items():
            model = self.models[prefix]
            assert table.version == self.versions[prefix]
            assert len(table) == len(model)
            assert dict((r.uid, r) for r in table.rows()) == model

    @invariant()
    def secondary_indexes(self) -> None:
        for prefix, table in self.tables.items():
            model = list(self.models[prefix].values())
            for ns in {r.namespace for r in model} | {"absent"}:
                assert table.by_namespace.uids(ns) == {r.uid for r in model if r.namespace == ns}
            for node in ("n1", "n2"):
                assert table.by_node.uids(node) == {r.uid for r in model if r.node == node}
            for owner in ("o1", "o2"):
                assert table.by_owner.uids(owner) == {r.uid for r in model if owner in r.owner_uids}
            pairs = {p for r in model for p in r.labels.items()}
            assert len(table.by_label) == len(pairs)
            for pair in pairs:
                assert table.by_label.uids(pair) == {
                    r.uid for r in model if pair in r.labels.items()
                }
            for column_id, column in FACETS.items():
                counts = Counter(column.key(r) for r in model)
                assert table.facet_index(column_id).counts() == dict(counts)
            # Only the built ones: asking for the others would finish the builds under way
            # that step_sorted_build leaves for the next rules to interleave with.
            for column_id in table.sorted_built:
                assert len(table.sorted_index(column_id)) == len(model)


TablesAgainstOracle.TestCase.settings = settings(
    max_examples=150, stateful_step_count=40, deadline=None
)
test_tables_against_oracle = TablesAgainstOracle.TestCase

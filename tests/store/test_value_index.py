"""ValueIndex against a dict of sets, across its str / tuple / sorted-list representations."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from masthead.store.value_index import ValueIndex

# Up to 150 uids on 2 values: groups cross the tuple limit (8) both ways.
changes = st.lists(
    st.tuples(st.booleans(), st.sampled_from("ab"), st.integers(0, 149)), max_size=600
)


def _apply(index: ValueIndex[str], held: set[str], adding: bool, value: str, uid: str) -> None:
    """One add or remove on the index and on the model's set of the value's uids (a no-op on
    both when the uid is already there / not there)."""
    if adding and uid not in held:
        index.add(value, uid)
        held.add(uid)
    elif not adding and uid in held:
        index.remove(value, uid)
        held.remove(uid)


@settings(max_examples=60, deadline=None)
@given(changes, st.frozensets(st.integers(0, 149).map(str)))
def test_index_answers_like_a_dict_of_sets(
    ops: list[tuple[bool, str, int]], scope: frozenset[str]
) -> None:
    index: ValueIndex[str] = ValueIndex()
    model: dict[str, set[str]] = {}
    for adding, value, n in ops:
        uid = str(n)
        _apply(index, model.setdefault(value, set()), adding, value, uid)
    model = {v: s for v, s in model.items() if s}
    assert len(index) == len(model)
    assert {v: set(index.uids(v)) for v in "ab" if index.uids(v)} == model
    assert index.counts() == {v: len(s) for v, s in model.items()}
    assert index.union("ab") == set().union(*model.values())
    for values in ("a", "ab"):
        out = {"x"}
        index.add_rows_to(out, values, scope)
        assert out == {"x"} | (set().union(*(model.get(v, set()) for v in values)) & scope)
    expected_within = {v: len(s & scope) for v, s in model.items() if s & scope}
    assert index.counts_within(set(scope)) == expected_within


@pytest.mark.parametrize("held", [1, 2, 100])
def test_removing_a_uid_the_value_does_not_hold_is_an_error(held: int) -> None:
    index: ValueIndex[str] = ValueIndex()
    for n in range(held):
        index.add("v", str(n))
    with pytest.raises(KeyError):
        index.remove("v", "absent")
    assert index.counts() == {"v": held}


def test_a_group_grown_past_the_tuple_limit_and_shrunk_back_keeps_every_uid() -> None:
    index: ValueIndex[str] = ValueIndex()
    uids = [str(n) for n in range(100)]
    for n, uid in enumerate(uids):
        index.add("v", uid)
        assert index.uids("v") == set(uids[: n + 1])
    for n, uid in enumerate(uids):
        index.remove("v", uid)
        assert index.uids("v") == set(uids[n + 1 :])
    assert len(index) == 0


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.sampled_from("abc"), st.sets(st.integers(0, 40).map(str), min_size=1)),
    st.data(),
)
def test_built_from_groups_like_by_adds(groups: dict[str, set[str]], data: st.DataObject) -> None:
    """A relist's bulk build answers like adds of the same uids, and keeps working under the
    adds and removes of the watch that follows (its groups are in the shapes `add` keeps)."""
    listed = {v: data.draw(st.permutations(sorted(uids))) for v, uids in groups.items()}
    built: ValueIndex[str] = ValueIndex.from_groups({v: list(u) for v, u in listed.items()})
    added: ValueIndex[str] = ValueIndex()
    for value, uids in listed.items():
        for uid in uids:
            added.add(value, uid)
    assert built.counts() == added.counts() == {v: len(u) for v, u in groups.items()}
    for value in "abc":
        assert built.uids(value) == added.uids(value)
    for value, uids in listed.items():
        for uid in data.draw(st.permutations(uids)):
            built.remove(value, uid)
        built.add(value, "new")
        assert built.uids(value) == {"new"}
    with pytest.raises(KeyError):
        built.remove("z", "absent")


@settings(max_examples=60, deadline=None)
@given(changes)
def test_generation_changes_exactly_when_the_set_of_values_does(
    ops: list[tuple[bool, str, int]],
) -> None:
    index: ValueIndex[str] = ValueIndex()
    model: dict[str, set[str]] = {"a": set(), "b": set()}
    for adding, value, n in ops:
        before, generation = set(index.values()), index.generation
        _apply(index, model[value], adding, value, str(n))
        assert set(index.values()) == {v for v, s in model.items() if s}
        assert (index.generation != generation) == (set(index.values()) != before)


def test_generations_of_two_indexes_never_meet() -> None:
    first: ValueIndex[str] = ValueIndex()
    second = ValueIndex.from_groups({"a": ["u1"]})
    seen = {first.generation, second.generation}
    first.add("a", "u1")
    second.remove("a", "u1")
    seen |= {first.generation, second.generation}
    assert len(seen) == 4


def test_rows_of_a_large_group_within_a_small_scope() -> None:
    index = ValueIndex.from_groups({"a": [f"u{i:03d}" for i in range(200)], "b": ["u999"]})
    out: set[str] = set()
    index.add_rows_to(out, ["a", "b", "absent"], {"u007", "u150", "u999", "nope"})
    assert out == {"u007", "u150", "u999"}

"""Label and field selectors: upstream syntax, messages and semantics (masthead.selectors)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from masthead.selectors import (
    FieldRequirement,
    FieldSelector,
    LabelSelector,
    Op,
    Requirement,
    SelectorError,
    escape_field_value,
    go_quote,
    label_selector_from_dict,
    new_requirement,
    parse_field_selector,
    parse_label_selector,
)
from tests.conftest import exchange, load_fixture

# --- an oracle written from the documented requirement semantics, not from the implementation --

KEYS = ["app", "tier", "env", "example.com/role", "n"]
VALUES = ["", "web", "db", "in", "notin", "1", "5", "10", "07"]
LABEL_VALUES = [*VALUES, "-3", "+4", "x y", "99999999999999999999"]


def is_integer(text: str) -> bool:
    return re.fullmatch(r"[-+]?[0-9]+", text) is not None and abs(int(text)) < 2**63


def oracle(reqs: list[tuple[str, str, list[str]]], labels: Mapping[str, str]) -> bool:
    for key, op, values in reqs:
        present = key in labels
        value = labels.get(key)
        if op in ("=", "==", "in"):
            ok = present and value in values
        elif op in ("!=", "notin"):
            ok = not present or value not in values
        elif op == "exists":
            ok = present
        elif op == "!":
            ok = not present
        else:
            ok = (
                present
                and value is not None
                and is_integer(value)
                and (int(value) > int(values[0]) if op == ">" else int(value) < int(values[0]))
            )
        if not ok:
            return False
    return True


space = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def requirement_texts(draw: st.DrawFn) -> tuple[str, tuple[str, str, list[str]]]:
    key = draw(st.sampled_from(KEYS))
    op = draw(st.sampled_from(["=", "==", "!=", "in", "notin", "exists", "!", ">", "<"]))
    pad = draw(space)
    if op == "exists":
        return key, (key, op, [])
    if op == "!":
        return f"!{pad}{key}", (key, op, [])
    if op in (">", "<"):
        bound = draw(st.sampled_from(["0", "5", "10", "07"]))
        return f"{key}{pad}{op}{pad}{bound}", (key, op, [bound])
    if op in ("in", "notin"):
        values = draw(st.lists(st.sampled_from(VALUES), min_size=1, max_size=3))
        body = f"{pad},{pad}".join(values)
        return f"{key} {op} ({pad}{body}{pad})", (key, op, values)
    value = draw(st.sampled_from(VALUES))
    return f"{key}{pad}{op}{pad}{value}", (key, op, [value])


label_maps = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(LABEL_VALUES), max_size=5)


@given(st.lists(requirement_texts(), max_size=4), label_maps)
def test_matches_agrees_with_the_oracle(
    reqs: list[tuple[str, tuple[str, str, list[str]]]], labels: dict[str, str]
) -> None:
    text = ",".join(t for t, _ in reqs)
    selector = parse_label_selector(text)
    assert selector.matches(labels) is oracle([r for _, r in reqs], labels)


@given(st.lists(requirement_texts(), max_size=4), label_maps)
def test_canonical_form_parses_back_to_the_same_selector(
    reqs: list[tuple[str, tuple[str, str, list[str]]]], labels: dict[str, str]
) -> None:
    selector = parse_label_selector(",".join(t for t, _ in reqs))
    again = parse_label_selector(str(selector))
    assert again == selector
    assert str(again) == str(selector)
    assert again.matches(labels) is selector.matches(labels)


@given(
    st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=3),
    st.lists(
        st.tuples(
            st.sampled_from(KEYS),
            st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]),
            st.lists(st.sampled_from(VALUES), min_size=1, max_size=3),
        ),
        max_size=3,
    ),
    label_maps,
)
def test_metav1_selector_agrees_with_the_oracle(
    match_labels: dict[str, str],
    expressions: list[tuple[str, str, list[str]]],
    labels: dict[str, str],
) -> None:
    ops = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
    exprs = [
        {"key": k, "operator": op, **({"values": vs} if op in ("In", "NotIn") else {})}
        for k, op, vs in expressions
    ]
    selector = label_selector_from_dict({"matchLabels": match_labels, "matchExpressions": exprs})
    expected = [(k, "=", [v]) for k, v in match_labels.items()] + [
        (k, ops[op], vs) for k, op, vs in expressions
    ]
    assert selector.matches(labels) is oracle(expected, labels)


# --- forms, canonical text, empty and nothing ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("", ""),
        ("tier=web", "tier=web"),
        ("  tier == web ", "tier==web"),
        ("b!=x,a", "a,b!=x"),
        ("x in (b,a,b)", "x in (a,b)"),
        ("x notin ( a , b )", "x notin (a,b)"),
        ("x in ()", "x in ()"),
        ("x in (a,,)", "x in (,a)"),
        ("x in (in,notin)", "x in (in,notin)"),
        ("! app", "!app"),
        ("n>5,n<10", "n>5,n<10"),
        ("app.kubernetes.io/name=web", "app.kubernetes.io/name=web"),
        ("k=", "k="),
    ],
)
def test_canonical_text(text: str, canonical: str) -> None:
    assert str(parse_label_selector(text)) == canonical


def test_requirements_are_exposed_sorted_by_key() -> None:
    selector = parse_label_selector("z notin (b,a),a>3,!m")
    assert selector.requirements == (
        Requirement("a", Op.GREATER_THAN, ("3",)),
        Requirement("m", Op.DOES_NOT_EXIST, ()),
        Requirement("z", Op.NOT_IN, ("a", "b")),
    )


def test_empty_selector_matches_everything_and_nil_matches_nothing() -> None:
    everything = parse_label_selector("")
    assert everything.empty and everything.matches({}) and everything.matches({"a": "b"})
    assert label_selector_from_dict({}).empty
    assert label_selector_from_dict({}).matches({"a": "b"})
    nothing = label_selector_from_dict(None)
    assert not nothing.empty and nothing.nothing
    assert not nothing.matches({}) and not nothing.matches({"a": "b"})
    assert str(nothing) == ""
    assert nothing != everything


def test_numeric_comparison_uses_int64_parsing() -> None:
    gt = parse_label_selector("n>5")
    assert [gt.matches({"n": v}) for v in ["6", "+6", "06", "5", "x", "6.0", " 6", ""]] == [
        True,
        True,
        True,
        False,
        False,
        False,
        False,
        False,
    ]
    assert not gt.matches({"n": "9223372036854775808"})  # out of int64 range: ParseInt fails
    assert parse_label_selector("n<0").matches({"n": "-9223372036854775808"})
    assert not gt.matches({})


def test_new_requirement_accepts_and_refuses_like_upstream() -> None:
    assert new_requirement("a", Op.IN, ["x", "y"]) == Requirement("a", Op.IN, ("x", "y"))
    with pytest.raises(SelectorError) as err:
        new_requirement("a", Op.EQUALS, ["x", "y"])
    assert str(err.value) == (
        'values: Invalid value: []string{"x", "y"}: exact-match compatibility requires one '
        "single value"
    )


# --- error messages -----------------------------------------------------------------------------

NAME_RULE = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
VALUE_RULE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
SUBDOMAIN_RULE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tier in (web", "unable to parse requirement: found '', expected: ',' or ')'"),
        ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
        ("a in a", "unable to parse requirement: found 'a' expected: '('"),
        ("a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"),
        ("a in (x y)", "unable to parse requirement: found 'y', expected: ',' or ')'"),
        ("a in (,=)", "unable to parse requirement: found '=', expected: ',', or identifier"),
        ("a=(", "unable to parse requirement: found '(', expected: identifier"),
        ("!(", "unable to parse requirement: found '(', expected: identifier"),
        ("!=", "found '!=', expected: !, identifier, or 'end of string'"),
        ("!a=b", "found '=', expected: ',' or 'end of string'"),
        ("a=b c", "found 'c', expected: ',' or 'end of string'"),
        ("a,", "found '', expected: identifier after ','"),
        # Go's lexer ends an identifier at a NUL byte, then carries on lexing.
        ("a=b\x00c", "found 'c', expected: ',' or 'end of string'"),
        ("a,,b", "found ',', expected: identifier after ','"),
        (",a", "found ',', expected: !, identifier, or 'end of string'"),
        ("=a", "found '=', expected: !, identifier, or 'end of string'"),
        (
            "a>x",
            "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' "
            "operators, the value must be an integer",
        ),
        ("a=b@c", f'unable to parse requirement: values[0][a]: Invalid value: "b@c": {VALUE_RULE}'),
        (
            "a=" + "v" * 64,
            f'unable to parse requirement: values[0][a]: Invalid value: "{"v" * 64}": '
            "must be no more than 63 bytes",
        ),
        (
            "a/b/c",
            'unable to parse requirement: <nil>: Invalid value: "a/b/c": a valid label key '
            f"{NAME_RULE} with an optional DNS subdomain prefix and '/' "
            "(e.g. 'example.com/MyName')",
        ),
        (
            "-a",
            f'unable to parse requirement: <nil>: Invalid value: "-a": name part {NAME_RULE}',
        ),
        (
            "/a",
            'unable to parse requirement: <nil>: Invalid value: "/a": '
            "prefix part must be non-empty",
        ),
        (
            "Ex.com/",
            'unable to parse requirement: <nil>: Invalid value: "Ex.com/": prefix part '
            f"{SUBDOMAIN_RULE}; name part must be non-empty; name part {NAME_RULE}",
        ),
        (
            "k" * 64,
            f'unable to parse requirement: <nil>: Invalid value: "{"k" * 64}": '
            "name part must be no more than 63 bytes",
        ),
    ],
)
def test_label_selector_errors_use_upstream_wording(text: str, message: str) -> None:
    with pytest.raises(SelectorError) as err:
        parse_label_selector(text)
    assert str(err.value) == message
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize(
    ("sel", "message"),
    [
        (
            {"matchExpressions": [{"key": "a", "operator": "In"}]},
            "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set "
            "can't be empty",
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
            'values: Invalid value: []string{"x"}: values set must be empty for exists and '
            "does not exist",
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]},
            '"Gt" is not a valid label selector operator',
        ),
        ({"matchLabels": {"-a": "x"}}, f'key: Invalid value: "-a": name part {NAME_RULE}'),
        (
            {"matchLabels": {"a": "x y", "b": "ok"}},
            f'values[0][a]: Invalid value: "x y": {VALUE_RULE}',
        ),
        (
            {"matchExpressions": [{"key": "-a", "operator": "NotIn", "values": ["!"]}]},
            f'[key: Invalid value: "-a": name part {NAME_RULE}, '
            f'values[0][-a]: Invalid value: "!": {VALUE_RULE}]',
        ),
    ],
)
def test_metav1_selector_errors_use_upstream_wording(sel: dict[str, Any], message: str) -> None:
    with pytest.raises(SelectorError) as err:
        label_selector_from_dict(sel)
    assert str(err.value) == message


def test_go_quote_escapes_like_go() -> None:
    assert go_quote('a"b\\c\n\x01é') == '"a\\"b\\\\c\\n\\x01é"'


# --- field selectors ----------------------------------------------------------------------------


def test_field_selector_parses_operators_escapes_and_sorts_terms() -> None:
    sel = parse_field_selector("status.phase!=Running,metadata.name==a\\,b\\=c\\\\,,spec.x=")
    assert sel.requirements == (
        FieldRequirement("metadata.name", "=", "a,b=c\\"),
        FieldRequirement("spec.x", "=", ""),
        FieldRequirement("status.phase", "!=", "Running"),
    )
    assert str(sel) == "metadata.name=a\\,b\\=c\\\\,spec.x=,status.phase!=Running"
    assert parse_field_selector(str(sel)) == sel
    assert sel.requires_exact_match("metadata.name") == "a,b=c\\"
    assert sel.requires_exact_match("status.phase") is None


def test_field_selector_matching_reads_absent_fields_as_empty() -> None:
    sel = parse_field_selector("spec.nodeName=,status.phase!=Running")
    assert sel.matches({"status.phase": "Pending"})
    assert not sel.matches({"status.phase": "Pending", "spec.nodeName": "n1"})
    assert not sel.matches({"status.phase": "Running"})
    empty = parse_field_selector("")
    assert empty.empty and empty.matches({}) and str(empty) == ""
    assert FieldSelector().empty


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b.c", "d"]),
            st.sampled_from(["=", "==", "!="]),
            st.text(alphabet="xy,=\\ ", max_size=4),
        ),
        max_size=4,
    ),
    st.dictionaries(st.sampled_from(["a", "b.c", "d"]), st.text(alphabet="xy,=\\ ", max_size=4)),
)
def test_field_selector_agrees_with_the_oracle(
    terms: list[tuple[str, str, str]], fields: dict[str, str]
) -> None:
    text = ",".join(f"{f}{op}{escape_field_value(v)}" for f, op, v in terms)
    sel = parse_field_selector(text)
    expected = all((fields.get(f, "") == v) is (op != "!=") for f, op, v in terms)
    assert sel.matches(fields) is expected
    # Terms are sorted by their raw text, so only the set of terms survives a round trip.
    assert set(parse_field_selector(str(sel)).requirements) == set(sel.requirements)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "invalid selector: 'abc'; can't understand 'abc'"),
        ("a=1,abc", "invalid selector: 'a=1,abc'; can't understand 'abc'"),
        ("a=b=c", "invalid field selector: unescaped character in value: 61"),
        ("a=b\\x", "invalid field selector: invalid escape sequence: \\x"),
        ("a=b\\", "invalid field selector: invalid escape sequence: \\"),
    ],
)
def test_field_selector_errors_use_upstream_wording(text: str, message: str) -> None:
    with pytest.raises(SelectorError) as err:
        parse_field_selector(text)
    assert str(err.value) == message


# --- recorded kube-apiserver 1.36 answers -------------------------------------------------------


def names(items: list[dict[str, Any]]) -> list[str]:
    return [i["metadata"]["name"] for i in items]


def test_fixture_label_selector_lists_select_the_recorded_items() -> None:
    scenario = load_fixture("04-list-semantics")
    every = exchange(scenario, "list all configmaps (no paging)")["response"]["body"]["items"]
    checked = 0
    for e in scenario["exchanges"]:
        query = e["request"].get("query", {})
        if "labelSelector" not in query or e["response"]["status"] != 200:
            continue
        selector = parse_label_selector(query["labelSelector"])
        fields = parse_field_selector(query.get("fieldSelector", ""))
        chosen = [
            i
            for i in every
            if selector.matches(i["metadata"].get("labels", {}))
            and fields.matches({"metadata.name": i["metadata"]["name"]})
        ]
        recorded = names(e["response"]["body"]["items"])
        limit = int(query.get("limit", len(chosen)))
        assert names(chosen)[:limit] == recorded, e["name"]
        checked += 1
    assert checked == 10


@pytest.mark.parametrize(
    ("scenario", "name"),
    [
        ("04-list-semantics", "bad labelSelector 'tier in (web' (400)"),
        ("05-watch-semantics", "watch with a bad labelSelector (400 before the stream)"),
    ],
)
def test_fixture_bad_label_selector_message(scenario: str, name: str) -> None:
    e = exchange(load_fixture(scenario), name)
    with pytest.raises(SelectorError) as err:
        parse_label_selector(e["request"]["query"]["labelSelector"])
    assert str(err.value) == e["response"]["body"]["message"]


def test_fixture_label_selector_watch_events_follow_matching_transitions() -> None:
    scenario = load_fixture("05-watch-semantics")
    watch_name = "watch labelSelector app=sel while labels change"
    watch = exchange(scenario, watch_name)
    selector = parse_label_selector(watch["request"]["query"]["labelSelector"])
    expected: list[str] = []
    before = False
    for e in scenario["exchanges"]:
        if e.get("concurrent_with") != watch_name:
            continue
        body = e["response"]["body"]
        after = e["request"]["method"] != "DELETE" and selector.matches(
            body["metadata"].get("labels", {})
        )
        if before and not after:
            expected.append("DELETED")
        elif after:
            expected.append("MODIFIED" if before else "ADDED")
        before = after
    events = [w for w in watch["response"]["watch_events"] if w["type"] != "BOOKMARK"]
    assert [w["type"] for w in events] == expected == ["ADDED", "DELETED", "ADDED", "DELETED"]
    # A DELETED event carries the last state that matched.
    assert all(selector.matches(w["object"]["metadata"]["labels"]) for w in events)


def test_fixture_field_selector_watch_keeps_only_the_named_object() -> None:
    scenario = load_fixture("05-watch-semantics")
    watch_name = "watch fieldSelector metadata.name=w-0 (kubectl wait pattern)"
    watch = exchange(scenario, watch_name)
    selector = parse_field_selector(watch["request"]["query"]["fieldSelector"])
    writes = [e for e in scenario["exchanges"] if e.get("concurrent_with") == watch_name]
    kept = [
        e["response"]["body"]["metadata"]["name"]
        for e in writes
        if selector.matches({"metadata.name": e["response"]["body"]["metadata"]["name"]})
    ]
    events = [w for w in watch["response"]["watch_events"] if w["type"] != "BOOKMARK"]
    assert kept == [w["object"]["metadata"]["name"] for w in events] == ["w-0"]


def test_label_selector_equality_and_hash() -> None:
    a = parse_label_selector("a=1,b")
    assert a == LabelSelector([Requirement("b", Op.EXISTS), Requirement("a", Op.EQUALS, ("1",))])
    assert hash(a) == hash(parse_label_selector("b,a=1"))
    assert a != parse_label_selector("a=2,b")

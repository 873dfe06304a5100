"""Status bodies built by masthead.sim.errors equal the recorded kube-apiserver ones."""

from __future__ import annotations

from masthead.sim import errors
from masthead.sim.resources import builtin
from tests.conftest import exchange, load_fixture


def test_not_found_matches_recording() -> None:
    rec = exchange(load_fixture("02-crud"), "get deployment web after delete (404)")
    got = errors.not_found(builtin("apps", "deployments"), "web").status()
    assert got == rec["response"]["body"]
    assert list(got) == list(rec["response"]["body"])  # upstream field order


def test_conflict_matches_recording() -> None:
    rec = exchange(load_fixture("02-crud"), "update cm1 with stale resourceVersion (409 Conflict)")
    assert errors.conflict(builtin("", "configmaps"), "cm1").status() == rec["response"]["body"]


def test_invalid_with_several_causes_matches_recording() -> None:
    rec = exchange(
        load_fixture("03-validation-errors"),
        "create deployment missing selector and containers (422, several causes)",
    )
    body = rec["response"]["body"]
    got = errors.invalid("Deployment", "apps", "broken", body["details"]["causes"]).status()
    assert got == body


def test_forbidden_message_matches_recording() -> None:
    rec = exchange(load_fixture("06-authorization"), "restricted: list pods in fix-b (403)")
    msg = errors.forbidden_message(
        "system:serviceaccount:fix-a:restricted", "list", "pods", "", "", "fix-b"
    )
    assert msg == rec["response"]["body"]["message"]


def test_method_not_allowed_and_not_acceptable_match_recordings() -> None:
    sc = load_fixture("03-validation-errors")
    assert (
        errors.method_not_allowed().status()
        == exchange(sc, "PUT on the configmaps collection (405)")["response"]["body"]
    )
    assert (
        errors.not_acceptable().status()
        == exchange(sc, "GET with Accept text/html only (406)")["response"]["body"]
    )

from __future__ import annotations

from masthead.store.text_index import TextIndex, search_terms


def test_terms_match_case_insensitively_and_all_must_match() -> None:
    index = TextIndex()
    index.put("u1", ["Web-1", "Prod", "app=Frontend"])
    index.put("u2", ["db-1", "prod", "app=postgres"])
    assert index.search(search_terms("PROD")) == {"u1", "u2"}
    assert index.search(search_terms("prod front")) == {"u1"}
    assert index.search(search_terms("prod front"), within={"u2"}) == set()


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

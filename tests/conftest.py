"""Shared test fixtures: where the recorded kube-apiserver exchanges live."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO.parent / "shared" / "fixtures" / "kube-apiserver-1.36"


def load_fixture(name: str) -> dict[str, Any]:
    """One recorded scenario (read from ../shared at test time, never copied into the repo)."""
    path = FIXTURES / f"{name}.json"
    if not path.exists():
        pytest.skip(f"recorded fixtures not found at {FIXTURES}")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def exchange(scenario: dict[str, Any], name: str) -> dict[str, Any]:
    for e in scenario["exchanges"]:
        if e.get("name") == name:
            return e  # type: ignore[no-any-return]
    raise KeyError(name)

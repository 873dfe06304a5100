"""Secret values: redaction to byte lengths, reveal as text or base64."""

from __future__ import annotations

import base64

import pytest

from masthead.objects.secrets import LAST_APPLIED, UnknownKeys, redact_secret, reveal


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


SECRET = {
    "metadata": {"annotations": {LAST_APPLIED: "{...}", "keep": "me"}},
    "data": {"password": b64(b"hunter2"), "cert": b64(b"\x00\x01\xffbinary"), "note": b64(b"a\nb")},
}


def test_redact_keeps_lengths_only() -> None:
    obj = {**SECRET, "metadata": {"annotations": dict(SECRET["metadata"]["annotations"])}}
    redact_secret(obj)
    assert obj["data"] == {"password": 7, "cert": 9, "note": 3}
    assert obj["metadata"]["annotations"] == {"keep": "me"}


def test_reveal_text_and_binary() -> None:
    out = reveal(SECRET)
    assert out["password"] == {"value": "hunter2", "encoding": "text"}
    assert out["note"] == {"value": "a\nb", "encoding": "text"}
    assert out["cert"] == {"value": b64(b"\x00\x01\xffbinary"), "encoding": "base64"}


def test_reveal_selected_keys_and_unknown_ones() -> None:
    assert set(reveal(SECRET, ["cert"])) == {"cert"}
    with pytest.raises(UnknownKeys) as e:
        reveal(SECRET, ["password", "nope"])
    assert e.value.keys == ["nope"]

"""Decoding lists and watch lines into dicts and msgspec structs."""

from __future__ import annotations

import msgspec
import orjson

from masthead.kube.codec import BOOKMARK, ERROR, MODIFIED, DictCodec, StructCodec, list_continue

LIST = orjson.dumps(
    {
        "kind": "PodList",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": "42", "continue": "tok", "remainingItemCount": 7},
        "items": [
            {
                "metadata": {
                    "name": "a",
                    "namespace": "ns",
                    "resourceVersion": "40",
                    "managedFields": [{"manager": "x"}],
                },
                "spec": {"nodeName": "n1"},
            }
        ],
    }
)


def test_dict_codec_list_fills_kind_drops_managed_fields() -> None:
    page = DictCodec().decode_list(LIST)
    assert (page.resource_version, page.continue_token, page.remaining) == ("42", "tok", 7)
    item = page.items[0]
    assert item["kind"] == "Pod" and item["apiVersion"] == "v1"
    assert "managedFields" not in item["metadata"]
    assert DictCodec().key(item) == "ns/a"


def test_dict_codec_events() -> None:
    c = DictCodec()
    ev = c.decode_event(
        b'{"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"a","namespace":"n",'
        b'"resourceVersion":"5","managedFields":[]}}}'
    )
    assert ev.type == MODIFIED and ev.resource_version == "5" and ev.obj is not None
    assert "managedFields" not in ev.obj["metadata"]
    bm = c.decode_event(
        b'{"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"9",'
        b'"annotations":{"k8s.io/initial-events-end":"true"}}}}'
    )
    assert bm.type == BOOKMARK and bm.initial_events_end and bm.resource_version == "9"
    err = c.decode_event(
        b'{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired",'
        b'"message":"too old resource version: 1 (5)"}}'
    )
    assert err.type == ERROR and err.status is not None and err.status.code == 410


class Meta(msgspec.Struct):
    name: str
    resourceVersion: str
    namespace: str = ""


class Spec(msgspec.Struct):
    nodeName: str = ""


class PodRow(msgspec.Struct):
    metadata: Meta
    spec: Spec = msgspec.field(default_factory=Spec)


def test_struct_codec_decodes_only_declared_fields() -> None:
    c = StructCodec(PodRow)
    page = c.decode_list(LIST)
    assert page.items == [PodRow(Meta("a", "40", "ns"), Spec("n1"))]
    assert (page.resource_version, page.continue_token, page.remaining) == ("42", "tok", 7)
    ev = c.decode_event(
        b'{"type":"ADDED","object":{"metadata":{"name":"b","resourceVersion":"43"},"x":1}}'
    )
    assert ev.obj == PodRow(Meta("b", "43")) and ev.resource_version == "43"
    assert c.key(ev.obj) == "b"
    bm = c.decode_event(b'{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"50"}}}')
    assert bm.type == BOOKMARK and not bm.initial_events_end and bm.resource_version == "50"
    err = c.decode_event(b'{"type":"ERROR","object":{"kind":"Status","code":410}}')
    assert err.status is not None and err.status.code == 410


def test_list_continue_is_read_from_the_head_of_an_api_server_list() -> None:
    assert list_continue(LIST) == "tok"
    last = orjson.dumps({"kind": "PodList", "metadata": {"resourceVersion": "9"}, "items": []})
    assert list_continue(last) == ""


def test_list_continue_of_a_list_whose_items_come_first_reads_the_whole_page() -> None:
    # The head before the items key is then not the metadata: the token is still found.
    items_first = orjson.dumps(
        {"items": [{"metadata": {"name": "a"}}], "metadata": {"continue": "after-items"}}
    )
    assert list_continue(items_first) == "after-items"
    # An items key nested in the metadata cuts the head short: not a document, whole page read.
    nested = b'{"metadata":{"x":{"a":1,"items":2},"continue":"c3"},"items":[]}'
    assert list_continue(nested) == "c3"
    # An items key inside a string value of the head does not cut the document there.
    odd = b'{"kind":"PodList","metadata":{"continue":"c2","selfLink":"x,\\"items\\":"},"items":[]}'
    assert orjson.loads(odd)["metadata"]["continue"] == "c2"
    assert list_continue(odd) == "c2"


def test_list_continue_of_a_body_that_is_not_json_is_empty() -> None:
    assert list_continue(b"<html>busy</html>") == ""
    assert list_continue(b'{"kind":"PodList","items":[') == ""

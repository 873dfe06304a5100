"""A snapshot's `row_schema` records what a view needs of discovery (kind, scope, version) and
still reads the shorter schemas older mastheads wrote — they restore, but name no browse view."""

from __future__ import annotations

from masthead.kube.discovery import ResourceType
from masthead.snapshots.codec import row_schema
from masthead.snapshots.kinds import parse_schema, projection_of, resource_type_of, schema_of
from masthead.store.projection import PROJECTIONS

VERBS = frozenset({"list", "watch", "get"})
CERTIFICATES = ResourceType("cert-manager.io", "v1", "certificates", "Certificate", True, VERBS)
PODS = ResourceType("", "v1", "pods", "Pod", True, VERBS)


def test_a_custom_resource_s_schema_rebuilds_its_projection_and_its_type() -> None:
    kind = parse_schema(schema_of(CERTIFICATES), "cert-manager.io", "certificates")
    assert kind is not None and kind.generic and kind.version == "v1"
    projection = projection_of("cert-manager.io", "certificates", kind)
    assert projection is not None and projection.kind == "Certificate"
    rt = resource_type_of("cert-manager.io", "certificates", kind)
    assert rt is not None
    assert (rt.group, rt.version, rt.resource, rt.kind, rt.namespaced) == (
        "cert-manager.io",
        "v1",
        "certificates",
        "Certificate",
        True,
    )


def test_a_built_in_kind_s_schema_names_its_declared_projection_and_type() -> None:
    kind = parse_schema(schema_of(PODS), "", "pods")
    assert kind is not None and not kind.generic
    assert projection_of("", "pods", kind) is PROJECTIONS[("", "pods")]
    rt = resource_type_of("", "pods", kind)
    assert rt is not None and (rt.version, rt.kind) == ("v1", "Pod")


def test_older_schemas_restore_but_name_no_view() -> None:
    layout = schema_of(CERTIFICATES).split("|")[0]
    generic = parse_schema(f"{layout}|generic|Certificate|1", "cert-manager.io", "certificates")
    assert generic is not None and generic.version == ""
    assert projection_of("cert-manager.io", "certificates", generic) is not None
    assert resource_type_of("cert-manager.io", "certificates", generic) is None

    declared = parse_schema(row_schema(PROJECTIONS[("", "pods")].row_type), "", "pods")
    assert declared is not None
    assert projection_of("", "pods", declared) is PROJECTIONS[("", "pods")]
    assert resource_type_of("", "pods", declared) is None


def test_schemas_of_another_layout_or_shape_are_not_read() -> None:
    other = schema_of(CERTIFICATES).replace(schema_of(CERTIFICATES).split("|")[0], "0" * 16)
    kind = parse_schema(other, "cert-manager.io", "certificates")
    assert kind is not None and projection_of("cert-manager.io", "certificates", kind) is None
    assert parse_schema("abc|generic|Certificate|yes|v1", "cert-manager.io", "certificates") is None
    # A built-in kind's snapshot marked generic (or the reverse) is another masthead's.
    assert parse_schema(schema_of(CERTIFICATES), "", "pods") is None
    assert parse_schema("abc", "cert-manager.io", "certificates") is None

"""Responses of the access-review APIs, shaped like kube-apiserver's.

SelfSubjectAccessReview, SubjectAccessReview and LocalSubjectAccessReview answer with the request
object itself: its spec echoed (empty fields dropped, as Go's `omitempty` does) and a status
filled in. SelfSubjectRulesReview and SelfSubjectReview answer with a new object instead, which
is why upstream's responses to those two carry no managedFields and an empty spec.

Bodies arrive already parsed; a value of the wrong JSON type is refused with the 400 that Go's
decoder would give.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from masthead.sim.errors import ApiError, bad_request
from masthead.sim.rbac import Attributes, Decision, RbacAuthorizer, UserInfo

AUTHORIZATION_API_VERSION = "authorization.k8s.io/v1"
AUTHENTICATION_API_VERSION = "authentication.k8s.io/v1"

# Resources whose response is the request object, so it keeps the managedFields the HTTP layer
# computed for the request; the other reviews build a fresh object that has none.
REVIEWS_ECHOING_REQUEST = frozenset(
    {"selfsubjectaccessreviews", "subjectaccessreviews", "localsubjectaccessreviews"}
)

_RESOURCE_FIELDS = ("namespace", "verb", "group", "version", "resource", "subresource", "name")
_SELECTOR_FIELDS = (
    ("fieldSelector", "FieldSelectorAttributes"),
    ("labelSelector", "LabelSelectorAttributes"),
)
_UNION = "exactly one of nonResourceAttributes or resourceAttributes must be specified"

Cause = dict[str, str]


def self_subject_access_review(
    body: Mapping[str, Any], user: UserInfo, authorizer: RbacAuthorizer
) -> dict[str, Any]:
    d = _Decoder("SelfSubjectAccessReview", "SelfSubjectAccessReviewSpec")
    res, non_res = d.attributes(d.spec(body))
    causes = _union(res, non_res) + _selector_causes(res) + d.metadata_causes(body)
    if causes:
        raise _invalid(causes)
    decision = authorizer.authorize(user, _attributes(res, non_res))
    return _access_review(d.kind, {}, _echo(res, non_res), decision)


def subject_access_review(body: Mapping[str, Any], authorizer: RbacAuthorizer) -> dict[str, Any]:
    d = _Decoder("SubjectAccessReview", "SubjectAccessReviewSpec")
    spec = d.spec(body)
    res, non_res = d.attributes(spec)
    subject, subject_echo = d.subject(spec)
    causes = _subject_spec_causes(res, non_res, subject) + d.metadata_causes(body)
    if causes:
        raise _invalid(causes)
    decision = authorizer.authorize(subject, _attributes(res, non_res))
    return _access_review(d.kind, {}, {**_echo(res, non_res), **subject_echo}, decision)


def local_subject_access_review(
    body: Mapping[str, Any], namespace: str, authorizer: RbacAuthorizer
) -> dict[str, Any]:
    """A LocalSubjectAccessReview posted to `/namespaces/<namespace>/localsubjectaccessreviews`."""
    d = _Decoder("LocalSubjectAccessReview", "SubjectAccessReviewSpec")
    if d.text(d.object_meta(body), "namespace", "ObjectMeta", "metadata.namespace") not in (
        "",
        namespace,
    ):
        raise bad_request(
            "the namespace of the provided object does not match the namespace sent on the request"
        )
    spec = d.spec(body)
    res, non_res = d.attributes(spec)
    subject, subject_echo = d.subject(spec)
    causes = _subject_spec_causes(res, non_res, subject)
    causes += d.metadata_causes(body, namespaced=True)
    if res is not None and res.get("namespace", "") != namespace:
        causes.append(
            _invalid_cause(
                "spec.resourceAttributes.namespace",
                json.dumps(res.get("namespace", "")),
                "must match metadata.namespace",
            )
        )
    if non_res is not None:
        causes.append(
            _invalid_cause(
                "spec.nonResourceAttributes",
                _go_json(non_res),
                "disallowed on this kind of request",
            )
        )
    if causes:
        raise _invalid(causes)
    decision = authorizer.authorize(subject, _attributes(res, non_res))
    spec_echo = {**_echo(res, non_res), **subject_echo}
    return _access_review(d.kind, {"namespace": namespace}, spec_echo, decision)


def self_subject_rules_review(
    body: Mapping[str, Any], user: UserInfo, authorizer: RbacAuthorizer
) -> dict[str, Any]:
    d = _Decoder("SelfSubjectRulesReview", "SelfSubjectRulesReviewSpec")
    namespace = d.text(d.spec(body), "namespace", "SelfSubjectRulesReviewSpec", "spec.namespace")
    if not namespace:
        raise bad_request("no namespace on request")
    return {
        "kind": d.kind,
        "apiVersion": AUTHORIZATION_API_VERSION,
        "metadata": {},
        "spec": {},
        "status": authorizer.rules_review(user, namespace),
    }


def self_subject_review(user: UserInfo, creation_timestamp: str) -> dict[str, Any]:
    """`kubectl auth whoami`: the requesting user as the authenticator saw it."""
    info: dict[str, Any] = {}
    if user.name:
        info["username"] = user.name
    if user.uid:
        info["uid"] = user.uid
    if user.groups:
        info["groups"] = list(user.groups)
    if user.extra:
        info["extra"] = {key: list(values) for key, values in user.extra.items()}
    return {
        "kind": "SelfSubjectReview",
        "apiVersion": AUTHENTICATION_API_VERSION,
        "metadata": {"creationTimestamp": creation_timestamp},
        "status": {"userInfo": info},
    }


def _access_review(
    kind: str, metadata: dict[str, Any], spec: dict[str, Any], decision: Decision
) -> dict[str, Any]:
    # RBAC never answers Deny and never fails evaluation, so `denied` and `evaluationError`
    # (both omitempty) never appear.
    status: dict[str, Any] = {"allowed": decision.allowed}
    if decision.reason:
        status["reason"] = decision.reason
    return {
        "kind": kind,
        "apiVersion": AUTHORIZATION_API_VERSION,
        "metadata": metadata,
        "spec": spec,
        "status": status,
    }


def _attributes(res: dict[str, Any] | None, non_res: dict[str, str] | None) -> Attributes:
    if res is None:
        assert non_res is not None  # validation guarantees exactly one
        return Attributes.for_path(non_res.get("verb", ""), non_res.get("path", ""))
    return Attributes(
        verb=res.get("verb", ""),
        api_group=res.get("group", ""),
        resource=res.get("resource", ""),
        subresource=res.get("subresource", ""),
        namespace=res.get("namespace", ""),
        name=res.get("name", ""),
    )


def _echo(res: dict[str, Any] | None, non_res: dict[str, str] | None) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if res is not None:
        spec["resourceAttributes"] = res
    if non_res is not None:
        spec["nonResourceAttributes"] = non_res
    return spec


# --- Validation ----------------------------------------------------------------------------------


def _union(res: dict[str, Any] | None, non_res: dict[str, str] | None) -> list[Cause]:
    # 1.36 reports the one-of rule on `spec` itself, with nonResourceAttributes as the value.
    if (res is None) == (non_res is None):
        return [_invalid_cause("spec", _go_json(non_res), _UNION)]
    return []


def _subject_spec_causes(
    res: dict[str, Any] | None, non_res: dict[str, str] | None, subject: UserInfo
) -> list[Cause]:
    causes = _union(res, non_res)
    if not subject.name and not subject.groups:
        causes.append(
            _invalid_cause(
                "spec.user",
                json.dumps(subject.name),
                "at least one of user or group must be specified",
            )
        )
    return causes + _selector_causes(res)


def _selector_causes(res: dict[str, Any] | None) -> list[Cause]:
    causes: list[Cause] = []
    for key, _ in _SELECTOR_FIELDS:
        selector = None if res is None else res.get(key)
        if selector is None:
            continue
        path = f"spec.resourceAttributes.{key}"
        raw, requirements = selector.get("rawSelector"), selector.get("requirements")
        if raw and requirements:
            causes.append(
                _invalid_cause(
                    f"{path}.rawSelector",
                    json.dumps(raw),
                    "may not specified at the same time as requirements",
                )
            )
        if not raw and not requirements:
            causes.append(
                {
                    "reason": "FieldValueRequired",
                    "message": f"Required value: when {path} is specified, requirements or "
                    "rawSelector is required",
                    "field": f"{path}.requirements",
                }
            )
    return causes


def _invalid_cause(field: str, value_json: str, detail: str) -> Cause:
    return {
        "reason": "FieldValueInvalid",
        "message": f"Invalid value: {value_json}: {detail}",
        "field": field,
    }


def _invalid(causes: list[Cause]) -> ApiError:
    """`NewInvalid` as the review registries call it: with the Kind of the decoded internal
    object, which is empty, so the message starts `.authorization.k8s.io` and details has no kind.
    """
    parts = list(dict.fromkeys(f"{c['field']}: {c['message']}" for c in causes))
    joined = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
    return ApiError(
        422,
        "Invalid",
        f'.authorization.k8s.io "" is invalid: {joined}',
        {"group": "authorization.k8s.io", "causes": causes},
    )


def _go_json(value: Any) -> str:
    """How a field error prints its value: as JSON, `null` for a nil pointer."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == {} or value == [] or value == 0


# --- Decoding ------------------------------------------------------------------------------------


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


class _Decoder:
    """Reads a review body, failing like Go's JSON decoder on values of the wrong type."""

    def __init__(self, kind: str, spec_struct: str) -> None:
        self.kind = kind
        self.spec_struct = spec_struct

    def _wrong_type(self, value: Any, struct: str, path: str, go_type: str) -> ApiError:
        return bad_request(
            f'{self.kind} in version "v1" cannot be handled as a {self.kind}: json: cannot '
            f"unmarshal {_json_type(value)} into Go struct field {struct}.{path} of type {go_type}"
        )

    def mapping(
        self, parent: Mapping[str, Any], key: str, struct: str, path: str, go_type: str
    ) -> Mapping[str, Any] | None:
        value = parent.get(key)
        if value is None or isinstance(value, Mapping):
            return value
        raise self._wrong_type(value, struct, path, go_type)

    def text(self, parent: Mapping[str, Any], key: str, struct: str, path: str) -> str:
        value = parent.get(key)
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        raise self._wrong_type(value, struct, path, "string")

    def texts(self, parent: Mapping[str, Any], key: str, struct: str, path: str) -> list[str]:
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._wrong_type(value, struct, path, "[]string")
        for item in value:
            if not isinstance(item, str):
                raise self._wrong_type(item, struct, path, "string")
        return value

    def object_meta(self, body: Mapping[str, Any]) -> Mapping[str, Any]:
        return self.mapping(body, "metadata", self.kind, "metadata", "v1.ObjectMeta") or {}

    def spec(self, body: Mapping[str, Any]) -> Mapping[str, Any]:
        return self.mapping(body, "spec", self.kind, "spec", f"v1.{self.spec_struct}") or {}

    def metadata_causes(self, body: Mapping[str, Any], *, namespaced: bool = False) -> list[Cause]:
        """Reviews are never stored, so their metadata must be empty (managedFields aside)."""
        meta = self.object_meta(body)
        allowed = {"managedFields", "namespace"} if namespaced else {"managedFields"}
        if all(_is_empty(v) for k, v in meta.items() if k not in allowed):
            return []
        shown = {k: v for k, v in meta.items() if k != "managedFields" and not _is_empty(v)}
        detail = "must be empty except for namespace" if namespaced else "must be empty"
        return [_invalid_cause("metadata", _go_json(shown), detail)]

    def attributes(
        self, spec: Mapping[str, Any]
    ) -> tuple[dict[str, Any] | None, dict[str, str] | None]:
        """resourceAttributes and nonResourceAttributes with empty fields dropped."""
        spec_struct = self.spec_struct
        raw = self.mapping(
            spec,
            "resourceAttributes",
            spec_struct,
            "spec.resourceAttributes",
            "v1.ResourceAttributes",
        )
        res: dict[str, Any] | None = None
        if raw is not None:
            res = {}
            for key in _RESOURCE_FIELDS:
                path = f"spec.resourceAttributes.{key}"
                if value := self.text(raw, key, "ResourceAttributes", path):
                    res[key] = value
            for key, struct in _SELECTOR_FIELDS:
                path = f"spec.resourceAttributes.{key}"
                selector = self.mapping(raw, key, "ResourceAttributes", path, f"v1.{struct}")
                if selector is not None:
                    res[key] = self._selector(selector, struct, path)
        raw = self.mapping(
            spec,
            "nonResourceAttributes",
            spec_struct,
            "spec.nonResourceAttributes",
            "v1.NonResourceAttributes",
        )
        non_res: dict[str, str] | None = None
        if raw is not None:
            non_res = {}
            for key in ("path", "verb"):
                path = f"spec.nonResourceAttributes.{key}"
                if value := self.text(raw, key, "NonResourceAttributes", path):
                    non_res[key] = value
        return res, non_res

    def _selector(self, selector: Mapping[str, Any], struct: str, path: str) -> dict[str, Any]:
        # Selectors are echoed but never narrow an RBAC decision.
        out: dict[str, Any] = {}
        if raw := self.text(selector, "rawSelector", struct, f"{path}.rawSelector"):
            out["rawSelector"] = raw
        requirements = selector.get("requirements")
        if requirements is not None and not isinstance(requirements, list):
            raise self._wrong_type(requirements, struct, f"{path}.requirements", "[]v1.Requirement")
        if requirements:
            out["requirements"] = requirements
        return out

    def subject(self, spec: Mapping[str, Any]) -> tuple[UserInfo, dict[str, Any]]:
        """The user a (Local)SubjectAccessReview asks about, and its echo in spec order."""
        struct = "SubjectAccessReviewSpec"
        name = self.text(spec, "user", struct, "spec.user")
        groups = self.texts(spec, "groups", struct, "spec.groups")
        raw_extra = self.mapping(spec, "extra", struct, "spec.extra", "map[string]v1.ExtraValue")
        raw_extra = raw_extra or {}
        extra = {key: tuple(self.texts(raw_extra, key, struct, "spec.extra")) for key in raw_extra}
        uid = self.text(spec, "uid", struct, "spec.uid")
        echo: dict[str, Any] = {}
        for key, value in (
            ("user", name),
            ("groups", groups),
            ("extra", {k: list(v) for k, v in extra.items()}),
            ("uid", uid),
        ):
            if value:
                echo[key] = value
        return UserInfo(name=name, uid=uid, groups=tuple(groups), extra=extra), echo

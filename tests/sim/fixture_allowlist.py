"""Exchanges of the kube-apiserver 1.36 recordings where the simulator deliberately differs.

Key: exchange name, or "file:exchange name" when the name is not unique across files.
Value: what differs and why. Keep this short and honest: it should shrink, never grow without
a reason. `test_fixture_replay` fails when an entry here no longer differs (so it gets removed).
"""

from __future__ import annotations

_VERSION = "gitCommit is all zeros: the simulator is not a kube-apiserver build"
_NS_MF = (
    "managedFields also list f:spec.f:finalizers and f:status.f:phase: defaults.py sets these "
    "strategy fields before the field manager runs (the apiserver tracks the request only)"
)
_POD_MF = (
    "managedFields also list admission/strategy fields (serviceAccount[Name], volumes, "
    "volumeMounts, tolerations, priority, preemptionPolicy, status.phase/qosClass): "
    "defaults.py applies them before the field manager runs"
)
_CRD_MF = (
    "managedFields also list f:spec/f:spec.f:names '.' and f:status (acceptedNames, "
    "conditions, storedVersions): defaults.py fills them before the field manager runs"
)
_EV_MF = (
    "managedFields also list fields filled by event defaulting before the field manager runs "
    "(core/v1: eventTime, source, reportingComponent, reportingInstance; events.k8s.io/v1: "
    "deprecatedSource, deprecatedFirstTimestamp, deprecatedLastTimestamp) (defaults.py)"
)
_REVIEW_MF = "review responses carry no metadata.managedFields (reviews.py)"

ALLOWED: dict[str, str] = {
    # 01-discovery
    "GET /version": _VERSION,
    "anonymous: GET /version (200)": _VERSION,
    "GET /apis (legacy group list)": (
        "autoscaling lists only v2: autoscaling/v1 is not served (resources.py; its "
        "conversion is not simulated)"
    ),
    # namespaces (02, 12)
    "create namespace fix-crud": _NS_MF,
    "create namespace fix-term": _NS_MF,
    "delete namespace (200, Terminating)": _NS_MF,
    "get namespace (Terminating, finalizer kubernetes)": _NS_MF,
    "delete namespace again (200, unchanged)": _NS_MF,
    # 06-authorization
    "TokenRequest for restricted (201, token masked)": (
        "serviceaccounts/token is not implemented (405); the replay registers a token for "
        "the ServiceAccount directly"
    ),
    "restricted: SSAR list pods in fix-a (allowed)": _REVIEW_MF,
    "restricted: SSAR list pods cluster-wide (denied)": _REVIEW_MF,
    "restricted: SSAR delete configmaps in fix-a (denied)": _REVIEW_MF,
    "admin: SSAR list pods cluster-wide (allowed)": _REVIEW_MF,
    "admin: SubjectAccessReview for restricted (cluster-scoped API)": _REVIEW_MF,
    # 07-subresources-crd
    "create CRD gadgets.fix.example.com (201)": _CRD_MF,
    "poll CRD until Established=True": _CRD_MF,
    "delete CRD gadgets.fix.example.com": _CRD_MF,
    # 09-events
    "create core/v1 Event ev-core": _EV_MF,
    "get ev-core via events.k8s.io/v1": _EV_MF,
    "create events.k8s.io/v1 Event ev-new": _EV_MF,
    "get ev-new via core/v1": _EV_MF,
    # 11-pods
    "create pod p1 (201, admission-defaulted)": _POD_MF,
    "get pod p1 (Pending, no conditions)": _POD_MF,
    "pods Table": _POD_MF,
    "delete pod p1": _POD_MF,
}

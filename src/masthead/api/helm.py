"""`GET /api/v1/clusters/{id}/objects/core/v1/secrets/{namespace}/{name}/helm` — the Helm
release a `helm.sh/release.v1` Secret stores: chart, status, manifest, values, notes, and the
release's history from its other revision Secrets (one LIST with `owner=helm,name=<release>`
in the namespace, as `helm history` does). Secrets are read with the cluster's credentials and
never cached; a 403 on the LIST leaves the history to the one revision, with a warning.

`GET /api/v1/clusters/{id}/helm?namespace=` lists releases (latest revision of each) from the
secrets table's labels, and `GET /api/v1/clusters/{id}/helm/{namespace}/{release}` answers the
latest revision's Secret as above.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from masthead.api.context import context_of
from masthead.api.errors import ApiProblem, json_response
from masthead.api.objects import connected, fetch, kube_errors, only_params
from masthead.api.pages import first_sync, open_sources
from masthead.api.secrets import NO_STORE, secret_address
from masthead.cluster import ClusterSession
from masthead.kube.errors import ApiError, TransportError
from masthead.objects.helm import (
    ReleaseError,
    ReleaseTooLarge,
    decode_release,
    latest_releases,
    release_summary,
)
from masthead.objects.reader import ObjectAddress
from masthead.objects.tables import resource_tables
from masthead.selectors import label_value_errors
from masthead.store.table import Table
from masthead.views.catalogue import VIEWS

# A release keeps `--history-max` revisions (10 by default); past this many, the oldest are
# not decoded.
MAX_REVISIONS = 100


async def _history(
    session: ClusterSession, addr: ObjectAddress, release: str, warnings: list[str]
) -> list[dict[str, Any]]:
    assert session.transport is not None
    path = f"/api/v1/namespaces/{addr.namespace}/secrets"
    params = {"labelSelector": f"owner=helm,name={release}"}
    try:
        doc = await session.transport.get_json("list", path, params)
    except ApiError as e:
        if e.code == 403:
            warnings.append(f"no history: {e.status.message}")
            return []
        raise kube_errors(session, "secrets", e) from None
    except TransportError as e:
        raise kube_errors(session, "secrets", e) from None
    items = [i for i in (doc.get("items") or []) if isinstance(i, dict)]
    items.sort(key=_label_version, reverse=True)
    if len(items) > MAX_REVISIONS:
        warnings.append(f"{len(items) - MAX_REVISIONS} older revisions not shown")
        items = items[:MAX_REVISIONS]
    out = []
    for item in items:
        try:
            out.append(decode_release(item))
        except ReleaseError as e:
            name = (item.get("metadata") or {}).get("name", "")
            warnings.append(f"{name}: {e}")
    return out


def _label_version(secret: dict[str, Any]) -> int:
    labels = (secret.get("metadata") or {}).get("labels") or {}
    try:
        return int(labels.get("version", "-1"))
    except ValueError:
        return -1


async def helm_release(request: web.Request) -> web.Response:
    ctx = context_of(request)
    session = ctx.session(request.match_info["cluster"])
    addr = secret_address(request, session, "helm (of a helm.sh/release.v1 Secret)")
    return await _release(request, session, addr)


async def _secret_rows(request: web.Request, session: ClusterSession) -> list[Any]:
    """Rows of the secrets table (the source opened and first-synced if need be)."""
    ctx = context_of(request)
    connected(session)
    sources = await open_sources(session, VIEWS["secrets"])
    await first_sync(sources, ctx.first_sync_wait)
    return [row for t in resource_tables(session, "", "secrets") for row in _helm_rows(t)]


def _helm_rows(table: Table[Any]) -> list[Any]:
    return [table[uid] for uid in table.by_label.uids(("owner", "helm"))]


async def list_releases(request: web.Request) -> web.Response:
    """`GET /api/v1/clusters/{id}/helm?namespace=` — the latest revision of every release,
    from the secrets table's labels (nothing decoded)."""
    ctx = context_of(request)
    session = ctx.session(request.match_info["cluster"])
    only_params(request, frozenset({"namespace"}))
    namespace = request.query.get("namespace") or None
    items = latest_releases(await _secret_rows(request, session))
    if namespace is not None:
        items = [i for i in items if i["namespace"] == namespace]
    return json_response({"cluster": session.id, "items": items})


async def get_release(request: web.Request) -> web.Response:
    """`GET /api/v1/clusters/{id}/helm/{namespace}/{release}` — the release's latest revision,
    as the Secret's `.../helm` answers it."""
    ctx = context_of(request)
    session = ctx.session(request.match_info["cluster"])
    only_params(request, frozenset())
    namespace, release = request.match_info["namespace"], request.match_info["release"]
    found = [
        i
        for i in latest_releases(await _secret_rows(request, session))
        if (i["namespace"], i["name"]) == (namespace, release)
    ]
    if not found:
        raise ApiProblem(
            404,
            f"no Helm release {release!r} in namespace {namespace!r}",
            reason="NotFound",
            cluster=session.id,
        )
    addr = ObjectAddress("", "v1", "secrets", namespace, found[0]["secret"])
    return await _release(request, session, addr)


async def _release(
    request: web.Request, session: ClusterSession, addr: ObjectAddress
) -> web.Response:
    connected(session)
    secret = (await fetch(request, session, addr)).obj
    try:
        doc = decode_release(secret)
    except ReleaseTooLarge as e:
        raise ApiProblem(422, str(e), reason="ReleaseTooLarge", cluster=session.id) from None
    except ReleaseError as e:
        raise ApiProblem(422, str(e), reason="NotAHelmRelease", cluster=session.id) from None
    release = str(doc.get("name") or "")
    warnings: list[str] = []
    usable = release and not label_value_errors(release)
    history = await _history(session, addr, release, warnings) if usable else []
    body = release_summary(doc, history)
    body["warnings"] = warnings
    return json_response(body, headers=NO_STORE)

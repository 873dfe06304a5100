"""Pages (protocol.md §2): `GET /api/v1/clusters/{id}/views/{view}` and the view catalogue.

Order of work, cheapest first: cluster and view known (404), parameters valid (400), an idle
cluster with a snapshot of the view opened (its snapshots awaited, bounded), cluster connected
(503 — unless warm-start snapshots of the view were restored: then they are the page, stale),
sources opened (`ensure_source`: started on first use and kept, so the API
server never sees a list call per page), access (403 only when everything is forbidden), then
the version — and `If-None-Match` is answered 304 right there, before any row is read.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web

from masthead.api.clusters import open_in_background
from masthead.api.context import ApiContext, context_of
from masthead.api.errors import ApiProblem, bad_parameter, json_response
from masthead.cluster import ClusterSession, ClusterState
from masthead.feeds.metrics import MetricsState
from masthead.kube.access import AccessMode
from masthead.kube.freshness import SourceState
from masthead.objects.tables import resource_tables
from masthead.snapshots.warm import WarmStart
from masthead.views.catalogue import BROWSE, CORE_GROUP, VIEWS, ViewSpec, browse_view, catalogue
from masthead.views.joins import JoinTables, needs_of, source_name
from masthead.views.page import PageSources, build_page
from masthead.views.query import BadParameter, ViewQuery, parse_query
from masthead.views.snapshot_page import snapshot_sources
from masthead.views.sort_builds import build_sorts, sort_column

_NOT_CONNECTED = (ClusterState.IDLE, ClusterState.CONNECTING)
_FIRST_SYNC = (SourceState.CONNECTING, SourceState.SYNCING)
_CACHE_CONTROL = "no-cache"


async def view_catalogue(request: web.Request) -> web.Response:
    return json_response(catalogue())


def not_connected(session: ClusterSession) -> ApiProblem:
    status = session.status
    hint = " (POST .../connect opens it)" if status.state is ClusterState.IDLE else ""
    return ApiProblem(
        503,
        f"cluster {session.id} is {status.state.value}{hint}"
        + (f": {status.message}" if status.message else ""),
        reason="ClusterNotConnected",
        cluster=session.id,
        details={"state": status.state.value, **status.as_dict()},
    )


async def resolve_view(
    session: ClusterSession, name: str, browse: tuple[str, ...], warm: WarmStart | None = None
) -> ViewSpec:
    """A named view, or the browse view of `browse` = (group, version, resource) — before the
    cluster's discovery answers, as a snapshot of it (`warm`) recorded the resource."""
    if name != BROWSE:
        view = VIEWS.get(name)
        if view is None:
            raise ApiProblem(
                404,
                f"no view {name!r} (views: {', '.join([*VIEWS, BROWSE])})",
                reason="NotFound",
                cluster=session.id,
                details={"parameter": "view"},
            )
        return view
    group, version, resource = browse
    group = "" if group in (CORE_GROUP, "_") else group
    discovery = session.discovery
    # Not answered yet (`generation` 0: asking now would fail the page on a cluster that is
    # unreachable): what a snapshot recorded of the resource, else the 503.
    if discovery is None or discovery.generation == 0 or session.state in _NOT_CONNECTED:
        recorded = (
            None
            if warm is None
            else await warm.snapshot_type(session.entry, group, version, resource)
        )
        if recorded is None:
            raise not_connected(session)
        return browse_view(recorded)
    for t in await discovery.types():
        if (t.group, t.version, t.resource) == (group, version, resource):
            return browse_view(t)
    # Gone from discovery (its CRD deleted) while its sources are open: the page goes on
    # answering, its sources `unavailable` with the API's message, rather than a bare 404.
    for g in session.resources:
        known = g.resource
        if known is not None and (known.group, known.version, known.resource) == (
            group,
            version,
            resource,
        ):
            return browse_view(known)
    raise ApiProblem(
        404,
        f"the server doesn't serve {resource!r} in {group or CORE_GROUP}/{version}",
        reason="NotFound",
        cluster=session.id,
        details={"parameter": "resource"},
    )


async def open_sources(session: ClusterSession, view: ViewSpec) -> PageSources:
    """The view's sources, started if needed; raises the page's 403 / 404 / 503."""
    if session.state in _NOT_CONNECTED:
        raise not_connected(session)
    group = await session.ensure_source(view.source)
    if group.error:
        raise ApiProblem(
            404, group.error, reason="NotFound", cluster=session.id, source=view.source
        )
    plan = group.plan
    if plan is None:  # never planned: the cluster has not been reachable since it was opened
        raise not_connected(session)
    if plan.mode is AccessMode.FORBIDDEN:
        raise ApiProblem(
            403,
            plan.reason or f"no access to {view.source}",
            reason="Forbidden",
            cluster=session.id,
            source=view.source,
            details={"warnings": group.warnings},
        )
    if plan.mode is AccessMode.UNSUPPORTED:
        raise ApiProblem(
            400,
            plan.reason or f"{view.source} cannot be listed and watched",
            reason="BadRequest",
            cluster=session.id,
            source=view.source,
            details={"parameter": "resource"},
        )
    sources = PageSources(session.id, view, group)
    for key in needs_of(view.joins):
        joined = await session.ensure_source(source_name(key))
        sources.join_sources.extend(joined.sources.values())
    attach_joins(session, sources)
    return sources


def attach_joins(session: ClusterSession, sources: PageSources) -> None:
    """The joined resources' current tables (a source may have started or stopped since the
    last page), with a warning for each one read only in some namespaces or not at all."""
    view = sources.view
    if not view.joins:
        return
    needs = needs_of(view.joins)
    sources.joined = JoinTables({key: resource_tables(session, *key) for key in needs})
    warnings: list[str] = []
    plans = {
        (g.resource.group, g.resource.resource): g.plan for g in session.resources if g.resource
    }
    for key in needs:
        plan = plans.get(key)
        columns = ", ".join(j.column.id for j in view.joins if key in j.needs)
        if plan is None or plan.mode in (AccessMode.FORBIDDEN, AccessMode.UNSUPPORTED):
            warnings.append(f"{source_name(key)} cannot be listed: {columns} left empty")
        elif plan.mode is AccessMode.NAMESPACES:
            warnings.append(
                f"{source_name(key)} read only in {len(plan.namespaces)} namespaces: {columns} "
                "count what they hold"
            )
    sources.join_warnings = warnings


async def first_sync(sources: PageSources, timeout: float) -> None:
    """A source opened by this very request has nothing yet: wait (bounded) for its first
    sync — and for the metrics poller's first answer when the view overlays metrics — so a
    tool's first page is not an empty "connecting" one. Later pages never wait: the metrics
    wait is bounded by the poller's age, since a first poll can take long (a restricted user's
    one request per namespace goes through the token bucket) and every page in the meantime
    would otherwise wait the whole bound."""
    pending = [
        s.freshness
        for s in (*sources.sources, *sources.join_sources)
        if s.syncs == 0 and s.running and s.freshness.current.state in _FIRST_SYNC
    ]
    metrics = sources.metrics
    kind = sources.view.metrics

    def metrics_budget() -> float:
        """How long to wait for the first metrics answer: what is left of `timeout` since
        the poller started, while it has not answered."""
        if (
            metrics is None
            or kind is None
            or metrics.status(kind).state is not MetricsState.UNKNOWN
        ):
            return 0.0
        return timeout - metrics.running_for()

    if (not pending and metrics_budget() <= 0) or timeout <= 0:
        return
    answered = asyncio.Event()
    stop = metrics.subscribe(lambda _: answered.set()) if metrics is not None else None
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                for f in pending:
                    await f.wait_for(lambda c: c.state not in _FIRST_SYNC)
        budget = metrics_budget()
        if budget > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(budget):
                    await answered.wait()
    finally:
        if stop is not None:
            stop()


async def open_for_snapshot(ctx: ApiContext, session: ClusterSession, view: ViewSpec) -> None:
    """An `idle` cluster (not opened in this process, or closed) with a snapshot of the view:
    start connecting it and wait (bounded) for its snapshots to load, so the page answers from
    them, stale, while it connects. Without a snapshot nothing changes: the page's 503 says how
    to open the cluster."""
    warm = ctx.registry.warm
    if warm is None or session.state is not ClusterState.IDLE:
        return
    tables = ctx.registry.tables_of(session.id)
    finished = tables.restores  # before any await: a restore that ends meanwhile is this one
    if not await warm.has_snapshot(session.entry, view.group, view.resource):
        return
    if session.state is ClusterState.IDLE:  # another request may have opened it meanwhile
        open_in_background(session)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(warm.store.tuning.load_timeout):
            await tables.restored_after(finished)


def parse(view: ViewSpec, request: web.Request) -> ViewQuery:
    try:
        return parse_query(view, request.query.items())
    except BadParameter as e:
        raise bad_parameter(e.param, str(e)) from None


def matches_etag(header: str | None, etag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 §13.1.2)."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(t.strip().removeprefix("W/") == etag for t in header.split(","))


async def get_view(request: web.Request) -> web.Response:
    ctx: ApiContext = context_of(request)
    session = ctx.session(request.match_info["cluster"])
    m = request.match_info
    browse = (m.get("group", ""), m.get("version", ""), m.get("resource", ""))
    view = await resolve_view(session, m.get("view", BROWSE), browse, ctx.registry.warm)
    query = parse(view, request)
    await open_for_snapshot(ctx, session, view)
    try:
        sources = await open_sources(session, view)
    except ApiProblem as p:
        restored = p.code == 503 and snapshot_sources(
            ctx.registry.tables_of(session.id), session.id, view, session.status
        )
        if not restored:
            raise
        sources = restored  # the cluster does not answer: its last snapshot, stale
    else:
        sources.metrics = ctx.metrics_for(session, view, "page")
        await first_sync(sources, ctx.first_sync_wait)
    version = sources.version(query)
    # In-cluster mode names the user's session too: a 304 can never answer for another user,
    # even for two pages that read no source (both forbidden, say).
    scope = f"{session.id}/" if ctx.security.users is not None else ""
    etag = f'"{scope}{version}"'
    headers = {"ETag": etag, "Cache-Control": _CACHE_CONTROL}
    if matches_etag(request.headers.get("If-None-Match"), etag):
        ctx.counters.pages_not_modified += 1
        return web.Response(status=304, headers=headers)
    if await build_sorts(sources.tables(query), sort_column(view, query)):
        # The first page sorted by a column waited for its index: the rows moved meanwhile.
        version = sources.version(query)
        headers["ETag"] = f'"{scope}{version}"'
    page = build_page(sources, query, version)
    ctx.counters.pages_built += 1
    return json_response(page.body, headers=headers)

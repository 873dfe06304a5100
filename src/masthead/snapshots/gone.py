"""Which snapshotted resources a cluster no longer serves (a CRD deleted), so their snapshots
are dropped: an unreachable cluster must not go on serving a kind that no longer exists.

Two ways to see it: live, a running source's watch answered 404 (the reflector marks it
`unavailable`: the group/version is gone from the API server); or at a discovery, a restored
table that no source took names a resource the cluster's discovery no longer lists (the CRD was
deleted while masthead was down).
"""

from __future__ import annotations

from masthead.cluster import ClusterSession, Source
from masthead.kube.errors import ApiError
from masthead.kube.freshness import SourceState
from masthead.views.joins import ResourceKey
from masthead.views.sources import ClusterTables


def answered_not_found(src: Source) -> bool:
    """The source's last answer was a 404 and it is `unavailable` because of it."""
    reflector = src.reflector
    return (
        src.freshness.current.state is SourceState.UNAVAILABLE
        and reflector is not None
        and isinstance(reflector.last_error, ApiError)
        and reflector.last_error.code == 404
    )


async def gone_resources(session: ClusterSession, tables: ClusterTables) -> set[ResourceKey]:
    """The resources of `session` with snapshots to drop: seen gone live, or restored but not
    in the last discovery. Discovery is only read when it is cached (no request here)."""
    gone = {
        (s.resource.group, s.resource.resource) for s in session.sources() if answered_not_found(s)
    }
    discovery = session.discovery
    if discovery is not None and discovery.generation > 0 and tables.restorable:
        served = {(t.group, t.resource) for t in await discovery.types()}
        unknown = discovery.unanswered_groups  # not listed because not answered, not gone
        gone.update(k[:2] for k in tables.restorable if k[:2] not in served and k[0] not in unknown)
    return gone

"""Configured namespaces (docs/api.md § Namespaces): the namespaces a user who cannot list
namespaces wants masthead to try, per kubeconfig context.

Two sources, merged: the `--namespaces CONTEXT=NS,...` flag (fixed for the process's life) and
the list saved with `PUT .../namespaces` (the `settings` table, so it survives a restart). The
cluster tries both, the flag's first; a PUT replaces the saved list only, so the flag's names
cannot be removed from the UI (remove them from the command line).

`GET` answers with both lists and with what the access plans found: the namespaces where at
least one resource can be listed and watched, and the ones where none can, with the API
server's reasons.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aiohttp import web

from masthead.actions.base import NAMESPACE
from masthead.api.actions import _body as json_object_body
from masthead.api.context import ApiContext, context_of
from masthead.api.errors import bad_parameter, json_response
from masthead.cluster import ClusterSession
from masthead.kube.access import AccessMode
from masthead.persist.settings import Settings

# Namespaces one context may configure: far beyond a person's list, small enough that a plan
# pass (one access review per namespace and resource) stays bounded.
MAX_NAMESPACES = 1_000
# Denied namespaces named in a GET (a user who may list namespaces but read few of them can
# be denied in thousands); the rest are counted in `deniedMore`.
MAX_DENIED_SHOWN = 200
# Reasons kept per denied namespace (one per resource would repeat the same RBAC message).
MAX_REASONS = 3
# How long a PUT waits for the cluster to re-plan with the new list, so its answer already
# says which namespaces are accessible; past it the answer shows the previous plan.
REPLAN_WAIT = 5.0
KEY_PREFIX = "namespaces/"


def unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for n in names if n))


def merged(flag: Sequence[str], saved: Sequence[str]) -> tuple[str, ...]:
    """What the cluster tries: the flag's namespaces first, then the saved ones."""
    return unique([*flag, *saved])


async def load_saved(settings: Settings) -> dict[str, tuple[str, ...]]:
    """The saved lists by context name (values that are not lists of names are ignored)."""
    found = await settings.with_prefix(KEY_PREFIX)
    return {
        context: unique(str(n) for n in value if isinstance(n, str))
        for context, value in found.items()
        if isinstance(value, list)
    }


async def configured_at_start(
    settings: Settings, flag: Mapping[str, Sequence[str]]
) -> dict[str, tuple[str, ...]]:
    """Per context: the flag's namespaces merged with the saved ones."""
    saved = await load_saved(settings)
    return {c: merged(flag.get(c, ()), saved.get(c, ())) for c in {*flag, *saved}}


def parse_namespaces(body: Mapping[str, Any]) -> tuple[str, ...]:
    """`{"namespaces": [...]}`: DNS-1123 labels, at most `MAX_NAMESPACES`, duplicates dropped."""
    names = body.get("namespaces")
    if not isinstance(names, list):
        raise bad_parameter("namespaces", "namespaces must be a list of namespace names")
    if len(names) > MAX_NAMESPACES:
        raise bad_parameter("namespaces", f"at most {MAX_NAMESPACES} namespaces, got {len(names)}")
    for i, name in enumerate(names):
        param = f"namespaces[{i}]"
        if not isinstance(name, str):
            raise bad_parameter(param, f"{param} must be a string, got {type(name).__name__}")
        if len(name) > 63 or not NAMESPACE.match(name):
            raise bad_parameter(
                param,
                f"{param} {name!r} is not a valid namespace name (an RFC 1123 label: at most "
                "63 lower case alphanumeric characters or '-', starting and ending with an "
                "alphanumeric character)",
            )
    extra = set(body) - {"namespaces"}
    if extra:
        unknown = sorted(extra)[0]
        raise bad_parameter(unknown, f"unknown field {unknown!r}")
    return unique(names)


def namespace_access(ctx: ApiContext, session: ClusterSession) -> dict[str, object]:
    """The configured lists and what the current access plans say about namespaces."""
    context = session.entry.context
    flag = unique(ctx.namespace_flags.get(context, ()))
    configured = session.namespaces
    saved = [n for n in configured if n not in flag]
    accessible: set[str] = set()
    everywhere = False
    reasons: dict[str, list[str]] = {}
    sources: set[str] = set()
    for group in session.resources:
        plan = group.plan
        if plan is None:
            continue
        if plan.namespace_source:
            sources.add(plan.namespace_source)
        if plan.mode is AccessMode.CLUSTER and plan.resource.namespaced:
            everywhere = True
        accessible.update(plan.namespaces)
        for ns, message in plan.denied.items():
            if ns:
                reasons.setdefault(ns, []).append(f"{plan.resource.qualified}: {message}")
    denied = sorted(ns for ns in reasons if ns not in accessible) if not everywhere else []
    shown = denied[:MAX_DENIED_SHOWN]
    return {
        "cluster": session.id,
        "context": context,
        "contextNamespace": session.entry.namespace,
        "flag": list(flag),
        "saved": saved,
        "configured": list(configured),
        # Whether the user may list namespaces (then every namespace is tried, not only the
        # configured ones); None until some resource has been planned.
        "listable": ("listed" in sources) if sources else None,
        "accessible": None if everywhere else sorted(accessible),
        "denied": [{"namespace": ns, "reasons": reasons[ns][:MAX_REASONS]} for ns in shown],
        "deniedMore": len(denied) - len(shown),
        "max": MAX_NAMESPACES,
    }


async def get_namespaces(request: web.Request) -> web.Response:
    ctx = context_of(request)
    session = ctx.session(request.match_info["cluster"])
    return json_response(namespace_access(ctx, session))


async def put_namespaces(request: web.Request) -> web.Response:
    """Replace the saved list; the cluster re-plans at once (sources start or stop)."""
    ctx = context_of(request)
    session = ctx.session(request.match_info["cluster"])
    names = parse_namespaces(await json_object_body(request))
    context = session.entry.context
    flag = unique(ctx.namespace_flags.get(context, ()))
    saved = [n for n in names if n not in flag]
    if ctx.security.users is not None:
        # In-cluster mode: every user's session has the same context name, so the list is the
        # session's own, kept while it lives (one user's names are not another's to see).
        await session.set_namespaces(merged(flag, saved))
    else:
        if ctx.settings is not None:
            await ctx.settings.put(KEY_PREFIX + context, saved)
        await ctx.registry.set_namespaces(session.id, merged(flag, saved))
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(REPLAN_WAIT):
            await session.recheck()
    return json_response(namespace_access(ctx, session))

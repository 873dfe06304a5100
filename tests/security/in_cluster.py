"""masthead in in-cluster mode against the simulator over real HTTPS: a service account
directory (token, ca.crt, namespace) and KUBERNETES_SERVICE_HOST/PORT pointing at it, and
users who bring their own tokens (the simulator's `admin` and the restricted `jane`)."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from masthead.api.feeds import FeedTuning
from masthead.identity import IdentityTuning, InClusterOptions
from masthead.kube.tuning import Tuning
from masthead.server import Server, ServerConfig
from masthead.sim.app import RESTRICTED_NAMESPACES, SimConfig, Simulator
from masthead.sim.rbac import UserInfo
from masthead.sim.registry import WriteContext
from masthead.sim.resources import builtin
from tests.api.harness import TUNING, eventually_async

SA_TOKEN = "masthead-service-account-token"
SA_USER = "system:serviceaccount:masthead:masthead"
JANE_NAMESPACES = frozenset(RESTRICTED_NAMESPACES)
RBAC = "rbac.authorization.k8s.io"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class InCluster:
    sim: Simulator
    server: Server
    http: aiohttp.ClientSession

    @property
    def base(self) -> str:
        return self.server.base

    @property
    def admin(self) -> str:
        return self.sim.admin_token

    @property
    def jane(self) -> str:
        return self.sim.restricted_token

    async def request(
        self, method: str, path: str, token: str | None = None, **kw: Any
    ) -> tuple[int, Any, aiohttp.ClientResponse]:
        headers = {**(bearer(token) if token else {}), **kw.pop("headers", {})}
        async with self.http.request(method, self.base + path, headers=headers, **kw) as r:
            raw = await r.read()
            data = orjson.loads(raw) if raw and "json" in r.content_type else raw
            return r.status, data, r

    async def get(self, path: str, token: str | None = None, **kw: Any) -> tuple[int, Any, Any]:
        return await self.request("GET", path, token, **kw)

    async def page(self, token: str, view: str, **params: Any) -> dict[str, Any]:
        status, data, _ = await self.get(
            f"/api/v1/clusters/in-cluster/views/{view}",
            token,
            params={k: str(v) for k, v in params.items()},
        )
        assert status == 200, data
        assert isinstance(data, dict)
        return data

    async def connected(self, token: str) -> None:
        async def ready() -> bool:
            status, data, _ = await self.get("/api/v1/clusters/in-cluster", token)
            return status == 200 and data["state"] in ("ready", "degraded")

        await eventually_async(ready, 20)


def add_user(sim: Simulator, name: str, namespace: str, rules: list[dict[str, Any]]) -> str:
    """A new user with a token and a Role of `rules` in `namespace`; returns the token."""
    token = f"{name}-token"
    sim.authn.add(token, UserInfo(name=name, groups=("system:authenticated",)))
    add_role(sim, f"{name}-role", namespace, rules, name)
    return token


def add_role(
    sim: Simulator, role: str, namespace: str, rules: list[dict[str, Any]], user: str
) -> None:
    """A Role of `rules` in `namespace`, bound to `user`."""
    ctx = WriteContext("test")
    sim.registry.create(
        builtin(RBAC, "roles"), namespace, {"metadata": {"name": role}, "rules": rules}, ctx
    )
    binding = {
        "metadata": {"name": f"{role}-binding"},
        "roleRef": {"apiGroup": RBAC, "kind": "Role", "name": role},
        "subjects": [{"apiGroup": RBAC, "kind": "User", "name": user}],
    }
    sim.registry.create(builtin(RBAC, "rolebindings"), namespace, binding, ctx)


def write_service_account(sim: Simulator, directory: Path) -> dict[str, str]:
    """The pod's mounted service account, and the environment a pod gets."""
    assert sim.certs is not None
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "token").write_text(SA_TOKEN)
    (directory / "ca.crt").write_bytes(sim.certs.ca_pem)
    (directory / "namespace").write_text("masthead")
    return {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": str(sim.port)}


@asynccontextmanager
async def in_cluster(
    scenario: str = "demo",
    *,
    identity: IdentityTuning | None = None,
    tuning: Tuning = TUNING,
    feeds: FeedTuning | None = None,
    web_dist: Path | None = None,
    **sim_config: Any,
) -> AsyncIterator[InCluster]:
    config = SimConfig(scenario=scenario, controllers=frozenset(), https=True, **sim_config)
    with tempfile.TemporaryDirectory(prefix="masthead-in-cluster-") as tmp:
        async with Simulator(config) as sim:
            sim.authn.add(SA_TOKEN, UserInfo(name=SA_USER, groups=("system:serviceaccounts",)))
            env = write_service_account(sim, Path(tmp) / "serviceaccount")
            options = InClusterOptions(
                account_dir=Path(tmp) / "serviceaccount",
                env=env,
                bind="127.0.0.1",
                tuning=identity or IdentityTuning(),
            )
            server = Server(
                ServerConfig(
                    in_cluster=options,
                    tuning=tuning,
                    data_dir=Path(tmp) / "data",
                    web_dist=web_dist,
                    feeds=feeds or FeedTuning(),
                    namespaces={"in-cluster": RESTRICTED_NAMESPACES},
                )
            )
            await server.start()
            try:
                # unsafe: keep cookies from an IP address host (the login session).
                async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                    yield InCluster(sim, server, http)
            finally:
                await server.stop()

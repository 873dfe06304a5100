"""The in-cluster building blocks on their own: the in-cluster loader, token validation
against the simulator (cache, singleflight, rejections), login sessions (cap, idle expiry)
and the command line."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from masthead.api.login import LoginSessions
from masthead.cli import _in_cluster_options, _server_options
from masthead.identity import Identity, IdentityTuning, InvalidToken
from masthead.kube.errors import CredentialError
from masthead.kube.kubeconfig import (
    ClusterCredentials,
    in_cluster_entry,
    load_in_cluster,
    service_account_credentials,
)
from masthead.kube.transport import Transport
from masthead.sim.app import SimConfig, Simulator
from masthead.sim.rbac import UserInfo
from masthead.token_review import TokenValidator
from tests.kube.kubesim import FAST
from tests.security.in_cluster import SA_TOKEN, SA_USER, write_service_account


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_in_cluster_loader_names_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(CredentialError, match="Service host/port is not set"):
        load_in_cluster(tmp_path, {})
    env = {"KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    with pytest.raises(CredentialError, match="token file does not exist"):
        load_in_cluster(tmp_path, env)
    (tmp_path / "token").write_text("t")
    with pytest.raises(CredentialError, match="certification file does not exist"):
        load_in_cluster(tmp_path, env)
    (tmp_path / "ca.crt").write_text("not a certificate")
    (tmp_path / "namespace").write_text("masthead\n")
    target = load_in_cluster(tmp_path, {**env, "KUBERNETES_SERVICE_HOST": "fd00::1"})
    assert target.server == "https://[fd00::1]:443"
    assert target.namespace == "masthead" and target.ca_file == tmp_path / "ca.crt"
    with pytest.raises(CredentialError, match="in-cluster CA"):
        service_account_credentials(target)


async def validator_for(
    sim: Simulator, tmp: Path, tuning: IdentityTuning, clock: Clock
) -> TokenValidator:
    env = write_service_account(sim, tmp)
    target = load_in_cluster(tmp, env)
    entry = in_cluster_entry(target, "sa", "sa")
    creds = ClusterCredentials(entry, FAST, lambda _, g: service_account_credentials(target, g))
    return TokenValidator(Transport(creds, FAST), tuning, clock)


async def test_tokens_are_validated_by_the_api_server_and_cached(tmp_path: Path) -> None:
    clock = Clock()
    tuning = IdentityTuning(validation_ttl=60.0, rejection_ttl=10.0)
    async with Simulator(SimConfig(https=True)) as sim:
        sim.authn.add(SA_TOKEN, UserInfo(name=SA_USER, groups=("system:serviceaccounts",)))
        v = await validator_for(sim, tmp_path, tuning, clock)
        try:
            jane = await v.validate(sim.restricted_token)
            assert jane.username == "jane" and "dev-team" in jane.groups
            admin = await v.validate(sim.admin_token)
            assert admin.username == "admin" and jane.cluster_id != admin.cluster_id
            assert v.counters.reviews == 2
            # Cached: no second review within the TTL; concurrent askers share one review.
            assert await v.validate(sim.restricted_token) == jane
            assert v.counters.reviews == 2 and v.counters.hits == 1
            clock.now += 61.0
            both = await asyncio.gather(*(v.validate(sim.admin_token) for _ in range(5)))
            assert set(both) == {admin}
            assert v.counters.reviews == 3 and v.counters.joined == 4

            with pytest.raises(InvalidToken, match="Unauthorized"):
                await v.validate("no-such-token")
            with pytest.raises(InvalidToken):
                await v.validate("no-such-token")
            assert v.counters.rejected == 1, "a rejection is cached for rejection_ttl"
            # A token revoked on the server stops validating once its entry expires.
            assert await v.validate(sim.restricted_token) == jane  # validated again now
            sim.authn.revoke(sim.restricted_token)
            assert await v.validate(sim.restricted_token) == jane  # until the entry expires
            clock.now += 61.0
            with pytest.raises(InvalidToken):
                await v.validate(sim.restricted_token)
        finally:
            await v.transport.close()


def test_identity_keys_are_stable_and_order_free() -> None:
    a = Identity("jane", ("dev-team", "system:authenticated"))
    b = Identity("jane", ("system:authenticated", "dev-team"), uid="x")
    assert a.key == b.key and a.cluster_id == f"in-cluster-{a.key}"
    assert Identity("jane", ("other",)).key != a.key
    assert "jane" not in a.cluster_id


def test_login_sessions_are_capped_and_expire_when_idle() -> None:
    clock = Clock()
    logins = LoginSessions(IdentityTuning(max_logins=2, login_idle=100.0), clock)
    jane = Identity("jane")
    first = logins.create("t1", jane)
    second = logins.create("t2", jane)
    assert logins.token(first) == "t1"  # used: now the most recent
    third = logins.create("t3", jane)  # the cap drops the least recently used (second)
    assert logins.token(second) is None and logins.counters.evicted == 1
    assert logins.token(third) == "t3"
    clock.now += 100.0
    assert logins.token(first) is None and logins.counters.expired == 1
    logins.end(third)
    assert logins.token(third) is None and logins.counters.logged_out == 1
    assert logins.as_dict()["sessions"] == 0
    assert len({first, second, third}) == 3 and all(len(s) >= 40 for s in (first, second))


def test_the_in_cluster_flags() -> None:
    import argparse

    p = argparse.ArgumentParser()
    _server_options(p)
    options = _in_cluster_options(
        p.parse_args(["--in-cluster", "--public-host", "masthead.example.com"])
    )
    assert options is not None and options.public_hosts == ("masthead.example.com",)
    assert str(options.account_dir) == "/var/run/secrets/kubernetes.io/serviceaccount"
    assert _in_cluster_options(p.parse_args([])) is None
    with pytest.raises(SystemExit, match="need --in-cluster"):
        _in_cluster_options(p.parse_args(["--public-host", "x"]))

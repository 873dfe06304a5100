"""Kubeconfig: every context becomes a `ClusterEntry`; `ClusterCredentials` turns one into what
aiohttp needs (an `ssl.SSLContext`, auth headers, proxy, TLS server name).

Loading rules follow client-go: the files named by KUBECONFIG (path-list, merged, first
definition of a name wins, first non-empty current-context wins), else ~/.kube/config; then any
extra files or directories the user configured. Credentials go through the official
`kubernetes` package's `KubeConfigLoader` (tokens, token files, client certs, exec plugins with
expiry, OIDC, auth providers), always off the event loop because exec plugins may block for a
long time (browser logins, cloud CLIs).
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import logging
import os
import re
import ssl
import tempfile
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from masthead.kube.errors import CredentialError
from masthead.kube.tuning import Tuning
from masthead.tasks import cancel_and_wait

DEFAULT_KUBECONFIG = Path("~/.kube/config")

# Where credential plugins (aws, gke-gcloud-auth-plugin, kubelogin, az, doctl...) usually live.
# A dashboard started from a desktop launcher or a service has a minimal PATH without them.
_EXEC_PATH_DIRS = (
    "/usr/local/bin",
    "/opt/homebrew/bin",
    "/opt/local/bin",
    "~/.local/bin",
    "~/bin",
    "~/go/bin",
    "~/.krew/bin",
    "~/google-cloud-sdk/bin",
    "/usr/local/google-cloud-sdk/bin",
    "/opt/homebrew/share/google-cloud-sdk/bin",
    "/usr/lib/google-cloud-sdk/bin",
    "/snap/bin",
    "~/.nix-profile/bin",
    "/nix/var/nix/profiles/default/bin",
    "~/.asdf/shims",
    "/usr/bin",
    "/bin",
)

# Keys that name files, per section, which client-go resolves relative to the defining file.
_PATH_KEYS = {
    "cluster": ("certificate-authority",),
    "user": ("client-certificate", "client-key", "tokenFile"),
}


@dataclass(frozen=True, slots=True)
class ClusterEntry:
    """One kubeconfig context: what to show and how to reach it."""

    id: str  # stable and URL-safe, derived from the context name
    name: str  # what the UI shows (the context name)
    context: str
    cluster: str
    user: str
    server: str
    namespace: str | None  # the context's default namespace
    source: Path | None  # the file that defined the context
    # A self-contained kubeconfig (this context, its cluster and user, paths absolute).
    config: Mapping[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Kubeconfig:
    entries: tuple[ClusterEntry, ...]
    current_context: str | None
    files: tuple[Path, ...]
    errors: tuple[str, ...] = ()  # files skipped as unparsable (with `skip_unparsable`)

    def entry(self, id_or_context: str) -> ClusterEntry:
        for e in self.entries:
            if id_or_context in (e.id, e.context):
                return e
        raise KeyError(id_or_context)


def standard_paths(env: Mapping[str, str] | None = None) -> list[Path]:
    """KUBECONFIG's path list if set (empty items skipped), else ~/.kube/config."""
    env = os.environ if env is None else env
    raw = env.get("KUBECONFIG", "")
    if raw:
        return [Path(p).expanduser() for p in raw.split(os.pathsep) if p]
    return [DEFAULT_KUBECONFIG.expanduser()]


def expand_extra(extra: Sequence[Path]) -> list[Path]:
    """Extra kubeconfig locations: files as is, directories as their visible regular files."""
    out: list[Path] = []
    for p in extra:
        p = p.expanduser()
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith("."))
        else:
            out.append(p)
    return out


def load_kubeconfig(
    paths: Sequence[Path] | None = None,
    extra: Sequence[Path] = (),
    env: Mapping[str, str] | None = None,
    *,
    skip_unparsable: bool = False,
) -> Kubeconfig:
    """Merge the kubeconfig files (standard rules, then `extra`) into cluster entries.

    Missing files are skipped, as kubectl does; an unparsable file raises `CredentialError`,
    or with `skip_unparsable` is left out and named in `errors`.
    """
    files = [*(standard_paths(env) if paths is None else list(paths)), *expand_extra(extra)]
    clusters: dict[str, tuple[dict[str, Any], Path]] = {}
    users: dict[str, tuple[dict[str, Any], Path]] = {}
    contexts: dict[str, tuple[dict[str, Any], Path]] = {}
    current: str | None = None
    read: list[Path] = []
    errors: list[str] = []
    for path in files:
        try:
            doc = _read_yaml(path)
        except CredentialError as e:
            if not skip_unparsable:
                raise
            errors.append(str(e))
            continue
        if doc is None:
            continue
        read.append(path)
        for section, target in (("clusters", clusters), ("users", users), ("contexts", contexts)):
            for item in doc.get(section) or ():
                name = item.get("name")
                if isinstance(name, str) and name not in target:
                    target[name] = (item, path)
        if not current and doc.get("current-context"):
            current = str(doc["current-context"])
    entries = [_entry(name, ctx, path, clusters, users) for name, (ctx, path) in contexts.items()]
    return Kubeconfig(tuple(_unique_ids(entries)), current, tuple(read), tuple(errors))


def _read_yaml(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text()
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise CredentialError(f"{path}: not valid YAML: {e}") from e
    if doc is None:
        return None
    if not isinstance(doc, dict):
        raise CredentialError(f"{path}: not a kubeconfig (top level is not a mapping)")
    return doc


def _absolute(section: dict[str, Any], keys: Sequence[str], base: Path) -> dict[str, Any]:
    out = copy.deepcopy(section)
    for k in keys:
        v = out.get(k)
        if isinstance(v, str) and v and not os.path.isabs(v):
            out[k] = str((base / os.path.expanduser(v)).resolve())
    return out


def _entry(
    name: str,
    ctx_item: dict[str, Any],
    ctx_path: Path,
    clusters: Mapping[str, tuple[dict[str, Any], Path]],
    users: Mapping[str, tuple[dict[str, Any], Path]],
) -> ClusterEntry:
    ctx = ctx_item.get("context") or {}
    cluster_name = str(ctx.get("cluster") or "")
    user_name = str(ctx.get("user") or "")
    cluster_item, cluster_path = clusters.get(cluster_name, ({"name": cluster_name}, ctx_path))
    cluster = _absolute(
        cluster_item.get("cluster") or {}, _PATH_KEYS["cluster"], cluster_path.parent
    )
    user_item, user_path = users.get(user_name, ({"name": user_name}, ctx_path))
    user = _absolute(user_item.get("user") or {}, _PATH_KEYS["user"], user_path.parent)
    if isinstance(user.get("exec"), dict):
        user["exec"] = _exec_with_path(user["exec"], user_path.parent)
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster_name, "cluster": cluster}],
        "users": [{"name": user_name, "user": user}],
        "contexts": [{"name": name, "context": ctx}],
        "current-context": name,
    }
    return ClusterEntry(
        id=_slug(name),
        name=name,
        context=name,
        cluster=cluster_name,
        user=user_name,
        server=str(cluster.get("server") or ""),
        namespace=ctx.get("namespace") or None,
        source=ctx_path,
        config=config,
    )


def exec_search_path(current: str | None = None) -> str:
    """The caller's PATH followed by the usual credential-plugin install dirs that exist."""
    parts = [p for p in (current if current is not None else os.environ.get("PATH", "")).split(":")]
    for d in _EXEC_PATH_DIRS:
        full = os.path.expanduser(d)
        if full not in parts and os.path.isdir(full):
            parts.append(full)
    return ":".join(p for p in parts if p)


def _exec_with_path(exec_cfg: dict[str, Any], base: Path) -> dict[str, Any]:
    out = dict(exec_cfg)
    env = [dict(e) for e in out.get("env") or ()]
    if not any(e.get("name") == "PATH" for e in env):
        env.append({"name": "PATH", "value": exec_search_path()})
    out["env"] = env
    cmd = out.get("command")
    # client-go resolves a relative command containing a separator against the file's dir.
    if isinstance(cmd, str) and os.sep in cmd and not os.path.isabs(cmd):
        out["command"] = str((base / cmd).resolve())
    return out


_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9._~-]+")


def _slug(name: str) -> str:
    """URL-safe id; names that needed changing get a short hash so ids stay distinct."""
    slug = _SLUG_UNSAFE.sub("-", name).strip("-").lower() or "context"
    if slug != name:
        slug = f"{slug[:48]}-{hashlib.sha256(name.encode()).hexdigest()[:6]}"
    return slug


def _unique_ids(entries: list[ClusterEntry]) -> Iterator[ClusterEntry]:
    seen: set[str] = set()
    for e in entries:
        if e.id in seen:  # two names with the same slug and hash prefix: practically never
            e = _replace_id(e, f"{e.id}-{len(seen)}")
        seen.add(e.id)
        yield e


def _replace_id(e: ClusterEntry, new_id: str) -> ClusterEntry:
    return ClusterEntry(
        new_id, e.name, e.context, e.cluster, e.user, e.server, e.namespace, e.source, e.config
    )


# ---------------------------------------------------------------------------- credentials


@dataclass(frozen=True, slots=True)
class Credentials:
    """What one request needs to reach and authenticate to the server."""

    server: str
    headers: Mapping[str, str]
    ssl: ssl.SSLContext | None  # None for plain http
    server_hostname: str | None  # tls-server-name
    proxy: str | None
    expiry: datetime | None
    generation: int  # bumps on every load; lets concurrent 401s share one refresh


class _CapturedLog(logging.Handler):
    """Collects what the kubernetes loader logs on this thread (it logs exec failures
    instead of raising them)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


def load_credentials(entry: ClusterEntry, generation: int = 0) -> Credentials:
    """Blocking: run the official loader (and any exec plugin) for one entry."""
    from kubernetes.client import Configuration
    from kubernetes.config import kube_config
    from kubernetes.config.config_exception import ConfigException

    # The kubernetes package is untyped: treat its loader as Any at this one boundary.
    loader_class: Any = kube_config.KubeConfigLoader
    cfg = Configuration()
    capture = _CapturedLog()
    root = logging.getLogger()
    root.addHandler(capture)
    try:
        with tempfile.TemporaryDirectory(prefix="masthead-cred-") as tmp:
            loader = loader_class(
                copy.deepcopy(dict(entry.config)),
                active_context=entry.context,
                config_base_path="",
                temp_file_path=tmp,
            )
            loader.load_and_set(cfg)
            context = _ssl_context(cfg) if cfg.host.startswith("https") else None
            if cfg.cert_file:  # the loader's temporary copy exists only in this block
                _check_not_expired(entry, Path(cfg.cert_file))
    except ConfigException as e:
        raise CredentialError(f"{entry.name}: {e}") from e
    except (OSError, ssl.SSLError, ValueError) as e:
        raise CredentialError(f"{entry.name}: {type(e).__name__}: {e}") from e
    finally:
        root.removeHandler(capture)
    headers: dict[str, str] = {}
    auth = cfg.api_key.get("BearerToken")
    if auth:
        headers["Authorization"] = auth
    user = dict(entry.config["users"][0]["user"])
    if "exec" in user and not auth and not cfg.cert_file:
        detail = "; ".join(capture.messages) or "it produced no credentials"
        raise CredentialError(f"{entry.name}: exec plugin failed: {detail}")
    expiry = getattr(loader, "expiry", None)
    if isinstance(expiry, datetime) and expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=UTC)
    return Credentials(
        server=cfg.host.rstrip("/"),
        headers=headers,
        ssl=context,
        server_hostname=cfg.tls_server_name or None,
        proxy=cfg.proxy or None,
        expiry=expiry if isinstance(expiry, datetime) else None,
        generation=generation,
    )


def _check_not_expired(entry: ClusterEntry, cert_file: Path) -> None:
    """An expired client certificate fails every TLS handshake with a vague alert from the
    server; say what is wrong before connecting."""
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    ends = cert.not_valid_after_utc
    if ends < datetime.now(UTC):
        raise CredentialError(
            f"{entry.name}: client certificate expired at {ends.strftime('%Y-%m-%dT%H:%M:%SZ')}"
        )


def _ssl_context(cfg: Any) -> ssl.SSLContext:
    # The loader wrote inline data to temp files; SSLContext reads them now, before cleanup.
    ctx = ssl.create_default_context(cafile=cfg.ssl_ca_cert or None)
    if cfg.cert_file and cfg.key_file:
        ctx.load_cert_chain(cfg.cert_file, cfg.key_file)
    if not cfg.verify_ssl:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


class ClusterCredentials:
    """The current credentials of one cluster, loaded off the event loop, refreshed on expiry
    and on demand (after a 401). Concurrent refreshes share one load."""

    def __init__(
        self,
        entry: ClusterEntry,
        tuning: Tuning,
        loader: Callable[[ClusterEntry, int], Credentials] = load_credentials,
    ) -> None:
        self.entry = entry
        self.tuning = tuning
        self._loader = loader
        self._current: Credentials | None = None
        self._inflight: asyncio.Future[Credentials] | None = None
        self._generation = 0
        self._hung: asyncio.Future[Credentials] | None = None  # a load past its timeout

    async def get(self) -> Credentials:
        cur = self._current
        if cur is None or self._expiring(cur):
            return await self._load()
        return cur

    async def refresh(self, seen_generation: int | None = None) -> Credentials:
        """Reload (re-running exec plugins). If someone already reloaded since the caller's
        credentials (`seen_generation`), use theirs instead of loading again."""
        cur = self._current
        if cur is not None and seen_generation is not None and cur.generation > seen_generation:
            return cur
        return await self._load()

    def _expiring(self, cur: Credentials) -> bool:
        if cur.expiry is None:
            return False
        left = (cur.expiry - datetime.now(UTC)).total_seconds()
        return left < self.tuning.credential_expiry_margin

    def _load(self) -> Awaitable[Credentials]:
        if self._inflight is None:
            self._generation += 1
            self._inflight = asyncio.ensure_future(self._run_loader(self._generation))
        return asyncio.shield(self._inflight)

    async def _run_loader(self, generation: int) -> Credentials:
        timeout = self.tuning.credential_timeout
        try:
            if self._hung is not None and not self._hung.done():
                raise CredentialError(
                    f"{self.entry.name}: loading credentials still running after {timeout:g} s "
                    "(a hung exec plugin?)"
                )
            work = asyncio.ensure_future(asyncio.to_thread(self._loader, self.entry, generation))
            try:
                creds = await asyncio.wait_for(asyncio.shield(work), timeout)
            except TimeoutError:
                self._hung = work  # a thread cannot be killed: one at a time, never more
                work.add_done_callback(_consume_result)
                raise CredentialError(
                    f"{self.entry.name}: credentials not loaded within {timeout:g} s "
                    "(a hung exec plugin?)"
                ) from None
            self._current = creds
            return creds
        finally:
            self._inflight = None


def _consume_result(f: asyncio.Future[Credentials]) -> None:
    """A hung load that ends after its caller gave up: its outcome is dropped, not logged
    as an unretrieved exception."""
    if not f.cancelled():
        f.exception()


class KubeconfigPoller:
    """Watches kubeconfig files by polling their mtimes (simple and portable; inotify would
    save a stat per file per interval, which is not worth a dependency)."""

    def __init__(
        self,
        paths: Sequence[Path],
        tuning: Tuning,
        on_change: Callable[[], Awaitable[None]],
    ) -> None:
        self.paths = list(paths)
        self.tuning = tuning
        self.on_change = on_change
        self._task: asyncio.Task[None] | None = None
        self._last: tuple[tuple[str, tuple[int, int] | None], ...] = ()

    def _stamp(self) -> tuple[tuple[str, tuple[int, int] | None], ...]:
        # Size as well as mtime: two writes within one coarse filesystem clock tick share
        # an mtime.
        out: list[tuple[str, tuple[int, int] | None]] = []
        for p in self.paths:
            try:
                st = p.stat()
                out.append((str(p), (st.st_mtime_ns, st.st_size)))
            except OSError:
                out.append((str(p), None))
        return tuple(out)

    def start(self) -> None:
        # The baseline is taken now, not when the task first runs: a file written right
        # after start() is a change (the caller has read the files already).
        self._last = self._stamp()
        self._task = asyncio.create_task(self._run(), name="kubeconfig-poller")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _run(self) -> None:
        last = self._last
        while True:
            await asyncio.sleep(self.tuning.kubeconfig_poll_interval)
            now = await asyncio.to_thread(self._stamp)
            if now != last:
                last = now
                await self.on_change()


# ---------------------------------------------------------------------------- in-cluster

# Where Kubernetes mounts a pod's service account (token, ca.crt, namespace).
SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
IN_CLUSTER = "in-cluster"  # the context name (and URL alias) of the in-cluster cluster


@dataclass(frozen=True, slots=True)
class InClusterTarget:
    """The API server a pod reaches: from KUBERNETES_SERVICE_HOST/PORT and the mounted
    service account (read by the official package's `InClusterConfigLoader`)."""

    server: str
    ca_file: Path
    token_file: Path
    namespace: str | None  # the pod's namespace


def load_in_cluster(
    account_dir: Path = SERVICE_ACCOUNT_DIR, env: Mapping[str, str] | None = None
) -> InClusterTarget:
    """Blocking: the in-cluster target; `CredentialError` naming what is missing."""
    from kubernetes.client import Configuration
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.incluster_config import InClusterConfigLoader

    token_file, ca_file = account_dir / "token", account_dir / "ca.crt"
    # The kubernetes package is untyped: its loader is Any at this one boundary.
    loader_class: Any = InClusterConfigLoader
    loader: Any = loader_class(
        token_filename=str(token_file),
        cert_filename=str(ca_file),
        try_refresh_token=False,
        environ=dict(os.environ if env is None else env),
    )
    cfg = Configuration()
    try:
        loader.load_and_set(cfg)
    except ConfigException as e:
        raise CredentialError(f"in-cluster configuration ({account_dir}): {e}") from e
    ns_file = account_dir / "namespace"
    namespace = ns_file.read_text().strip() if ns_file.is_file() else ""
    return InClusterTarget(cfg.host.rstrip("/"), ca_file, token_file, namespace or None)


def in_cluster_entry(target: InClusterTarget, id: str, user: str) -> ClusterEntry:
    """The entry of one user's view of the in-cluster API server. Its credentials never come
    from `config` (see `bearer_credentials`); the kubeconfig form is for display only. No
    default namespace: the pod's own says nothing about where a user works (configure the
    namespaces to try with `namespaces={"in-cluster": [...]}`)."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": IN_CLUSTER,
                "cluster": {"server": target.server, "certificate-authority": str(target.ca_file)},
            }
        ],
        "users": [{"name": user, "user": {}}],
        "contexts": [{"name": IN_CLUSTER, "context": {"cluster": IN_CLUSTER, "user": user}}],
        "current-context": IN_CLUSTER,
    }
    return ClusterEntry(
        id=id,
        name=IN_CLUSTER,
        context=IN_CLUSTER,
        cluster=IN_CLUSTER,
        user=user,
        server=target.server,
        namespace=None,
        source=None,
        config=config,
    )


def bearer_credentials(target: InClusterTarget, token: str, generation: int = 0) -> Credentials:
    """Blocking (reads the CA file): credentials that send `token` to the in-cluster server."""
    try:
        context = ssl.create_default_context(cafile=str(target.ca_file))
    except (OSError, ssl.SSLError) as e:
        raise CredentialError(f"in-cluster CA {target.ca_file}: {e}") from e
    return Credentials(
        server=target.server,
        headers={"Authorization": f"Bearer {token}"},
        ssl=context,
        server_hostname=None,
        proxy=None,
        expiry=None,
        generation=generation,
    )


def service_account_credentials(target: InClusterTarget, generation: int = 0) -> Credentials:
    """Blocking: the pod's own service account token (re-read on every load: it rotates)."""
    try:
        token = target.token_file.read_text().strip()
    except OSError as e:
        raise CredentialError(f"service account token {target.token_file}: {e}") from e
    return bearer_credentials(target, token, generation)

"""`masthead` command line: the dashboard server (`masthead [options]`) and `masthead sim`
(the Kubernetes API simulator)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from masthead.identity import InClusterOptions
    from masthead.sim.app import Simulator


def _sim_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sim", help="run the Kubernetes API simulator")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: pick a free one)")
    p.add_argument("--kubeconfig-out", type=Path, help="write the kubeconfig here")
    # HTTPS by default: kubectl does not send bearer tokens to a plain-HTTP server.
    p.add_argument("--http", action="store_true", help="serve plain HTTP instead of HTTPS")
    p.add_argument(
        "--scenario",
        default="empty",
        choices=("empty", "demo", "small", "large", "huge", "restricted"),
        help="world to build (default empty)",
    )
    p.add_argument("--seed", type=int, default=1, help="seed for generated worlds")
    # World knobs: override the scenario's defaults (masthead.sim.world.scenario.WorldKnobs).
    for flag, what in (
        ("--nodes", "nodes"),
        ("--namespaces", "generated namespaces"),
        ("--deployments", "generated deployments"),
        ("--pods-per-deployment", "replicas of each generated deployment"),
        ("--crds", "CustomResourceDefinitions (with custom resources)"),
    ):
        p.add_argument(flag, type=int, default=None, metavar="N", help=what)
    p.add_argument(
        "--bulk-pods",
        type=int,
        default=0,
        metavar="N",
        help="also load N realistic pods straight into storage, without controllers "
        "(masthead.sim.podgen.load_pods: fast, for large-table tests)",
    )
    p.add_argument(
        "--epoch", type=float, default=None, help="world anchor time, Unix s (default: now)"
    )
    p.add_argument(
        "--history-size",
        type=int,
        default=None,
        help="at most this many watch history events per resource (default 102400)",
    )
    p.add_argument(
        "--history-seconds",
        type=float,
        default=None,
        metavar="SECONDS",
        help="keep every watch history event younger than this, caps permitting (default 75)",
    )
    p.add_argument(
        "--history-bytes",
        type=int,
        default=None,
        metavar="BYTES",
        help="byte cap of all resources' watch histories together "
        "(default 1.5 GiB; oldest events of any resource evicted first)",
    )
    p.add_argument(
        "--no-watch-list", action="store_true", help="behave like servers with WatchList off"
    )
    p.add_argument(
        "--controllers",
        default="all",
        metavar="all|none|a,b",
        help="simulated controllers to run (default all; names: masthead.sim.controllers)",
    )
    p.add_argument(
        "--metrics",
        default="ok",
        choices=("ok", "absent", "forbidden", "unavailable"),
        metavar="STATE",
        help="metrics.k8s.io: ok, absent, forbidden or unavailable (default ok)",
    )
    p.add_argument(
        "--log-rate",
        type=float,
        default=1.0,
        metavar="LINES_PER_S",
        help="mean log lines per second of each container (default 1)",
    )
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME[=ARGS]",
        help="a fault in force from the start (repeatable; names in masthead.sim.faults; "
        "ARGS: k=v,k=v or a JSON object, e.g. throttle=fraction=0.1,retryAfter=2)",
    )
    p.add_argument(
        "--churn",
        type=float,
        default=None,
        metavar="EVENTS_PER_S",
        help="changes per second made by the churn driver until exit (masthead.sim.churn)",
    )


async def _run_sim(args: argparse.Namespace) -> int:
    from masthead.sim.app import SimConfig, Simulator
    from masthead.sim.gc_freeze import DEFAULT_EVERY as GC_FREEZE_EVERY

    knobs = {
        k: getattr(args, k)
        for k in ("nodes", "namespaces", "deployments", "pods_per_deployment", "crds", "epoch")
        if getattr(args, k) is not None
    }
    cfg = SimConfig(
        port=args.port,
        https=not args.http,
        kubeconfig_out=args.kubeconfig_out,
        watch_list_enabled=not args.no_watch_list,
        scenario=args.scenario,
        seed=args.seed,
        world_knobs=knobs,
        gc_freeze_every=GC_FREEZE_EVERY,  # this process is the simulator alone
    )
    if args.history_size is not None:
        cfg.history_size = args.history_size
    if args.history_bytes is not None:
        if args.history_bytes < 0:
            print("masthead sim: --history-bytes: must be >= 0", file=sys.stderr)
            return 2
        cfg.history_bytes = args.history_bytes
    if args.history_seconds is not None:
        if not args.history_seconds >= 0:  # NaN too
            print("masthead sim: --history-seconds: must be >= 0", file=sys.stderr)
            return 2
        cfg.history_seconds = args.history_seconds
    from masthead.sim.controllers import parse_controllers

    try:
        cfg.controllers = parse_controllers(args.controllers)
    except ValueError as e:
        print(f"masthead sim: --controllers: {e}", file=sys.stderr)
        return 2
    cfg.metrics = args.metrics
    cfg.logs.rate = args.log_rate
    if args.bulk_pods < 0:
        print("masthead sim: --bulk-pods: must be >= 0", file=sys.stderr)
        return 2
    sim = Simulator(cfg)
    if args.bulk_pods:
        from masthead.sim.podgen import load_pods

        load_pods(sim.store, args.bulk_pods)
        print(f"masthead sim: {args.bulk_pods} bulk pods loaded", flush=True)
    await sim.start()
    print(f"masthead sim: Kubernetes API on {sim.url}", flush=True)
    if sim.world is not None:
        w = sim.world
        print(
            f"masthead sim: scenario {args.scenario} (seed {args.seed}): "
            f"{w.count('nodes')} nodes, {len(w.namespaces)} namespaces, {w.count('pods')} pods, "
            f"built in {w.seconds:.1f}s",
            flush=True,
        )
    print(f"masthead sim: kubeconfig {sim.kubeconfig_path} (contexts: admin, restricted)")
    print(f"  kubectl --kubeconfig {sim.kubeconfig_path} get namespaces", flush=True)
    if not await _start_faults_and_churn(sim, args):
        await sim.stop()
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await sim.stop()
    return 0


async def _start_faults_and_churn(sim: Simulator, args: argparse.Namespace) -> bool:
    """Put the `--fault`s in force and start `--churn`; False (after saying why) on bad flags."""
    from masthead.sim.churn import Churn, ChurnError
    from masthead.sim.faults import FaultError, parse_fault_flag

    try:
        for text in args.fault:
            name, params = parse_fault_flag(text)
            await sim.faults.set(name, params)
            print(f"masthead sim: fault {name} {params or ''}".rstrip(), flush=True)
        if args.churn is not None:
            sim.admin.start_churn(Churn(sim, args.churn, seed=args.seed))
            print(f"masthead sim: churn {args.churn:g} changes/s", flush=True)
    except (FaultError, ChurnError) as e:
        print(f"masthead sim: {e}", file=sys.stderr)
        return False
    return True


def _server_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--kubeconfig",
        action="append",
        type=Path,
        metavar="PATH",
        help="kubeconfig file (repeatable; default: KUBECONFIG or ~/.kube/config)",
    )
    p.add_argument("--context", help="context to open at start (default: the current one)")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument(
        "--demo", action="store_true", help="serve the simulator's demo world (in-process)"
    )
    p.add_argument("--token", help="launch token (default: random per run)")
    p.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="where the SQLite database lives (default: $XDG_DATA_HOME/masthead or "
        "~/.local/share/masthead)",
    )
    p.add_argument(
        "--read-only",
        action="append",
        default=[],
        metavar="CONTEXT",
        help="refuse actions on this context (repeatable)",
    )
    p.add_argument(
        "--read-only-pattern",
        action="append",
        default=[],
        metavar="GLOB",
        help="refuse actions on every context whose name matches this glob, e.g. '*prod*' "
        "(repeatable)",
    )
    p.add_argument(
        "--namespaces",
        action="append",
        default=[],
        type=_context_namespaces,
        metavar="CONTEXT=NS[,NS...]",
        help="namespaces to try in a context whose user cannot list namespaces (repeatable; "
        "the context's own namespace is always tried)",
    )
    p.add_argument(
        "--confirm",
        action="append",
        default=[],
        metavar="CONTEXT",
        help="destructive actions on this context need the object's name typed back (repeatable)",
    )
    p.add_argument(
        "--in-cluster",
        action="store_true",
        help="run inside a cluster for many users: no kubeconfig, no launch token; each user "
        "signs in with their own Kubernetes token (Authorization: Bearer, an auth proxy's "
        "X-Forwarded-Access-Token, or POST /api/v1/login) and every API call uses it",
    )
    p.add_argument(
        "--public-host",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="in-cluster: a Host header the server is reached by (ingress, auth proxy); repeatable",
    )
    p.add_argument(
        "--service-account-dir",
        type=Path,
        metavar="DIR",
        help="in-cluster: the mounted service account (default "
        "/var/run/secrets/kubernetes.io/serviceaccount)",
    )
    p.add_argument(
        "--malloc-trim-interval",
        type=_trim_interval,
        default=60.0,
        metavar="SECONDS",
        help="every SECONDS, hand what glibc's malloc keeps free (past 8 MB) back to the OS "
        "(default 60; 0: never)",
    )
    p.add_argument(
        "--web-dist",
        type=Path,
        metavar="DIR",
        help="serve the web UI built here (default: the source checkout's web/dist)",
    )
    p.add_argument(
        "--confirm-pattern",
        action="append",
        default=[],
        metavar="GLOB",
        help="as --confirm for every context whose name matches this glob (repeatable)",
    )


def _trim_interval(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not (seconds == 0 or 1 <= seconds <= 86_400):
        raise argparse.ArgumentTypeError(
            f"--malloc-trim-interval wants 0 or 1..86400 seconds, got {value!r}"
        )
    return seconds


def _context_namespaces(value: str) -> tuple[str, tuple[str, ...]]:
    """`--namespaces CONTEXT=a,b`: the context's name and its namespaces."""
    context, sep, names = value.partition("=")
    namespaces = tuple(n.strip() for n in names.split(",") if n.strip())
    if not sep or not context.strip() or not namespaces:
        raise argparse.ArgumentTypeError(f"--namespaces wants CONTEXT=NS[,NS...], got {value!r}")
    return context.strip(), namespaces


def _in_cluster_options(args: argparse.Namespace) -> InClusterOptions | None:
    from masthead.identity import InClusterOptions
    from masthead.kube.kubeconfig import SERVICE_ACCOUNT_DIR

    if not args.in_cluster:
        if args.public_host or args.service_account_dir:
            raise SystemExit("masthead: --public-host and --service-account-dir need --in-cluster")
        return None
    return InClusterOptions(
        account_dir=args.service_account_dir or SERVICE_ACCOUNT_DIR,
        public_hosts=tuple(args.public_host),
    )


async def _run_server(args: argparse.Namespace) -> int:
    from masthead.api.static import DEFAULT_DIST
    from masthead.kube.errors import CredentialError
    from masthead.server import Server, ServerConfig, default_kubeconfig_exists

    in_cluster = _in_cluster_options(args)
    no_kubeconfig = not args.kubeconfig and not default_kubeconfig_exists()
    demo = args.demo or (in_cluster is None and no_kubeconfig)
    server = Server(
        ServerConfig(
            kubeconfigs=args.kubeconfig,
            context=args.context,
            port=args.port,
            token=args.token,
            demo=demo,
            read_only=args.read_only,
            read_only_patterns=args.read_only_pattern,
            confirm=args.confirm,
            confirm_patterns=args.confirm_pattern,
            namespaces=dict(args.namespaces),
            data_dir=args.data_dir,
            in_cluster=in_cluster,
            malloc_trim_interval=args.malloc_trim_interval,
            web_dist=args.web_dist or DEFAULT_DIST,
        )
    )
    try:
        url = await server.start()
    except OSError as e:
        print(f"masthead: cannot listen: {e}", file=sys.stderr)
        await server.stop()
        return 1
    except CredentialError as e:  # --in-cluster outside a pod, or an unreadable account
        print(f"masthead: {e}", file=sys.stderr)
        await server.stop()
        return 1
    if demo:
        print("masthead: serving the simulator's demo world", flush=True)
    print(url, flush=True)
    if not args.no_browser and in_cluster is None:
        import webbrowser

        with contextlib.suppress(Exception):
            webbrowser.open(url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    print("masthead: shutting down", file=sys.stderr, flush=True)
    await server.stop()
    return 0


def _run(coro: Any) -> int:
    try:
        import uvloop
    except ImportError:
        return int(asyncio.run(coro))
    return int(uvloop.run(coro))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="masthead", description=__doc__)
    _server_options(parser)
    sub = parser.add_subparsers(dest="command")
    _sim_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "sim":
        return _run(_run_sim(args))
    return _run(_run_server(args))


if __name__ == "__main__":
    sys.exit(main())

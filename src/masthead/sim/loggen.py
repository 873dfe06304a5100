"""Deterministic, realistic container log lines.

A container instance's log is a pure function of (pod uid, container name, restart number,
time): line `k` of an instance is computed from a 64-bit seed and `k`, and its timestamp from
the instance's start time and line rate. Nothing is stored, so `tailLines`, `sinceSeconds` and
`follow` are index arithmetic and memory stays bounded however long a container "runs".

An instance's lines are a short startup prologue, then regular lines at the instance's rate
(each inside its own slot of `period` nanoseconds, jittered within the slot so timestamps look
organic yet stay strictly increasing), then, for an instance that exited with an error, a
short crash epilogue just before `finishedAt`.

Styles are chosen from the image and container name: nginx-like access logs, JSON lines,
Spring-Boot-like Java logs with multi-line stack traces, ANSI-coloured Node output, klog.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

MASK64 = (1 << 64) - 1
MS = 1_000_000
SEC = 1_000_000_000


def mix(a: int, b: int) -> int:
    """splitmix64 of (a, b): a fast, well-spread 64-bit hash used for every random choice."""
    z = (a + (b + 1) * 0x9E3779B97F4A7C15) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def seed_of(*parts: object) -> int:
    digest = hashlib.blake2b("\x00".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def pick(options: Sequence[str], r: int) -> str:
    return options[r % len(options)]


# ---------------------------------------------------------------------- time formatting
class _SecondCache:
    """strftime once per second: formatting dominates the cost of a line at high rates."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self.sec = -1
        self.text = ""

    def __call__(self, t_ns: int) -> str:
        sec = t_ns // SEC
        if sec != self.sec:
            self.sec = sec
            self.text = time.strftime(self.fmt, time.gmtime(sec))
        return self.text


_RFC_SEC = _SecondCache("%Y-%m-%dT%H:%M:%S")


def rfc3339nano(t_ns: int) -> str:
    """The kubelet's timestamp prefix: RFC3339 with exactly nine fractional digits, UTC."""
    return f"{_RFC_SEC(t_ns)}.{t_ns % SEC:09d}Z"


_ISO_SEC = _SecondCache("%Y-%m-%dT%H:%M:%S")
_SPACE_SEC = _SecondCache("%Y-%m-%d %H:%M:%S")
_CLF_SEC = _SecondCache("%d/%b/%Y:%H:%M:%S +0000")
_NGX_SEC = _SecondCache("%Y/%m/%d %H:%M:%S")
_KLOG_SEC = _SecondCache("%m%d %H:%M:%S")


# ---------------------------------------------------------------------- styles
Out = tuple[str, bool]  # (text, written to stderr)


@dataclass(frozen=True)
class Style:
    name: str
    avg_bytes: int  # typical line length, for the history cap
    prologue: Callable[[int, int], list[Out]]  # (seed, start_ns)
    line: Callable[[int, int, int], Out]  # (seed, index, t_ns)
    epilogue: Callable[[int, int, int], list[Out]]  # (seed, exit_code, t_ns)


_PATHS = (
    "/",
    "/healthz",
    "/api/v1/products",
    "/api/v1/products/{n}",
    "/api/v1/cart",
    "/api/v1/orders/{n}",
    "/static/js/main.{h}.js",
    "/static/css/app.{h}.css",
    "/login",
    "/api/v1/search?q=shoes&page={p}",
    "/favicon.ico",
    "/metrics",
)
_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "kube-probe/1.36",
    "Prometheus/2.52.0",
    "curl/8.7.1",
    "Go-http-client/1.1",
)
_METHODS = ("GET", "GET", "GET", "GET", "POST", "GET", "PUT", "GET", "DELETE", "GET")
_STATUSES = (200, 200, 200, 200, 200, 200, 200, 304, 201, 200, 404, 200, 200, 302, 500, 200)


def _path(r: int) -> str:
    r = mix(r, 7)
    p = pick(_PATHS, r)
    return p.format(n=(r >> 8) % 99991, h=f"{(r >> 12) & 0xFFFFFFFF:08x}", p=(r >> 20) % 9 + 1)


def _ip(r: int) -> str:
    return f"10.244.{(r >> 3) % 32}.{(r >> 9) % 250 + 2}"


def _access_prologue(seed: int, start: int) -> list[Out]:
    ts = _NGX_SEC(start)
    return [
        ("/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform "
         "configuration", False),
        ("/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/", False),
        ("/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
         False),
        ("10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in "
         "/etc/nginx/conf.d/default.conf", False),
        ("/docker-entrypoint.sh: Configuration complete; ready for start up", False),
        (f'{ts} [notice] 1#1: using the "epoll" event method', True),
        (f"{ts} [notice] 1#1: nginx/1.27.0", True),
        (f"{ts} [notice] 1#1: start worker processes", True),
        (f"{ts} [notice] 1#1: start worker process {29 + seed % 7}", True),
    ]  # fmt: skip


def _access_line(seed: int, i: int, t: int) -> Out:
    r = mix(seed, i)
    if r % 97 == 0:
        up = f"10.96.{(r >> 5) % 200}.{(r >> 13) % 250 + 1}"
        path = _path(r >> 7)
        return (
            f"{_NGX_SEC(t)} [error] {29 + seed % 7}#{29 + seed % 7}: *{i + 1} upstream timed out "
            f"(110: Connection timed out) while reading response header from upstream, client: "
            f'{_ip(r)}, server: _, request: "GET {path} HTTP/1.1", upstream: '
            f'"http://{up}:8080{path}", host: "shop.example.com"',
            True,
        )
    method = pick(_METHODS, r >> 4)
    status = _STATUSES[(r >> 11) % len(_STATUSES)]
    size = 0 if status == 304 else (r >> 17) % 48000 + 120
    agent = pick(_AGENTS, r >> 23)
    path = "/healthz" if agent == "kube-probe/1.36" else _path(r >> 29)
    return (
        f'{_ip(r)} - - [{_CLF_SEC(t)}] "{method} {path} HTTP/1.1" {status} {size} "-" '
        f'"{agent}" "-"',
        False,
    )


def _access_epilogue(seed: int, code: int, t: int) -> list[Out]:
    ts = _NGX_SEC(t)
    return [
        (f"{ts} [emerg] 1#1: host not found in upstream \"backend:8080\" in "
         "/etc/nginx/conf.d/default.conf:14", True),
        ("nginx: [emerg] host not found in upstream \"backend:8080\" in "
         "/etc/nginx/conf.d/default.conf:14", True),
    ]  # fmt: skip


_JSON_MSGS = (
    ("info", "http", "request completed"),
    ("info", "http", "request completed"),
    ("info", "http", "request completed"),
    ("debug", "cache", "cache hit"),
    ("info", "cache", "cache miss"),
    ("info", "worker", "job processed"),
    ("warn", "db", "slow query"),
    ("info", "grpc", "finished unary call"),
    ("error", "payments", "charge failed"),
    ("info", "kafka", "committed offsets"),
)


def _json_prologue(seed: int, start: int) -> list[Out]:
    ts = f"{_ISO_SEC(start)}.{start % SEC // MS:03d}Z"
    version = f"v{seed % 5 + 1}.{seed % 17}.{seed % 7}"
    commit = f"{seed & 0xFFFFFFF:07x}"
    return [
        (f'{{"level":"info","ts":"{ts}","logger":"main","msg":"starting service",'
         f'"version":"{version}","commit":"{commit}","go":"go1.22.3"}}', False),
        (f'{{"level":"info","ts":"{ts}","logger":"config","msg":"configuration loaded",'
         f'"source":"/etc/app/config.yaml","env":"production"}}', False),
        (f'{{"level":"info","ts":"{ts}","logger":"db","msg":"connected to database",'
         f'"host":"postgres.data.svc.cluster.local","pool_size":20}}', False),
        (f'{{"level":"info","ts":"{ts}","logger":"http","msg":"listening","addr":":8080"}}',
         False),
    ]  # fmt: skip


def _json_line(seed: int, i: int, t: int) -> Out:
    r = mix(seed, i)
    level, logger, msg = _JSON_MSGS[r % len(_JSON_MSGS)]
    ts = f"{_ISO_SEC(t)}.{t % SEC // MS:03d}Z"
    rid = f"{mix(r, 1) & 0xFFFFFFFFFFFF:012x}"
    head = f'{{"level":"{level}","ts":"{ts}","logger":"{logger}","msg":"{msg}"'
    if logger == "http":
        status = _STATUSES[(r >> 9) % len(_STATUSES)]
        dur = ((r >> 15) % 250000) / 1000
        tail = (
            f',"method":"{pick(_METHODS, r >> 5)}","path":"{_path(r >> 21)}","status":{status},'
            f'"duration_ms":{dur},"request_id":"{rid}"}}'
        )
    elif logger == "db":
        tail = (
            f',"query":"SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC",'
            f'"duration_ms":{(r >> 11) % 4000 + 500},"rows":{(r >> 23) % 900}}}'
        )
    elif logger == "payments":
        tail = (
            f',"order_id":"ord_{(r >> 7) % 999999:06d}","error":"card_declined",'
            f'"provider":"stripe","request_id":"{rid}"}}'
        )
        return head + tail, True
    elif logger == "cache":
        tail = f',"key":"product:{(r >> 7) % 99991}","ttl_s":{(r >> 19) % 600}}}'
    elif logger == "grpc":
        tail = (
            f',"grpc.service":"inventory.v1.Inventory","grpc.method":"Reserve",'
            f'"grpc.code":"OK","grpc.time_ms":{((r >> 13) % 90000) / 1000}}}'
        )
    elif logger == "kafka":
        tail = f',"topic":"orders","partition":{(r >> 9) % 12},"offset":{i * 7 + (r % 7)}}}'
    else:
        tail = f',"job":"email-{(r >> 9) % 99999}","attempt":1,"queue":"default"}}'
    return head + tail, False


def _json_epilogue(seed: int, code: int, t: int) -> list[Out]:
    ts = f"{_ISO_SEC(t)}.{t % SEC // MS:03d}Z"
    return [
        (f'{{"level":"error","ts":"{ts}","logger":"db","msg":"ping failed",'
         f'"error":"dial tcp 10.96.41.7:5432: connect: connection refused"}}', False),
        ("panic: runtime error: invalid memory address or nil pointer dereference", True),
        ("[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x8a3f2c]", True),
        ("", True),
        ("goroutine 1 [running]:", True),
        ("main.(*Server).Run(0x0)", True),
        ("\t/src/cmd/server/main.go:142 +0x2c", True),
        ("main.main()", True),
        ("\t/src/cmd/server/main.go:57 +0x1e5", True),
        (f"exit status {code}", True),
    ]  # fmt: skip


_JAVA_LOGGERS = (
    "c.a.checkout.web.OrderController        ",
    "c.a.checkout.service.CartService        ",
    "o.s.web.servlet.DispatcherServlet       ",
    "com.zaxxer.hikari.pool.HikariPool       ",
    "o.h.engine.jdbc.spi.SqlExceptionHelper  ",
    "c.a.checkout.client.InventoryClient     ",
)
_JAVA_MSGS = (
    "Order {n} placed for customer {c}",
    "Cart {c} recalculated: {n} items",
    "Completed initialization in 1 ms",
    "HikariPool-1 - Pool stats (total=10, active={a}, idle={i}, waiting=0)",
    "Reserved {a} units of SKU-{n}",
    "Fetched price list version {n}",
)
_JAVA_EXC = (
    ('java.lang.NullPointerException: Cannot invoke "com.acme.checkout.model.Cart.getItems()" '
     'because "cart" is null'),
    ("org.springframework.dao.DataAccessResourceFailureException: Unable to acquire JDBC "
     "Connection"),
    ("java.net.SocketTimeoutException: Read timed out"),
)  # fmt: skip
_JAVA_FRAMES = (
    "com.acme.checkout.service.CartService.total(CartService.java:88)",
    "com.acme.checkout.web.OrderController.place(OrderController.java:54)",
    "java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke("
    "DirectMethodHandleAccessor.java:103)",
    "java.base/java.lang.reflect.Method.invoke(Method.java:580)",
    "org.springframework.web.method.support.InvocableHandlerMethod.doInvoke("
    "InvocableHandlerMethod.java:255)",
    "org.springframework.web.servlet.DispatcherServlet.doDispatch(DispatcherServlet.java:1089)",
    "org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)",
    "jakarta.servlet.http.HttpServlet.service(HttpServlet.java:658)",
    "org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:140)",
    "org.apache.catalina.core.StandardWrapperValve.invoke(StandardWrapperValve.java:167)",
    "org.apache.coyote.http11.Http11Processor.service(Http11Processor.java:391)",
    "org.apache.tomcat.util.net.NioEndpoint$SocketProcessor.doRun(NioEndpoint.java:1744)",
    "java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1144)",
    "java.base/java.lang.Thread.run(Thread.java:1583)",
)
_JAVA_BLOCK = 16  # stack traces occupy whole blocks of lines, so line k stays a pure function


def _java_ts(t: int) -> str:
    return f"{_SPACE_SEC(t)}.{t % SEC // MS:03d}"


def _java_prologue(seed: int, start: int) -> list[Out]:
    ts = _java_ts(start)
    return [
        ("", False),
        ("  .   ____          _            __ _ _", False),
        (" /\\\\ / ___'_ __ _ _(_)_ __  __ _ \\ \\ \\ \\", False),
        ("( ( )\\___ | '_ | '_| | '_ \\/ _` | \\ \\ \\ \\", False),
        (" \\\\/  ___)| |_)| | | | | || (_| |  ) ) ) )", False),
        ("  '  |____| .__|_| |_|_| |_\\__, | / / / /", False),
        (" =========|_|==============|___/=/_/_/_/", False),
        (" :: Spring Boot ::                (v3.2.5)", False),
        ("", False),
        (f"{ts}  INFO 1 --- [           main] c.a.checkout.CheckoutApplication         : "
         "Starting CheckoutApplication v3.14.2 using Java 21.0.3 with PID 1", False),
        (f"{ts}  INFO 1 --- [           main] o.s.b.w.embedded.tomcat.TomcatWebServer  : "
         "Tomcat initialized with port 8080 (http)", False),
        (f"{ts}  INFO 1 --- [           main] c.a.checkout.CheckoutApplication         : "
         f"Started CheckoutApplication in {seed % 9 + 4}.{seed % 997:03d} seconds "
         "(process running for 9.1)", False),
    ]  # fmt: skip


def _java_line(seed: int, i: int, t: int) -> Out:
    block, off = divmod(i, _JAVA_BLOCK)
    rb = mix(seed, -1 - block)
    thread = f"nio-8080-exec-{rb % 10 + 1}"
    if rb % 9 == 0:  # this block is one error with its stack trace
        if off == 0:
            return (
                f"{_java_ts(t)} ERROR 1 --- [{thread:>15}] o.a.c.c.C.[.[.[/].[dispatcherServlet]"
                "    : Servlet.service() for servlet [dispatcherServlet] in context with path [] "
                "threw exception",
                False,
            )
        if off == 1:
            return pick(_JAVA_EXC, rb >> 8), False
        return f"\tat {_JAVA_FRAMES[(off - 2) % len(_JAVA_FRAMES)]}", False
    r = mix(seed, i)
    level = "WARN " if r % 23 == 0 else " INFO"
    msg = pick(_JAVA_MSGS, r >> 5).format(
        n=(r >> 11) % 99991, c=(r >> 29) % 9999, a=(r >> 41) % 10, i=(r >> 45) % 10
    )
    return f"{_java_ts(t)} {level} 1 --- [{thread:>15}] {pick(_JAVA_LOGGERS, r >> 7)}: {msg}", False


def _java_epilogue(seed: int, code: int, t: int) -> list[Out]:
    ts = _java_ts(t)
    return [
        (f"{ts} ERROR 1 --- [           main] o.s.boot.SpringApplication               : "
         "Application run failed", False),
        ("java.lang.OutOfMemoryError: Java heap space", False),
        ("\tat java.base/java.util.Arrays.copyOf(Arrays.java:3541)", False),
        ("\tat com.acme.checkout.service.CatalogCache.load(CatalogCache.java:61)", False),
        ("\tat java.base/java.lang.Thread.run(Thread.java:1583)", False),
    ]  # fmt: skip


_GREEN, _CYAN, _YELLOW, _RED, _GREY, _RESET = (
    "\x1b[32m",
    "\x1b[36m",
    "\x1b[33m",
    "\x1b[31m",
    "\x1b[90m",
    "\x1b[0m",
)


def _ansi_prologue(seed: int, start: int) -> list[Out]:
    return [
        ("", False),
        (f"> storefront@2.{seed % 9}.{seed % 13} start", False),
        ("> node server.js", False),
        ("", False),
        (f"{_GREEN}info{_RESET}: Connected to Redis at redis-master.data:6379", False),
        (f"{_GREEN}info{_RESET}: Server listening on {_CYAN}http://0.0.0.0:3000{_RESET}", False),
    ]


def _ansi_line(seed: int, i: int, t: int) -> Out:
    r = mix(seed, i)
    if r % 41 == 0:
        return (
            f"{_YELLOW}warn{_RESET}: Slow render of {_path(r >> 9)} took {(r >> 17) % 900 + 300}ms",
            False,
        )
    if r % 113 == 1:
        return (
            f"{_RED}error{_RESET}: Upstream API returned 503 for {_path(r >> 9)} "
            f"{_GREY}(retry {(r >> 19) % 3 + 1}/3){_RESET}",
            True,
        )
    status = _STATUSES[(r >> 11) % len(_STATUSES)]
    colour = (
        _GREEN if status < 300 else _CYAN if status < 400 else _YELLOW if status < 500 else _RED
    )
    ms = ((r >> 23) % 400000) / 1000
    return (
        f"{pick(_METHODS, r >> 5)} {_path(r >> 31)} {colour}{status}{_RESET} {ms:.3f} ms - "
        f"{(r >> 43) % 48000 + 120}",
        False,
    )


def _ansi_epilogue(seed: int, code: int, t: int) -> list[Out]:
    return [
        (f"{_RED}error{_RESET}: Unhandled promise rejection: Error: connect ECONNREFUSED "
         "10.96.12.4:6379", True),
        ("    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)", True),
        (f"npm ERR! code {code}", True),
        ("npm ERR! path /app", True),
        ("npm ERR! command failed", True),
    ]  # fmt: skip


_KLOG_FILES = (
    ("reflector.go:359", "Caches populated for *v1.Pod from pkg/mod/k8s.io/client-go/tools/cache"),
    ("controller.go:231", 'Successfully synced "{ns}/{name}"'),
    ("leaderelection.go:260", "successfully renewed lease kube-system/{name}"),
    ("server.go:178", '"Request completed" verb="GET" URI="/metrics" latency="{ms}ms" code=200'),
    ("scrape.go:1372", '"Scrape finished" target="{ip}:10250" duration="{ms}ms"'),
    ("plugin.go:142", '[INFO] {ip}:53 - {n} "A IN api.{ns}.svc.cluster.local. udp 64" NOERROR'),
)


def _klog_prefix(level: str, t: int) -> str:
    return f"{level}{_KLOG_SEC(t)}.{t % SEC // 1000:06d}       1 "


def _klog_prologue(seed: int, start: int) -> list[Out]:
    return [
        (_klog_prefix("I", start) + 'flags.go:64] FLAG: --v="2"', True),
        (_klog_prefix("I", start) + "main.go:112] Starting controller (version v0.14.1)", True),
        (_klog_prefix("I", start) + "shared_informer.go:313] Waiting for caches to sync", True),
    ]


def _klog_line(seed: int, i: int, t: int) -> Out:
    r = mix(seed, i)
    where, msg = _KLOG_FILES[r % len(_KLOG_FILES)]
    level = "W" if r % 53 == 0 else "I"
    text = msg.format(
        ns=pick(("default", "shop", "payments", "monitoring"), r >> 5),
        name=f"worker-{(r >> 9) % 40}",
        ms=(r >> 17) % 900 + 1,
        ip=_ip(r >> 3),
        n=(r >> 27) % 65535,
    )
    return _klog_prefix(level, t) + f"{where}] {text}", True


def _klog_epilogue(seed: int, code: int, t: int) -> list[Out]:
    return [
        (_klog_prefix("E", t) + "leaderelection.go:332] error retrieving resource lock "
         "kube-system/controller: context deadline exceeded", True),
        (_klog_prefix("F", t) + "main.go:201] leaderelection lost", True),
    ]  # fmt: skip


STYLES: dict[str, Style] = {
    s.name: s
    for s in (
        Style("access", 190, _access_prologue, _access_line, _access_epilogue),
        Style("json", 210, _json_prologue, _json_line, _json_epilogue),
        Style("java", 150, _java_prologue, _java_line, _java_epilogue),
        Style("ansi", 80, _ansi_prologue, _ansi_line, _ansi_epilogue),
        Style("klog", 130, _klog_prologue, _klog_line, _klog_epilogue),
    )
}

_HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("access", ("nginx", "ingress", "httpd", "envoy", "traefik", "haproxy", "caddy")),
    ("java", ("java", "jdk", "jre", "spring", "kafka", "elasticsearch", "keycloak", "tomcat")),
    ("ansi", ("node", "frontend", "storefront", "webpack", "next", "rails", "ui")),
    ("klog", ("kube-", "coredns", "controller", "operator", "exporter", "prometheus", "csi")),
)


def style_for(image: str, container: str) -> Style:
    """The generator that fits the image (or, failing that, the container name)."""
    for text in (image.lower(), container.lower()):
        base = text.rsplit("/", 1)[-1]
        for style, words in _HINTS:
            if any(w in base for w in words):
                return STYLES[style]
    return STYLES["json"]


# ---------------------------------------------------------------------- one container instance
PROLOGUE_STEP = 2 * MS  # startup lines come out a few milliseconds apart
EPILOGUE_STEP = MS


@dataclass
class LogInstance:
    """One run of a container: prologue, regular lines at `rate`, crash epilogue.

    Line indices are global over the instance (prologue first). `end_ns` is None while the
    container runs; once set (finishedAt), no line lies after it.
    """

    style: Style
    seed: int
    start_ns: int
    rate: float
    end_ns: int | None = None
    exit_code: int = 0
    crashed: bool = False

    def __post_init__(self) -> None:
        self.period = max(1, int(SEC / self.rate)) if self.rate > 0 else 0
        self._prologue = self.style.prologue(self.seed, self.start_ns)
        self._epilogue: list[Out] = []
        self.base = self.start_ns + len(self._prologue) * PROLOGUE_STEP
        self.finish(self.end_ns, self.exit_code, self.crashed)

    def finish(self, end_ns: int | None, exit_code: int, crashed: bool) -> None:
        """Mark the instance ended at `end_ns` (or running again when None)."""
        self.end_ns = end_ns
        self.exit_code = exit_code
        self.crashed = crashed
        self._epilogue = []
        if end_ns is not None and crashed:
            # Generated twice: the text's own clock should read the epilogue's first timestamp.
            n = len(self.style.epilogue(self.seed, exit_code, end_ns))
            first = end_ns - (n - 1) * EPILOGUE_STEP
            self._epilogue = self.style.epilogue(self.seed, exit_code, first)
        # Regular lines stop before the epilogue begins.
        self._regular_cap: int | None = None
        if end_ns is not None:
            last = end_ns - len(self._epilogue) * EPILOGUE_STEP
            self._regular_cap = self._regular_upto(last)

    def _slot_time(self, j: int) -> int:
        return self.base + j * self.period + mix(self.seed, j) % self.period

    def _regular_upto(self, t: int) -> int:
        """How many regular lines have a timestamp <= t."""
        if self.period == 0 or t < self.base:
            return 0
        j = (t - self.base) // self.period  # slot j starts at or before t
        return int(j + 1 if self._slot_time(j) <= t else j)

    def count_at(self, t: int) -> int:
        """Number of lines (all parts) with a timestamp <= t."""
        p = len(self._prologue)
        if t < self.start_ns:
            return 0
        if t < self.base:
            return min(p, (t - self.start_ns) // PROLOGUE_STEP + 1)
        n = self._regular_upto(t)
        if self._regular_cap is not None:
            n = min(n, self._regular_cap)
            if self.end_ns is not None and self._epilogue:
                first_epi = self.end_ns - (len(self._epilogue) - 1) * EPILOGUE_STEP
                if t >= first_epi:
                    n += min(len(self._epilogue), (t - first_epi) // EPILOGUE_STEP + 1)
        return p + n

    def total(self) -> int | None:
        """All lines of an ended instance; None while running."""
        if self.end_ns is None or self._regular_cap is None:
            return None
        return len(self._prologue) + self._regular_cap + len(self._epilogue)

    def line(self, k: int) -> tuple[int, str, bool]:
        """(timestamp ns, text, stderr) of line k."""
        p = len(self._prologue)
        if k < p:
            text, err = self._prologue[k]
            return self.start_ns + k * PROLOGUE_STEP, text, err
        j = k - p
        if self._regular_cap is not None and j >= self._regular_cap:
            e = j - self._regular_cap
            assert self.end_ns is not None
            text, err = self._epilogue[e]
            return self.end_ns - (len(self._epilogue) - 1 - e) * EPILOGUE_STEP, text, err
        t = self._slot_time(j)
        text, err = self.style.line(self.seed, j, t)
        return t, text, err

    def history_lines(self, max_bytes: int) -> int:
        """How many of the newest lines the node still keeps (kubelet log rotation)."""
        return max(1, max_bytes // self.style.avg_bytes)

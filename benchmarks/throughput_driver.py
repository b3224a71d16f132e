"""Runs inside a rendered project (its folder, its environment): serves it and its control
under wrk, prints the figures.

`benchmarks/throughput.py` starts it; by hand, from a rendered project's folder (gunicorn
installed in its environment):
    uv run python /path/to/benchmarks/throughput_driver.py --package my_api \
        --framework flask --orm psycopg --isolation rls

The tenants are made by the project's own `tenancy.provisioning.create_tenant`; their orders
are loaded with COPY as the owner, each tenant's inside a transaction bound to it by the
project's own `isolation.database_of` / `binding.bind` (rls: the shared table, the
tenant_id filled by its default; schema: the tenant's schema; database: the tenant's
database). The same rows, tenant_id included, go to one shared table in a database of their
own, `bench_control`, which the untenanted control (`benchmarks/controls/`) serves.
"""

import argparse
import importlib
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

# Targets of issue 15: the control's figures times these.
PER_CORE_TARGET = {"rls": 0.97, "schema": 0.97, "database": 0.90}
P99_TARGET = 1.2
CORES_TARGET = 1.4
ONE_WORKER_TARGET = 1.4  # the default workers' req/s over one worker's
CONTROL_DATABASE = "bench_control"
CONTROLS = Path(__file__).resolve().with_name("controls")
CONTROL_APPS = {
    "fastapi": "control_fastapi:app",
    "flask": "control_flask:app",
    "django": "control_django:application",
}

CONTROL_TABLE = """
CREATE TABLE orders (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    product text NOT NULL,
    quantity int NOT NULL DEFAULT 1,
    total numeric(10,2) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_tenant_id_created_at_idx ON orders (tenant_id, created_at DESC)
"""

# One request after another, each to the next tenant (X-Tenant-ID round-robin).
WRK_SCRIPT = """
local tenants = {%s}
local counter = 0
request = function()
  counter = counter + 1
  local tenant = tenants[(counter %% #tenants) + 1]
  return wrk.format("GET", nil, {["X-Tenant-ID"] = tenant})
end
"""


def control_command(framework: str, workers: int, port: int) -> list[str]:
    """The control's server: what the project's `serve` runs with `--workers` (gunicorn; the
    gthread worker with 8 threads for WSGI apps, uvicorn's worker for FastAPI; a listening
    socket per worker, `--reuse-port`). Align it here when `serve` changes."""
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    if framework == "fastapi":
        worker = ["--worker-class", "uvicorn_worker.UvicornWorker"]
    else:
        worker = ["--worker-class", "gthread", "--threads", "8"]
    return [
        gunicorn,
        *worker,
        *("--workers", str(workers), "--reuse-port", "--bind", f"127.0.0.1:{port}"),
        *("--pythonpath", str(CONTROLS), "--log-level", "warning"),
        CONTROL_APPS[framework],
    ]


def described(command: list[str]) -> str:
    """A server command as it reads in the output: no paths, no address, no logging."""
    shown, words = [Path(command[0]).name], iter(command[1:])
    for word in words:
        if word in ("--bind", "--pythonpath", "--log-level"):
            next(words)
        else:
            shown.append(word)
    return " ".join(shown)


def project_command(command: str, workers: int | None, port: int) -> list[str]:
    """The project's own `serve`; `--workers` when it offers it (None: it does not)."""
    cli = [str(Path(sys.executable).with_name(command)), "serve"]
    cli += ["--host", "127.0.0.1", "--port", str(port)]
    return cli + (["--workers", str(workers)] if workers else [])


def serve_offers_workers(command: str) -> bool:
    cli = [str(Path(sys.executable).with_name(command)), "serve", "--help"]
    return "--workers" in subprocess.run(cli, capture_output=True, text=True, check=True).stdout


def worker_settings(package: str, workers: int) -> dict[str, str]:
    """What `serve --workers N` gives each of its workers beside the settings (under database
    isolation with MAX_DB_CONNECTIONS unset, its share of the connections), for a server of
    one worker to be sized like one of them; {} when `serve` has no such plan."""
    serving = importlib.import_module(f"{package}.web.serving")
    if not hasattr(serving, "plan_workers"):
        return {}
    with redirect_stderr(io.StringIO()):  # its notes are the project's to print
        planned = serving.plan_workers(workers)
    return planned[1] if isinstance(planned, tuple) else {}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Fleet:
    tenant_ids: list[str]
    rows: list[tuple]  # (id, tenant_id, product, quantity, total, created_at)


def build_fleet(package: str, tenants: int, orders: int) -> Fleet:
    """The tenants, through the project's provisioning, and their orders, loaded as the owner."""
    provisioning = importlib.import_module(f"{package}.tenancy.provisioning")
    isolation = importlib.import_module(f"{package}.tenancy.isolation")
    bind = importlib.import_module(f"{package}.tenancy.binding").bind
    first_value_on = importlib.import_module(f"{package}.tenancy.reach").first_value_on
    postgres = importlib.import_module(f"{package}.postgres")
    made = [
        provisioning.create_tenant(f"Bench {number}", f"bench-{number:03d}")
        for number in range(tenants)
    ]
    random.seed(15)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for tenant in made:
        mine = [
            (
                uuid.uuid4(),
                tenant.id,
                f"Product {number}",
                random.randint(1, 20),
                Decimal(random.randint(100, 100_000)) / 100,
                start + timedelta(seconds=number),
            )
            for number in range(orders)
        ]
        rows += mine
        columns = "id, product, quantity, total, created_at"
        with (
            postgres.owner_connection(isolation.database_of(tenant)) as conn,
            conn.transaction(),
        ):
            bind(first_value_on(conn), isolation.tenant_binding(tenant))
            with conn.cursor().copy(f"COPY orders ({columns}) FROM STDIN") as copy:
                for row in mine:
                    copy.write_row((row[0], *row[2:]))
            conn.execute("ANALYZE orders")  # the tenant's own table, or the shared one
    return Fleet([str(tenant.id) for tenant in made], rows)


def build_control(package: str, fleet: Fleet) -> str:
    """The control's database (made afresh): one shared table holding every tenant's rows."""
    from psycopg import sql

    postgres = importlib.import_module(f"{package}.postgres")
    name = sql.Identifier(CONTROL_DATABASE)
    with postgres.owner_connection(autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    with postgres.owner_connection(CONTROL_DATABASE) as conn:
        conn.execute(CONTROL_TABLE)
        columns = "id, tenant_id, product, quantity, total, created_at"
        with conn.cursor().copy(f"COPY orders ({columns}) FROM STDIN") as copy:
            for row in fleet.rows:
                copy.write_row(row)
        conn.commit()
        conn.execute("ANALYZE orders")
        conn.commit()
    return postgres.owner_conninfo_for(CONTROL_DATABASE)


def local_postmaster(package: str) -> int | None:
    """The pid of the PostgreSQL server's main process when it runs on this machine (the
    parent of our backend), else None. Its tree is every backend: the database's CPU."""
    postgres = importlib.import_module(f"{package}.postgres")
    with postgres.owner_connection() as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        try:
            stat = Path(f"/proc/{backend}/stat").read_text()
            cmdline = Path(f"/proc/{backend}/cmdline").read_bytes()
        except OSError:
            return None  # another machine's (or another namespace's) process
    return int(stat.rsplit(")", 1)[1].split()[1]) if b"postgres" in cmdline else None


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def running(name: str, command: list[str], port: int, env: dict[str, str]) -> Iterator[Server]:
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed below, after the server)
    process = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    server = Server(name, process, port)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise SystemExit(f"{name} exited: {log.read().decode(errors='replace')[-3000:]}")
            try:
                with urllib.request.urlopen(f"{server.url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{name} did not answer /health in 90 s")
            time.sleep(0.2)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def orders_of(server: Server, tenant_id: str) -> list[dict]:
    request = urllib.request.Request(f"{server.url}/api/orders", headers={"X-Tenant-ID": tenant_id})
    with urllib.request.urlopen(request, timeout=10) as answer:
        body = json.loads(answer.read())
    if not isinstance(body, list):
        raise SystemExit(f"{server.name}: /api/orders answered {body!r}")
    return body


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds of `root` and every process below it, from /proc: each one's utime + stime,
    and cutime + cstime, the time of children it has reaped (PostgreSQL's backends come and
    go with connections, and their time would be lost with them). The difference of two
    readings is the tree's CPU in between, whatever started or ended meanwhile."""
    parents, times = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        times[pid] = sum(int(ticks) for ticks in fields[11:15]) / CLOCK_TICKS
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        tree.update(children)
        frontier += children
    return sum(times[pid] for pid in tree if pid in times)


@dataclass
class Measure:
    rps: float
    p50_ms: float
    p99_ms: float
    cores: float
    db_cores: float | None
    non_2xx: int
    socket_errors: int

    @property
    def per_core(self) -> float:
        return self.rps / self.cores if self.cores else 0.0


SOCKET_ERRORS = r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def latency_ms(output: str, percentile: str) -> float:
    found = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    if not found:
        raise SystemExit(f"no {percentile}% latency in wrk's output:\n{output}")
    return float(found[1]) * UNITS_MS[found[2]]


def run_wrk(url: str, script: str, args: argparse.Namespace, seconds: float) -> str:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds:g}s"]
    command += ["--latency", "-s", script, f"{url}/api/orders"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


@contextmanager
def profiled(server: Server, output: Path | None) -> Iterator[None]:
    """py-spy recording every process of `server`'s tree while the block runs, into `output`
    as collapsed stacks (nothing when `output` is None)."""
    if output is None:
        yield
        return
    spy = shutil.which("py-spy")
    if spy is None:
        raise SystemExit("--profile needs py-spy on the PATH: pip install py-spy")
    output.parent.mkdir(parents=True, exist_ok=True)
    record = [spy, "record", "--pid", str(server.process.pid), "--subprocesses", "--nonblocking"]
    record += ["--gil"]  # what holds the GIL: the CPU a worker spends, not its threads' waits
    record += ["--full-filenames", "--format", "raw", "--output", str(output)]
    spy_process = subprocess.Popen(record, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield
    finally:
        spy_process.send_signal(signal.SIGINT)  # py-spy writes what it has, then exits
        _, errors = spy_process.communicate(timeout=60)
    if not output.exists():
        raise SystemExit(f"py-spy wrote no profile: {errors.decode(errors='replace')[-500:]}")


def where_the_samples_went(profile: Path, top: int = 8) -> str:
    """The samples of a collapsed-stacks profile by the package of the frame they were in
    (site-packages' top-level package, the project's package, or the standard library's
    module), the busiest first."""
    by_package: dict[str, int] = {}
    for line in profile.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        leaf = stack.rsplit(";", 1)[-1]
        source = re.search(r"\((.*?):\d+\)$", leaf)
        where = Path(source[1]) if source else Path("?")
        parts = where.parts
        if "site-packages" in parts:
            package = parts[parts.index("site-packages") + 1]
        elif "src" in parts:
            package = parts[parts.index("src") + 1]
        elif where.suffix == ".py":
            package = f"python:{where.stem}"
        else:
            package = "native"
        by_package[package] = by_package.get(package, 0) + int(count)
    total = sum(by_package.values()) or 1
    busiest = sorted(by_package.items(), key=lambda item: -item[1])[:top]
    return ", ".join(f"{package} {100 * count / total:.0f}%" for package, count in busiest)


def measure(
    server: Server,
    script: str,
    args: argparse.Namespace,
    postmaster: int | None,
    profile: Path | None = None,
) -> Measure:
    """wrk on `server` after a warm-up; the CPU of its process tree (and of PostgreSQL's,
    when it runs on this machine) over the measured window, recorded by py-spy into `profile`
    when given."""
    run_wrk(server.url, script, args, args.warmup)
    db_before = tree_cpu_seconds(postmaster) if postmaster else 0.0
    with profiled(server, profile):
        before, started = tree_cpu_seconds(server.process.pid), time.monotonic()
        output = run_wrk(server.url, script, args, args.duration)
        after, elapsed = tree_cpu_seconds(server.process.pid), time.monotonic() - started
    db_after = tree_cpu_seconds(postmaster) if postmaster else 0.0
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(SOCKET_ERRORS, output)
    if not rps:
        raise SystemExit(f"no Requests/sec in wrk's output:\n{output}")
    return Measure(
        rps=float(rps[1]),
        p50_ms=latency_ms(output, "50"),
        p99_ms=latency_ms(output, "99"),
        cores=(after - before) / elapsed,
        db_cores=(db_after - db_before) / elapsed if postmaster else None,
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(int(value) for value in errors.groups()) if errors else 0,
    )


def verdict(met: bool) -> str:
    return "ok" if met else "MISSED"


def row(
    label: str,
    project: str,
    control: str = "",
    target: str = "",
    met: bool | None = None,
    spread: str = "",
):
    tail = f"{target:<27} {'' if met is None else verdict(met):<6}  {spread}"
    print(f"  {label:<30} {project:>12} {control:>12}   {tail}".rstrip(), flush=True)


def cores(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


PROJECT, CONTROL, ONE_WORKER = "project", "control", "one worker"
CONTROL_ONE_WORKER = "control on one worker"
# By server name: PROJECT, CONTROL, and ONE_WORKER and CONTROL_ONE_WORKER when served.
Round = dict[str, Measure]


def print_round(number: int, order: list[str], measured: Round) -> None:
    flagged = sum(figures.non_2xx + figures.socket_errors for figures in measured.values())
    print(
        f"  round {number} ({', then '.join(order)})"
        f"{'   ERRORS: figures not to be trusted' if flagged else ''}"
    )
    width = max(len(name) for name in measured)
    for name, figures in measured.items():
        print(
            f"    {name:<{width}}  {figures.rps:8.1f} req/s  p50 {figures.p50_ms:6.2f} ms"
            f"  p99 {figures.p99_ms:6.2f} ms  {figures.cores:4.2f} cores"
            f" (database {cores(figures.db_cores)})"
            f"  {figures.per_core:7.1f} req/s per core  non-2xx {figures.non_2xx}"
            f"  socket errors {figures.socket_errors}",
            flush=True,
        )
    project, control = measured[PROJECT], measured[CONTROL]
    one, control_one = measured.get(ONE_WORKER), measured.get(CONTROL_ONE_WORKER)
    print(
        f"    ratio vs control: req/s {project.rps / control.rps:.3f}"
        f"  per core {project.per_core / control.per_core:.3f}"
        f"  p99 {project.p99_ms / control.p99_ms:.2f}x"
        + (f";  req/s vs one worker {project.rps / one.rps:.2f}x" if one else "")
        + (f" (control {control.rps / control_one.rps:.2f}x)" if control_one else ""),
        flush=True,
    )


def spread(values: list[float], digits: int) -> str:
    """min-max of the rounds' values: how far to trust their median."""
    return f"{min(values):.{digits}f}-{max(values):.{digits}f}" if len(values) > 1 else ""


def print_medians(rounds: list[Round], isolation: str, default_workers: bool) -> dict:
    """The medians, with the spread of the ratios and each target's verdict; what a summary
    of the run keeps of them."""

    def median(pick: Callable[[Measure], float], name: str) -> float:
        return statistics.median(pick(measured[name]) for measured in rounds)

    def ratios(
        pick: Callable[[Measure], float], over: str = CONTROL, of: str = PROJECT
    ) -> list[float]:
        return [pick(measured[of]) / pick(measured[over]) for measured in rounds]

    both = (PROJECT, CONTROL)
    per_core_target = PER_CORE_TARGET.get(isolation)
    print(
        f"  median of {len(rounds)} round(s)               project      control"
        "   target                      (min-max of the rounds)"
    )
    row("req/s", *(f"{median(lambda m: m.rps, n):.1f}" for n in both))
    row("p50 latency", *(f"{median(lambda m: m.p50_ms, n):.2f} ms" for n in both))
    row("p99 latency", *(f"{median(lambda m: m.p99_ms, n):.2f} ms" for n in both))
    app_cores = median(lambda m: m.cores, PROJECT)
    row(
        "app cores busy",
        f"{app_cores:.2f}",
        f"{median(lambda m: m.cores, CONTROL):.2f}",
        f">= {CORES_TARGET} (default workers)" if default_workers else "(workers set: none)",
        app_cores >= CORES_TARGET if default_workers else None,
        spread([measured[PROJECT].cores for measured in rounds], 2),
    )
    if rounds[0][PROJECT].db_cores is None:
        row("database cores busy", "n/a", "n/a", "(PostgreSQL not on this machine)")
    else:
        row("database cores busy", *(f"{median(lambda m: m.db_cores, n):.2f}" for n in both))
    row("req/s per app core", *(f"{median(lambda m: m.per_core, n):.1f}" for n in both))
    rps = ratios(lambda m: m.rps)
    row("req/s vs control", f"{statistics.median(rps):.3f}", spread=spread(rps, 3))
    per_core_ratios = ratios(lambda m: m.per_core)
    per_core = statistics.median(per_core_ratios)
    row(
        "req/s per app core vs control",
        f"{per_core:.3f}",
        "",
        f">= {per_core_target}" if per_core_target else "(no target)",
        per_core >= per_core_target if per_core_target else None,
        spread(per_core_ratios, 3),
    )
    p99_ratios = ratios(lambda m: m.p99_ms)
    p99 = statistics.median(p99_ratios)
    row(
        "p99 vs control",
        f"{p99:.2f}x",
        "",
        f"<= {P99_TARGET}x",
        p99 <= P99_TARGET,
        spread(p99_ratios, 2),
    )
    scaling = None
    if ONE_WORKER in rounds[0]:
        scaling_ratios = ratios(lambda m: m.rps, over=ONE_WORKER)
        scaling = statistics.median(scaling_ratios)
        row("req/s, project on one worker", f"{median(lambda m: m.rps, ONE_WORKER):.1f}")
        row(
            "req/s vs one worker",
            f"{scaling:.2f}x",
            "",
            f">= {ONE_WORKER_TARGET}x (default workers)" if default_workers else "(no target)",
            scaling >= ONE_WORKER_TARGET if default_workers else None,
            spread(scaling_ratios, 2),
        )
    else:
        row("req/s vs one worker", "n/a", "", "(one worker is what was served)")
    control_scaling = None  # the control on one worker is served only beside ONE_WORKER
    if CONTROL_ONE_WORKER in rounds[0]:
        control_ratios = ratios(lambda m: m.rps, over=CONTROL_ONE_WORKER, of=CONTROL)
        control_scaling = statistics.median(control_ratios)
        alone = median(lambda m: m.rps, CONTROL_ONE_WORKER)
        row("req/s, control on one worker", "", f"{alone:.1f}")
        row(
            "control vs its one worker",
            "",
            f"{control_scaling:.2f}x",
            "(what the machine allows)",
            None,
            spread(control_ratios, 2),
        )
    row("non-2xx responses", *(str(sum(m[n].non_2xx for m in rounds)) for n in both))
    row("socket errors", *(str(sum(m[n].socket_errors for m in rounds)) for n in both))
    return {
        "rps": median(lambda m: m.rps, PROJECT),
        "per_core": median(lambda m: m.per_core, PROJECT),
        "cores": app_cores,
        "cores_met": app_cores >= CORES_TARGET if default_workers else None,
        "per_core_vs_control": per_core,
        "per_core_vs_control_spread": spread(per_core_ratios, 2),
        "per_core_target": per_core_target,
        "per_core_met": per_core >= per_core_target if per_core_target else None,
        "p99_vs_control": p99,
        "p99_met": p99 <= P99_TARGET,
        "vs_one_worker": scaling,
        "vs_one_worker_met": (
            scaling >= ONE_WORKER_TARGET if default_workers and scaling is not None else None
        ),
        "control_vs_one_worker": control_scaling,
        "errors": sum(f.non_2xx + f.socket_errors for m in rounds for f in m.values()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", required=True, help="the project's import name")
    parser.add_argument("--command", help="the project's CLI (default: package with hyphens)")
    parser.add_argument("--framework", required=True)
    parser.add_argument("--orm", required=True)
    parser.add_argument("--isolation", required=True)
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--workers", type=int, help="server workers (default: one per core)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before each measure")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c")
    parser.add_argument("--summary", type=Path, help="write the medians there, as JSON")
    parser.add_argument("--profile", type=Path, help="py-spy each measured server into DIR")
    parser.add_argument(
        "--control-one-worker",
        action="store_true",
        help="serve the control on one worker too: what a second worker gives an app here",
    )
    args = parser.parse_args()
    command = args.command or args.package.replace("_", "-")

    cli = importlib.import_module(f"{args.package}.cli")
    with redirect_stdout(io.StringIO()):
        cli.main(["migrate"])  # the shared tables and the app role
    started = time.perf_counter()
    fleet = build_fleet(args.package, args.tenants, args.orders)
    control_dsn = build_control(args.package, fleet)
    loaded = f"{args.tenants} tenants x {args.orders} orders loaded"
    print(f"  {loaded} in {time.perf_counter() - started:.1f} s (project and control)")

    postmaster = local_postmaster(args.package)
    workers = args.workers or os.cpu_count() or 1
    offers_workers = serve_offers_workers(command)
    if offers_workers:
        served = f"project: {command} serve --workers {workers}"
    else:
        # Like for like until `serve` has workers: one process each.
        served = f"project: {command} serve (no --workers: one process)"
        workers = 1
    one = f", and again with --workers 1 (alternating, {ONE_WORKER!r})" if workers > 1 else ""
    print(f"  {served}{one}; control: {described(control_command(args.framework, workers, 0))}")
    print(
        f"  wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s after"
        f" {args.warmup:g} s of warm-up, X-Tenant-ID round-robin over {args.tenants} tenants;"
        f" {os.cpu_count()} CPUs, load average {', '.join(f'{v:.1f}' for v in os.getloadavg())}",
        flush=True,
    )

    env = dict(os.environ)
    settings = importlib.import_module(f"{args.package}.settings").get_settings()
    control_env = {
        **env,
        "CONTROL_DSN": control_dsn,
        "CONTROL_ORM": args.orm,
        "CONTROL_POOL_SIZE": str(settings.db_pool_size),
    }
    # The project once more on one worker, with what each of its workers has (under database
    # isolation, its share of the connections): what the workers add over one.
    each = worker_settings(args.package, workers)
    one_worker_env = {**env, **each}
    if args.isolation == "database":
        sized = settings.model_copy(
            update={
                "max_db_connections": int(each.get("MAX_DB_CONNECTIONS", 0))
                or getattr(settings, "connection_cap", settings.max_db_connections),
                "db_pool_size": int(each.get("DB_POOL_SIZE", settings.db_pool_size)),
            }
        )
        room = sized.tenant_pool_capacity
        churn = ": fewer than the tenants, pools close and reopen" if room < args.tenants else ""
        print(
            f"  each worker: MAX_DB_CONNECTIONS {sized.connection_cap}, room for {room} tenant"
            f" pools of {sized.db_pool_size} for {args.tenants} tenants{churn}",
            flush=True,
        )
    project_port, control_port, one_port = free_port(), free_port(), free_port()
    # Each server runs only while it is measured (and the project and the control once, to
    # compare their answers): one left idle beside it would hold connections the measured one
    # may need (a database-isolation worker keeps a pool per tenant open for a minute) and
    # spend CPU on its pools' upkeep.
    servers = {
        PROJECT: (
            project_command(command, workers if offers_workers else None, project_port),
            project_port,
            env,
        ),
        CONTROL: (
            control_command(args.framework, workers, control_port),
            control_port,
            control_env,
        ),
    }
    if offers_workers and workers > 1:
        servers[ONE_WORKER] = (project_command(command, 1, one_port), one_port, one_worker_env)
        if args.control_one_worker:
            port = free_port()
            control_alone = control_command(args.framework, 1, port)
            servers[CONTROL_ONE_WORKER] = (control_alone, port, control_env)
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT % ", ".join(f'"{tenant}"' for tenant in fleet.tenant_ids))
        script.flush()
        # The same orders from both, so neither is measured answering an error page.
        with running(PROJECT, *servers[PROJECT]) as project:
            mine = orders_of(project, fleet.tenant_ids[0])
        with running(CONTROL, *servers[CONTROL]) as control:
            theirs = orders_of(control, fleet.tenant_ids[0])
        if len(mine) != len(theirs) or not mine:
            raise SystemExit(f"project lists {len(mine)} orders, control {len(theirs)}")
        same = "the same orders" if mine == theirs else "as many orders (bodies differ)"
        print(f"  project and control list {same}: {len(mine)} for a tenant", flush=True)
        rounds = []
        names = list(servers)
        for number in range(1, args.rounds + 1):
            # The order reversed every other round (A B C, C B A, ...): whatever drifts over
            # the run (a warmer machine, a fuller cache, a neighbour's load) favours no one.
            order = names if number % 2 else names[::-1]
            measured, profiles = {}, {}
            for name in order:
                if args.profile:
                    profiles[name] = args.profile / f"{name.replace(' ', '-')}-round{number}.txt"
                with running(name, *servers[name]) as server:
                    measured[name] = measure(
                        server, script.name, args, postmaster, profiles.get(name)
                    )
            rounds.append({name: measured[name] for name in names})
            print_round(number, order, rounds[-1])
            for name, profile in profiles.items():
                print(f"    {name} profile ({profile}): {where_the_samples_went(profile)}")
    summary = print_medians(rounds, args.isolation, default_workers=args.workers is None)
    if args.summary:
        summary.update(workers=workers, load=os.getloadavg()[0])
        args.summary.write_text(json.dumps(summary))
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"  done {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

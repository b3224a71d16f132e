"""A rendered project served behind a real PgBouncer in transaction mode.

Debian's PgBouncer (`/usr/sbin/pgbouncer`, installed by `.ci/run`) runs in front of the
project's own PostgreSQL (the embedded one), with a pool smaller than the number of
concurrent clients and a `*` wildcard database (so database-per-tenant works through it).
`serve` sends the app role's connections through it (APP_DB_HOST / APP_DB_PORT); the CLI
(migrations, provisioning) goes direct. Threads of clients interleave requests of three
tenants; then session state is planted on every server connection and the same checks run
again: no 5xx, no tenant sees, stores or deletes another's orders, every write is stored
under its tenant (read with an owner connection, direct).
"""

import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PGBOUNCER = "/usr/sbin/pgbouncer"
POOL_SIZE = 2  # server connections per database and user: fewer than the clients
CLIENTS = 8  # concurrent client threads
REQUESTS_PER_CLIENT = 30  # 240 requests per round
TENANTS = 3
MAX_ERRORS = 50
PLAN = ("--plan", "enterprise")  # a rate limit far above these requests, where there is one
AGENT = Path(__file__).with_name("pooler_agent.py")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def agent(project: Path, env: dict, answers: dict, *args: str) -> object:
    """Run `pooler_agent.py` with the project's own Python; its JSON answer."""
    command = ["uv", "run", "--frozen", "python", str(AGENT), answers["package_name"]]
    done = subprocess.run(
        [*command, answers["isolation"], *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"pooler agent {args[0]} failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextmanager
def pgbouncer(upstream: dict) -> Iterator[int]:
    """PgBouncer in transaction mode in front of `upstream` (`where` of the agent); its port.

    PgBouncer refuses to run as root: as root it runs as the owner of the upstream's socket
    folder (the embedded server's own user, who can reach that socket), else as ourselves."""
    host = upstream["host"]
    user = pwd.getpwuid(os.getuid()).pw_name
    if os.getuid() == 0:
        owner = Path(host).owner() if host.startswith("/") else "postgres"
        user = owner if owner != "root" else "postgres"
    folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    port = free_port()
    (folder / "users.txt").write_text(f'"{upstream["app_user"]}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={host} port={upstream['port']}\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        "unix_socket_dir =\n"
        "auth_type = trust\n"
        f"auth_file = {folder / 'users.txt'}\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {POOL_SIZE}\n"
        "min_pool_size = 0\n"
        "reserve_pool_size = 0\n"
        "max_client_conn = 1000\n"
        f"logfile = {folder / 'pgbouncer.log'}\n"
        f"pidfile = {folder / 'pgbouncer.pid'}\n"
    )
    # -q: PgBouncer logs to its logfile only. It writes to stderr as well otherwise, and an
    # unread pipe there fills (64 KiB, ~400 lines of connection churn) and blocks its single
    # event loop: every client and server connection froze mid-round.
    command = [PGBOUNCER, "-q", str(folder / "pgbouncer.ini")]
    if user != pwd.getpwuid(os.getuid()).pw_name:
        for path in [folder, *folder.iterdir()]:
            shutil.chown(path, user)
        command = ["runuser", "-u", user, "--", *command]
    # Whatever it still prints (start-up errors) goes to a file, never to a pipe nobody reads.
    with open(folder / "pgbouncer.out", "wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 10
        while True:
            assert process.poll() is None, f"pgbouncer exited: {log_of(folder)}"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "pgbouncer did not listen in time"
                time.sleep(0.05)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def log_of(folder: Path) -> str:
    paths = (folder / "pgbouncer.log", folder / "pgbouncer.out")
    return "".join(path.read_text() for path in paths if path.exists())


@dataclass
class Round:
    """What one round of interleaved requests saw."""

    requests: int = 0
    errors: list[str] = field(default_factory=list)  # 5xx and unexpected statuses
    crossings: list[str] = field(default_factory=list)  # another tenant's order seen or touched
    created: dict[str, set[str]] = field(default_factory=dict)
    deleted: dict[str, set[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def failures(self) -> list[str]:
        return self.errors + self.crossings

    def figures(self) -> str:
        return (
            f"{self.requests} requests, {len(self.errors)} errors, {len(self.crossings)} crossings"
        )


def interleave(url: str, naming: dict[str, dict], request, outcome: Round) -> None:
    """CLIENTS threads, each cycling through the tenants: list, create, delete (its own
    order, and now and then another tenant's, which must be "not found")."""
    for slug in naming:
        outcome.created.setdefault(slug, set())
        outcome.deleted.setdefault(slug, set())

    def call(slug: str, method: str, path: str = "", body: dict | None = None):
        try:
            status, reply, _ = request(url + path, naming[slug], body, method=method)
        except OSError as error:  # no answer in time, or the connection dropped
            status, reply = 599, repr(error)
        with outcome.lock:
            outcome.requests += 1
            if status >= 500:
                outcome.errors.append(f"{method} {slug}{path}: {status} {reply}")
        return status, reply

    def others(slug: str) -> list[str]:
        return [other for other in naming if other != slug]

    def client(number: int) -> None:
        own: dict[str, list[str]] = {slug: [] for slug in naming}
        slugs = list(naming)
        for step in range(REQUESTS_PER_CLIENT):
            if len(outcome.errors) > MAX_ERRORS:  # broken: say so now, not after every timeout
                return
            slug = slugs[(number + step) % len(slugs)]
            kind = step % 3
            if kind == 1:
                body = {"product": f"{slug}:{number}:{step}", "quantity": 1, "total": "1.50"}
                status, order = call(slug, "POST", "", body)
                if status == 201:
                    own[slug].append(order["id"])
                    with outcome.lock:
                        outcome.created[slug].add(order["id"])
                elif status < 500:
                    outcome.errors.append(f"POST {slug}: {status} {order}")
            elif kind == 2 and step % 4 == 2:
                other = slugs[(slugs.index(slug) + 1) % len(slugs)]
                with outcome.lock:
                    theirs = sorted(outcome.created[other] - outcome.deleted[other])
                if theirs:
                    status, reply = call(slug, "DELETE", f"/{theirs[0]}")
                    if status < 500 and status != 404:
                        outcome.crossings.append(f"{slug} deleted {other}'s {theirs[0]}: {status}")
            elif kind == 2 and own[slug]:
                order_id = own[slug].pop(0)
                status, reply = call(slug, "DELETE", f"/{order_id}")
                if status == 200 and reply["deleted"]["id"] == order_id:
                    with outcome.lock:
                        outcome.deleted[slug].add(order_id)
                elif status < 500:
                    outcome.errors.append(f"DELETE {slug}/{order_id}: {status} {reply}")
            else:
                status, orders = call(slug, "GET")
                if status != 200:
                    if status < 500:
                        outcome.errors.append(f"GET {slug}: {status} {orders}")
                    continue
                for order in orders:
                    with outcome.lock:
                        theirs = any(order["id"] in outcome.created[o] for o in others(slug))
                    if theirs or not order["product"].startswith(f"{slug}:"):
                        outcome.crossings.append(f"{slug} listed {order['product']} {order['id']}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def stored_under_their_tenant(stored: dict, outcome: Round) -> list[str]:
    """Where the owner's direct reading disagrees with what the API confirmed."""
    wrong = []
    for slug, ids in stored.items():
        expected = outcome.created[slug] - outcome.deleted[slug]
        if set(ids) != expected:
            missing, extra = sorted(expected - set(ids)), sorted(set(ids) - expected)
            wrong.append(f"{slug}: missing {missing}, not its own {extra}")
    return wrong


def run_behind_pgbouncer(project: Path, env: dict, port: int, answers: dict, served, request):
    """Serve the project behind PgBouncer; two rounds of interleaved requests, the second
    after planting session state on every server connection. `served` and `request` are
    test_matrix's. Returns the two rounds' figures."""
    upstream = agent(project, env, answers, "where")
    figures, failures = [], []
    with pgbouncer(upstream) as bouncer_port:
        pooled_env = {**env, "APP_DB_HOST": "127.0.0.1", "APP_DB_PORT": str(bouncer_port)}
        # No registry cache: every request's lookup runs on a pooled server connection too.
        pooled_env["TENANT_CACHE_TTL"] = "0"
        with served(project, pooled_env, port, answers) as probe:
            ids = {}
            run_id = secrets.token_hex(3)  # a project may be served behind PgBouncer again
            for slug in [f"pool-{run_id}-{n}" for n in range(TENANTS)]:
                created = probe.command("tenants", "create", "--name", slug, "--slug", slug, *PLAN)
                ids[slug] = created.strip().splitlines()[-1]
            naming = {slug: probe.naming(slug) for slug in ids}
            created: dict[str, set[str]] = {}
            deleted: dict[str, set[str]] = {}
            for planted in (False, True):
                if planted:
                    victim_slug = next(iter(ids))
                    victim = json.dumps({"id": ids[victim_slug], "slug": victim_slug})
                    plant = ["plant", "127.0.0.1", str(bouncer_port), str(POOL_SIZE), victim]
                    agent(project, pooled_env, answers, *plant)
                # The ledgers of confirmed writes carry over: the owner reads every round's.
                outcome = Round(created=created, deleted=deleted)
                interleave(probe.url, naming, request, outcome)
                stored = agent(project, env, answers, "stored", json.dumps(ids))
                misplaced = stored_under_their_tenant(stored, outcome)
                label = "planted" if planted else "clean"
                figures.append(f"{label}: {outcome.figures()}, {len(misplaced)} misplaced")
                print(f"pgbouncer {answers['isolation']} {figures[-1]}", file=sys.stderr)
                failures += [f"({label}) {failure}" for failure in outcome.failures() + misplaced]
    assert not failures, "behind PgBouncer: " + "; ".join(figures) + "\n" + "\n".join(failures[:20])
    return figures

"""A real server for HTTP benchmarks: the bench database prepared, gunicorn started and stopped.

Shared by the HTTP benchmarks so that a figure and its reference always run on the same
server settings, started the same way.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import redis
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_MODULE = "bench.settings"
VENV_BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class ServerSettings:
    """What gunicorn runs with; printed and stored with every result."""

    workers: int = 2
    worker_class: str = "gthread"
    threads: int = 4

    def as_args(self) -> list[str]:
        args = ["--workers", str(self.workers), "--worker-class", self.worker_class]
        if self.worker_class == "gthread":
            args += ["--threads", str(self.threads)]
        return args


@dataclass(frozen=True)
class RunningServer:
    base_url: str
    settings: ServerSettings
    log_path: Path


def bench_environment() -> dict[str, str]:
    """The environment every bench subprocess gets: the bench settings, nothing from the shell's."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    return env


def django_settings() -> object:
    """The bench settings object, read without django.setup(): only plain values are needed."""
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from django.conf import settings

    return settings


def _connect(database: dict[str, object], dbname: str) -> psycopg.Connection:
    return psycopg.connect(
        host=database["HOST"] or None,
        port=database["PORT"] or None,
        user=database["USER"] or None,
        password=database["PASSWORD"] or None,
        dbname=dbname,
        autocommit=True,
    )


def prepare_database(extra_ddl: list[str]) -> None:
    """Create the bench database when missing, migrate it, then run the bench's own DDL."""
    database = django_settings().DATABASES["default"]  # type: ignore[attr-defined]
    name = str(database["NAME"])
    with _connect(database, "postgres") as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=ROOT, env=bench_environment(), check=True,
    )
    with _connect(database, name) as conn:
        for statement in extra_ddl:
            conn.execute(statement)


def flush_redis() -> None:
    """Empty the bench's own Redis databases: throttle counters and the queued triage tasks.

    Nothing consumes the triage queue during a bench (no worker runs), so without this the
    tasks would pile up from one run to the next.
    """
    settings = django_settings()
    for url in {settings.REDIS_URL, settings.CELERY_BROKER_URL}:  # type: ignore[attr-defined]
        client = redis.Redis.from_url(url)
        try:
            client.flushdb()
        finally:
            client.close()


def _free_port() -> int:
    # The port is released before gunicorn binds it; a collision in that instant only makes
    # gunicorn fail to start, which wait_until_ready reports.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_ready(process: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    """Poll /healthz (database and broker both answer) until 200, for at most 30 s."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log_path}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz within 30 s; see {log_path}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM lets gunicorn finish requests in flight; SIGKILL the group if it will not go."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own session: this reaches only its workers
        process.wait(timeout=5)


@contextmanager
def gunicorn(server: ServerSettings) -> Iterator[RunningServer]:
    """Run gunicorn on 127.0.0.1 with the bench settings; always stopped on the way out."""
    port = _free_port()
    log_file = tempfile.NamedTemporaryFile(prefix="tipline-bench-gunicorn-", suffix=".log", delete=False)
    log_path = Path(log_file.name)
    command = [
        str(VENV_BIN / "gunicorn"), "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", *server.as_args(),
        "--log-level", "warning", "--timeout", "60",
    ]
    # Its own session: a Ctrl-C in the terminal reaches only this script, which then stops
    # gunicorn in order instead of leaving workers half-killed.
    process = subprocess.Popen(
        command, cwd=ROOT, env=bench_environment(), stdout=log_file, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log_file.close()
    try:
        base_url = f"http://127.0.0.1:{port}"
        _wait_until_ready(process, base_url, log_path)
        yield RunningServer(base_url=base_url, settings=server, log_path=log_path)
    finally:
        _stop(process)

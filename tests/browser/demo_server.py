"""The demo as `make run` serves it, in a child process: migrate, seed_demo, runserver.

Not Django's live_server: on SQLite that shares one connection between the test and the server
thread, so it cannot show what a real server does (the demo's accept failed with "database is
locked" only with separate connections). The child process uses the embedded default's settings
(DJANGO_DEBUG, no broker: tasks run in-process) on a database of its own: a SQLite file when the
suite runs on SQLite, a fresh PostgreSQL database when it runs on PostgreSQL.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
OWNER, PASSWORD = "owner", "salonsync-demo"


@dataclass
class DemoServer:
    url: str
    database_url: str
    log: Path
    env: dict = field(default_factory=dict, repr=False)

    def manage(self, *args: str) -> str:
        """Run a management command against the server's database and settings; its stdout."""
        done = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def log_in(self, page) -> None:
        """Log the demo's owner in, as the README tells a newcomer to; lands on the salon."""
        page.goto(f"{self.url}/accounts/login/")
        page.fill("input[name=username]", OWNER)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{self.url}/salons/demo-salon/")

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Read the server's database directly (``%s`` placeholders)."""
        if self.database_url.startswith("sqlite:"):
            path = self.database_url.removeprefix("sqlite:///")
            with closing(sqlite3.connect(path, timeout=10)) as conn:
                return conn.execute(sql.replace("%s", "?"), params).fetchall()
        import psycopg

        with psycopg.connect(self.database_url.replace("postgres://", "postgresql://")) as conn:
            return conn.execute(sql, params).fetchall()


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _database(tmp_path: Path):
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        yield f"sqlite:///{tmp_path / 'demo.sqlite3'}"
        return
    import psycopg

    name = f"salonsync_demo_{uuid.uuid4().hex[:10]}"
    admin = (
        f"postgresql://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:"
        f"{db.get('PORT') or 5432}/postgres"
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def demo_server(tmp_path: Path, *, clients: int = 40):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with _database(tmp_path) as database_url:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE") and not key.startswith("PYTEST")
        }
        env.update(
            DJANGO_SETTINGS_MODULE="salonsync.settings",
            DJANGO_DEBUG="true",
            DATABASE_URL=database_url,
            SALONSYNC_PUBLIC_URL=url,
            PORT=str(port),
        )
        log = tmp_path / "server.log"
        manage = [sys.executable, str(ROOT / "manage.py")]
        with open(log, "w") as out:
            for step in (["migrate", "--noinput"], ["seed_demo", "--clients", str(clients)]):
                subprocess.run(
                    [*manage, *step], env=env, cwd=ROOT, stdout=out, stderr=out, check=True
                )
            server = subprocess.Popen(
                [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=out,
            )
        try:
            _wait_until_up(url, server, log)
            yield DemoServer(url=url, database_url=database_url, log=log, env=env)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def _wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the demo server exited:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the demo server did not start:\n{log.read_text()[-3000:]}")

"""`make run` takes a PORT (issue 16): the server, the echoed URL and SALONSYNC_PUBLIC_URL follow
it. Read with `make -n` (nothing runs)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def dry_run(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"PORT", "SALONSYNC_PUBLIC_URL"}}
    # The install step is a no-op in a dry run only when .venv is up to date: keep its lines out.
    result = subprocess.run(
        [MAKE, "-n", "-o", "install", "run", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_make_run_defaults_to_port_8000():
    out = dry_run()
    assert "runserver 127.0.0.1:8000" in out
    assert "SalonSync: http://127.0.0.1:8000/" in out
    assert "SALONSYNC_PUBLIC_URL=http://127.0.0.1:8000 " in out


def test_make_run_port_moves_the_server_and_the_public_url():
    out = dry_run("PORT=8001")
    assert "runserver 127.0.0.1:8001" in out
    assert "SalonSync: http://127.0.0.1:8001/" in out
    for command in ("migrate", "seed_demo", "runserver"):
        line = next(line for line in out.splitlines() if command in line)
        assert "SALONSYNC_PUBLIC_URL=http://127.0.0.1:8001 " in line
    assert "8000" not in out

"""The commands an operator runs: flask finds the app by itself, and gunicorn serves it."""

from __future__ import annotations

import gc
import os
import runpy
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture
def operator_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PLACEFUND_"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env["PLACEFUND_INSTANCE"] = str(tmp_path / "instance")
    return env


def run(args, env):
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_flask_finds_the_app_and_gunicorn_serves_it(operator_env, tmp_path):
    upgrade = run([str(BIN / "flask"), "db", "upgrade"], operator_env)
    assert upgrade.returncode == 0, upgrade.stderr
    assert (tmp_path / "instance" / "placefund.sqlite3").exists()
    for _ in range(2):
        load = run([str(BIN / "flask"), "demo", "load"], operator_env)
        assert load.returncode == 0, load.stderr
    assert "already there" in load.stdout

    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "wsgi:create_app()",
        ],
        cwd=ROOT,
        env=operator_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        page = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/places/oakbridge"
                ) as response:
                    page = response.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert "Oakbridge" in page
        assert "Castle Hill" in page
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_production_will_not_start_without_a_secret(operator_env):
    operator_env["PLACEFUND_ENV"] = "production"
    operator_env.pop("SECRET_KEY", None)
    result = run([str(BIN / "flask"), "routes"], operator_env)
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_gunicorn_freezes_what_the_master_loaded_before_each_worker_is_forked():
    # The app is loaded once, in the master (preload_app): the workers' garbage collector
    # leaves those objects alone, and so leaves the memory they share with the master as is.
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["preload_app"] is True
    made = [[] for _ in range(1000)]
    assert gc.get_freeze_count() == 0
    try:
        settings["pre_fork"](None, None)
        assert gc.get_freeze_count() >= len(made)
    finally:
        gc.unfreeze()

"""gunicorn settings for Placefund: ``gunicorn -c gunicorn.conf.py 'wsgi:create_app()'``.

Chosen by measuring ballots (``bench/bench_ballots.py``: 32 voters at once, each loading the
ballot page and sending it) on a 2-core machine with PostgreSQL beside the app:

- sync workers, two per core and one more: a request is mostly Python work with short
  waits on the database, so a few processes keep every core busy without threads fighting
  over Python's lock. More workers only add memory and switching.
- the app is loaded once, before the workers start (``preload_app``): workers start fast and
  share memory. Database connections are never shared: each worker drops any it inherited.
- before each worker is forked, the app's objects (loaded once, in the master) are put out of
  the garbage collector's reach (``gc.freeze``, as Python's documentation advises for servers
  that fork): the workers' collector no longer goes over them again and again, and no longer
  writes to the memory the workers share with the master.
- a load balancer in front keeps connections to the browsers open; sync workers answer one
  request per connection, which costs little between the balancer and the app.

On a busy 2-core machine, 2 gthread workers of 4 threads each used less CPU a ballot (25 ms
against 32 ms) but their slowest requests were slower (p99 1.9 s against 1.1 s): try
``WEB_CONCURRENCY=2 GUNICORN_THREADS=4`` with the benchmark on your own machine.

Every setting can be changed from the environment: ``WEB_CONCURRENCY`` (workers),
``GUNICORN_THREADS`` (more than 1 switches to the gthread worker), ``PORT`` or
``GUNICORN_BIND``, ``GUNICORN_ACCESS_LOG`` (a path, or ``-`` for the terminal).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from typing import Any

bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
worker_class = "gthread" if threads > 1 else "sync"
keepalive = 5  # seconds an idle connection stays open (gthread only; sync closes each one)
preload_app = True
timeout = 30
graceful_timeout = 30
# Workers are replaced now and then, at different times, so slow leaks cannot build up.
max_requests = 20_000
max_requests_jitter = 2_000
# The workers' heartbeat files live in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None


def pre_fork(server: Any, worker: Any) -> None:
    """What the master has made so far lives as long as the workers: the collector leaves it."""
    gc.freeze()


def post_fork(server: Any, worker: Any) -> None:
    """A worker never uses a database connection opened before it was forked."""
    from giving.extensions import db

    app = server.app.wsgi()
    with app.app_context():
        db.engine.dispose(close=False)

"""gunicorn settings for Placefund: ``gunicorn -c gunicorn.conf.py 'wsgi:create_app()'``.

Chosen by measuring ballots (``bench/bench_ballots.py``: 32 voters at once, each loading the
ballot page, checking their choices and casting them) on a 2-core machine with PostgreSQL
beside the app:

- sync workers, one per core and one more: a request is mostly Python work with short
  waits on the database, so one worker more than the cores keeps every core busy while
  another waits. More workers only add memory, switching and a colder cache for each. On a
  2-core machine, 3 workers took 66 to 74 ballots a second in six runs (21.0 to 23.6 ms of
  app CPU a ballot; the slowest requests, p99, 195 to 226 ms), and 5 workers (two per core
  and one more) 54 to 69 in five runs (22.9 to 29.3 ms; p99 228 to 273 ms); run back to
  back, 3 beat 5 every time. 4 workers took 66 and 70, 2 workers 67. Where many requests
  wait on other services (card payments on a giving day, say), more workers keep the cores
  busy while they wait: raise ``WEB_CONCURRENCY``.
- the app is loaded once, before the workers start (``preload_app``): workers start fast and
  share memory. Database connections are never shared: each worker drops any it inherited.
- before each worker is forked, the app's objects (loaded once, in the master) are put out of
  the garbage collector's reach (``gc.freeze``, as Python's documentation advises for servers
  that fork): the workers' collector no longer goes over them again and again, and no longer
  writes to the memory the workers share with the master.
- a load balancer in front keeps connections to the browsers open; sync workers answer one
  request per connection, which costs little between the balancer and the app.

On the same machine, 2 gthread workers of 4 threads each took as many ballots (66 and 67 a
second, 22.5 ms of app CPU each) but their slowest requests were slower (p99 280 and 367 ms,
against 226 ms for 3 sync workers in the same session): try ``WEB_CONCURRENCY=2
GUNICORN_THREADS=4`` with the benchmark on your own machine.

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
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() + 1)
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

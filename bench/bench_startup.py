"""How long ``flask`` takes to start: Placefund's commands beside the floor a bare Flask app sets.

Run from the repository root:

    .venv/bin/python bench/bench_startup.py              # best of 5 runs of each command
    .venv/bin/python bench/bench_startup.py --runs 9
    .venv/bin/python bench/bench_startup.py --compare ../other-checkout   # the same commands there

Every command starts the app (``flask --help`` builds it to list its commands), so each is
timed as a whole process. The time is CPU time (user + system) of the process, not the time
on the clock, so a busy machine changes it less; each command runs ``--runs`` times, taking
turns with the others, and the best run is shown. One run of each comes first and is not
counted: it writes the compiled modules, as a deployed copy has them.

The floor: ``python -c pass``, ``flask --version`` (Flask loaded, no app), and ``flask --help``
for an app of one line, ``Flask(__name__)``. "x bare" is a command's time over that last one.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FLASK = str(BIN / "flask")
OURS = [
    ["--help"],
    ["routes"],
    ["count", "--help"],
    ["tick", "--help"],
    ["db", "--help"],
]
BARE_APP = "from flask import Flask\n\napp = Flask(__name__)\n"


def cpu_seconds(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    """The CPU time one run of ``argv`` took, user and system together."""
    process = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert process.stderr is not None
    errors = process.stderr.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed in {cwd}:\n{errors.decode()}")
    return usage.ru_utime + usage.ru_stime


def cases(bare_app: Path, compare: Path | None) -> list[tuple[str, list[str], Path]]:
    found = [
        ("python -c pass", [sys.executable, "-c", "pass"], ROOT),
        ("flask --version (no app)", [FLASK, "--version"], bare_app),
        ("flask --help (bare app)", [FLASK, "--help"], bare_app),
    ]
    for args in OURS:
        found.append((f"flask {' '.join(args)}", [FLASK, *args], ROOT))
        if compare is not None:
            found.append((f"flask {' '.join(args)} ({compare.name})", [FLASK, *args], compare))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (best shown)")
    parser.add_argument("--compare", type=Path, help="another checkout to time beside this one")
    options = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k not in ("FLASK_APP", "PYTHONDONTWRITEBYTECODE")}
    with tempfile.TemporaryDirectory() as folder:
        bare_app = Path(folder)
        (bare_app / "app.py").write_text(BARE_APP, encoding="utf-8")
        compare = options.compare.resolve() if options.compare else None
        runs = cases(bare_app, compare)
        for _name, argv, cwd in runs:
            cpu_seconds(argv, cwd, env)
        best = {name: float("inf") for name, _argv, _cwd in runs}
        for _ in range(options.runs):
            for name, argv, cwd in runs:
                best[name] = min(best[name], cpu_seconds(argv, cwd, env))
    floor = best["flask --help (bare app)"]
    print(f"CPU seconds, best of {options.runs} (user + system)")
    print(f"{'command':32} {'CPU s':>7} {'x bare':>7}")
    for name, seconds in best.items():
        print(f"{name:32} {seconds:7.3f} {seconds / floor:7.1f}")


if __name__ == "__main__":
    main()

"""Every ``flask`` command starts quickly: building the app loads no library that only some
commands or pages use (numpy and the lottery's solver, Alembic, Stripe, odfpy, schwifty,
cryptography, the PostgreSQL driver on SQLite). Each is loaded where it is used. Work left
until it is needed (address builders, the garbage collector's passes) gives the same result,
and the collector skips its passes over the app's objects at exit."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask, url_for
from werkzeug.routing import Rule

from giving.startup import QuickRule, collector_paused

ROOT = Path(__file__).resolve().parent.parent

HEAVY = {
    "alembic",
    "cryptography",
    "flask_migrate",
    "highspy",
    "jsonschema",
    "mako",
    "numpy",
    "odf",
    "pabutools",
    "playwright",
    "psycopg",
    "pycountry",
    "pygments",
    "redis",
    "rq",
    "schwifty",
    "sortition_algorithms",
    "stripe",
}
# Our own modules that need one of them.
HEAVY_OURS = {"voting.fair_lottery", "voting.rules.equal_shares"}

# Runs the ``flask`` command as the console script does, then prints what it imported.
PROBE = """
import json, sys
from flask.cli import main
sys.argv = ["flask", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as stop:
    if stop.code:
        raise
print("MODULES=" + json.dumps(sorted(sys.modules)))
"""

# As PROBE, then prints how many of the models' mappings were set up.
MAPPER_PROBE = PROBE.replace(
    'print("MODULES="',
    "from giving.extensions import db\n"
    'print("SET UP=" + json.dumps([m.class_.__name__ for m in db.Model.registry.mappers'
    " if m.configured]))\n"
    '_ = ("MODULES="',
)


# Exit work registered before the app is built runs after the app's own (last in, first out).
EXIT_PROBE = """
import atexit, gc, sys
from pathlib import Path

def last():
    Path(sys.argv[1]).write_text(f"frozen: {gc.get_freeze_count() > 0}")

atexit.register(last)
from wsgi import create_app
create_app()
create_app()
print("built")
"""


def python(code: str, args: list[str], instance: Path) -> str:
    """What Python printed running ``code`` with ``args``, on the embedded SQLite setup with
    no Redis."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "PLACEFUND_ENV", "FLASK_APP"}
    }
    env["PLACEFUND_INSTANCE"] = str(instance)
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def flask(args: list[str], instance: Path) -> tuple[str, set[str]]:
    """What ``flask ARGS`` printed, and the modules it had imported when it finished."""
    output, _, modules = python(PROBE, [json.dumps(args)], instance).rpartition("MODULES=")
    return output, set(json.loads(modules))


def heavy(modules: set[str]) -> list[str]:
    return sorted(name for name in modules if name.split(".")[0] in HEAVY or name in HEAVY_OURS)


@pytest.mark.parametrize("args", [["--help"], ["routes"], ["count", "--help"]])
def test_a_command_starts_without_loading_what_it_does_not_use(args, tmp_path):
    output, modules = flask(args, tmp_path)
    assert output.strip()
    assert "wsgi" in modules, "the app was built"
    assert heavy(modules) == []


def test_building_the_app_leaves_the_models_mappings_to_the_first_query(tmp_path):
    """Setting up how every model maps to its table takes a tenth of a second: a statement
    made when a module is imported (rather than when first run) would do it for every
    command."""
    output = python(MAPPER_PROBE, [json.dumps(["--help"])], tmp_path)
    _, _, set_up = output.rpartition("SET UP=")
    assert json.loads(set_up.splitlines()[0]) == []


def test_the_database_commands_are_listed_and_load_alembic_only_when_run(tmp_path):
    listing, modules = flask(["--help"], tmp_path)
    assert "db " in listing
    assert "Perform database migrations." in listing
    assert "alembic" not in modules
    heads, modules = flask(["db", "heads"], tmp_path)
    assert "(head)" in heads
    assert "alembic" in modules


def test_at_exit_the_apps_objects_are_left_out_of_the_collector_and_exit_work_still_runs(
    tmp_path,
):
    # Python's collector would go over every object again as the process is torn down; the
    # app freezes them first, and what was registered to run at exit before it still runs.
    left = tmp_path / "exit.txt"
    assert python(EXIT_PROBE, [str(left)], tmp_path).strip() == "built"
    assert left.read_text() == "frozen: True"


def _addresses(rule_class: type[Rule]) -> list[str]:
    app = Flask(__name__)
    app.url_rule_class = rule_class
    app.add_url_rule("/grants/<int:grant_id>/pay", "pay", lambda grant_id: "")
    app.add_url_rule("/rounds/<slug>/", "round", lambda slug, page: "", defaults={"page": 1})
    app.add_url_rule("/files/<path:name>", "file", lambda name: "")
    with app.test_request_context():
        return [
            url_for(endpoint, **values)
            for _ in range(2)  # the first call compiles the builder, the second reuses it
            for endpoint, values in [
                ("pay", {"grant_id": 12}),
                ("pay", {"grant_id": 12, "back": "/funds/a b?c"}),
                ("round", {"slug": "spring grants"}),
                ("round", {"slug": "oak", "page": 1, "sort": "date"}),
                ("file", {"name": "2026/open data.json", "_external": True}),
            ]
        ]


def test_addresses_built_when_first_used_are_the_same_as_werkzeugs():
    assert _addresses(QuickRule) == _addresses(Rule)
    assert _addresses(QuickRule)[0] == "/grants/12/pay"
    assert _addresses(QuickRule)[1] == "/grants/12/pay?back=/funds/a+b?c"


def test_the_collector_runs_again_after_the_app_is_built_even_when_building_fails():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("a bad setting")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled(), "left off when it was off"
    finally:
        gc.enable()


def test_templates_see_the_apps_globals_and_keep_their_own_apart(app):
    """Each template's globals read the app's (also those added after it was loaded), and
    globals given to one template change neither the app's nor another template's."""
    env = app.jinja_env
    page = env.from_string("{{ shout('hi') }}")
    env.globals["shout"] = str.upper
    try:
        assert page.render() == "HI"
        own = env.from_string("{{ shout('hi') }} {{ mine }}", globals={"mine": "only here"})
        assert own.render() == "HI only here"
        assert "mine" not in env.globals
        assert env.from_string("{{ mine is defined }}").render() == "False"
        own.globals["shout"] = str.lower
        assert own.render() == "hi only here"
        assert page.render() == "HI"
        # A template given none of its own at first keeps what it is given later to itself.
        page.globals["shout"] = str.title
        assert page.render() == "Hi"
        assert env.globals["shout"] is str.upper
        assert env.from_string("{{ shout('hi') }}").render() == "HI"
    finally:
        del env.globals["shout"]

"""The lock files are the install: every package pinned with its hashes, and in step with the
top-level pins they were compiled from (``make lock`` updates them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;\\]+)")


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw.split("[")[0]).lower()


def _pins(path: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        found = _PIN.match(line.strip())
        if found:
            pins[_name(found.group(1))] = found.group(2)
    return pins


def _locked(path: Path) -> dict[str, list[str]]:
    """Each locked package with the hashes listed under it."""
    packages: dict[str, list[str]] = {}
    current = None
    for line in path.read_text().splitlines():
        found = _PIN.match(line)
        if found:
            current = _name(found.group(1)) + "==" + found.group(2)
            packages[current] = []
        elif current and line.strip().startswith("--hash=sha256:"):
            packages[current].append(line.strip().removesuffix(" \\"))
    return packages


@pytest.mark.parametrize(
    ("pins", "lock"),
    [
        (["requirements.txt"], "requirements.lock"),
        (["requirements.txt", "requirements-test.txt"], "requirements-test.lock"),
    ],
)
def test_each_lock_holds_its_pins_with_hashes(pins, lock):
    locked = _locked(ROOT / lock)
    assert locked, f"{lock} locks nothing"
    for package, hashes in locked.items():
        assert hashes, f"{package} in {lock} has no hash"
    versions = dict(entry.split("==") for entry in locked)
    for source in pins:
        for name, version in _pins(ROOT / source).items():
            assert versions.get(name) == version, (
                f"{source} pins {name}=={version} but {lock} has {versions.get(name)}: "
                "run make lock"
            )


def test_the_test_lock_keeps_the_runtime_versions():
    runtime = dict(entry.split("==") for entry in _locked(ROOT / "requirements.lock"))
    testing = dict(entry.split("==") for entry in _locked(ROOT / "requirements-test.lock"))
    for name, version in runtime.items():
        assert testing.get(name) == version, name

"""The hand-written stubs match the native module, and the package type-checks."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_stubtest() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "glassfeed._core"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_on_package_and_tests() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "python/glassfeed", "python/tests/test_api.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr

"""Shared fixtures: a small synthetic world written as JSON Lines, and the Rust `rank` example."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Dict, List

import pytest

import glassfeed

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`glassfeed.synth(users=500, seed=3)` written as a JSON Lines directory."""
    path = tmp_path_factory.mktemp("world")
    glassfeed.synth(users=500, seed=3).to_jsonl(path)
    return path


@pytest.fixture(scope="session")
def world(world_dir: Path) -> glassfeed.Dataset:
    return glassfeed.Dataset.from_jsonl(world_dir)


def run_rank_example(*args: str) -> subprocess.CompletedProcess:
    """Runs `cargo run --release --example rank -- ARGS` at the repository root."""
    return subprocess.run(
        ["cargo", "run", "--release", "--quiet", "--example", "rank", "--", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )


def rank_example_lines(*args: str) -> List[Dict[str, Any]]:
    done = run_rank_example(*args)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line]

#!/usr/bin/env bash
# Runs every test of glassfeed: formatting and lints, Rust unit/integration/doc tests and
# proptests, a quick run of every benchmark, and the Python tests against freshly built
# bindings in a local virtual environment (.venv) that this script creates.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt / clippy"
cargo fmt --all --check
cargo clippy --all-targets -- -D warnings

echo "== Rust tests (unit, integration, doc, proptest)"
cargo test --release

echo "== Benchmarks, briefly (small world only; a broken bench fails here)"
# `--bench '*'` runs the criterion benches only: the library's own bench harness would
# reject criterion's flags.
GLASSFEED_BENCH_QUICK=1 cargo bench --bench '*' -- --warm-up-time 0.2 --measurement-time 0.5 --sample-size 10

if [ -d python/tests ] && [ -f pyproject.toml ]; then
  echo "== Python bindings into .venv"
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r python/requirements-dev.txt
  .venv/bin/maturin develop --release --quiet
  echo "== Python tests"
  .venv/bin/python -m pytest python/tests -q
fi

"""glassfeed from Python vs a straightforward pandas/NumPy implementation of `engagement`.

DESIGN §7: "Python bindings vs a straightforward pandas/NumPy implementation of the same
pipeline: ≥ 100× faster per feed, with identical rankings." On one synthetic world this
script first checks that the rankings are identical on every sampled viewer (posts,
ranks, scores bit for bit), then times per feed — each method over all ``--viewers``
sampled viewers in turn, for ``--rounds`` rounds; median and p90 over all samples —

* pandas — ``EngagementPandas(..., lookup=...).rank(viewer)``
  (python/bench/engagement_pandas.py) with ``lookup="indexed"`` (frames sorted once by
  key, sliced per viewer) and ``lookup="masks"`` (boolean masks over whole frames, the
  textbook way); the one-time preparation is timed separately, not per feed;
* glassfeed ``pipeline.rank(ds, viewer, explain="off")`` — scores only, like pandas;
* glassfeed ``pipeline.rank(ds, viewer)`` — the default, with ``summary`` explanations;

and every feed at once: ``pipeline.rank_all(ds)`` (parallel, GIL released) against the
pandas implementation over every viewer (run when ``--users`` ≤ ``--pandas-all-max``,
otherwise extrapolated from its mean per feed and marked as an estimate).

    .venv/bin/python python/bench/compare.py                    # small world, 1000 users
    .venv/bin/python python/bench/compare.py --users 20000 --viewers 100
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import glassfeed  # noqa: E402
from engagement_pandas import EngagementPandas, EngagementParams  # noqa: E402


def timed(fn: Callable[[], object]) -> float:
    """Wall-clock seconds of one call."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
        return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"
    except OSError:
        return f"{os.cpu_count()} CPUs"


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=1000, help="synthetic world size (default 1000)")
    ap.add_argument("--seed", type=int, default=1, help="synthetic world seed (default 1)")
    ap.add_argument("--viewers", type=int, default=200, help="viewers timed per feed (default 200)")
    ap.add_argument("--rounds", type=int, default=3, help="timing rounds over the viewers (default 3)")
    ap.add_argument(
        "--lookup",
        choices=["indexed", "masks", "both"],
        default="both",
        help="pandas lookups of a viewer's rows: sorted slices, whole-frame masks, or both (default)",
    )
    ap.add_argument(
        "--pandas-all-max",
        type=int,
        default=2000,
        help="run pandas over every viewer up to this many users, else extrapolate (default 2000)",
    )
    args = ap.parse_args(argv)

    print(f"glassfeed {glassfeed.__version__}, pandas {pd.__version__}, numpy {np.__version__}, "
          f"Python {platform.python_version()}")
    print(f"start: {load()}")
    t = time.perf_counter()
    ds = glassfeed.synth(users=args.users, seed=args.seed)
    print(
        f"world: synth(users={args.users}, seed={args.seed}): {ds.user_count} users, {ds.post_count} posts, "
        f"{ds.engagement_count} engagements ({fmt_time(time.perf_counter() - t)})"
    )
    pipeline = glassfeed.Pipeline.preset("engagement")
    params = EngagementParams.from_spec(pipeline.to_json())

    t = time.perf_counter()
    frames = {"users": ds.users(), "graph": ds.graph(), "posts": ds.posts(), "engagements": ds.engagements()}
    to_frames = time.perf_counter() - t
    models: Dict[str, EngagementPandas] = {}
    for lookup in ["indexed", "masks"] if args.lookup == "both" else [args.lookup]:
        t = time.perf_counter()
        models[lookup] = EngagementPandas.from_frames(frames, params=params, lookup=lookup)
        print(f"pandas ({lookup}): one-time preparation {fmt_time(time.perf_counter() - t)}")
    print(f"frames from the bindings: {fmt_time(to_frames)}")

    users = frames["users"]["id"].astype(str).to_numpy()
    rng = np.random.default_rng(args.seed)
    viewers: List[str] = rng.choice(users, size=min(args.viewers, len(users)), replace=False).tolist()

    methods: Dict[str, Callable[[str], object]] = {}
    labels: Dict[str, str] = {}
    for lookup, model in models.items():
        methods[f"pandas-{lookup}"] = model.rank
        labels[f"pandas-{lookup}"] = f"pandas/NumPy, lookup={lookup}"
    methods["off"] = lambda v: pipeline.rank(ds, v, explain="off")
    labels["off"] = 'glassfeed pipeline.rank(ds, v, explain="off")'
    methods["summary"] = lambda v: pipeline.rank(ds, v)
    labels["summary"] = "glassfeed pipeline.rank(ds, v)  (summary)"

    # Identical rankings on every timed viewer (and a warm-up of every method).
    mismatches = {name: 0 for name in methods if name.startswith("pandas")}
    for v in viewers:
        feed = pipeline.rank(ds, v, explain="off")
        posts = [i.post for i in feed.items]
        ranks = [i.rank for i in feed.items]
        scores = np.array([i.score for i in feed.items], dtype=np.float64)
        for name in mismatches:
            mine = methods[name](v)
            assert isinstance(mine, pd.DataFrame)
            same = (
                list(mine["post"]) == posts
                and list(mine["rank"]) == ranks
                and np.array_equal(mine["score"].to_numpy(), scores)
            )
            mismatches[name] += not same

    # Per feed: each method over every sampled viewer in turn, for several rounds.
    times: Dict[str, List[float]] = {name: [] for name in methods}
    for _ in range(args.rounds):
        for name, method in methods.items():
            for v in viewers:
                times[name].append(timed(lambda: method(v)))

    # Every feed at once.
    all_rust = min(timed(lambda: pipeline.rank_all(ds)) for _ in range(3))
    all_pandas: Dict[str, float] = {}
    estimated = args.users > args.pandas_all_max
    for lookup, model in models.items():
        if estimated:
            all_pandas[lookup] = statistics.fmean(times[f"pandas-{lookup}"]) * ds.user_count
        else:
            all_pandas[lookup] = timed(lambda: model.rank_many())

    med = {k: statistics.median(v) for k, v in times.items()}
    n = len(viewers)
    print()
    print(f"per feed: {n} viewers × {args.rounds} rounds, median and p90 (k = 50, `now` = latest timestamp)")
    header = f"  {'method':<48} {'median':>10} {'p90':>10}"
    for lookup in models:
        header += f"  {'pandas-' + lookup + ' ÷':>17}"
    print(header)
    for name in methods:
        p90 = float(np.quantile(times[name], 0.9))
        line = f"  {labels[name]:<48} {fmt_time(med[name]):>10} {fmt_time(p90):>10}"
        for lookup in models:
            line += f"  {med[f'pandas-{lookup}'] / med[name]:>16.1f}×"
        print(line)
    print()
    print(f"all {ds.user_count} feeds:" + ("  (pandas estimated from its mean per feed)" if estimated else ""))
    for lookup in models:
        print(f"  {'pandas/NumPy, lookup=' + lookup + ', viewer by viewer':<48} {fmt_time(all_pandas[lookup]):>10}")
    line = f"  {'glassfeed pipeline.rank_all(ds), best of 3':<48} {fmt_time(all_rust):>10}"
    line += f"  ({ds.user_count / all_rust:,.0f} feeds/s;"
    line += ", ".join(f" {all_pandas[lookup] / all_rust:.0f}× pandas-{lookup}" for lookup in models) + ")"
    print(line)
    print()
    for name, bad in mismatches.items():
        verdict = "identical" if bad == 0 else f"DIFFERENT for {bad} viewers"
        print(f"{labels[name]}: rankings of the {n} viewers {verdict} to glassfeed's")
    for lookup in models:
        ratio = med[f"pandas-{lookup}"] / med["off"]
        print(
            f"ratio per feed vs pandas lookup={lookup}: {ratio:.1f}× (explain=off), "
            f"{med[f'pandas-{lookup}'] / med['summary']:.1f}× (default summary explanations); "
            f"DESIGN §7 target ≥ 100×: {'met' if ratio >= 100 else 'NOT met'}"
        )
    print(f"end: {load()}")
    return 0 if not any(mismatches.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

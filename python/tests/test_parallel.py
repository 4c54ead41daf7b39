"""`rank_all` on 20,000 viewers: parallel, with the GIL released."""

from __future__ import annotations

import os
import threading
import time

import glassfeed


def machine_busy_seconds() -> float:
    """CPU seconds spent by every process on the machine so far (Linux), else 0."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(v) for v in stat.readline().split()[1:9]]
    except OSError:
        return 0.0
    idle = ticks[3] + ticks[4]
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")


def test_rank_all_twenty_thousand_viewers() -> None:
    ds = glassfeed.synth(users=20_000, seed=42)
    p = glassfeed.Pipeline.preset("engagement")
    p.rank_all(ds, viewers=["u0"])  # warm the dataset's lazily computed indexes

    # While rank_all runs, a Python thread keeps running: the GIL is released.
    ticks = 0
    stop = threading.Event()

    def tick() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    ticker = threading.Thread(target=tick)
    ticker.start()
    busy0, cpu0, wall0 = machine_busy_seconds(), time.process_time(), time.perf_counter()
    feeds = p.rank_all(ds)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    others = machine_busy_seconds() - busy0 - cpu  # CPU used meanwhile by other processes
    stop.set()
    ticker.join()

    frame = feeds.to_pandas()
    assert len(feeds) == 20_000
    sizes = frame.groupby("viewer", observed=True).size()
    assert len(frame) == feeds.item_count <= 20_000 * 50 and sizes.max() <= 50
    assert len(frame) > 20_000 * 25  # most feeds are full
    print(f"\nrank_all engagement, 20,000 viewers: {wall:.2f} s wall, {cpu:.2f} s CPU "
          f"({cpu / wall:.2f} cores; other processes {others:.2f} s CPU), "
          f"{len(frame):,} rows, {20_000 / wall:,.0f} feeds/s")  # fmt: skip
    assert ticks > 10, "the GIL was held during rank_all"
    # Two cores busy: CPU time exceeds wall time, unless other processes took a core.
    contended = others > 0.3 * wall
    if (os.cpu_count() or 1) >= 2 and not contended:
        assert cpu / wall > 1.3, f"cpu {cpu:.2f} s / wall {wall:.2f} s: not parallel"

"""glassfeed: a transparent feed-ranking engine.

Rank every viewer's feed through documented, composable stages and explain every
decision::

    import glassfeed
    ds = glassfeed.synth(users=2000, seed=7)
    feed = glassfeed.Pipeline.preset("engagement").rank(ds, "u5", explain="full")
    feed.to_pandas()            # one row per item, one column per scoring stage
    feed.explanations()[0]      # why the first post is first

The classes are implemented in Rust (``glassfeed._core``); ``rank_all`` runs in parallel
with the GIL released. Errors are ``GlassfeedError`` subclasses carrying the Rust
message. The audit measurements live in ``glassfeed.audit`` (pandas frames) and their
plots in ``glassfeed.plots`` (matplotlib); both are imported on first use::

    frame = glassfeed.audit.amplification(ds, ["engagement", "bridging"])  # vs chronological
    glassfeed.plots.plot_amplification(frame)
"""

from __future__ import annotations

import importlib
from typing import Any

from ._core import (
    ArgumentError,
    DataError,
    Dataset,
    Feed,
    FeedItem,
    Feeds,
    GlassfeedError,
    IoError,
    Pipeline,
    ScoreError,
    SpecError,
    __version__,
    synth,
)

__all__ = [
    "ArgumentError",
    "DataError",
    "Dataset",
    "Feed",
    "FeedItem",
    "Feeds",
    "GlassfeedError",
    "IoError",
    "Pipeline",
    "ScoreError",
    "SpecError",
    "__version__",
    "audit",
    "plots",
    "synth",
]


def __getattr__(name: str) -> Any:
    # `glassfeed.audit` and `glassfeed.plots` are imported on first use, so
    # `import glassfeed` stays light (no pandas, no matplotlib).
    if name in ("audit", "plots"):
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

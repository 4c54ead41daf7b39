"""An independent pandas implementation of the `engagement` preset ranks like glassfeed.

``python/bench/engagement_pandas.py`` is written from ALGORITHM.md alone (it imports no
glassfeed code). On the `small` world (``synth(users=1000, seed=1)``) and on a small
adversarial world (blocks, mutes, muted phrases, hidden and policy labels, reposts of
reposts, window edges, tied scores, missing predictions, negative heavy-ranker sums) it
must give every viewer the same posts at the same ranks with bit-identical scores.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
import pandas as pd
import pytest

import glassfeed

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

from engagement_pandas import EngagementPandas, EngagementParams, read_jsonl  # noqa: E402

PIPELINE = glassfeed.Pipeline.preset("engagement")
PARAMS = EngagementParams.from_spec(PIPELINE.to_json())


def frames(ds: glassfeed.Dataset) -> Dict[str, pd.DataFrame]:
    return {"users": ds.users(), "graph": ds.graph(), "posts": ds.posts(), "engagements": ds.engagements()}


def glassfeed_all(ds: glassfeed.Dataset, now: Optional[int] = None) -> pd.DataFrame:
    out = PIPELINE.rank_all(ds, now=now).to_pandas()
    return pd.DataFrame(
        {
            "viewer": out["viewer"].astype(str).to_numpy(dtype=object),
            "post": out["post"].astype(str).to_numpy(dtype=object),
            "rank": out["rank"].to_numpy(np.int64),
            "score": out["score"].to_numpy(np.float64),
        }
    )


def assert_same_feeds(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    """Same viewers, posts and ranks; scores equal bit for bit (so within any tolerance)."""
    got = got.reset_index(drop=True)
    expected = expected.reset_index(drop=True)
    key = ["viewer", "post", "rank"]
    for a, b in [(expected, got), (got, expected)]:
        extra = a.merge(b[key], on=key, how="left", indicator=True)
        extra = extra[extra["_merge"] == "left_only"]
        assert extra.empty, f"items not in the other ranking:\n{extra.head(20).to_string()}"
    assert list(got["viewer"]) == list(expected["viewer"])
    assert list(got["post"]) == list(expected["post"])
    assert list(got["rank"]) == list(expected["rank"])
    e, g = expected["score"].to_numpy(), got["score"].to_numpy()
    np.testing.assert_allclose(g, e, rtol=1e-12, atol=0)
    differ = np.flatnonzero(e.view(np.int64) != g.view(np.int64))
    both = pd.concat([expected, got["score"].rename("got")], axis=1)
    assert differ.size == 0, f"scores not bit-identical:\n{both.iloc[differ[:10]]}"


# --- the `small` world -----------------------------------------------------------------


@pytest.fixture(scope="module")
def small() -> glassfeed.Dataset:
    return glassfeed.synth(users=1000, seed=1)


@pytest.fixture(scope="module")
def small_pandas(small: glassfeed.Dataset) -> pd.DataFrame:
    """Every feed of the small world, ranked by the pandas implementation (once)."""
    return EngagementPandas.from_frames(frames(small), params=PARAMS).rank_many()


def test_sample_of_viewers_matches_pipeline_rank(small: glassfeed.Dataset, small_pandas: pd.DataFrame) -> None:
    rng = np.random.default_rng(2024)
    users = small.users()["id"].astype(str).to_numpy()
    viewers = sorted(rng.choice(users, size=50, replace=False).tolist())
    expected: List[pd.DataFrame] = []
    for viewer in viewers:
        feed = PIPELINE.rank(small, viewer, explain="off")
        expected.append(
            pd.DataFrame(
                {
                    "viewer": [viewer] * len(feed),
                    "post": [item.post for item in feed.items],
                    "rank": [item.rank for item in feed.items],
                    "score": [item.score for item in feed.items],
                }
            )
        )
    mine = small_pandas.set_index("viewer").loc[viewers].reset_index()
    assert len(mine) == sum(len(e) for e in expected) > 0
    assert_same_feeds(pd.concat(expected, ignore_index=True), mine)


def test_every_viewer_matches_rank_all(small: glassfeed.Dataset, small_pandas: pd.DataFrame) -> None:
    expected = glassfeed_all(small)
    assert expected["viewer"].nunique() == small.user_count
    assert_same_feeds(expected, small_pandas)


def test_jsonl_files_read_with_pandas_and_an_earlier_now(tmp_path: Path) -> None:
    ds = glassfeed.synth(users=150, seed=5)
    ds.to_jsonl(tmp_path)
    now = ds.latest_timestamp - 20 * 3600 + 7  # later posts and engagements are invisible
    # With pandas' default dtype inference `created_at` comes back as datetimes.
    default = {
        name: pd.read_json(tmp_path / f"{name}.jsonl", lines=True, precise_float=True)
        for name in ["users", "graph", "posts", "engagements"]
    }
    assert pd.api.types.is_datetime64_any_dtype(default["posts"]["created_at"])
    for fr, at in [(read_jsonl(tmp_path), None), (default, now)]:
        got = EngagementPandas.from_frames(fr, now=at, params=PARAMS).rank_many()
        assert_same_feeds(glassfeed_all(ds, now=at), got)


# --- an adversarial world --------------------------------------------------------------

HOUR = 3600
NOW = 1_700_000_000
WORDS = [
    "new", "York", "Yorker", "new_York", "City", "cat", "concatenate", "bobcat", "catalog", "cat_lover",
    "re_cat", "Ärger", "über", "SPOILERS", "I'm", "a",
]


def adversarial_world(seed: int) -> Dict[str, pd.DataFrame]:
    """Few users, dense edges of every kind, many reposts, ties and window edges."""
    rng = np.random.default_rng(seed)
    n_users, n_posts = 40, 500
    uid = [f"u{i}" for i in range(n_users)]
    muted_choices = [[], [], ["cat"], ["New York"], ["new-york", "spoilers"], ["ärger"], ["  "], ["I"], ["New_york"]]
    users = pd.DataFrame(
        {
            "id": uid,
            "muted_words": [muted_choices[i] for i in rng.integers(0, len(muted_choices), n_users)],
            "hidden_labels": [[[], ["nsfw"], ["spam", "nsfw"], []][i] for i in rng.integers(0, 4, n_users)],
        }
    )
    edges = []
    for kind, p in [("follow", 0.35), ("mute", 0.04), ("block", 0.04)]:
        mask = rng.random((n_users, n_users)) < p
        for s, d in zip(*np.nonzero(mask)):
            if s != d:
                edges.append((uid[s], uid[d], kind))
    graph = pd.DataFrame(edges, columns=["src", "dst", "kind"])
    graph = pd.concat([graph, graph.head(5)], ignore_index=True)  # repeated edges

    # Times: many exactly equal, some at the window's edges, some too old, some after an
    # earlier `now`.
    edge_times = [NOW, NOW - 48 * HOUR, NOW - 48 * HOUR + 1, NOW - 48 * HOUR - 1, NOW - 30 * HOUR, NOW - 60 * HOUR]
    created = np.where(
        rng.random(n_posts) < 0.3,
        rng.choice(edge_times, n_posts),
        NOW - rng.integers(0, 55, n_posts) * HOUR,
    )
    ids = [f"p{i}" for i in rng.permutation(n_posts)]  # id order unrelated to time
    repost_of: List[Optional[str]] = [None] * n_posts
    for i in range(n_posts):
        if i > 10 and rng.random() < 0.35:
            repost_of[i] = ids[int(rng.integers(0, i))]  # possibly a repost of a repost
    texts = [
        None if repost_of[i] is not None and rng.random() < 0.7 else " ".join(rng.choice(WORDS, 6)) + "!"
        for i in range(n_posts)
    ]
    label_sets = [[], [], [], ["nsfw"], ["spam"], ["illegal"], ["nsfw", "spam"]]
    # Few distinct prediction vectors, so scores tie; some missing, some very negative.
    vectors = rng.random((6, 4)) * np.array([[1.0, 0.2, 0.02, 0.001]])
    vectors[5, 3] = 0.5  # p_report 0.5: S < 0
    pick = rng.integers(0, 6, n_posts)
    feats = vectors[pick]
    feats[rng.random((n_posts, 4)) < 0.1] = np.nan
    posts = pd.DataFrame(
        {
            "id": ids,
            "author": [uid[i] for i in rng.integers(0, n_users, n_posts)],
            "created_at": created,
            "text": texts,
            "repost_of": repost_of,
            "labels": [label_sets[i] for i in rng.integers(0, len(label_sets), n_posts)],
            "feat_p_fav": feats[:, 0],
            "feat_p_reply": feats[:, 1],
            "feat_p_good_click": feats[:, 2],
            "feat_p_report": feats[:, 3],
        }
    )
    n_eng = 6000
    kinds = ["impression", "like", "repost", "reply", "quote", "click", "dislike", "share", "report"]
    at = np.where(
        rng.random(n_eng) < 0.2, rng.choice(edge_times, n_eng), NOW - rng.integers(0, 60 * HOUR, n_eng)
    )
    engagements = pd.DataFrame(
        {
            "user": [uid[i] for i in rng.integers(0, n_users, n_eng)],
            "post": [ids[i] for i in rng.integers(0, n_posts, n_eng)],
            "kind": [kinds[i] for i in rng.integers(0, len(kinds), n_eng)],
            "at": at,
        }
    )
    return {"users": users, "graph": graph, "posts": posts, "engagements": engagements}


@pytest.mark.parametrize("seed", [11, 12])
def test_adversarial_world(seed: int) -> None:
    fr = adversarial_world(seed)
    ds = glassfeed.Dataset.from_pandas(**fr)
    assert ds.latest_timestamp == NOW
    for now in [None, NOW - 30 * HOUR]:
        expected = glassfeed_all(ds, now=now)
        for lookup in ["indexed", "masks"]:
            got = EngagementPandas.from_frames(fr, now=now, params=PARAMS, lookup=lookup).rank_many()
            assert_same_feeds(expected, got)


def test_params_from_a_spec_and_refusal_of_other_pipelines() -> None:
    spec = PIPELINE.spec
    spec["scorers"][1]["factor"] = 0.5
    spec["selector"] = {"stage": "top_k", "k": 7, "max_in_network": 3}
    params = EngagementParams.from_spec(spec)
    assert (params.out_of_network, params.k, params.max_in_network) == (0.5, 7, 3)
    fr = adversarial_world(11)
    ds = glassfeed.Dataset.from_pandas(**fr)
    custom = glassfeed.Pipeline.from_json(json.dumps(spec))
    expected = custom.rank_all(ds).to_pandas()
    got = EngagementPandas.from_frames(fr, params=params).rank_many()
    assert list(got["post"]) == list(expected["post"].astype(str))
    assert np.array_equal(got["score"].to_numpy(), expected["score"].to_numpy())
    with pytest.raises(ValueError, match="not an engagement pipeline"):
        EngagementParams.from_spec(glassfeed.Pipeline.preset("chronological").to_json())

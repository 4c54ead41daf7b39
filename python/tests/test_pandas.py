"""`Dataset.from_pandas` reads the same data as `Dataset.from_jsonl`, and frames round-trip."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

import numpy as np
import pandas as pd
import pytest

import glassfeed


def read_frames(world_dir: Path) -> Dict[str, pd.DataFrame]:
    # precise_float: pandas' fast float parser may be off by one ulp.
    return {
        name: pd.read_json(world_dir / f"{name}.jsonl", lines=True, precise_float=True)
        for name in ["users", "graph", "posts", "engagements"]
    }


def test_from_pandas_of_the_jsonl_files_equals_from_jsonl(world_dir: Path, world: glassfeed.Dataset) -> None:
    frames = read_frames(world_dir)
    # read_json turns `created_at` into datetimes: from_pandas takes them as unix seconds.
    assert pd.api.types.is_datetime64_any_dtype(frames["posts"]["created_at"])
    ds = glassfeed.Dataset.from_pandas(**frames)
    assert ds == world
    assert (ds.user_count, ds.post_count, ds.engagement_count) == (
        world.user_count,
        world.post_count,
        world.engagement_count,
    )
    for preset in ["engagement", "chronological", "lemmy"]:
        p = glassfeed.Pipeline.preset(preset)
        for viewer in ["u0", "u5", "u123"]:
            a = p.rank(ds, viewer, explain="full")
            b = p.rank(world, viewer, explain="full")
            assert a.explanations() == b.explanations()
        pd.testing.assert_frame_equal(p.rank_all(ds).to_pandas(), p.rank_all(world).to_pandas())


def test_dataset_frames_round_trip(world: glassfeed.Dataset) -> None:
    users, graph, posts, engagements = world.users(), world.graph(), world.posts(), world.engagements()
    assert list(users.columns[:2]) == ["id", "attr_viewpoint"]
    assert set(users["attr_viewpoint"]) == {"left", "right"}
    assert len(posts) == world.post_count and posts["created_at"].dtype == np.int64
    assert "feat_p_fav" in posts.columns
    assert len(engagements) == world.engagement_count
    again = glassfeed.Dataset.from_pandas(users=users, graph=graph, posts=posts, engagements=engagements)
    assert again == world


def test_optional_columns_and_alternative_layouts() -> None:
    users = pd.DataFrame(
        {
            "id": ["ann", "bob", "cy"],
            "attrs": [{"viewpoint": "left"}, None, np.nan],
            "attr_region": ["north", None, "south"],
            "muted_words": [["crypto"], None, np.nan],
        }
    )
    graph = pd.DataFrame({"src": ["ann", "ann", "cy"], "dst": ["bob", "cy", "bob"], "kind": ["follow"] * 3})
    posts = pd.DataFrame(
        {
            "id": ["p1", "p2", "p3"],
            "author": ["bob", "cy", "bob"],
            "created_at": [100, 200, 300],
            "text": ["hello", None, np.nan],
            "labels": [["nsfw"], [], None],
            "features": [{"p_fav": 0.5}, None, {"p_fav": np.nan}],
            "feat_p_reply": [0.1, np.nan, 0.2],
            "ignored": [1, 2, 3],
        }
    )
    engagements = pd.DataFrame(
        {"user": ["ann", "cy"], "post": ["p1", "p1"], "kind": ["like", "impression"], "at": [150, 160.0]}
    )
    ds = glassfeed.Dataset.from_pandas(users=users, graph=graph, posts=posts, engagements=engagements)
    assert (ds.user_count, ds.post_count, ds.engagement_count) == (3, 3, 2)
    u = ds.users().set_index("id")
    assert u.loc["ann", "attr_viewpoint"] == "left" and u.loc["cy", "attr_region"] == "south"
    assert u.loc["ann", "muted_words"] == ["crypto"]
    p = ds.posts().set_index("id")
    assert p.loc["p1", "feat_p_fav"] == 0.5 and np.isnan(p.loc["p3", "feat_p_fav"])
    assert p.loc["p3", "feat_p_reply"] == 0.2 and pd.isna(p.loc["p2", "text"])
    feed = glassfeed.Pipeline.preset("chronological").rank(ds, "ann")
    assert [i.post for i in feed] == ["p3", "p2", "p1"]  # newest first

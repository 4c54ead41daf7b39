"""The Python API surface: pipelines, feeds, explanations, synth options."""

from __future__ import annotations

import json
import math

import pytest

import glassfeed


@pytest.fixture(scope="module")
def ds() -> glassfeed.Dataset:
    return glassfeed.synth(users=300, seed=11)


def test_exports() -> None:
    for name in glassfeed.__all__:
        assert hasattr(glassfeed, name), name
    assert glassfeed.__version__


def test_pipeline_round_trip_and_fingerprint() -> None:
    assert "engagement" in glassfeed.Pipeline.presets()
    for name in glassfeed.Pipeline.presets():
        p = glassfeed.Pipeline.preset(name)
        again = glassfeed.Pipeline.from_json(p.to_json())
        assert (again.name, again.fingerprint) == (name, p.fingerprint)
        assert p.fingerprint.startswith("sha256:")
        assert p.spec == json.loads(p.to_json())
    assert "engagement" in repr(glassfeed.Pipeline.preset("engagement"))


def test_feed_frame_has_one_column_per_stage(ds: glassfeed.Dataset) -> None:
    p = glassfeed.Pipeline.preset("engagement")
    feed = p.rank(ds, "u1", k=7)
    frame = feed.to_pandas()
    assert list(frame.columns) == [
        "viewer", "post", "rank", "score", "source", "outcome",
        "heavy_ranker", "out_of_network", "author_diversity",
    ]  # fmt: skip
    assert len(frame) == len(feed) == 7 and frame["rank"].tolist() == list(range(1, 8))
    assert set(frame["outcome"]) == {"selected"} and set(frame["source"]) <= {"in_network", "social_proof"}
    # The score algebra: (Σ terms) × Π factors × Π rescores, bit for bit.
    for row in frame.to_dict("records"):
        assert (row["heavy_ranker"] * row["out_of_network"]) * row["author_diversity"] == row["score"]
    off = p.rank(ds, "u1", k=7, explain="off")
    assert list(off.to_pandas().columns) == ["viewer", "post", "rank", "score", "source", "outcome"]
    assert off.explanations() == [] and [i.post for i in off] == [i.post for i in feed]


def test_explanations_cover_every_candidate(ds: glassfeed.Dataset) -> None:
    p = glassfeed.Pipeline.preset("engagement")
    feed = p.rank(ds, "u2", explain="summary")
    records = feed.explanations()
    assert len(records) == feed.sourced
    selected = [r for r in records if r["outcome"] == "selected"]
    assert [r["post"] for r in selected] == [i.post for i in feed.items]
    filtered = [r for r in records if isinstance(r["outcome"], dict) and "filtered" in r["outcome"]]
    assert len(filtered) == feed.filtered
    for r in selected:
        s = sum(t["value"] for t in r["terms"]) if r["terms"] else 1.0
        for f in r["factors"] + r["rescores"]:
            s *= f["value"]
        assert s == r["score"]
    first = feed.items[0]
    assert (first.rank, first.score) == (1, selected[0]["score"]) and "FeedItem(" in repr(first)
    assert feed.viewer == "u2" and feed.pipeline == "engagement" and feed.now == ds.latest_timestamp


def test_why_not_and_compare(ds: glassfeed.Dataset) -> None:
    p = glassfeed.Pipeline.preset("engagement")
    feed = p.rank(ds, "u3")
    a, b = feed.items[0].post, feed.items[1].post
    story = p.why_not(ds, "u3", a)
    assert story["outcome"] == "selected" and story["rank"] == 1
    c = p.compare(ds, "u3", a, b)
    assert c["a"]["post"] == a and c["b"]["post"] == b and c["summary"]
    total = sum(s["log_share"] for s in c["stages"])
    assert math.isclose(total, math.log(c["a"]["score"] / c["b"]["score"]), rel_tol=1e-9, abs_tol=1e-12)
    far = p.why_not(ds, "u3", "p0", now=ds.latest_timestamp)
    assert far["outcome"] != "selected"


def test_rank_all_subsets_and_now(ds: glassfeed.Dataset) -> None:
    p = glassfeed.Pipeline.preset("chronological")
    feeds = p.rank_all(ds, viewers=["u5", "u1"], k=5, now=ds.latest_timestamp - 3600)
    frame = feeds.to_pandas()
    assert len(feeds) == 2 and feeds.now == ds.latest_timestamp - 3600
    assert list(dict.fromkeys(frame["viewer"].astype(str))) == ["u5", "u1"]
    assert frame.groupby("viewer", observed=True).size().max() <= 5
    one = p.rank(ds, "u5", k=5, now=ds.latest_timestamp - 3600)
    assert frame[frame["viewer"] == "u5"]["post"].astype(str).tolist() == [i.post for i in one]
    assert len(p.rank_all(ds, viewers=iter([])).to_pandas()) == 0


def test_synth_options() -> None:
    three = glassfeed.synth(users=300, seed=2, communities=3, posts_per_user=2.0)
    assert set(three.users()["attr_viewpoint"]) == {"c0", "c1", "c2"}
    assert glassfeed.synth(users=300, seed=2) == glassfeed.synth(users=300, seed=2)
    assert glassfeed.synth(users=300, seed=2) != glassfeed.synth(users=300, seed=3)
    assert "Dataset(users=300" in repr(three)


def test_jsonl_round_trip(ds: glassfeed.Dataset, tmp_path: "pytest.TempPathFactory") -> None:
    ds.to_jsonl(tmp_path)  # type: ignore[arg-type]
    assert glassfeed.Dataset.from_jsonl(tmp_path) == ds  # type: ignore[arg-type]
    assert glassfeed.Dataset.from_jsonl(str(tmp_path)) == ds

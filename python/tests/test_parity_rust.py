"""Python results are identical to the Rust `rank` example on the same data and spec."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import glassfeed

from conftest import rank_example_lines, run_rank_example

CUSTOM_SPEC = {
    "name": "custom",
    "sources": [{"stage": "in_network", "max_age_hours": 36}, {"stage": "social_proof", "min_proof": 1}],
    "filters": [{"stage": "self_posts"}, {"stage": "blocked"}, {"stage": "muted"}, {"stage": "seen"}],
    "scorers": [
        {"stage": "hn_gravity"},
        {"stage": "recency", "half_life_hours": 12},
        {"stage": "out_of_network", "factor": 0.5},
    ],
    "rescorers": [{"stage": "author_diversity", "decay": 0.6, "floor": 0.3}],
    "selector": {"stage": "top_k", "k": 30},
}


@pytest.mark.parametrize(
    "pipeline, viewer, explain, extra",
    [
        ("engagement", "u5", "full", []),
        ("chronological", "u7", "summary", ["--k", "10"]),
        ("reddit_hot", "u11", "full", ["--now", "1699990000"]),
        ("custom", "u3", "full", []),
    ],
)
def test_rank_matches_rust_example_bit_for_bit(
    world_dir: Path, world: glassfeed.Dataset, tmp_path: Path, pipeline: str, viewer: str, explain: str, extra: list
) -> None:
    if pipeline == "custom":
        spec_file = tmp_path / "custom.json"
        spec_file.write_text(json.dumps(CUSTOM_SPEC))
        spec_arg = str(spec_file)
        p = glassfeed.Pipeline.from_json(spec_file.read_text())
    else:
        spec_arg = pipeline
        p = glassfeed.Pipeline.preset(pipeline)
    rust = rank_example_lines(
        "--data", str(world_dir), "--pipeline", spec_arg, "--viewer", viewer, "--explain", explain, *extra
    )
    k = int(extra[1]) if extra[:1] == ["--k"] else None
    now = int(extra[1]) if extra[:1] == ["--now"] else None
    feed = p.rank(world, viewer, k=k, explain=explain, now=now)
    assert len(rust) == len(feed) > 0
    explanations = feed.explanations()
    for line, item, expl in zip(rust, feed.items, explanations):
        assert (line["viewer"], line["post"], line["rank"]) == (viewer, item.post, item.rank)
        assert line["score"] == item.score  # exact float equality
        assert line["explanation"] == expl  # every term, factor, feature value, sentence
        assert expl["fingerprint"] == p.fingerprint
    frame = feed.to_pandas()
    assert frame["post"].tolist() == [line["post"] for line in rust]
    assert frame["score"].tolist() == [line["score"] for line in rust]


def test_why_not_matches_rust_example(world_dir: Path, world: glassfeed.Dataset) -> None:
    p = glassfeed.Pipeline.preset("engagement")
    for post in ["p1", "p42", p.rank(world, "u5").items[3].post]:
        (rust,) = rank_example_lines(
            "--data", str(world_dir), "--pipeline", "engagement", "--viewer", "u5", "--why-not", post
        )
        assert p.why_not(world, "u5", post) == rust


def test_rank_all_matches_rust_example_all(world_dir: Path, world: glassfeed.Dataset) -> None:
    rust = rank_example_lines("--data", str(world_dir), "--pipeline", "engagement", "--all")
    feeds = glassfeed.Pipeline.preset("engagement").rank_all(world)
    frame = feeds.to_pandas()
    assert len(feeds) == world.user_count
    assert feeds.item_count == len(frame) == len(rust)
    assert frame["viewer"].astype(str).tolist() == [r["viewer"] for r in rust]
    assert frame["post"].astype(str).tolist() == [r["post"] for r in rust]
    assert np.array_equal(frame["rank"].to_numpy(), np.array([r["rank"] for r in rust], dtype=np.uint32))
    assert np.array_equal(frame["score"].to_numpy(), np.array([r["score"] for r in rust], dtype=np.float64))
    assert str(frame["rank"].dtype) == "uint32" and str(frame["score"].dtype) == "float64"
    assert str(frame["viewer"].dtype) == "category" and str(frame["post"].dtype) == "category"


def test_error_message_is_the_rust_message(world_dir: Path, world: glassfeed.Dataset) -> None:
    done = run_rank_example("--data", str(world_dir), "--pipeline", "engagement", "--viewer", "nobody")
    assert done.returncode != 0
    with pytest.raises(glassfeed.ArgumentError) as caught:
        glassfeed.Pipeline.preset("engagement").rank(world, "nobody")
    assert done.stderr.strip() == f"error: {caught.value}"

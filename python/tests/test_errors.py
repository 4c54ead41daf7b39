"""Each bad input raises the right `GlassfeedError` subclass, naming where the problem is;
no Rust panic reaches Python."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pandas as pd
import pytest

import glassfeed
from glassfeed import ArgumentError, DataError, GlassfeedError, IoError, ScoreError, SpecError


def write(dir: Path, **files: List[Dict[str, Any]]) -> Path:
    dir.mkdir(parents=True, exist_ok=True)
    for name, records in files.items():
        (dir / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return dir


USERS = [{"id": "ann"}, {"id": "bob"}]


def test_hierarchy() -> None:
    for cls in [DataError, IoError, SpecError, ScoreError, ArgumentError]:
        assert issubclass(cls, GlassfeedError) and issubclass(cls, Exception)
    assert issubclass(GlassfeedError, Exception)
    assert glassfeed.DataError.__module__ == "glassfeed"


def test_malformed_jsonl_line_names_file_line_and_field(tmp_path: Path) -> None:
    d = write(tmp_path / "w", users=USERS)
    (d / "posts.jsonl").write_text(
        '{"id":"p1","author":"ann","created_at":1}\n{"id":"p2","author":"bob","created_at":"noon"}\n'
    )
    with pytest.raises(DataError, match=r"posts\.jsonl line 2: field `created_at`"):
        glassfeed.Dataset.from_jsonl(d)


def test_unknown_user_in_graph(tmp_path: Path) -> None:
    d = write(tmp_path / "w", users=USERS, graph=[{"src": "ann", "dst": "zed", "kind": "follow"}])
    with pytest.raises(DataError, match=r"graph\.jsonl line 1: field `dst`: unknown user `zed`"):
        glassfeed.Dataset.from_jsonl(d)
    ds, report = glassfeed.Dataset.from_jsonl_with_report(d)
    assert ds.user_count == 2 and sum(report.values()) == 1
    assert any("unknown user" in problem for problem in report)


def test_duplicate_post_id(tmp_path: Path) -> None:
    post = {"id": "p1", "author": "ann", "created_at": 5}
    d = write(tmp_path / "w", users=USERS, posts=[post, post])
    with pytest.raises(DataError, match=r"posts\.jsonl line 2: field `id`: duplicate post id `p1`"):
        glassfeed.Dataset.from_jsonl(d)


def test_missing_directory_is_an_io_error(tmp_path: Path) -> None:
    with pytest.raises(IoError, match="users.jsonl"):
        glassfeed.Dataset.from_jsonl(tmp_path / "nowhere")


def test_bad_spec_names_stage_and_parameter() -> None:
    with pytest.raises(SpecError, match=r"stage `in_network[^`]*`: parameter `max_age_hours`: must be"):
        glassfeed.Pipeline.from_json('{"sources": [{"stage": "in_network", "max_age_hours": -1}]}')
    with pytest.raises(SpecError, match="not valid JSON"):
        glassfeed.Pipeline.from_json("{")
    with pytest.raises(SpecError, match="colour"):
        glassfeed.Pipeline.from_json('{"sources": [{"stage": "in_network", "colour": 1}]}')


def test_unknown_preset() -> None:
    with pytest.raises(ArgumentError, match=r"unknown preset `nope`; choose one of chronological"):
        glassfeed.Pipeline.preset("nope")


@pytest.fixture(scope="module")
def small() -> glassfeed.Dataset:
    return glassfeed.synth(users=200, seed=1)


def test_bad_ranking_arguments(small: glassfeed.Dataset) -> None:
    p = glassfeed.Pipeline.preset("engagement")
    with pytest.raises(ArgumentError, match="unknown user `u999`"):
        p.rank(small, "u999")
    with pytest.raises(ArgumentError, match="unknown user `nobody`"):
        p.rank_all(small, viewers=["u1", "nobody"])
    with pytest.raises(ArgumentError, match="unknown post `p-1`"):
        p.why_not(small, "u1", "p-1")
    with pytest.raises(ArgumentError, match="unknown post `zz`"):
        p.compare(small, "u1", "p1", "zz")
    with pytest.raises(ArgumentError, match=r"argument `explain`: `verbose` is not one of off, summary, full"):
        p.rank(small, "u1", explain="verbose")
    for k in [0, -3]:
        with pytest.raises(ArgumentError, match=r"argument `k`: must be at least 1"):
            p.rank(small, "u1", k=k)
        with pytest.raises(ArgumentError, match=r"argument `k`"):
            p.rank_all(small, k=k)
    with pytest.raises(TypeError):
        p.rank_all(small, viewers="u1")
    with pytest.raises(TypeError):
        p.rank("not a dataset", "u1")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="argument `users`"):
        glassfeed.synth(users=0)
    with pytest.raises(ArgumentError, match="argument `seed`"):
        glassfeed.synth(users=10, seed=-1)
    with pytest.raises(ArgumentError, match="unknown field `colour`"):
        glassfeed.synth(users=10, colour=3)
    with pytest.raises(ArgumentError, match="homophily"):
        glassfeed.synth(users=10, homophily=2.0)


def frames() -> Dict[str, pd.DataFrame]:
    return {
        "users": pd.DataFrame({"id": ["ann", "bob"], "attr_viewpoint": ["left", "right"]}),
        "graph": pd.DataFrame({"src": ["ann"], "dst": ["bob"], "kind": ["follow"]}),
        "posts": pd.DataFrame({"id": ["p1", "p2"], "author": ["bob", "ann"], "created_at": [10, 20]}),
        "engagements": pd.DataFrame({"user": ["ann"], "post": ["p1"], "kind": ["like"], "at": [15]}),
    }


@pytest.mark.parametrize(
    "frame, column, value, row, message",
    [
        ("posts", "created_at", ["yesterday", 20], 0, r"posts frame row 0: field `created_at`: expected an integer"),
        ("posts", "created_at", [10, 20.5], 1, r"posts frame row 1: field `created_at`: expected an integer"),
        ("posts", "author", ["bob", None], 1, r"posts frame row 1: field `author`: missing value"),
        ("posts", "labels", [["a"], "nsfw"], 1, r"posts frame row 1: field `labels`: expected a list of strings"),
        ("posts", "labels", [["a"], ["b", 3]], 1, r"posts frame row 1: field `labels\[1\]`: expected a string"),
        ("posts", "feat_p_fav", [0.5, "high"], 1, r"posts frame row 1: field `feat_p_fav`: expected a number"),
        ("posts", "features", [{"p_fav": "x"}, None], 0, r"posts frame row 0: field `features.p_fav`"),
        ("posts", "feat_p_fav", [float("inf"), 0.1], 0, r"posts frame row 0: field `feat_p_fav`: not a finite"),
        ("posts", "id", ["p1", "p1"], 1, r"posts frame row 1: field `id`: duplicate post id `p1`"),
        ("posts", "author", ["bob", "zed"], 1, r"posts frame row 1: field `author`: unknown user `zed`"),
        ("users", "id", ["ann", 7], 1, r"users frame row 1: field `id`: expected a string, got int 7"),
        ("users", "attr_viewpoint", ["left", 3.5], 1, r"users frame row 1: field `attr_viewpoint`: expected a str"),
        ("users", "attrs", [{"a": "b"}, ["x"]], 1, r"users frame row 1: field `attrs`: expected a dict"),
        ("graph", "kind", ["friend"], 0, r"graph frame row 0: field `kind`: unknown variant `friend`"),
        ("graph", "dst", ["zed"], 0, r"graph frame row 0: field `dst`: unknown user `zed`"),
        ("engagements", "kind", ["love"], 0, r"engagements frame row 0: field `kind`: unknown variant `love`"),
        ("engagements", "at", [True], 0, r"engagements frame row 0: field `at`: expected an integer"),
        ("engagements", "rating", [1.5], 0, r"engagements frame row 0: field `rating`: 1.5 is outside"),
        ("engagements", "post", ["p9"], 0, r"engagements frame row 0: field `post`: unknown post `p9`"),
    ],
)
def test_bad_frame_cells_name_frame_row_and_column(
    frame: str, column: str, value: List[Any], row: int, message: str
) -> None:
    given = frames()
    given[frame] = given[frame].copy()
    given[frame][column] = pd.Series(value, dtype=object)
    with pytest.raises(DataError, match=message):
        glassfeed.Dataset.from_pandas(**given)


def test_frame_shape_problems() -> None:
    given = frames()
    with pytest.raises(DataError, match=r"posts frame: missing column `created_at` \(columns: author, id\)"):
        glassfeed.Dataset.from_pandas(users=given["users"], posts=given["posts"].drop(columns="created_at"))
    with pytest.raises(TypeError, match="users frame: expected a pandas DataFrame"):
        glassfeed.Dataset.from_pandas(users=[{"id": "ann"}])  # type: ignore[arg-type]
    both = given["users"].assign(attrs=[{"viewpoint": "x"}, None])
    with pytest.raises(DataError, match=r"users frame row 0: field `attr_viewpoint`: `viewpoint` is also given"):
        glassfeed.Dataset.from_pandas(users=both)
    assert glassfeed.Dataset.from_pandas(**given).post_count == 2


def test_non_finite_score_is_a_score_error() -> None:
    users = pd.DataFrame({"id": ["ann", "bob"]})
    graph = pd.DataFrame({"src": ["ann"], "dst": ["bob"], "kind": ["follow"]})
    posts = pd.DataFrame({"id": ["p1"], "author": ["bob"], "created_at": [10], "feat_x": [1e308]})
    ds = glassfeed.Dataset.from_pandas(users=users, graph=graph, posts=posts)
    spec = {
        "sources": [{"stage": "in_network"}],
        "scorers": [{"stage": "weighted_sum", "weights": [{"feature": "x", "weight": 10}]}],
    }
    p = glassfeed.Pipeline.from_json(json.dumps(spec))
    with pytest.raises(ScoreError, match=r"stage `weighted_sum` gave a non-finite value \(inf\) for post `p1`"):
        p.rank(ds, "ann")
    with pytest.raises(ScoreError):
        p.rank_all(ds)


def test_no_panic_on_extreme_arguments(small: glassfeed.Dataset) -> None:
    # A Rust panic would surface as pyo3's PanicException (a BaseException): not caught here.
    for preset in glassfeed.Pipeline.presets():
        p = glassfeed.Pipeline.preset(preset)
        for now in [-(2**53), 2**53, 0]:
            try:
                p.rank(small, "u1", now=now, explain="full")
                p.rank_all(small, viewers=["u1", "u2"], now=now)
                p.why_not(small, "u1", "p3", now=now, explain="full")
                p.compare(small, "u1", "p3", "p4", now=now)
            except GlassfeedError:
                pass
        assert len(p.rank(small, "u1", k=10**12)) <= small.post_count
    for now in [-(2**63), 2**53 + 1, 2**63 - 1]:
        with pytest.raises(ArgumentError, match=r"argument `now`: .* outside the supported range"):
            glassfeed.Pipeline.preset("engagement").rank(small, "u1", now=now)
    with pytest.raises(OverflowError):
        glassfeed.Pipeline.preset("engagement").rank(small, "u1", now=2**64)
    assert glassfeed.synth(users=1, seed=0).user_count == 1


def test_empty_frames_add_nothing() -> None:
    ds = glassfeed.Dataset.from_pandas(
        users=pd.DataFrame({"id": ["ann"]}), graph=pd.DataFrame(), posts=pd.DataFrame(columns=["id"])
    )
    assert (ds.user_count, ds.post_count) == (1, 0)
    assert len(glassfeed.Pipeline.preset("engagement").rank(ds, "ann")) == 0
    assert len(glassfeed.Pipeline.preset("engagement").rank_all(ds).to_pandas()) == 0
    nobody = glassfeed.Dataset.from_pandas(users=pd.DataFrame({"id": pd.Series([], dtype=object)}))
    assert nobody.user_count == 0 and len(glassfeed.Pipeline.preset("lemmy").rank_all(nobody)) == 0

"""`glassfeed.audit`: frames of the Rust audit measurements, checked against a hand-computed
toy world, and the plotting helpers."""

from __future__ import annotations

import math
from pathlib import Path
from typing import List

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

import glassfeed
from glassfeed import ArgumentError, audit, plots

# The toy world. Viewpoints: a, b left; c, d right; e none. Follows: a → b, c; b → a, d;
# c → d, a; d → c, b; e follows nobody. Posts (created_at): e1 50, b1 100, c1 200,
# d1 300, a1 400, c2 500. `chronological` shows followees' posts newest first:
#
#   a: c2 c1 b1     b: a1 d1     c: a1 d1     d: c2 c1 b1     e: (empty)
#
# Top-k impressions (every item counts 1): a 2, b 2, c 4, d 2, e 0.
FEEDS = {"a": ["c2", "c1", "b1"], "b": ["a1", "d1"], "c": ["a1", "d1"], "d": ["c2", "c1", "b1"], "e": []}


@pytest.fixture(scope="module")
def toy() -> glassfeed.Dataset:
    users = pd.DataFrame({"id": list("abcde"), "attr_viewpoint": ["left", "left", "right", "right", None]})
    follows = [("a", "b"), ("a", "c"), ("b", "a"), ("b", "d"), ("c", "d"), ("c", "a"), ("d", "c"), ("d", "b")]
    graph = pd.DataFrame({"src": [s for s, _ in follows], "dst": [d for _, d in follows], "kind": "follow"})
    posts = pd.DataFrame(
        {
            "id": ["e1", "b1", "c1", "d1", "a1", "c2"],
            "author": ["e", "b", "c", "d", "a", "c"],
            "created_at": [50, 100, 200, 300, 400, 500],
        }
    )
    return glassfeed.Dataset.from_pandas(users=users, graph=graph, posts=posts)


@pytest.fixture(scope="module")
def chrono(toy: glassfeed.Dataset) -> glassfeed.Feeds:
    return glassfeed.Pipeline.preset("chronological").rank_all(toy)


@pytest.fixture(scope="module")
def small() -> glassfeed.Dataset:
    return glassfeed.synth(users=400, seed=5)


def test_the_toy_feeds_are_as_hand_computed(chrono: glassfeed.Feeds) -> None:
    frame = chrono.to_pandas()
    got = {v: frame[frame["viewer"] == v]["post"].astype(str).tolist() for v in FEEDS}
    assert got == FEEDS and len(chrono) == 5


def test_exposure_by_author(toy: glassfeed.Dataset, chrono: glassfeed.Feeds) -> None:
    top = audit.exposure(toy, chrono, model="topk")
    assert list(top.columns) == ["author", "group", "posts", "exposure"]
    assert top["exposure"].dtype == np.float64 and top["posts"].dtype == np.int64
    assert pd.api.types.is_string_dtype(top["author"]) and pd.api.types.is_string_dtype(top["group"])
    assert top["author"].tolist() == list("abcde")
    assert top["group"].tolist() == ["left", "left", "right", "right", "(none)"]
    assert top["posts"].tolist() == [1, 1, 2, 1, 1]
    assert top["exposure"].tolist() == [2.0, 2.0, 4.0, 2.0, 0.0]
    # Gini of 0, 2, 2, 2, 4 (ascending): (−4·0 − 2·2 + 0·2 + 2·2 + 4·4) / (5·10) = 0.32.
    assert top.attrs["gini"] == pytest.approx(0.32, abs=1e-15)
    assert audit.gini(top) == top.attrs["gini"] and top.attrs["pipeline"] == "chronological"
    # Logarithmic weights 1/log2(1 + rank): a1 first in two feeds, b1 third in two, …
    log = audit.exposure(toy, chrono)
    expected = [2.0, 2 * 0.5, 2 * (1 + 1 / math.log2(3)), 2 / math.log2(3), 0.0]
    assert log["exposure"].to_numpy() == pytest.approx(expected, rel=1e-15)
    rbp = audit.exposure(toy, chrono, model="rbp", gamma=0.5)
    assert rbp["exposure"].tolist() == [2.0, 0.5, 3.0, 1.0, 0.0]
    # Feeds, a Pipeline and a preset name measure the same thing.
    pipeline = glassfeed.Pipeline.preset("chronological")
    sources: List[audit.FeedsLike] = [pipeline, "chronological"]
    for source in sources:
        pd.testing.assert_frame_equal(audit.exposure(toy, source), log)


def test_gini_extremes() -> None:
    assert audit.gini([1.0, 1.0, 1.0, 1.0]) == 0.0
    assert audit.gini(np.array([0.0, 0.0, 0.0, 5.0])) == 0.75
    assert audit.gini(pd.Series([7.0] + [0.0] * 9)) == pytest.approx(0.9, abs=1e-15)
    assert audit.gini([]) == 0.0 and audit.gini([0.0, 0.0]) == 0.0
    assert audit.gini([3, 1, 2]) == pytest.approx(4 / 18, abs=1e-15)
    with pytest.raises(ArgumentError, match="non-negative"):
        audit.gini([1.0, -1.0])
    with pytest.raises(ArgumentError, match="finite"):
        audit.gini([1.0, float("nan")])


def test_group_shares(toy: glassfeed.Dataset, chrono: glassfeed.Feeds) -> None:
    shares = audit.group_shares(toy, chrono, model="topk")
    assert list(shares.columns) == ["group", "exposure_share", "post_share", "parity"]
    assert shares["group"].tolist() == ["(none)", "left", "right"]
    assert shares["exposure_share"].tolist() == pytest.approx([0.0, 0.4, 0.6], abs=1e-15)
    assert shares["post_share"].tolist() == pytest.approx([1 / 6, 2 / 6, 3 / 6], abs=1e-15)
    assert shares["parity"].tolist() == pytest.approx([0.0, 1.2, 1.2], abs=1e-12)
    assert all(shares[c].dtype == np.float64 for c in ["exposure_share", "post_share", "parity"])


def test_cross_cutting_diversity_and_popularity(toy: glassfeed.Dataset, chrono: glassfeed.Feeds) -> None:
    cc = audit.cross_cutting(toy, chrono)
    assert cc.name == "cross_cutting_share" and cc.dtype == np.float64 and cc.index.name == "viewer"
    assert cc.index.tolist() == list("abcde")  # the empty feed of `e` is attributed to it
    assert cc.iloc[:4].tolist() == pytest.approx([2 / 3, 1 / 2, 1 / 2, 1 / 3], abs=1e-15)
    assert math.isnan(cc["e"])
    summary = audit.cross_cutting_summary(toy, chrono)
    assert (summary["count"], summary["undefined"]) == (4, 1) and len(summary["histogram"]) == 10
    assert summary["mean"] == pytest.approx(0.5, abs=1e-15)

    div = audit.source_diversity(toy, chrono)
    h = -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3)) / math.log(3)
    assert div.iloc[:4].tolist() == pytest.approx([h, 1.0, 1.0, h], abs=1e-15)
    assert math.isnan(div["e"]) and div.attrs["summary"]["count"] == 4

    bias = audit.popularity_bias(toy, chrono)  # no engagements: undefined everywhere
    assert bias.isna().all() and bias.attrs["defined"] == 0 and bias.attrs["mean"] is None


def test_amplification_identity_is_exactly_zero(toy: glassfeed.Dataset, chrono: glassfeed.Feeds) -> None:
    frame = audit.amplification(toy, "chronological", control="chronological", bootstrap=50)
    assert list(frame.columns) == [
        "treatment", "control", "group", "reach_treatment", "reach_control",
        "amplification", "ci_low", "ci_high", "authors",
    ]  # fmt: skip
    assert frame["authors"].dtype == np.int64
    assert all(frame[c].dtype == np.float64 for c in ["amplification", "ci_low", "ci_high"])
    defined = frame[frame["group"] != "(none)"]
    assert (defined["amplification"] == 0.0).all()
    assert (defined["ci_low"] == 0.0).all() and (defined["ci_high"] == 0.0).all()
    assert frame[frame["group"] == "(none)"]["amplification"].isna().all()  # no control reach
    assert frame.attrs["viewers"] == 5 and set(frame.attrs["fingerprints"]) == {"chronological"}
    same = audit.amplification(toy, chrono, control=chrono, bootstrap=50)
    pd.testing.assert_frame_equal(same, frame)
    individual = audit.individual_amplification(toy, chrono, control="chronological")
    assert (individual["amplification"] == 0.0).all() and individual["author"].tolist() == list("abcd")


def test_amplification_by_hand(toy: glassfeed.Dataset, chrono: glassfeed.Feeds) -> None:
    # Treatment: the same feeds cut to one item: a: c2, b: a1, c: a1, d: c2, e: empty.
    short = glassfeed.Pipeline.preset("chronological").rank_all(toy, k=1)
    frame = audit.amplification(toy, short, control=chrono, model="topk", bootstrap=0)
    by_group = frame.set_index("group")
    # left: a1 twice / (a1 twice + b1 twice) − 1; right: c2 twice / (c 4 + d 2) − 1.
    assert by_group.loc["left", "amplification"] == -0.5
    assert by_group.loc["right", "amplification"] == pytest.approx(-2 / 3, abs=1e-15)
    assert by_group[["ci_low", "ci_high"]].isna().all().all()  # bootstrap=0: no interval
    individual = audit.individual_amplification(toy, short, control=chrono, model="topk")
    assert individual.set_index("author")["amplification"].to_dict() == {"a": 0.0, "b": -1.0, "c": -0.5, "d": -1.0}
    gap = audit.amplification_gap_test(toy, short, control=chrono, model="topk", permutations=100)
    assert gap["groups"] == ["left", "right"] and gap["difference"] == pytest.approx(0.25, abs=1e-15)
    assert 0.0 < gap["p_value"] <= 1.0 and gap["permutations"] == 100
    report = audit.amplification_report(toy, short, control=chrono, model="topk", bootstrap=0, permutations=10)
    assert report["summaries"]["mean"].tolist() == [-0.5, -0.75] and report["gap"]["permutations"] == 10
    pd.testing.assert_frame_equal(report["groups"], frame)


def test_amplification_on_a_synthetic_world(small: glassfeed.Dataset) -> None:
    viewers = [f"u{i}" for i in range(0, 400, 2)]
    frame = audit.amplification(small, ["engagement", "bridging"], viewers=viewers, bootstrap=200, seed=1)
    assert frame["treatment"].tolist() == ["engagement", "engagement", "bridging", "bridging"]
    assert frame["group"].tolist() == ["left", "right"] * 2 and frame.attrs["viewers"] == 200
    assert (frame["ci_low"] <= frame["ci_high"]).all()
    again = audit.amplification(small, ["engagement", "bridging"], viewers=viewers, bootstrap=200, seed=1)
    pd.testing.assert_frame_equal(frame, again)  # seeded
    individual = audit.individual_amplification(small, "engagement", viewers=viewers)
    assert set(individual["group"]) == {"left", "right"} and (individual["reach_control"] > 0).all()


def test_diff(toy: glassfeed.Dataset, chrono: glassfeed.Feeds, small: glassfeed.Dataset) -> None:
    same = audit.diff(toy, chrono, "chronological")
    assert list(same.columns) == ["viewer", "kendall_tau", "rbo", "overlap", "len_a", "len_b"]
    assert same["viewer"].tolist() == list("abcde") and same.attrs["identical"] == 5
    assert same["rbo"].tolist() == [1.0] * 5 and same["kendall_tau"].tolist() == [1.0] * 5  # e: both empty
    assert same["overlap"].dtype == np.int64 and same["overlap"].tolist() == [3, 2, 2, 3, 0]
    viewers = ["u1", "u2", "u3"]
    d = audit.diff(small, "chronological", "engagement", viewers=viewers, p=0.8)
    assert d["viewer"].tolist() == viewers and d.attrs["p"] == 0.8 and (d["rbo"] < 1).all()
    assert (d.attrs["a"], d.attrs["b"]) == ("chronological", "engagement")


def test_stage_attribution(small: glassfeed.Dataset) -> None:
    frame = audit.stage_attribution(small, "chronological", "engagement", viewers=[f"u{i}" for i in range(40)])
    assert list(frame.columns) == ["role", "stage", "change", "from", "to", "mean_rbo", "rbo_gain", "note"]
    assert "heavy_ranker" in frame["stage"].tolist() and frame["rbo_gain"].dtype == np.float64
    assert frame.attrs["a"] == "chronological" and 0.0 <= frame.attrs["baseline_rbo"] <= 1.0


def test_neutrality_and_non_profiling(small: glassfeed.Dataset) -> None:
    viewers = [f"u{i}" for i in range(120)]
    for preset in ["chronological", "engagement"]:
        report = audit.neutrality_check(small, preset, viewers=viewers, seed=3)
        assert report["passed"] and report["violations"] == [] and report["feeds_compared"] == 120
    flagged = audit.non_profiling_check(small, "engagement", viewers=viewers, seed=1)
    assert not flagged["passed"] and flagged["violations"] and "seen" in flagged["history_readers"]
    chrono = audit.non_profiling_check(small, glassfeed.Pipeline.preset("chronological"), viewers=viewers, seed=1)
    assert chrono["passed"] and chrono["violations"] == [] and chrono["history_readers"] == []


def test_transparency_report_mentions_every_stage(small: glassfeed.Dataset) -> None:
    pipeline = glassfeed.Pipeline.preset("engagement")
    viewers = [f"u{i}" for i in range(30)]
    markdown = audit.transparency_report(small, pipeline, viewers=viewers)
    spec = pipeline.spec
    stages = [s["stage"] for role in ["sources", "filters", "scorers", "rescorers"] for s in spec[role]]
    stages.append(spec["selector"]["stage"])
    for stage in stages:
        assert f"`{stage}`" in markdown, stage
    assert pipeline.fingerprint in markdown and markdown.startswith("# How the `engagement` feed is ranked")
    report = audit.transparency_report_dict(small, "engagement", viewers=viewers)
    assert [s["stage"] for s in report["stages"]] == stages and report["feeds"] == 30
    assert report["fingerprint"] == pipeline.fingerprint


def test_feeds_arguments_are_checked(toy: glassfeed.Dataset, chrono: glassfeed.Feeds, small: glassfeed.Dataset) -> None:
    pipeline = glassfeed.Pipeline.preset("chronological")
    subset = pipeline.rank_all(toy, viewers=["e", "a"])  # an empty feed of unknown viewer
    with pytest.raises(ArgumentError, match="pass the Pipeline instead"):
        audit.cross_cutting(toy, subset)
    # The pipeline itself is ranked for those viewers, empty feed included.
    cc = audit.cross_cutting(toy, pipeline, viewers=["e", "a"])
    assert cc.index.tolist() == ["e", "a"] and math.isnan(cc["e"]) and cc["a"] == pytest.approx(2 / 3)
    with pytest.raises(ArgumentError, match="another dataset"):
        audit.exposure(small, chrono)
    with pytest.raises(ArgumentError, match="already ranked"):
        audit.exposure(toy, chrono, viewers=["a"])
    with pytest.raises(ArgumentError, match="not paired|feeds but"):
        audit.diff(toy, chrono, pipeline.rank_all(toy, viewers=["a", "b"]))
    with pytest.raises(ArgumentError, match="not paired"):
        audit.diff(toy, pipeline.rank_all(toy, viewers=["b", "a"]), pipeline.rank_all(toy, viewers=["a", "b"]))
    with pytest.raises(ArgumentError, match="model"):
        audit.exposure(toy, chrono, model="linear")
    with pytest.raises(ArgumentError, match="`k`"):
        audit.exposure(toy, chrono, k=3)
    with pytest.raises(ArgumentError, match="unknown preset"):
        audit.exposure(toy, "nope")
    with pytest.raises(TypeError, match="Feeds"):
        audit.exposure(toy, 42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Pipeline or a preset"):
        audit.neutrality_check(toy, chrono)  # type: ignore[arg-type]
    with pytest.raises(glassfeed.GlassfeedError, match="`zed`"):
        audit.amplification(toy, "chronological", viewers=["a", "zed"])
    with pytest.raises(ArgumentError, match="confidence"):
        audit.amplification(toy, "chronological", confidence=1.5)
    with pytest.raises(ArgumentError, match="group `blue` has no author"):
        audit.amplification_gap_test(toy, "chronological", groups=("left", "blue"))
    with pytest.raises(ArgumentError, match="exactly two"):
        audit.amplification_gap_test(toy, "chronological", groups=("left",))  # type: ignore[arg-type]


def test_plots_return_axes_and_save(
    toy: glassfeed.Dataset, chrono: glassfeed.Feeds, small: glassfeed.Dataset, tmp_path: Path
) -> None:
    import matplotlib.pyplot as plt

    frame = audit.amplification(small, ["engagement", "bridging"], viewers=[f"u{i}" for i in range(100)], bootstrap=50)
    ax = plots.plot_amplification(frame)
    assert isinstance(ax, Axes) and len(ax.patches) == 4
    assert isinstance(ax.figure, Figure)
    ax.figure.savefig(tmp_path / "amplification.png")

    ax = audit.plot_lorenz(audit.exposure(small, "engagement"))
    ax = audit.plot_lorenz(audit.exposure(small, "chronological"), ax=ax)
    audit.plot_lorenz(np.array([1.0, 1.0]), ax=ax, label="equal")
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[0] == "equal exposure" and labels.count("equal exposure") == 1 and labels[-1] == "equal"
    assert str(labels[1]).startswith("engagement (Gini ")
    assert isinstance(ax.figure, Figure)
    ax.figure.savefig(tmp_path / "lorenz.png")

    fig, ax2 = plt.subplots()
    out = plots.plot_cross_cutting(audit.cross_cutting(toy, chrono), ax=ax2, bins=4)
    assert out is ax2 and sum(p.get_height() for p in ax2.patches if isinstance(p, Rectangle)) == 4  # e's empty feed left out
    fig.savefig(tmp_path / "cross_cutting.png")

    x, y = audit.lorenz_curve([0.0, 0.0, 2.0])
    assert x.tolist() == pytest.approx([0, 1 / 3, 2 / 3, 1]) and y.tolist() == [0.0, 0.0, 0.0, 1.0]
    for name in ["amplification.png", "lorenz.png", "cross_cutting.png"]:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    plt.close("all")


def test_audit_is_exported_lazily() -> None:
    assert "audit" in glassfeed.__all__ and glassfeed.audit is audit and glassfeed.plots is plots
    for name in audit.__all__:
        assert hasattr(audit, name), name
    for name in audit.__all__:
        if not name.endswith("Like"):
            assert getattr(audit, name).__doc__, name


def test_audits_run_from_threads(small: glassfeed.Dataset) -> None:
    # The GIL is released while measuring: concurrent audits finish and agree.
    from concurrent.futures import ThreadPoolExecutor

    viewers = [f"u{i}" for i in range(150)]

    def run(_: int) -> pd.DataFrame:
        return audit.amplification(small, "engagement", viewers=viewers, bootstrap=100)

    with ThreadPoolExecutor(max_workers=3) as pool:
        frames = list(pool.map(run, range(3)))
    for frame in frames[1:]:
        pd.testing.assert_frame_equal(frame, frames[0])

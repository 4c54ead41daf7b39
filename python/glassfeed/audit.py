"""Audits of feed rankings, as pandas frames (DESIGN §6).

Every measurement is computed in Rust (``glassfeed._core.audit_*``, with the GIL
released); this module turns the results into frames and series. The formulas are those
of the Rust ``glassfeed::audit`` module:

* **Amplification** (Huszár et al., PNAS 2022): for authors ``T`` and viewers ``U``,
  ``reach(T) = Σ_viewers Σ_{items by T} w(rank)`` and amplification is
  ``reach_treatment / reach_control − 1``, both pipelines ranked for the same viewers.
  Group level (``T`` = the authors whose ``attr`` is ``g``) with percentile bootstrap
  intervals over viewers; individual level (``T`` = one author) with a permutation test
  between two groups' mean.
* **Exposure**: ``E_a = Σ w(rank)`` over every item by author ``a``; its Gini
  coefficient; each group's share of exposure against its share of posts.
* **Cross-cutting share**: per feed, the share of items whose author's ``attr`` differs
  from the viewer's. **Source diversity**: ``H / ln n`` (author entropy over feed
  length). **Popularity bias**: mean feed popularity over mean popularity of what the
  viewer engaged with.
* **Diff**: per viewer, Kendall's τ-b over the union and rank-biased overlap.
* **Promises**: the neutrality and non-profiling checks (metamorphic) and the DSA
  Art. 27 transparency report.

The impression model ``w`` is chosen with ``model``: ``"log"`` (``1/log2(1 + rank)``, the
default), ``"topk"`` (1 for ranks ``≤ k``, 0 after; ``k=None`` counts every feed item)
or ``"rbp"`` (``gamma^(rank − 1)``, ``gamma`` default 0.9).

**Feeds.** Wherever feeds are measured you may pass a ``Feeds`` (from
``Pipeline.rank_all``), a ``Pipeline`` or a preset name. Pipelines are ranked for
``viewers`` (default: the viewers of the ``Feeds`` passed alongside, else every user),
at ``now`` (default: that ``Feeds``' time, else the dataset's latest timestamp), with
feed length ``feed_k`` (default: the pipeline's own). A ``Feeds`` whose empty feeds
cannot be attributed to viewers (ranked for a subset of users) is refused: pass the
pipeline instead.

Plotting helpers (``plot_amplification``, ``plot_lorenz``, ``plot_cross_cutting``) live in
``glassfeed.plots`` and are re-exported here; they need matplotlib (an optional
dependency, imported only when a plot is drawn).
"""

from __future__ import annotations

from itertools import chain
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from . import _core
from ._core import ArgumentError, Dataset, Feeds, Pipeline
from .plots import lorenz_curve, plot_amplification, plot_cross_cutting, plot_lorenz

__all__ = [
    "FeedsLike",
    "PipelineLike",
    "amplification",
    "amplification_gap_test",
    "amplification_report",
    "cross_cutting",
    "cross_cutting_summary",
    "diff",
    "exposure",
    "gini",
    "group_shares",
    "individual_amplification",
    "lorenz_curve",
    "neutrality_check",
    "non_profiling_check",
    "plot_amplification",
    "plot_cross_cutting",
    "plot_lorenz",
    "popularity_bias",
    "source_diversity",
    "stage_attribution",
    "transparency_report",
    "transparency_report_dict",
]

#: Something that gives feeds: ranked ``Feeds``, a ``Pipeline`` to rank, or a preset name.
FeedsLike = Union[Feeds, Pipeline, str]
#: A ``Pipeline`` or a preset name.
PipelineLike = Union[Pipeline, str]

_GROUP_COLUMNS = ["group", "reach_treatment", "reach_control", "amplification", "ci_low", "ci_high", "authors"]
_AUTHOR_NUMBERS = ["reach_treatment", "reach_control", "amplification"]


def _treatments(treatment: Union[FeedsLike, Sequence[FeedsLike]]) -> List[FeedsLike]:
    if isinstance(treatment, (str, Feeds, Pipeline)):
        return [treatment]
    treatments = list(treatment)
    if not treatments:
        raise ArgumentError("argument `treatment`: give at least one pipeline or Feeds")
    return treatments


def _amplification(
    ds: Dataset,
    treatment: Union[FeedsLike, Sequence[FeedsLike]],
    control: FeedsLike,
    viewers: Optional[Iterable[str]],
    model: str,
    k: Optional[int],
    gamma: Optional[float],
    attr: str,
    bootstrap: int,
    seed: int,
    confidence: float,
    permutations: int,
    gap: Optional[Tuple[str, str]],
    feed_k: Optional[int],
    now: Optional[int],
) -> List[Dict[str, Any]]:
    return _core.audit_amplification(
        ds,
        _treatments(treatment),
        control,
        viewers=viewers,
        model=model,
        k=k,
        gamma=gamma,
        attr=attr,
        bootstrap=bootstrap,
        seed=seed,
        confidence=confidence,
        permutations=permutations,
        gap=None if gap is None else (str(gap[0]), str(gap[1])),
        feed_k=feed_k,
        now=now,
    )


def _group_frame(reports: List[Dict[str, Any]]) -> pd.DataFrame:
    records = [
        {"treatment": r["treatment"], "control": r["control"], **g} for r in reports for g in r["groups"]
    ]
    frame = pd.DataFrame.from_records(records, columns=["treatment", "control", *_GROUP_COLUMNS])
    numbers = ["reach_treatment", "reach_control", "amplification", "ci_low", "ci_high"]
    frame[numbers] = frame[numbers].astype(np.float64)
    frame["authors"] = frame["authors"].astype(np.int64)
    _stamp(frame, reports)
    return frame


def _author_frame(reports: List[Dict[str, Any]]) -> pd.DataFrame:
    parts = [r["authors"] for r in reports]
    columns: Dict[str, Any] = {
        "treatment": list(chain.from_iterable([r["treatment"]] * len(p["author"]) for r, p in zip(reports, parts))),
        "author": list(chain.from_iterable(p["author"] for p in parts)),
        "group": list(chain.from_iterable(p["group"] for p in parts)),
    }
    for name in _AUTHOR_NUMBERS:
        columns[name] = np.concatenate([p[name] for p in parts]) if parts else np.empty(0, np.float64)
    frame = pd.DataFrame(columns)
    _stamp(frame, reports)
    return frame


def _stamp(frame: pd.DataFrame, reports: List[Dict[str, Any]]) -> None:
    """Records what was measured in ``frame.attrs``: pipelines, fingerprints, settings."""
    fingerprints: Dict[str, str] = {}
    for r in reports:
        fingerprints[r["treatment"]] = r["treatment_fingerprint"]
        fingerprints[r["control"]] = r["control_fingerprint"]
    if reports:
        frame.attrs.update(
            control=reports[0]["control"],
            viewers=reports[0]["viewers"],
            config=reports[0]["config"],
            fingerprints=fingerprints,
        )


def amplification(
    ds: Dataset,
    treatment: Union[FeedsLike, Sequence[FeedsLike]],
    control: FeedsLike = "chronological",
    viewers: Optional[Iterable[str]] = None,
    model: str = "log",
    k: Optional[int] = None,
    gamma: Optional[float] = None,
    attr: str = "viewpoint",
    bootstrap: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> pd.DataFrame:
    """Group-level amplification of ``treatment`` over ``control``, with bootstrap intervals.

    ``treatment`` is one pipeline, preset name or ``Feeds``, or a list of them (the control
    is ranked once). For each treatment and each value ``g`` of the authors' audit
    attribute ``attr`` (``"(none)"`` for authors without it), with ``T`` the authors in
    ``g``: ``amplification = reach_treatment(T) / reach_control(T) − 1`` (NaN when the
    control reach is 0), paired on the same viewers. ``ci_low``/``ci_high`` are the
    percentile interval at ``confidence`` over ``bootstrap`` resamples of viewers (seeded
    by ``seed``; NaN when ``bootstrap=0``).

    Returns one row per (treatment, group): ``treatment``, ``control``, ``group``,
    ``reach_treatment``, ``reach_control``, ``amplification``, ``ci_low``, ``ci_high``
    (float64) and ``authors`` (int64: the group's authors shown by either pipeline).
    ``frame.attrs`` records the control, the number of viewers, the settings and every
    pipeline's fingerprint.

    >>> frame = amplification(ds, ["engagement", "bridging"], viewers=ids)  # doctest: +SKIP
    >>> plot_amplification(frame)  # doctest: +SKIP
    """
    reports = _amplification(
        ds, treatment, control, viewers, model, k, gamma, attr, bootstrap, seed, confidence, 0, None, feed_k, now
    )
    return _group_frame(reports)


def individual_amplification(
    ds: Dataset,
    treatment: Union[FeedsLike, Sequence[FeedsLike]],
    control: FeedsLike = "chronological",
    viewers: Optional[Iterable[str]] = None,
    model: str = "log",
    k: Optional[int] = None,
    gamma: Optional[float] = None,
    attr: str = "viewpoint",
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> pd.DataFrame:
    """Amplification of every author with control reach > 0: ``reach_treatment / reach_control − 1``.

    One row per (treatment, author), sorted by group then author id: ``treatment``,
    ``author``, ``group``, ``reach_treatment``, ``reach_control``, ``amplification``
    (float64). The mean of an author's ratios weighs every author equally, unlike the
    group level of ``amplification`` (large accounts dominate it); summarise with
    ``frame.groupby(["treatment", "group"])["amplification"].agg(["mean", "median"])``.
    """
    reports = _amplification(ds, treatment, control, viewers, model, k, gamma, attr, 0, 0, 0.95, 0, None, feed_k, now)
    return _author_frame(reports)


def amplification_gap_test(
    ds: Dataset,
    treatment: FeedsLike,
    control: FeedsLike = "chronological",
    groups: Optional[Tuple[str, str]] = None,
    viewers: Optional[Iterable[str]] = None,
    model: str = "log",
    k: Optional[int] = None,
    gamma: Optional[float] = None,
    attr: str = "viewpoint",
    permutations: int = 1000,
    seed: int = 0,
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> Dict[str, Any]:
    """Permutation test of the gap between two groups' mean individual amplification.

    ``groups`` is ``(a, b)`` (default: the two groups, when authors fall in exactly two).
    Returns ``{"groups": [a, b], "difference": mean(a) − mean(b), "p_value": …,
    "permutations": …}`` with the two-sided p-value ``(1 + #{|d_perm| ≥ |d_obs|}) /
    (1 + permutations)`` over ``permutations`` seeded relabellings of the pooled authors.
    Raises ``ArgumentError`` when no default pair exists or a group has no author.
    """
    if isinstance(treatment, (list, tuple)):
        raise TypeError("amplification_gap_test takes one treatment")
    if groups is not None and len(groups) != 2:
        raise ArgumentError(f"argument `groups`: name exactly two groups, got {len(groups)}")
    reports = _amplification(
        ds, treatment, control, viewers, model, k, gamma, attr, 0, seed, 0.95, permutations, groups, feed_k, now
    )
    gap = reports[0]["gap"]
    if gap is None:
        summaries = [s["group"] for s in reports[0]["summaries"]]
        raise ArgumentError(
            f"argument `groups`: authors fall in {len(summaries)} groups ({', '.join(summaries)}); "
            "name the two to compare"
        )
    return dict(gap)


def amplification_report(
    ds: Dataset,
    treatment: FeedsLike,
    control: FeedsLike = "chronological",
    viewers: Optional[Iterable[str]] = None,
    model: str = "log",
    k: Optional[int] = None,
    gamma: Optional[float] = None,
    attr: str = "viewpoint",
    bootstrap: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    permutations: int = 1000,
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> Dict[str, Any]:
    """Everything about one treatment/control comparison, ranking each pipeline once.

    A dict with ``treatment``, ``control`` and their ``*_fingerprint``, ``viewers``,
    ``config``, ``groups`` (the frame of ``amplification``), ``authors`` (the frame of
    ``individual_amplification``), ``summaries`` (frame: ``group``, ``authors``,
    ``mean``, ``median`` of individual amplification) and ``gap`` (the dict of
    ``amplification_gap_test`` when there are exactly two groups, else None).
    """
    if isinstance(treatment, (list, tuple)):
        raise TypeError("amplification_report takes one treatment")
    reports = _amplification(
        ds, treatment, control, viewers, model, k, gamma, attr, bootstrap, seed, confidence, permutations, None,
        feed_k, now,
    )  # fmt: skip
    r = reports[0]
    summaries = pd.DataFrame.from_records(r["summaries"], columns=["group", "authors", "mean", "median"])
    summaries = summaries.astype({"authors": np.int64, "mean": np.float64, "median": np.float64})
    return {
        "treatment": r["treatment"],
        "treatment_fingerprint": r["treatment_fingerprint"],
        "control": r["control"],
        "control_fingerprint": r["control_fingerprint"],
        "viewers": r["viewers"],
        "config": r["config"],
        "groups": _group_frame(reports),
        "authors": _author_frame(reports),
        "summaries": summaries,
        "gap": r["gap"],
    }


def exposure(
    ds: Dataset,
    feeds: FeedsLike,
    model: str = "log",
    k: Optional[int] = None,
    gamma: Optional[float] = None,
    attr: str = "viewpoint",
    viewers: Optional[Iterable[str]] = None,
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> pd.DataFrame:
    """Position-weighted exposure of every author: ``E_a = Σ w(rank)`` over items by ``a``.

    One row per user with at least one post, in dataset order (authors never shown have
    exposure 0): ``author``, ``group`` (their ``attr``, ``"(none)"`` when missing),
    ``posts`` (int64) and ``exposure`` (float64). ``frame.attrs["gini"]`` is the Gini
    coefficient of the exposure column; ``attrs`` also name the pipeline, its
    fingerprint and the impression model.
    """
    d = _core.audit_exposure(
        ds, feeds, model=model, k=k, gamma=gamma, attr=attr, viewers=viewers, feed_k=feed_k, now=now
    )
    frame = pd.DataFrame({name: d[name] for name in ["author", "group", "posts", "exposure"]})
    frame.attrs.update(gini=d["gini"], pipeline=d["pipeline"], fingerprint=d["fingerprint"], model=d["model"])
    return frame


def _values(values: Any, column: str) -> np.ndarray:
    if isinstance(values, pd.DataFrame):
        if column not in values.columns:
            raise ArgumentError(f"argument `values`: the frame has no `{column}` column")
        values = values[column]
    array = np.ascontiguousarray(np.asarray(values, dtype=np.float64).ravel())
    return array


def gini(values: Any) -> float:
    """The Gini coefficient ``G = Σ_i (2i − n − 1)·x_(i) / (n·Σx)`` over ascending values.

    0 when every value is equal, ``(n − 1)/n`` when one of ``n`` holds everything; 0 for
    no values or all zeros. ``values`` is array-like, a Series, or a frame with an
    ``exposure`` column (from ``exposure``). Negative or non-finite values raise
    ``ArgumentError``.
    """
    return float(_core.audit_gini(_values(values, "exposure")))


def group_shares(
    ds: Dataset,
    feeds: FeedsLike,
    model: str = "log",
    k: Optional[int] = None,
    gamma: Optional[float] = None,
    attr: str = "viewpoint",
    viewers: Optional[Iterable[str]] = None,
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> pd.DataFrame:
    """Each group's share of exposure against its share of posts.

    One row per value of the authors' ``attr``, sorted: ``group``, ``exposure_share``,
    ``post_share`` and ``parity = exposure_share / post_share`` (1 = exposure in
    proportion to output; float64).
    """
    records = _core.audit_group_shares(
        ds, feeds, model=model, k=k, gamma=gamma, attr=attr, viewers=viewers, feed_k=feed_k, now=now
    )
    frame = pd.DataFrame.from_records(records, columns=["group", "exposure_share", "post_share", "parity"])
    numbers = ["exposure_share", "post_share", "parity"]
    frame[numbers] = frame[numbers].astype(np.float64)
    return frame


def _per_viewer(d: Dict[str, Any], column: str, name: str) -> "pd.Series[float]":
    series = pd.Series(d[column], index=pd.Index(d["viewer"], name="viewer"), name=name, dtype=np.float64)
    series.attrs.update(pipeline=d["pipeline"], fingerprint=d["fingerprint"])
    if "summary" in d:
        series.attrs["summary"] = d["summary"]
    return series


def cross_cutting(
    ds: Dataset,
    feeds: FeedsLike,
    attr: str = "viewpoint",
    viewers: Optional[Iterable[str]] = None,
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> "pd.Series[float]":
    """Per feed, the share of items whose author's ``attr`` differs from the viewer's.

    A float64 series indexed by viewer (feed order), named ``cross_cutting_share``; NaN
    for an empty feed or a viewer without the attribute. ``series.attrs["summary"]`` is
    the Rust distribution summary (``count``, ``undefined``, ``mean``, ``min``, ``q1``,
    ``median``, ``q3``, ``max``, ``histogram`` of 10 bins over [0, 1]).
    """
    d = _core.audit_cross_cutting(ds, feeds, attr=attr, viewers=viewers, feed_k=feed_k, now=now)
    return _per_viewer(d, "share", "cross_cutting_share")


def cross_cutting_summary(
    ds: Dataset,
    feeds: FeedsLike,
    attr: str = "viewpoint",
    viewers: Optional[Iterable[str]] = None,
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> Dict[str, Any]:
    """The distribution of the cross-cutting share over feeds, as a dict (see ``cross_cutting``)."""
    return dict(cross_cutting(ds, feeds, attr=attr, viewers=viewers, feed_k=feed_k, now=now).attrs["summary"])


def source_diversity(
    ds: Dataset,
    feeds: FeedsLike,
    viewers: Optional[Iterable[str]] = None,
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> "pd.Series[float]":
    """Per feed, the normalised entropy of its authors ``H / ln n`` (``n`` = feed length).

    1 when every item has a different author, 0 when one author wrote them all; NaN for
    feeds of fewer than two items. A float64 series indexed by viewer, named
    ``source_diversity``, with the distribution summary in ``series.attrs["summary"]``.
    """
    d = _core.audit_source_diversity(ds, feeds, viewers=viewers, feed_k=feed_k, now=now)
    return _per_viewer(d, "diversity", "source_diversity")


def popularity_bias(
    ds: Dataset,
    feeds: FeedsLike,
    viewers: Optional[Iterable[str]] = None,
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> "pd.Series[float]":
    """Per viewer, mean popularity of the feed over mean popularity of the viewer's history.

    Popularity is likes + reposts + replies + quotes + shares; the history is the distinct
    posts the viewer engaged with positively. Above 1 the feed is more mainstream than
    the viewer's own taste. A float64 series indexed by viewer, named
    ``popularity_bias`` (NaN where undefined); ``series.attrs`` holds ``mean`` and
    ``defined``.
    """
    d = _core.audit_popularity_bias(ds, feeds, viewers=viewers, feed_k=feed_k, now=now)
    series = _per_viewer(d, "bias", "popularity_bias")
    series.attrs.update(mean=d["mean"], defined=d["defined"])
    return series


def diff(
    ds: Dataset,
    feeds_a: FeedsLike,
    feeds_b: FeedsLike,
    p: float = 0.9,
    viewers: Optional[Iterable[str]] = None,
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> pd.DataFrame:
    """Per viewer, how two feed lists (same viewers, same order) differ.

    Columns: ``viewer``; ``kendall_tau`` (τ-b over the union of both feeds, an item
    missing from a feed tied after its end; NaN when undefined); ``rbo`` (extrapolated
    rank-biased overlap with persistence ``p``: 1 identical, 0 disjoint); ``overlap``,
    ``len_a``, ``len_b`` (int64). ``frame.attrs`` holds ``mean_kendall_tau``,
    ``mean_rbo``, ``identical`` (viewers with identical feeds), ``p`` and the two
    pipelines with their fingerprints.
    """
    d = _core.audit_diff(ds, feeds_a, feeds_b, p=p, viewers=viewers, feed_k=feed_k, now=now)
    frame = pd.DataFrame({name: d[name] for name in ["viewer", "kendall_tau", "rbo", "overlap", "len_a", "len_b"]})
    frame.attrs.update(
        {key: d[key] for key in ["p", "mean_kendall_tau", "mean_rbo", "identical", "a", "a_fingerprint", "b", "b_fingerprint"]}
    )
    return frame


def stage_attribution(
    ds: Dataset,
    a: PipelineLike,
    b: PipelineLike,
    viewers: Optional[Iterable[str]] = None,
    p: float = 0.9,
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> pd.DataFrame:
    """Which stages account for the difference between pipelines ``a`` and ``b``.

    ``a`` is edited towards ``b`` one stage at a time (a stage removed, replaced by
    ``b``'s version, or added; the selector replaced), each edited pipeline ranks
    ``viewers`` (default every user) and ``rbo_gain = mean RBO(edited a, b) − mean RBO(a,
    b)``. One row per edit: ``role``, ``stage``, ``change``, ``from``, ``to`` (stage
    objects or None), ``mean_rbo``, ``rbo_gain`` (float64, NaN when not measured) and
    ``note`` (why not). ``frame.attrs`` holds ``baseline_rbo``, ``a``, ``b``, their
    fingerprints, ``viewers`` and ``p``.
    """
    d = _core.audit_stage_attribution(ds, a, b, viewers=viewers, p=p, feed_k=feed_k, now=now)
    columns = ["role", "stage", "change", "from", "to", "mean_rbo", "rbo_gain", "note"]
    frame = pd.DataFrame.from_records(d["edits"], columns=columns)
    frame[["mean_rbo", "rbo_gain"]] = frame[["mean_rbo", "rbo_gain"]].astype(np.float64)
    frame.attrs.update({key: value for key, value in d.items() if key != "edits"})
    return frame


def neutrality_check(
    ds: Dataset, pipeline: PipelineLike, viewers: Optional[Iterable[str]] = None, seed: int = 0
) -> Dict[str, Any]:
    """Does ``pipeline`` depend on users' audit attributes without declaring it?

    Every user's attributes are moved to another user (seeded cyclic shift) and every
    feed of ``viewers`` (default every user) re-ranked at the same ``now``. A pipeline no
    stage of which declares reading an attribute must rank identically, bit for bit.
    Returns the report as a dict: ``passed``, ``violations`` (viewer, first differing
    rank, posts and scores before/after), ``declared_attribute_readers``,
    ``stage_inputs``, ``attributes``, ``feeds_compared``, ``pipeline``, ``fingerprint``,
    ``seed``.
    """
    return dict(_core.audit_neutrality(ds, pipeline, viewers=viewers, seed=seed))


def non_profiling_check(
    ds: Dataset, pipeline: PipelineLike, viewers: Optional[Iterable[str]] = None, seed: int = 0
) -> Dict[str, Any]:
    """Is ``pipeline`` free of profiling (EU DSA Art. 38)?

    Viewers' engagement histories are reassigned among viewers who do not follow each
    other, so every post keeps the same engagements and only each tested viewer's own
    history changes; every feed must stay identical. Returns the report as a dict:
    ``passed``, ``violations``, ``history_readers`` (stages declaring the viewer's
    history), ``stage_inputs``, ``rounds``, ``feeds_compared``,
    ``viewers_with_changed_history``, ``untested``, ``pipeline``, ``fingerprint``,
    ``seed``. ``chronological`` passes; ``engagement`` is flagged.
    """
    return dict(_core.audit_non_profiling(ds, pipeline, viewers=viewers, seed=seed))


def transparency_report(
    ds: Dataset,
    pipeline: PipelineLike,
    viewers: Optional[Iterable[str]] = None,
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> str:
    """The DSA Art. 27 transparency report of ``pipeline`` as Markdown.

    Lists every stage with its parameters and declared inputs and its measured relative
    importance over the feeds of ``viewers`` (default every user; each stage is removed
    in turn and every feed re-ranked, so a sample of viewers keeps it quick): the share
    of feed positions that change without it and, for scorers and rescorers, its share of
    log-score variance. Ends with the presets a user can switch to.
    """
    markdown, _ = _core.audit_transparency(ds, pipeline, viewers=viewers, feed_k=feed_k, now=now)
    return markdown


def transparency_report_dict(
    ds: Dataset,
    pipeline: PipelineLike,
    viewers: Optional[Iterable[str]] = None,
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> Dict[str, Any]:
    """The transparency report as a dict (the JSON form): ``pipeline``, ``fingerprint``,
    ``parameters`` (canonical spec), ``feeds``, ``stages`` (role, stage, params, reads,
    rank_change_share, score_variance_share, variance_samples, note) and
    ``alternatives`` (presets with descriptions). See ``transparency_report``."""
    _, report = _core.audit_transparency(ds, pipeline, viewers=viewers, feed_k=feed_k, now=now)
    return dict(report)

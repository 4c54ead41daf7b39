"""Plots of audit results (matplotlib, an optional dependency imported only when drawing).

Every helper draws on ``ax`` (default: a new figure's axes) and returns the axes, so
plots compose and can be saved with ``ax.figure.savefig(path)``:

* ``plot_amplification(frame)``: bars of group amplification with their bootstrap
  intervals, one bar per treatment within each group (frame of
  ``glassfeed.audit.amplification``);
* ``plot_lorenz(values)``: the Lorenz curve of exposure (values or the frame of
  ``glassfeed.audit.exposure``), with the line of equality;
* ``plot_cross_cutting(series)``: the histogram of per-feed cross-cutting shares (series
  of ``glassfeed.audit.cross_cutting``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Tuple, Union

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["lorenz_curve", "plot_amplification", "plot_cross_cutting", "plot_lorenz"]


def _axes(ax: Optional["Axes"], figsize: Tuple[float, float]) -> "Axes":
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "glassfeed's plots need matplotlib: pip install 'glassfeed[notebooks]' or pip install matplotlib"
        ) from e
    _, new = plt.subplots(figsize=figsize)
    return new


def lorenz_curve(values: Any) -> Tuple[np.ndarray, np.ndarray]:
    """The Lorenz curve of non-negative values: ``(x, y)`` with ``x = 0, 1/n, …, 1`` (share
    of holders, least first) and ``y`` the share of the total they hold (``y = x`` when the
    total is 0). ``values`` may be a frame with an ``exposure`` column."""
    if isinstance(values, pd.DataFrame):
        values = values["exposure"]
    v = np.sort(np.asarray(values, dtype=np.float64).ravel())
    n = len(v)
    x = np.linspace(0.0, 1.0, n + 1)
    total = float(v.sum())
    if n == 0 or total <= 0.0:
        return x, x.copy()
    y = np.concatenate([[0.0], np.cumsum(v)]) / total
    return x, y


def plot_amplification(frame: pd.DataFrame, ax: Optional["Axes"] = None, title: Optional[str] = None) -> "Axes":
    """Bars of group amplification with bootstrap interval error bars.

    ``frame`` has the columns of ``glassfeed.audit.amplification``: one cluster of bars per
    ``group``, one bar per ``treatment`` (legend), height ``amplification`` (0 = as much
    reach as under the control; NaN draws no bar) and error bars from ``ci_low`` to
    ``ci_high`` where defined. A line marks 0. Returns the axes.
    """
    missing = {"group", "amplification"} - set(frame.columns)
    if missing:
        raise ValueError(f"plot_amplification: the frame lacks column(s) {', '.join(sorted(missing))}")
    ax = _axes(ax, (6.0, 4.0))
    groups = list(dict.fromkeys(frame["group"].tolist()))
    treatments = list(dict.fromkeys(frame["treatment"].tolist())) if "treatment" in frame.columns else [None]
    width = 0.8 / max(len(treatments), 1)
    x = np.arange(len(groups), dtype=np.float64)
    for i, treatment in enumerate(treatments):
        rows = frame if treatment is None else frame[frame["treatment"] == treatment]
        rows = rows.set_index("group").reindex(groups)
        height = rows["amplification"].to_numpy(dtype=np.float64)
        low = rows["ci_low"].to_numpy(dtype=np.float64) if "ci_low" in rows.columns else np.full(len(groups), np.nan)
        high = rows["ci_high"].to_numpy(dtype=np.float64) if "ci_high" in rows.columns else np.full(len(groups), np.nan)
        shown = np.isfinite(height)
        below = np.where(shown & np.isfinite(low), np.clip(height - low, 0.0, None), 0.0)
        above = np.where(shown & np.isfinite(high), np.clip(high - height, 0.0, None), 0.0)
        offset = x + (i - (len(treatments) - 1) / 2) * width
        label = str(treatment) if treatment is not None else None
        ax.bar(offset[shown], height[shown], width, label=label)
        if shown.any():
            ax.errorbar(
                offset[shown],
                height[shown],
                yerr=np.vstack([below[shown], above[shown]]),
                fmt="none",
                ecolor="black",
                capsize=3,
                linewidth=1,
            )
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels([str(g) for g in groups])
    control = frame.attrs.get("control") or (frame["control"].iloc[0] if "control" in frame.columns and len(frame) else None)
    ax.set_ylabel("amplification" + (f" vs {control}" if control else "") + " (reach ratio − 1)")
    ax.set_xlabel("author group")
    ax.set_title(title or "Algorithmic amplification by group")
    if treatments != [None]:
        ax.legend()
    return ax


def plot_lorenz(
    values: Union[Any, pd.DataFrame],
    ax: Optional["Axes"] = None,
    label: Optional[str] = None,
    equality: bool = True,
) -> "Axes":
    """The Lorenz curve of exposure: share of authors (least exposed first) against their
    share of exposure.

    ``values`` are non-negative values, a Series, or the frame of
    ``glassfeed.audit.exposure`` (its ``exposure`` column; the default label then names
    the pipeline and the Gini coefficient). Call it once per pipeline on the same ``ax``
    to compare; the line of equality is drawn once per axes (``equality=False`` to skip
    it). Returns the axes.
    """
    from .audit import gini

    ax = _axes(ax, (5.0, 5.0))
    if equality and not any(line.get_label() == "equal exposure" for line in ax.get_lines()):
        ax.plot([0.0, 1.0], [0.0, 1.0], color="grey", linestyle="--", label="equal exposure")
    x, y = lorenz_curve(values)
    if label is None:
        g = gini(values)
        name = values.attrs.get("pipeline") if isinstance(values, (pd.DataFrame, pd.Series)) else None
        label = f"{name} (Gini {g:.3f})" if name else f"Gini {g:.3f}"
    ax.plot(x, y, label=label)
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("share of authors (least exposed first)")
    ax.set_ylabel("share of exposure")
    ax.set_title("Lorenz curve of author exposure")
    ax.legend()
    return ax


def plot_cross_cutting(
    series: Any,
    ax: Optional["Axes"] = None,
    bins: int = 10,
    label: Optional[str] = None,
) -> "Axes":
    """Histogram of the per-feed cross-cutting share over ``[0, 1]`` in ``bins`` equal bins.

    ``series`` is the result of ``glassfeed.audit.cross_cutting`` (or any values in
    [0, 1]); undefined feeds (NaN) are left out. Call once per pipeline on the same ``ax``
    to overlay (bars are translucent); the default label names the pipeline and the mean.
    Returns the axes.
    """
    ax = _axes(ax, (6.0, 4.0))
    values = np.asarray(series, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if label is None:
        name = series.attrs.get("pipeline") if isinstance(series, pd.Series) else None
        mean = f"mean {values.mean():.2f}" if len(values) else "no defined feed"
        label = f"{name} ({mean})" if name else mean
    ax.hist(values, bins=bins, range=(0.0, 1.0), alpha=0.6, label=label, edgecolor="white")
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("cross-cutting share of the feed")
    ax.set_ylabel("feeds")
    ax.set_title("Cross-cutting exposure per feed")
    ax.legend()
    return ax

"""The `engagement` preset written in plain pandas/NumPy, without glassfeed.

This is what an auditor would write from ``ALGORITHM.md`` to check glassfeed's rankings
independently (and the baseline of DESIGN §7's "≥ 100× faster per feed" target). It
imports no glassfeed code: it reads the four frames of a dataset — either those of the
bindings (``ds.users()``, ``ds.graph()``, ``ds.posts()``, ``ds.engagements()``) or
``pandas.read_json(path, lines=True, precise_float=True)`` of the JSON Lines files (see
:func:`read_jsonl`) — and ranks one viewer at a time with vectorised frame operations:
merges, group-bys, boolean masks and sorts. The viewer's rows (follows, followees' posts
and engagements, impressions) are found either by slicing frames sorted once by their
key (``lookup="indexed"``, the default and the faster) or by boolean masks over whole
frames (``lookup="masks"``, the textbook way); both rank identically.

Stage by stage (ALGORITHM.md §2–§6, defaults of ``Pipeline.preset("engagement")``):

* sources: ``in_network`` — posts and reposts by followees created in
  ``(now − 48 h, now]``; ``social_proof`` — posts by non-followees (not the viewer) created
  at or before ``now`` that ≥ 2 distinct followees, not blocked either way, liked,
  reposted, replied to or quoted in ``(now − 48 h, now]``. A post from both keeps the
  first source.
* filters (a candidate survives when no filter removes it): ``self_posts`` (and reposts of
  the viewer's posts), ``blocked``
  (either direction), ``muted``, ``muted_words`` (whole words, case-insensitive, phrases
  consecutive), ``hidden_labels``, ``policy_labels`` (``illegal``) — the author, text and
  label filters also look at a repost's original —, ``seen`` (an impression at or before
  ``now``), ``max_age`` (``0 ≤ age_hours ≤ 48``), ``dedupe_reposts`` (over the candidates the earlier
  filters kept: a repost goes when its original is such a candidate, or when it is not the
  newest such repost of its original, ties by post id).
* scorers: ``heavy_ranker`` term ``S = Σ w_i·p_i`` from 0 in sorted feature-name order
  (missing predictions 0), then ``S + 0.001`` or, when ``S < 0``,
  ``(S + N) / (P + N) · 0.001``; ``out_of_network`` factor 0.75 when the viewer does not
  follow the (re)poster. ``score = (0 + term) × factor``.
* rescorer: ``author_diversity`` — the k-th (0-based) post of an author in the ranked list
  is multiplied by ``(1 − floor)·decay^k + floor``, then the list is re-sorted.
* selector: ``top_k`` (k = 50).

Order and ties everywhere: score descending, ``created_at`` descending, post id ascending.
Every floating-point operation is done in the order ALGORITHM.md defines, so the scores
equal glassfeed's bit for bit.

Known difference, in Unicode corner cases of ``muted_words`` only: words are runs of
``[^\\W_]`` (Python's alphanumerics; Rust's ``char::is_alphanumeric`` also counts some
combining marks) and texts are lower-cased with ``str.lower``. glassfeed lower-cases a
muted word with ``str::to_lowercase`` (final sigma: "ΟΔΟΣ" → "οδος") but a text's words
character by character ("ΟΔΟΣ" → "οδοσ"), so it does not hide "ΟΔΟΣ" from a viewer who
muted "ΟΔΟΣ" or "οδός"; this module does, as ALGORITHM.md's "case-insensitive" says.

Usage::

    model = EngagementPandas(users, graph, posts, engagements)   # or .from_frames(read_jsonl(dir))
    model.rank("u5")                   # one feed: viewer, post, rank, score
    model.rank_many(["u5", "u6"])      # several feeds, concatenated
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

#: The published heavy-ranker weights (the-algorithm-ml, projects/home/recap/README.md).
DEFAULT_WEIGHTS: Dict[str, float] = {
    "p_fav": 0.5,
    "p_retweet": 1.0,
    "p_reply": 13.5,
    "p_good_profile_click": 12.0,
    "p_video_playback50": 0.005,
    "p_reply_engaged_by_author": 75.0,
    "p_good_click": 11.0,
    "p_good_click_v2": 10.0,
    "p_negative_feedback_v2": -74.0,
    "p_report": -369.0,
}

#: Engagement kinds that count as social proof.
SOCIAL_PROOF_KINDS = ("like", "repost", "reply", "quote")

EPSILON = 0.001


@dataclass(frozen=True)
class EngagementParams:
    """The parameters of the `engagement` preset (defaults as in glassfeed)."""

    in_network_hours: float = 48.0
    min_proof: int = 2
    proof_hours: float = 48.0
    policy_drop: Tuple[str, ...] = ("illegal",)
    max_age_hours: float = 48.0
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    out_of_network: float = 0.75
    decay: float = 0.5
    floor: float = 0.25
    k: int = 50
    max_in_network: Optional[int] = None
    max_out_of_network: Optional[int] = None

    @staticmethod
    def from_spec(spec: Union[str, Mapping[str, Any]]) -> "EngagementParams":
        """Reads the parameters from an `engagement`-shaped pipeline spec (JSON or dict).

        Refuses a spec whose stages differ from the preset's: this module implements
        exactly that pipeline.
        """
        s: Mapping[str, Any] = json.loads(spec) if isinstance(spec, str) else spec
        stages = lambda key: [st["stage"] for st in s.get(key, [])]  # noqa: E731
        expected = {
            "sources": ["in_network", "social_proof"],
            "filters": [
                "self_posts",
                "blocked",
                "muted",
                "muted_words",
                "hidden_labels",
                "policy_labels",
                "seen",
                "max_age",
                "dedupe_reposts",
            ],
            "scorers": ["heavy_ranker", "out_of_network"],
            "rescorers": ["author_diversity"],
        }
        for key, names in expected.items():
            if stages(key) != names:
                raise ValueError(f"not an engagement pipeline: {key} are {stages(key)}, expected {names}")
        if s["selector"]["stage"] != "top_k":
            raise ValueError("not an engagement pipeline: the selector is not top_k")
        src, fil, sco, res = s["sources"], s["filters"], s["scorers"], s["rescorers"]
        sel = s["selector"]
        return EngagementParams(
            in_network_hours=float(src[0].get("max_age_hours", 48.0)),
            min_proof=int(src[1].get("min_proof", 2)),
            proof_hours=float(src[1].get("max_age_hours", 48.0)),
            policy_drop=tuple(fil[5].get("drop", ["illegal"])),
            max_age_hours=float(fil[7].get("hours", 48.0)),
            weights=dict(sco[0].get("weights", DEFAULT_WEIGHTS)),
            out_of_network=float(sco[1].get("factor", 0.75)),
            decay=float(res[0].get("decay", 0.5)),
            floor=float(res[0].get("floor", 0.25)),
            k=int(sel.get("k", 50)),
            max_in_network=sel.get("max_in_network"),
            max_out_of_network=sel.get("max_out_of_network"),
        )


# ---------------------------------------------------------------------------------------
# Input frames


def read_jsonl(directory: Union[str, Path]) -> Dict[str, pd.DataFrame]:
    """The four files of a dataset directory as frames (missing optional files are empty).

    ``precise_float`` because pandas' fast float parser may be one ulp off; ``dtype=False``
    so that ids that look like numbers stay strings and ``created_at`` stays integers
    (with pandas' defaults it comes back as datetimes; :class:`EngagementPandas` takes
    either).
    """
    directory = Path(directory)
    frames: Dict[str, pd.DataFrame] = {}
    for name in ["users", "graph", "posts", "engagements"]:
        path = directory / f"{name}.jsonl"
        if path.exists() and path.stat().st_size > 0:
            frames[name] = pd.read_json(path, lines=True, precise_float=True, dtype=False)
        else:
            frames[name] = pd.DataFrame()
    return frames


def _unix_seconds(series: pd.Series) -> pd.Series:
    """A time column as int64 unix seconds (datetimes as read_json makes them, or numbers)."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        epoch = pd.Timestamp(0, tz=getattr(series.dt, "tz", None))
        series = (series - epoch) // pd.Timedelta(seconds=1)
    return series.astype(np.int64)


def _lists(series: Optional[pd.Series], n: int) -> List[List[str]]:
    """A column of string lists with missing cells as empty lists."""
    if series is None:
        return [[] for _ in range(n)]
    return [list(x) if isinstance(x, (list, tuple, np.ndarray)) else [] for x in series]


def _feature_columns(posts: pd.DataFrame, names: Iterable[str]) -> Dict[str, np.ndarray]:
    """Caller-supplied prediction features, as float64 arrays with NaN where absent.

    Reads ``feat_<name>`` columns (the bindings' layout) and a ``features`` column of
    objects (the JSON Lines layout); the object's value wins where both are given.
    """
    n = len(posts)
    out: Dict[str, np.ndarray] = {}
    dicts = posts["features"] if "features" in posts.columns else None
    for name in names:
        col = np.full(n, np.nan)
        if f"feat_{name}" in posts.columns:
            col = pd.to_numeric(posts[f"feat_{name}"], errors="raise").to_numpy(np.float64, na_value=np.nan)
        if dicts is not None:
            from_dicts = np.array(
                [d.get(name, np.nan) if isinstance(d, dict) else np.nan for d in dicts], dtype=np.float64
            )
            col = np.where(np.isnan(from_dicts), col, from_dicts)
        out[name] = col
    return out


def _tokens(text: str) -> List[str]:
    """Words of a text: runs of alphanumeric characters (glassfeed's `words`)."""
    return re.findall(r"[^\W_]+", text)


def _phrase_pattern(phrases: Sequence[Sequence[str]]) -> "re.Pattern[str]":
    """One regex matching any phrase as whole, consecutive words in lower-cased text."""
    alts = [r"[\W_]+".join(re.escape(w) for w in p) for p in phrases]
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alts) + r")(?![^\W_])")


def _powi(a: float, b: int) -> float:
    """``a`` to the integer power ``b`` exactly as Rust's ``f64::powi`` (compiler-rt)."""
    r = 1.0
    while True:
        if b & 1:
            r *= a
        b //= 2
        if b == 0:
            break
        a *= a
    return r


def _sequential_sum(values: Iterable[float]) -> float:
    """Left-to-right float sum from 0 (Python ≥ 3.12's `sum` compensates; Rust does not)."""
    total = 0.0
    for v in values:
        total += v
    return total


class _Rows:
    """The rows of a frame with a given integer key, for per-viewer lookups.

    ``lookup="indexed"`` sorts the frame by the key once and slices it per viewer, so a
    feed touches only the viewer's rows. ``lookup="masks"`` is the textbook way: a boolean
    mask over the whole frame (``frame[frame.key == k]``, ``frame[frame.key.isin(keys)]``)
    per lookup, so a feed costs time in proportion to the size of the world.
    """

    def __init__(self, frame: pd.DataFrame, key: str, n_keys: int, lookup: str) -> None:
        self.key, self.masks = key, lookup == "masks"
        if self.masks:
            self.frame = frame.reset_index(drop=True)
            return
        self.frame = frame.sort_values(key, kind="stable").reset_index(drop=True)
        counts = np.bincount(self.frame[key].to_numpy(), minlength=n_keys)
        self.offsets = np.concatenate([[0], np.cumsum(counts)])

    def one(self, k: int) -> pd.DataFrame:
        """The rows with key ``k``."""
        if self.masks:
            return self.frame[self.frame[self.key] == k]
        return self.frame.iloc[self.offsets[k] : self.offsets[k + 1]]

    def many(self, keys: np.ndarray) -> pd.DataFrame:
        """The rows with a key in ``keys`` (distinct), in no particular order."""
        if self.masks:
            return self.frame[self.frame[self.key].isin(keys)]
        starts, ends = self.offsets[keys], self.offsets[keys + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        # The positions start..end of every key, concatenated.
        shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        return self.frame.iloc[np.arange(total) + shift]


# ---------------------------------------------------------------------------------------
# The pipeline


class EngagementPandas:
    """The `engagement` preset over four pandas frames.

    Preparation (once per dataset and ``now``) interns ids as integers, joins each repost
    with its original and keeps the engagements the pipeline reads. With
    ``lookup="indexed"`` (default) it also sorts the frames by the key they are looked up
    by, so ranking a feed touches only the viewer's rows; ``lookup="masks"`` finds them
    with boolean masks over whole frames instead (see :class:`_Rows`). Both rank alike.
    """

    def __init__(
        self,
        users: pd.DataFrame,
        graph: Optional[pd.DataFrame] = None,
        posts: Optional[pd.DataFrame] = None,
        engagements: Optional[pd.DataFrame] = None,
        now: Optional[int] = None,
        params: Optional[EngagementParams] = None,
        lookup: str = "indexed",
    ) -> None:
        if lookup not in ("indexed", "masks"):
            raise ValueError(f"lookup must be 'indexed' or 'masks', got {lookup!r}")
        p = self.params = params or EngagementParams()
        self.lookup = lookup
        graph = graph if graph is not None and len(graph.columns) else pd.DataFrame(columns=["src", "dst", "kind"])
        if posts is None or not len(posts.columns):
            posts = pd.DataFrame(columns=["id", "author", "created_at"])
        if engagements is None or not len(engagements.columns):
            engagements = pd.DataFrame(columns=["user", "post", "kind", "at"])

        # Users: dense codes in input order.
        self.user_names = users["id"].astype(str).to_numpy(dtype=object)
        self.user_code = pd.Index(self.user_names)
        n_users = len(self.user_names)
        self.muted_words = _lists(users.get("muted_words"), n_users)
        self.hidden_labels = [set(x) for x in _lists(users.get("hidden_labels"), n_users)]

        def codes(series: pd.Series, index: pd.Index, what: str) -> np.ndarray:
            c = index.get_indexer(pd.Index(series.astype(str)))
            if (c < 0).any():
                raise ValueError(f"{what}: unknown id {series.astype(str)[c < 0].iloc[0]!r}")
            return c.astype(np.int64)

        # Posts: codes, the original of each repost, the tie-break rank of the id.
        n_posts = len(posts)
        names = posts["id"].astype(str).to_numpy(dtype=object)
        self.post_names = names
        self.post_code = pd.Index(names)
        created = _unix_seconds(posts["created_at"]).to_numpy()
        texts = posts["text"] if "text" in posts.columns else pd.Series([None] * n_posts, dtype=object)
        repost_of = posts["repost_of"] if "repost_of" in posts.columns else pd.Series([None] * n_posts, dtype=object)
        has_original = repost_of.notna().to_numpy()
        original = np.full(n_posts, -1, dtype=np.int64)
        original[has_original] = codes(repost_of[has_original], self.post_code, "posts.repost_of")
        frame = pd.DataFrame(
            {
                "post": np.arange(n_posts, dtype=np.int64),
                "author": codes(posts["author"], self.user_code, "posts.author"),
                "created_at": created,
                "repost_of": original,
                # Position in byte (= code point) order of the external id: the last tie-break.
                "id_order": np.argsort(np.argsort(names.astype(str), kind="stable"), kind="stable"),
                "text": texts.fillna("").astype(str).str.lower().to_numpy(dtype=object),
            }
        )
        orig = frame[["post", "author", "text"]].rename(
            columns={"post": "repost_of", "author": "orig_author", "text": "orig_text"}
        )
        frame = frame.merge(orig, on="repost_of", how="left", sort=False)
        frame["orig_author"] = frame["orig_author"].fillna(-1).astype(np.int64)
        frame["orig_text"] = frame["orig_text"].fillna("")
        feats = _feature_columns(posts, sorted(p.weights))
        for name, col in feats.items():
            frame[f"w_{name}"] = np.nan_to_num(col, nan=0.0)
        self.posts = frame  # row i is post code i

        # Labels of each post and of its original, one row per (post, label).
        labels = pd.DataFrame({"post": frame["post"], "label": _lists(posts.get("labels"), n_posts)})
        labels = labels.explode("label").dropna()
        of_original = frame.loc[frame["repost_of"] >= 0, ["post", "repost_of"]].merge(
            labels.rename(columns={"post": "repost_of"}), on="repost_of"
        )[["post", "label"]]
        self.post_labels = pd.concat([labels, of_original], ignore_index=True).drop_duplicates()

        # Graph edges by kind, deduplicated, grouped by source (and blocks by target).
        edges = pd.DataFrame(
            {
                "src": codes(graph["src"], self.user_code, "graph.src"),
                "dst": codes(graph["dst"], self.user_code, "graph.dst"),
                "kind": graph["kind"].astype(str).to_numpy(dtype=object),
            }
        ).drop_duplicates()
        by_kind = {k: edges.loc[edges["kind"] == k, ["src", "dst"]] for k in ["follow", "mute", "block"]}
        self.follows = _Rows(by_kind["follow"], "src", n_users, lookup)
        self.mutes = _Rows(by_kind["mute"], "src", n_users, lookup)
        self.blocks = _Rows(by_kind["block"], "src", n_users, lookup)
        self.blocked_by = _Rows(by_kind["block"], "dst", n_users, lookup)

        # `now`: the latest timestamp of the dataset unless given.
        at = _unix_seconds(engagements["at"]).to_numpy() if len(engagements) else np.zeros(0, np.int64)
        latest = max(int(created.max()) if n_posts else 0, int(at.max()) if len(at) else 0)
        self.now = latest if now is None else int(now)
        # Windows are `(now − hours, now]`, the start truncated to whole seconds.
        self.in_network_from = self.now - int(p.in_network_hours * 3600.0)
        proof_from = self.now - int(p.proof_hours * 3600.0)

        eng = pd.DataFrame(
            {
                "user": codes(engagements["user"], self.user_code, "engagements.user"),
                "post": codes(engagements["post"], self.post_code, "engagements.post"),
                "kind": engagements["kind"].astype(str).to_numpy(dtype=object),
                "at": at,
            }
        )
        proof = eng[eng["kind"].isin(SOCIAL_PROOF_KINDS) & (eng["at"] > proof_from) & (eng["at"] <= self.now)]
        self.proof = _Rows(proof[["user", "post"]], "user", n_users, lookup)
        seen = eng[(eng["kind"] == "impression") & (eng["at"] <= self.now)]
        self.seen = _Rows(seen[["user", "post"]], "user", n_users, lookup)

        # Posts in the in-network window, grouped by author.
        window = frame[(frame["created_at"] > self.in_network_from) & (frame["created_at"] <= self.now)]
        self.posts_by_author = _Rows(window[["post", "author"]], "author", n_users, lookup)

        # The author-diversity multipliers by position k of an author's post.
        self._diversity = np.array([(1.0 - p.floor) * _powi(p.decay, i) + p.floor for i in range(64)])
        self._pattern_cache: Dict[int, Optional["re.Pattern[str]"]] = {}

    @classmethod
    def from_frames(
        cls,
        frames: Mapping[str, pd.DataFrame],
        now: Optional[int] = None,
        params: Optional[EngagementParams] = None,
        lookup: str = "indexed",
    ) -> "EngagementPandas":
        """From a mapping with keys users, graph, posts, engagements (as :func:`read_jsonl`)."""
        return cls(
            frames["users"],
            frames.get("graph"),
            frames.get("posts"),
            frames.get("engagements"),
            now=now,
            params=params,
            lookup=lookup,
        )

    # -- helpers -------------------------------------------------------------------------

    def _muted_pattern(self, viewer: int) -> Optional["re.Pattern[str]"]:
        if viewer not in self._pattern_cache:
            phrases = [[t.lower() for t in _tokens(w)] for w in self.muted_words[viewer]]
            phrases = [ph for ph in phrases if ph]
            self._pattern_cache[viewer] = _phrase_pattern(phrases) if phrases else None
        return self._pattern_cache[viewer]

    def _diversity_multipliers(self, k: np.ndarray) -> np.ndarray:
        top = int(k.max()) if len(k) else 0
        if top >= len(self._diversity):
            p = self.params
            self._diversity = np.array([(1.0 - p.floor) * _powi(p.decay, i) + p.floor for i in range(2 * top + 1)])
        return self._diversity[k]

    def _heavy_ranker(self, c: pd.DataFrame) -> np.ndarray:
        weights = self.params.weights
        names = sorted(weights)
        s = np.zeros(len(c))
        for name in names:  # sorted feature-name order, from 0
            s = s + weights[name] * c[f"w_{name}"].to_numpy()
        positive = _sequential_sum(weights[n] for n in names if weights[n] > 0.0)
        negative = abs(_sequential_sum(weights[n] for n in names if weights[n] < 0.0))
        total = positive + negative
        if total == 0.0:
            return np.where(s < 0.0, 0.0, s)
        return np.where(s < 0.0, (s + negative) / total * EPSILON, s + EPSILON)

    @staticmethod
    def _sort(c: pd.DataFrame) -> pd.DataFrame:
        return c.sort_values(["score", "created_at", "id_order"], ascending=[False, False, True], kind="stable")

    # -- ranking -------------------------------------------------------------------------

    def candidates(self, viewer: int) -> Tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        """Sourced candidates of a viewer (dense code) — the posts' columns plus ``source`` —
        with the viewer's followees and the accounts blocked either way."""
        p, now = self.params, self.now
        followees = self.follows.one(viewer)["dst"].to_numpy()
        blocked = np.union1d(self.blocks.one(viewer)["dst"].to_numpy(), self.blocked_by.one(viewer)["src"].to_numpy())

        # in_network: posts and reposts by followees in the window.
        in_net = self.posts_by_author.many(followees)[["post"]].assign(source=0)

        # social_proof: distinct followees (not blocked either way) who engaged in the window.
        counted = np.setdiff1d(followees, blocked)
        engaged = self.proof.many(counted).drop_duplicates(["user", "post"])
        proof = engaged.groupby("post", sort=True).size()
        proof = proof[proof >= p.min_proof]
        sp = self.posts.iloc[proof.index.to_numpy()]
        sp = sp[(sp["author"] != viewer) & (sp["created_at"] <= now) & ~sp["author"].isin(followees)]

        sourced = pd.concat([in_net, sp[["post"]].assign(source=1)], ignore_index=True)
        sourced = sourced.sort_values(["post", "source"], kind="stable").drop_duplicates("post", keep="first")
        c = self.posts.iloc[sourced["post"].to_numpy()].assign(source=sourced["source"].to_numpy())
        return c, followees, blocked

    def survivors(self, viewer: int, c: pd.DataFrame, blocked: np.ndarray) -> pd.DataFrame:
        """The candidates no filter removes."""
        p, now = self.params, self.now
        muted = self.mutes.one(viewer)["dst"].to_numpy()
        keep = (c["author"] != viewer) & (c["orig_author"] != viewer)  # self_posts, and reposts of them
        keep &= ~(c["author"].isin(blocked) | c["orig_author"].isin(blocked))  # blocked
        keep &= ~(c["author"].isin(muted) | c["orig_author"].isin(muted))  # muted
        pattern = self._muted_pattern(viewer)
        if pattern is not None:  # muted_words, in the post and in a repost's original
            keep &= ~(c["text"].str.contains(pattern) | c["orig_text"].str.contains(pattern))
        drop_labels = set(self.hidden_labels[viewer]) | set(p.policy_drop)  # hidden / policy labels
        labelled = self.post_labels.loc[self.post_labels["label"].isin(drop_labels), "post"]
        keep &= ~c["post"].isin(labelled)
        keep &= ~c["post"].isin(self.seen.one(viewer)["post"])  # seen
        age = (now - c["created_at"]) / 3600.0  # max_age
        keep &= (age >= 0.0) & (age <= p.max_age_hours)
        # dedupe_reposts, over the candidates the earlier filters kept: keep the newest
        # repost of an original (ties by id) unless the original itself is such a candidate.
        alive = c[keep]
        reposts = alive[alive["repost_of"] >= 0]
        kept = reposts.sort_values(
            ["repost_of", "created_at", "id_order"], ascending=[True, False, True], kind="stable"
        ).drop_duplicates("repost_of", keep="first")
        is_repost = c["repost_of"] >= 0
        keep &= ~(is_repost & (c["repost_of"].isin(alive["post"]) | ~c["post"].isin(kept["post"])))
        return c[keep]

    def rank_codes(self, viewer: int, k: Optional[int] = None) -> pd.DataFrame:
        """One feed by dense viewer code: columns post (code), rank, score."""
        p = self.params
        k = p.k if k is None else k
        c, followees, blocked = self.candidates(viewer)
        c = self.survivors(viewer, c, blocked)

        term = self._heavy_ranker(c)
        factor = np.where(c["author"].isin(followees).to_numpy(), 1.0, p.out_of_network)
        c = c.assign(score=(0.0 + term) * factor, in_network=c["author"].isin(followees))
        c = self._sort(c)

        # author_diversity: the k-th post of each author in the ranked list, then re-sort.
        nth = c.groupby("author", sort=False).cumcount().to_numpy()
        c = self._sort(c.assign(score=c["score"].to_numpy() * self._diversity_multipliers(nth)))

        # top_k, with the optional caps per network side.
        if p.max_in_network is not None or p.max_out_of_network is not None:
            within = c.groupby("in_network", sort=False).cumcount()
            cap = np.where(
                c["in_network"],
                np.iinfo(np.int64).max if p.max_in_network is None else p.max_in_network,
                np.iinfo(np.int64).max if p.max_out_of_network is None else p.max_out_of_network,
            )
            c = c[within.to_numpy() < cap]
        top = c.head(k)
        return pd.DataFrame(
            {"post": top["post"].to_numpy(), "rank": np.arange(1, len(top) + 1), "score": top["score"].to_numpy()}
        )

    def rank(self, viewer: str, k: Optional[int] = None) -> pd.DataFrame:
        """One viewer's feed: columns viewer, post, rank, score (best first)."""
        code = self.user_code.get_indexer([viewer])[0]
        if code < 0:
            raise KeyError(f"unknown viewer {viewer!r}")
        feed = self.rank_codes(int(code), k)
        return pd.DataFrame(
            {
                "viewer": np.full(len(feed), viewer, dtype=object),
                "post": self.post_names[feed["post"].to_numpy()],
                "rank": feed["rank"].to_numpy(),
                "score": feed["score"].to_numpy(),
            }
        )

    def rank_many(self, viewers: Optional[Iterable[str]] = None, k: Optional[int] = None) -> pd.DataFrame:
        """Several feeds (default: every user's), concatenated in the order given."""
        names = list(self.user_names) if viewers is None else list(viewers)
        feeds = [self.rank(v, k) for v in names]
        if not feeds:
            return pd.DataFrame({"viewer": [], "post": [], "rank": [], "score": []})
        return pd.concat(feeds, ignore_index=True)


def rank_engagement(
    users: pd.DataFrame,
    graph: Optional[pd.DataFrame],
    posts: Optional[pd.DataFrame],
    engagements: Optional[pd.DataFrame],
    viewers: Optional[Iterable[str]] = None,
    k: Optional[int] = None,
    now: Optional[int] = None,
    params: Optional[EngagementParams] = None,
    lookup: str = "indexed",
) -> pd.DataFrame:
    """Ranks the feeds of ``viewers`` (default: all): one frame of (viewer, post, rank, score)."""
    model = EngagementPandas(users, graph, posts, engagements, now=now, params=params, lookup=lookup)
    return model.rank_many(viewers, k)

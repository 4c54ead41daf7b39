"""Type stubs of the native module ``glassfeed._core`` (hand-written; checked by stubtest)."""

import os
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple, Union, final

import numpy as np
import numpy.typing as npt
import pandas as pd

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
    "audit_amplification",
    "audit_cross_cutting",
    "audit_diff",
    "audit_exposure",
    "audit_gini",
    "audit_group_shares",
    "audit_neutrality",
    "audit_non_profiling",
    "audit_popularity_bias",
    "audit_source_diversity",
    "audit_stage_attribution",
    "audit_transparency",
    "synth",
]

__version__: str

_Path = Union[str, "os.PathLike[str]"]

class GlassfeedError(Exception):
    """Base class of every error glassfeed raises."""

class DataError(GlassfeedError):
    """Bad input data (names file and line, or frame, row and column)."""

class IoError(GlassfeedError):
    """Reading or writing a file failed."""

class SpecError(GlassfeedError):
    """An invalid pipeline spec (names stage and parameter)."""

class ScoreError(GlassfeedError):
    """A stage produced a non-finite score (names stage and post)."""

class ArgumentError(GlassfeedError):
    """An invalid argument: unknown viewer, post or preset, a value out of range."""

@final
class Dataset:
    """Users, the social graph, posts and engagements (immutable)."""

    @staticmethod
    def from_jsonl(dir: _Path, lenient: bool = False) -> Dataset: ...
    @staticmethod
    def from_jsonl_with_report(dir: _Path, lenient: bool = True) -> Tuple[Dataset, Dict[str, int]]: ...
    @staticmethod
    def from_pandas(
        users: pd.DataFrame,
        graph: Optional[pd.DataFrame] = None,
        posts: Optional[pd.DataFrame] = None,
        engagements: Optional[pd.DataFrame] = None,
    ) -> Dataset: ...
    def to_jsonl(self, dir: _Path) -> None: ...
    def save(self, path: _Path) -> None: ...
    @staticmethod
    def load(path: _Path) -> Dataset: ...
    @property
    def user_count(self) -> int: ...
    @property
    def post_count(self) -> int: ...
    @property
    def engagement_count(self) -> int: ...
    @property
    def latest_timestamp(self) -> int: ...
    def users(self) -> pd.DataFrame: ...
    def posts(self) -> pd.DataFrame: ...
    def graph(self) -> pd.DataFrame: ...
    def engagements(self) -> pd.DataFrame: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __ne__(self, value: object, /) -> bool: ...

@final
class FeedItem:
    """One item of a feed."""

    @property
    def post(self) -> str: ...
    @property
    def rank(self) -> int: ...
    @property
    def score(self) -> float: ...
    @property
    def source(self) -> str: ...

@final
class Feed:
    """One viewer's ranked feed, with explanations."""

    @property
    def viewer(self) -> str: ...
    @property
    def now(self) -> int: ...
    @property
    def sourced(self) -> int: ...
    @property
    def filtered(self) -> int: ...
    @property
    def pipeline(self) -> str: ...
    @property
    def fingerprint(self) -> str: ...
    @property
    def items(self) -> List[FeedItem]: ...
    def explanations(self) -> List[Dict[str, Any]]: ...
    def to_pandas(self) -> pd.DataFrame: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[FeedItem]: ...

@final
class Feeds:
    """Every feed of a ``rank_all`` call, as columns."""

    @property
    def now(self) -> int: ...
    @property
    def fingerprint(self) -> str: ...
    @property
    def item_count(self) -> int: ...
    def to_pandas(self) -> pd.DataFrame: ...
    def __len__(self) -> int: ...

@final
class Pipeline:
    """A ranking pipeline, from a preset or a JSON spec."""

    @staticmethod
    def preset(name: str) -> Pipeline: ...
    @staticmethod
    def from_json(spec: str, untrusted: bool = False) -> Pipeline: ...
    @staticmethod
    def presets() -> List[str]: ...
    def to_json(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def fingerprint(self) -> str: ...
    @property
    def spec(self) -> Dict[str, Any]: ...
    def rank(
        self,
        ds: Dataset,
        viewer: str,
        k: Optional[int] = None,
        explain: str = "summary",
        now: Optional[int] = None,
    ) -> Feed: ...
    def rank_all(
        self,
        ds: Dataset,
        viewers: Optional[Iterable[str]] = None,
        k: Optional[int] = None,
        now: Optional[int] = None,
    ) -> Feeds: ...
    def why_not(
        self,
        ds: Dataset,
        viewer: str,
        post: str,
        now: Optional[int] = None,
        explain: str = "summary",
    ) -> Dict[str, Any]: ...
    def compare(
        self,
        ds: Dataset,
        viewer: str,
        a: str,
        b: str,
        now: Optional[int] = None,
    ) -> Dict[str, Any]: ...

def synth(users: int = 20000, seed: int = 42, **config: Any) -> Dataset: ...

# Audit measurements (``glassfeed.audit`` wraps them into frames). A feed argument is a
# ``Feeds``, a ``Pipeline`` or a preset name.
_FeedsLike = Union[Feeds, Pipeline, str]
_PipelineLike = Union[Pipeline, str]

def audit_amplification(
    ds: Dataset,
    treatments: List[_FeedsLike],
    control: _FeedsLike,
    viewers: Optional[Iterable[str]] = None,
    model: str = "log",
    k: Optional[int] = None,
    gamma: Optional[float] = None,
    attr: str = "viewpoint",
    bootstrap: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    permutations: int = 1000,
    gap: Optional[Tuple[str, str]] = None,
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> List[Dict[str, Any]]: ...
def audit_exposure(
    ds: Dataset,
    feeds: _FeedsLike,
    model: str = "log",
    k: Optional[int] = None,
    gamma: Optional[float] = None,
    attr: str = "viewpoint",
    viewers: Optional[Iterable[str]] = None,
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> Dict[str, Any]: ...
def audit_gini(values: npt.NDArray[np.float64]) -> float: ...
def audit_group_shares(
    ds: Dataset,
    feeds: _FeedsLike,
    model: str = "log",
    k: Optional[int] = None,
    gamma: Optional[float] = None,
    attr: str = "viewpoint",
    viewers: Optional[Iterable[str]] = None,
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> List[Dict[str, Any]]: ...
def audit_cross_cutting(
    ds: Dataset,
    feeds: _FeedsLike,
    attr: str = "viewpoint",
    viewers: Optional[Iterable[str]] = None,
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> Dict[str, Any]: ...
def audit_source_diversity(
    ds: Dataset,
    feeds: _FeedsLike,
    viewers: Optional[Iterable[str]] = None,
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> Dict[str, Any]: ...
def audit_popularity_bias(
    ds: Dataset,
    feeds: _FeedsLike,
    viewers: Optional[Iterable[str]] = None,
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> Dict[str, Any]: ...
def audit_diff(
    ds: Dataset,
    a: _FeedsLike,
    b: _FeedsLike,
    p: float = 0.9,
    viewers: Optional[Iterable[str]] = None,
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> Dict[str, Any]: ...
def audit_stage_attribution(
    ds: Dataset,
    a: _PipelineLike,
    b: _PipelineLike,
    viewers: Optional[Iterable[str]] = None,
    p: float = 0.9,
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> Dict[str, Any]: ...
def audit_neutrality(
    ds: Dataset, pipeline: _PipelineLike, viewers: Optional[Iterable[str]] = None, seed: int = 0
) -> Dict[str, Any]: ...
def audit_non_profiling(
    ds: Dataset, pipeline: _PipelineLike, viewers: Optional[Iterable[str]] = None, seed: int = 0
) -> Dict[str, Any]: ...
def audit_transparency(
    ds: Dataset,
    pipeline: _PipelineLike,
    viewers: Optional[Iterable[str]] = None,
    feed_k: Optional[int] = None,
    now: Optional[int] = None,
) -> Tuple[str, Dict[str, Any]]: ...

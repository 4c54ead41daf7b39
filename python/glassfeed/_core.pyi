"""Type stubs of the native module ``glassfeed._core`` (hand-written; checked by stubtest)."""

import os
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple, Union, final

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
    def from_json(spec: str) -> Pipeline: ...
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

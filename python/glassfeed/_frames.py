"""pandas glue for the Rust bindings (private).

The Rust side of ``Dataset.from_pandas`` reads frames through ``frame_columns``; the
``to_pandas`` methods build frames through ``frame`` and ``categorical``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple

import numpy as np
import pandas as pd

from ._core import DataError


def frame_columns(frame: Any, name: str) -> Tuple[int, Dict[str, List[Any]]]:
    """A frame as ``(rows, {column: cells})`` with every missing value as ``None``.

    Datetime columns become unix seconds (floats; the reader refuses fractions).
    Columns whose name is not a string are left out (only named columns are read).
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name}: expected a pandas DataFrame, got {type(frame).__name__}")
    names = [c for c in frame.columns if isinstance(c, str)]
    repeated = sorted({c for c in names if names.count(c) > 1})
    if repeated:
        raise DataError(f"{name}: repeated column names: {', '.join(repeated)}")
    columns: Dict[str, List[Any]] = {}
    for column in names:
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            epoch = pd.Timestamp(0, tz=getattr(series.dt, "tz", None))
            series = (series - epoch) / pd.Timedelta(seconds=1)
        missing = series.isna()
        if bool(missing.any()):
            cells = series.astype(object).where(~missing, None).tolist()
        else:
            cells = series.tolist()
        columns[column] = cells
    return len(frame), columns


def frame(columns: Dict[str, Any]) -> pd.DataFrame:
    """A frame from columns (lists, arrays or categoricals), in the given order."""
    return pd.DataFrame(columns)


def categorical(codes: np.ndarray, names: Sequence[str]) -> "pd.Categorical[str]":
    """A categorical from dense integer codes into ``names`` (distinct)."""
    return pd.Categorical.from_codes(codes.astype(np.int64, copy=False), categories=pd.Index(names))

//! Small conversions shared by the bindings: serde values to Python objects, the
//! pure-Python frame helpers, and checks of common arguments.

use super::errors::argument;
use crate::ExplainMode;
use pyo3::prelude::*;
use serde::Serialize;

/// Converts a serde value to plain Python objects (dicts, lists, str, int, float, bool,
/// None) through JSON, so floats keep their exact value (shortest round-trip repr).
pub(crate) fn to_python<'py, T: Serialize + ?Sized>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(value)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(format!("serialising to JSON: {e}")))?;
    py.import("json")?.call_method1("loads", (text,))
}

/// A function of the pure-Python module `glassfeed._frames` (pandas glue).
pub(crate) fn frames_helper<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("glassfeed._frames")?.getattr(name)
}

/// Parses an `explain` argument: `off`, `summary` or `full`.
pub(crate) fn explain_mode(explain: &str) -> PyResult<ExplainMode> {
    match explain {
        "off" => Ok(ExplainMode::Off),
        "summary" => Ok(ExplainMode::Summary),
        "full" => Ok(ExplainMode::Full),
        other => Err(argument("explain", format!("`{other}` is not one of off, summary, full"))),
    }
}

/// Checks a feed length `k` (at least 1) given from Python.
pub(crate) fn feed_length(k: Option<i64>) -> PyResult<Option<usize>> {
    match k {
        None => Ok(None),
        Some(k) if k >= 1 => {
            usize::try_from(k).map(Some).map_err(|_| argument("k", format!("{k} is too large")))
        }
        Some(k) => Err(argument("k", format!("must be at least 1, got {k}"))),
    }
}

/// The largest `now` (in absolute value) accepted from Python: ±2**53 seconds, the range
/// where unix seconds are exact as floats. Beyond it the core's window arithmetic
/// (`now − max_age`) could overflow.
pub(crate) const MAX_NOW: i64 = 1 << 53;

/// Checks a ranking time `now` given from Python.
pub(crate) fn ranking_time(now: Option<i64>) -> PyResult<Option<i64>> {
    match now {
        Some(t) if !(-MAX_NOW..=MAX_NOW).contains(&t) => {
            Err(argument("now", format!("{t} is outside the supported range of ±2**53 seconds")))
        }
        other => Ok(other),
    }
}

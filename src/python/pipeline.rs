//! `glassfeed.Pipeline`: presets and JSON specs; `rank`, `rank_all` (GIL released,
//! parallel), `why_not` and `compare`.

use super::convert::{explain_mode, feed_length, ranking_time, to_python};
use super::dataset::PyDataset;
use super::errors::IntoPy;
use super::feed::{FeedColumns, PyFeed, PyFeeds};
use crate::pipeline::PRESETS;
use crate::{ExplainMode, Pipeline, RankOptions, UserId};
use pyo3::prelude::*;
use pyo3::types::PyString;
use std::sync::Arc;

/// A ranking pipeline: ``sources → hydrate → filters → scorers → rescorers →
/// selector``, from a preset (``Pipeline.preset("engagement")``) or a JSON spec
/// (``Pipeline.from_json(text)``).
#[pyclass(name = "Pipeline", module = "glassfeed", frozen)]
pub struct PyPipeline {
    inner: Arc<Pipeline>,
}

fn options(k: Option<i64>, explain: ExplainMode, now: Option<i64>) -> PyResult<RankOptions> {
    Ok(RankOptions { k: feed_length(k)?, explain, now: ranking_time(now)? })
}

#[pymethods]
impl PyPipeline {
    /// A built-in preset by name (see ``Pipeline.presets()``); an unknown name raises
    /// ``ArgumentError``.
    #[staticmethod]
    fn preset(name: &str) -> PyResult<PyPipeline> {
        Ok(PyPipeline { inner: Arc::new(Pipeline::preset(name).py_err()?) })
    }

    /// Parses and validates a JSON spec; problems raise ``SpecError`` naming the stage
    /// and the parameter. ``untrusted=True`` (for a spec written by anyone) checks it
    /// against the default ``Limits`` and bounds the work of every feed it ranks.
    #[staticmethod]
    #[pyo3(signature = (spec, untrusted = false))]
    fn from_json(spec: &str, untrusted: bool) -> PyResult<PyPipeline> {
        let pipeline = if untrusted {
            Pipeline::from_json_with_limits(spec, &crate::Limits::default())
        } else {
            Pipeline::from_json(spec)
        };
        Ok(PyPipeline { inner: Arc::new(pipeline.py_err()?) })
    }

    /// Names of the built-in presets.
    #[staticmethod]
    fn presets() -> Vec<&'static str> {
        PRESETS.to_vec()
    }

    /// The canonical spec as pretty JSON, every default filled in (``from_json`` reads
    /// it back to the same pipeline).
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The pipeline's name.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    /// ``sha256:`` + hex SHA-256 of the canonical spec; stamped on every explanation.
    #[getter]
    fn fingerprint(&self) -> &str {
        self.inner.fingerprint()
    }

    /// The canonical spec as a dict.
    #[getter]
    fn spec<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, self.inner.spec())
    }

    /// Ranks one viewer's feed. ``k`` overrides the selector's feed length; ``explain``
    /// is ``"off"``, ``"summary"`` or ``"full"``; ``now`` (unix seconds) defaults to the
    /// dataset's latest timestamp. An unknown viewer raises ``ArgumentError``.
    #[pyo3(signature = (ds, viewer, k = None, explain = "summary", now = None))]
    fn rank(
        &self,
        py: Python<'_>,
        ds: &Bound<'_, PyDataset>,
        viewer: &str,
        k: Option<i64>,
        explain: &str,
        now: Option<i64>,
    ) -> PyResult<PyFeed> {
        let options = options(k, explain_mode(explain)?, now)?;
        let ds = ds.get().inner.clone();
        let viewer = ds.require_user(viewer).py_err()?;
        let pipeline = &self.inner;
        let feed = py.allow_threads(|| pipeline.rank(&ds, viewer, &options)).py_err()?;
        Ok(PyFeed { feed, ds, pipeline: self.inner.clone() })
    }

    /// Ranks many feeds in parallel with the GIL released: ``viewers`` is an iterable of
    /// user ids (default: every user, in dataset order). Explanations are off.
    #[pyo3(signature = (ds, viewers = None, k = None, now = None))]
    fn rank_all(
        &self,
        py: Python<'_>,
        ds: &Bound<'_, PyDataset>,
        viewers: Option<&Bound<'_, PyAny>>,
        k: Option<i64>,
        now: Option<i64>,
    ) -> PyResult<PyFeeds> {
        let options = options(k, ExplainMode::Off, now)?;
        let ds = ds.get().inner.clone();
        let viewers: Vec<UserId> = match viewers.filter(|v| !v.is_none()) {
            None => (0..ds.user_count() as u32).map(UserId).collect(),
            Some(v) if v.is_instance_of::<PyString>() => {
                return Err(pyo3::exceptions::PyTypeError::new_err(
                    "viewers must be an iterable of user ids, not a single string",
                ))
            }
            Some(v) => {
                let mut ids = Vec::new();
                for id in v.try_iter()? {
                    ids.push(ds.require_user(&id?.extract::<String>()?).py_err()?);
                }
                ids
            }
        };
        let pipeline = &self.inner;
        let columns = py
            .allow_threads(|| {
                let feeds = pipeline.rank_all(&ds, &viewers, &options)?;
                let now = options.now.unwrap_or_else(|| ds.latest_timestamp());
                Ok(FeedColumns::of(pipeline, &feeds, now))
            })
            .py_err()?;
        Ok(PyFeeds { ds, pipeline: self.inner.clone(), columns })
    }

    /// The full story of any post in a viewer's feed, as a dict: selected, cut, filtered
    /// (by which stage, decided by whom) or not sourced (and why).
    #[pyo3(signature = (ds, viewer, post, now = None, explain = "summary"))]
    fn why_not<'py>(
        &self,
        py: Python<'py>,
        ds: &Bound<'_, PyDataset>,
        viewer: &str,
        post: &str,
        now: Option<i64>,
        explain: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = options(None, explain_mode(explain)?, now)?;
        let ds = &ds.get().inner;
        let (viewer, post) = (ds.require_user(viewer).py_err()?, ds.require_post(post).py_err()?);
        let pipeline = &self.inner;
        let e = py.allow_threads(|| pipeline.why_not(ds, viewer, post, &options)).py_err()?;
        to_python(py, &e)
    }

    /// Why post ``a`` ranks above or below post ``b`` in a viewer's feed, as a dict:
    /// both stories and each stage's share of the score gap.
    #[pyo3(signature = (ds, viewer, a, b, now = None))]
    fn compare<'py>(
        &self,
        py: Python<'py>,
        ds: &Bound<'_, PyDataset>,
        viewer: &str,
        a: &str,
        b: &str,
        now: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = options(None, ExplainMode::Summary, now)?;
        let ds = &ds.get().inner;
        let viewer = ds.require_user(viewer).py_err()?;
        let (a, b) = (ds.require_post(a).py_err()?, ds.require_post(b).py_err()?);
        let pipeline = &self.inner;
        let c = py.allow_threads(|| pipeline.compare(ds, viewer, a, b, &options)).py_err()?;
        to_python(py, &c)
    }

    fn __repr__(&self) -> String {
        format!("Pipeline(name={:?}, fingerprint={:?})", self.inner.name(), self.inner.fingerprint())
    }
}

//! `glassfeed.Dataset`: read from JSON Lines or pandas frames, written back, inspected as
//! frames.

use super::convert::frames_helper;
use super::errors::IntoPy;
use super::ingest;
use crate::model::{EdgeKind, PostId, UserId};
use crate::{Dataset, IngestOptions};
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

/// An immutable snapshot of a town square: users, the follow/mute/block graph, posts and
/// engagements.
///
/// Build one with `Dataset.from_jsonl(dir)`, `Dataset.from_pandas(users=..., ...)` or
/// `glassfeed.synth(...)`. Two datasets are equal when their users, graph, posts and
/// engagements are equal, in the same order.
#[pyclass(name = "Dataset", module = "glassfeed", frozen, eq)]
pub struct PyDataset {
    pub(crate) inner: Arc<Dataset>,
}

impl PartialEq for PyDataset {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner) || *self.inner == *other.inner
    }
}

impl PyDataset {
    pub(crate) fn new(dataset: Dataset) -> Self {
        PyDataset { inner: Arc::new(dataset) }
    }
}

/// `pd.Categorical` from dense codes and the names they index.
pub(crate) fn categorical<'py>(
    py: Python<'py>,
    codes: Vec<u32>,
    names: Vec<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    frames_helper(py, "categorical")?.call1((PyArray1::from_vec(py, codes), names))
}

fn user_names(ds: &Dataset) -> Vec<&str> {
    (0..ds.user_count() as u32).map(|u| ds.user_name(UserId(u))).collect()
}

#[pymethods]
impl PyDataset {
    /// Reads a dataset directory in the JSON Lines format (``users.jsonl`` required;
    /// ``graph.jsonl``, ``posts.jsonl``, ``engagements.jsonl`` optional). Strict by
    /// default: the first bad line raises ``DataError`` naming file, line and field.
    /// With ``lenient=True`` records referring to unknown users or posts are skipped
    /// (see ``from_jsonl_with_report`` for the counts).
    #[staticmethod]
    #[pyo3(signature = (dir, lenient = false))]
    fn from_jsonl(py: Python<'_>, dir: PathBuf, lenient: bool) -> PyResult<PyDataset> {
        let options = IngestOptions::default().with_lenient(lenient);
        let (ds, _) = py.allow_threads(|| Dataset::from_jsonl_dir_with(&dir, &options)).py_err()?;
        Ok(PyDataset::new(ds))
    }

    /// Like ``from_jsonl`` (lenient by default), also returning what was skipped:
    /// ``(dataset, {problem: count})``.
    #[staticmethod]
    #[pyo3(signature = (dir, lenient = true))]
    fn from_jsonl_with_report<'py>(
        py: Python<'py>,
        dir: PathBuf,
        lenient: bool,
    ) -> PyResult<(PyDataset, Bound<'py, PyDict>)> {
        let options = IngestOptions::default().with_lenient(lenient);
        let (ds, report) = py.allow_threads(|| Dataset::from_jsonl_dir_with(&dir, &options)).py_err()?;
        let counts = PyDict::new(py);
        for (problem, n) in &report.skipped {
            counts.set_item(problem, n)?;
        }
        Ok((PyDataset::new(ds), counts))
    }

    /// Builds a dataset from pandas frames with the columns of the JSON Lines format.
    ///
    /// ``users``: ``id``, optional ``attrs`` (dict) and/or ``attr_<key>`` columns,
    /// ``muted_words`` and ``hidden_labels`` (lists). ``graph``: ``src``, ``dst``,
    /// ``kind``. ``posts``: ``id``, ``author``, ``created_at`` (unix seconds or
    /// datetimes), optional ``text``, ``reply_to``, ``repost_of``, ``labels``, ``topics``
    /// (lists), ``features`` (dict) and/or ``feat_<name>`` columns. ``engagements``:
    /// ``user``, ``post``, ``kind``, ``at``, optional ``rating``. None/NaN in an optional
    /// column means absent; other columns are ignored. Errors raise ``DataError`` naming
    /// the frame, the 0-based row position and the column.
    #[staticmethod]
    #[pyo3(signature = (users, graph = None, posts = None, engagements = None))]
    fn from_pandas(
        py: Python<'_>,
        users: &Bound<'_, PyAny>,
        graph: Option<&Bound<'_, PyAny>>,
        posts: Option<&Bound<'_, PyAny>>,
        engagements: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyDataset> {
        ingest::from_pandas(py, users, graph, posts, engagements).map(PyDataset::new)
    }

    /// Writes the dataset as a JSON Lines directory that ``from_jsonl`` reads back into an
    /// equal dataset (byte-identical files for equal datasets).
    fn to_jsonl(&self, py: Python<'_>, dir: PathBuf) -> PyResult<()> {
        let ds = &self.inner;
        py.allow_threads(|| ds.write_jsonl_dir(&dir)).py_err()
    }

    /// Writes the dataset as a binary snapshot (versioned, checksummed, written to a
    /// temporary file and renamed, readable by its owner only) that ``Dataset.load`` reads
    /// back into an equal dataset, with the page rank and bridging models computed so far.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let ds = &self.inner;
        py.allow_threads(|| ds.save(&path)).py_err()
    }

    /// Reads a binary snapshot written by ``save``. A truncated, corrupted or foreign
    /// file, or one of another format version, raises ``DataError`` naming the file, the
    /// byte offset and the field; a missing file raises ``IoError``.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<PyDataset> {
        py.allow_threads(|| Dataset::load(&path)).py_err().map(PyDataset::new)
    }

    /// Number of users.
    #[getter]
    fn user_count(&self) -> usize {
        self.inner.user_count()
    }

    /// Number of posts.
    #[getter]
    fn post_count(&self) -> usize {
        self.inner.post_count()
    }

    /// Number of engagements.
    #[getter]
    fn engagement_count(&self) -> usize {
        self.inner.engagement_count()
    }

    /// The latest timestamp in the dataset: the default ``now`` of every ranking.
    #[getter]
    fn latest_timestamp(&self) -> i64 {
        self.inner.latest_timestamp()
    }

    /// Users as a frame: ``id``, one ``attr_<key>`` column per audit attribute (None where
    /// absent), ``muted_words``, ``hidden_labels`` (lists). ``from_pandas`` reads it back.
    fn users<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let ds = &self.inner;
        let users = (0..ds.user_count() as u32).map(UserId);
        let columns = PyDict::new(py);
        columns.set_item("id", user_names(ds))?;
        let keys: BTreeSet<&str> = users.clone().flat_map(|u| ds.user_attrs(u).map(|(k, _)| k)).collect();
        for key in keys {
            let values: Vec<Option<&str>> = users.clone().map(|u| ds.user_attr(u, key)).collect();
            columns.set_item(format!("attr_{key}"), values)?;
        }
        let words: Vec<Vec<&str>> = users.clone().map(|u| ds.muted_words(u).collect()).collect();
        columns.set_item("muted_words", words)?;
        let hidden: Vec<Vec<&str>> =
            users.map(|u| ds.hidden_label_ids(u).iter().map(|&l| ds.label_name(l)).collect()).collect();
        columns.set_item("hidden_labels", hidden)?;
        frames_helper(py, "frame")?.call1((columns,))
    }

    /// Posts as a frame: ``id``, ``author``, ``created_at``, ``text``, ``reply_to``,
    /// ``repost_of`` (None where absent), ``labels``, ``topics`` (lists) and one
    /// ``feat_<name>`` column per caller-supplied feature (NaN where absent).
    fn posts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let ds = &self.inner;
        let posts = (0..ds.post_count() as u32).map(PostId);
        let name = |p: Option<PostId>| p.map(|p| ds.post_name(p));
        let columns = PyDict::new(py);
        columns.set_item("id", posts.clone().map(|p| ds.post_name(p)).collect::<Vec<_>>())?;
        columns.set_item("author", posts.clone().map(|p| ds.user_name(ds.author(p))).collect::<Vec<_>>())?;
        let created: Vec<i64> = posts.clone().map(|p| ds.created_at(p)).collect();
        columns.set_item("created_at", PyArray1::from_vec(py, created))?;
        let text: Vec<Option<&str>> =
            posts.clone().map(|p| Some(ds.text(p)).filter(|t| !t.is_empty())).collect();
        columns.set_item("text", text)?;
        columns.set_item("reply_to", posts.clone().map(|p| name(ds.reply_to(p))).collect::<Vec<_>>())?;
        columns.set_item("repost_of", posts.clone().map(|p| name(ds.repost_of(p))).collect::<Vec<_>>())?;
        let labels: Vec<Vec<&str>> =
            posts.clone().map(|p| ds.label_ids(p).iter().map(|&l| ds.label_name(l)).collect()).collect();
        columns.set_item("labels", labels)?;
        columns.set_item("topics", posts.map(|p| ds.topics(p).collect::<Vec<_>>()).collect::<Vec<_>>())?;
        for feature in ds.feature_names() {
            let values = ds.feature_column(feature).unwrap_or_default();
            columns.set_item(format!("feat_{feature}"), PyArray1::from_slice(py, values))?;
        }
        frames_helper(py, "frame")?.call1((columns,))
    }

    /// The social graph as a frame: ``src``, ``dst``, ``kind`` (categoricals); follows,
    /// then mutes, then blocks, each sorted by source then target (dense order).
    fn graph<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let ds = &self.inner;
        let g = ds.graph();
        let (mut src, mut dst, mut kind) = (Vec::new(), Vec::new(), Vec::new());
        for (k, edge_kind) in EdgeKind::ALL.into_iter().enumerate() {
            for u in 0..ds.user_count() as u32 {
                let targets = match edge_kind {
                    EdgeKind::Follow => g.followees(u),
                    EdgeKind::Mute => g.mutes(u),
                    EdgeKind::Block => g.blocks(u),
                };
                for &t in targets {
                    src.push(u);
                    dst.push(t);
                    kind.push(k as u32);
                }
            }
        }
        let columns = PyDict::new(py);
        columns.set_item("src", categorical(py, src, user_names(ds))?)?;
        columns.set_item("dst", categorical(py, dst, user_names(ds))?)?;
        columns
            .set_item("kind", categorical(py, kind, EdgeKind::ALL.iter().map(|k| k.as_str()).collect())?)?;
        frames_helper(py, "frame")?.call1((columns,))
    }

    /// Engagements as a frame, in input order: ``user``, ``post``, ``kind``
    /// (categoricals), ``at`` (int64), ``rating`` (float64, NaN where absent).
    fn engagements<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let ds = &self.inner;
        let n = ds.engagement_count();
        let (mut user, mut post, mut kind) =
            (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        let (mut at, mut rating) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for e in ds.engagements() {
            user.push(e.user.0);
            post.push(e.post.0);
            kind.push(e.kind.index() as u32);
            at.push(e.at);
            rating.push(e.rating.unwrap_or(f64::NAN));
        }
        let post_names: Vec<&str> = (0..ds.post_count() as u32).map(|p| ds.post_name(PostId(p))).collect();
        let kinds = crate::EngagementKind::ALL.iter().map(|k| k.as_str()).collect();
        let columns = PyDict::new(py);
        columns.set_item("user", categorical(py, user, user_names(ds))?)?;
        columns.set_item("post", categorical(py, post, post_names)?)?;
        columns.set_item("kind", categorical(py, kind, kinds)?)?;
        columns.set_item("at", PyArray1::from_vec(py, at))?;
        columns.set_item("rating", PyArray1::from_vec(py, rating))?;
        frames_helper(py, "frame")?.call1((columns,))
    }

    fn __repr__(&self) -> String {
        let ds = &self.inner;
        format!(
            "Dataset(users={}, posts={}, engagements={}, latest_timestamp={})",
            ds.user_count(),
            ds.post_count(),
            ds.engagement_count(),
            ds.latest_timestamp()
        )
    }
}

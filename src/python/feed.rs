//! `Feed` (one viewer's ranked feed with explanations), `FeedItem`, and `Feeds` (every
//! feed of a `rank_all`, as columns).

use super::convert::{frames_helper, to_python};
use super::dataset::categorical;
use crate::stages::Combine;
use crate::{Dataset, Feed, Pipeline, UserId};
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyIterator, PyList};
use std::collections::BTreeSet;
use std::sync::Arc;

/// One item of a feed: the post, its 1-based rank, its final score and the id of the
/// source stage that proposed it.
#[pyclass(name = "FeedItem", module = "glassfeed", frozen, get_all)]
pub struct PyFeedItem {
    /// The post's id.
    post: String,
    /// 1-based position in the feed.
    rank: u32,
    /// Final score.
    score: f64,
    /// The source stage that proposed the post (e.g. ``in_network``).
    source: String,
}

#[pymethods]
impl PyFeedItem {
    fn __repr__(&self) -> String {
        format!(
            "FeedItem(post={:?}, rank={}, score={:?}, source={:?})",
            self.post, self.rank, self.score, self.source
        )
    }
}

/// One viewer's ranked feed, with explanations when ranked with ``explain`` other than
/// ``"off"``.
#[pyclass(name = "Feed", module = "glassfeed", frozen)]
pub struct PyFeed {
    /// The ranked feed.
    pub(crate) feed: Feed,
    /// The dataset it was ranked on (for external ids).
    pub(crate) ds: Arc<Dataset>,
    /// The pipeline that ranked it (for stage ids).
    pub(crate) pipeline: Arc<Pipeline>,
}

/// The id of source stage number `index` of a pipeline.
pub(crate) fn source_id(pipeline: &Pipeline, index: u16) -> &'static str {
    pipeline.sources.get(index as usize).map(|s| s.id()).unwrap_or("?")
}

/// Makes column names unique by suffixing repeats with `_2`, `_3`, …
fn unique_names(ids: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    ids.into_iter()
        .map(|id| {
            let mut name = id.clone();
            let mut n = 1;
            while !seen.insert(name.clone()) {
                n += 1;
                name = format!("{id}_{n}");
            }
            name
        })
        .collect()
}

#[pymethods]
impl PyFeed {
    /// The viewer's id.
    #[getter]
    fn viewer(&self) -> &str {
        self.ds.user_name(self.feed.viewer)
    }

    /// The ranking time used (unix seconds).
    #[getter]
    fn now(&self) -> i64 {
        self.feed.now
    }

    /// Number of candidates the sources proposed (after de-duplication).
    #[getter]
    fn sourced(&self) -> usize {
        self.feed.sourced
    }

    /// Number of candidates removed by filters.
    #[getter]
    fn filtered(&self) -> usize {
        self.feed.filtered
    }

    /// The pipeline's name.
    #[getter]
    fn pipeline(&self) -> &str {
        self.pipeline.name()
    }

    /// The pipeline's fingerprint (``sha256:…``).
    #[getter]
    fn fingerprint(&self) -> &str {
        self.pipeline.fingerprint()
    }

    /// The feed's items, best first.
    #[getter]
    fn items<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items = self.feed.items.iter().map(|item| PyFeedItem {
            post: self.ds.post_name(item.post).to_string(),
            rank: item.rank,
            score: item.score,
            source: source_id(&self.pipeline, item.source).to_string(),
        });
        PyList::new(py, items)
    }

    /// Every explanation record as a dict (DESIGN §4): the selected posts in feed order,
    /// then those ranked below the cut, then the filtered ones. Empty when the feed was
    /// ranked with ``explain="off"``.
    fn explanations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.feed.explanations)
    }

    /// The feed as a frame, one row per item: ``viewer``, ``post``, ``rank``, ``score``,
    /// ``source`` (stage id), ``outcome``, then one column per term, factor and rescore
    /// stage (named by stage id) with its value for the item. The stage columns need
    /// explanations: a feed ranked with ``explain="off"`` has only the first six.
    fn to_pandas<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (ds, feed, p) = (&self.ds, &self.feed, &self.pipeline);
        let n = feed.items.len();
        let columns = PyDict::new(py);
        columns.set_item("viewer", vec![ds.user_name(feed.viewer); n])?;
        columns.set_item("post", feed.items.iter().map(|i| ds.post_name(i.post)).collect::<Vec<_>>())?;
        columns.set_item("rank", PyArray1::from_iter(py, feed.items.iter().map(|i| i64::from(i.rank))))?;
        columns.set_item("score", PyArray1::from_iter(py, feed.items.iter().map(|i| i.score)))?;
        columns.set_item("source", feed.items.iter().map(|i| source_id(p, i.source)).collect::<Vec<_>>())?;
        columns.set_item("outcome", vec!["selected"; n])?;
        let explained = &feed.explanations[..feed.explanations.len().min(n)];
        if explained.len() == n && n > 0 {
            let role =
                |c: Combine| p.scorers.iter().filter(move |s| s.combine() == c).map(|s| s.id().to_string());
            let ids = role(Combine::Term)
                .chain(role(Combine::Factor))
                .chain(p.rescorers.iter().map(|r| r.id().to_string()));
            for (j, name) in unique_names(ids).into_iter().enumerate() {
                let values = explained.iter().map(|e| {
                    let all = e.terms.iter().chain(&e.factors).chain(&e.rescores);
                    all.clone().nth(j).map_or(f64::NAN, |v| v.value)
                });
                columns.set_item(name, PyArray1::from_iter(py, values))?;
            }
        }
        frames_helper(py, "frame")?.call1((columns,))
    }

    fn __len__(&self) -> usize {
        self.feed.items.len()
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyIterator>> {
        self.items(py)?.try_iter()
    }

    fn __repr__(&self) -> String {
        format!(
            "Feed(viewer={:?}, pipeline={:?}, items={}, sourced={}, filtered={})",
            self.viewer(),
            self.pipeline.name(),
            self.feed.items.len(),
            self.feed.sourced,
            self.feed.filtered
        )
    }
}

/// Every feed of a ``rank_all`` call, held as columns (one row per feed item).
#[pyclass(name = "Feeds", module = "glassfeed", frozen)]
pub struct PyFeeds {
    /// The dataset the feeds were ranked on.
    pub(crate) ds: Arc<Dataset>,
    /// The pipeline that ranked them.
    pub(crate) pipeline: Arc<Pipeline>,
    /// Every feed item, as columns.
    pub(crate) columns: FeedColumns,
}

/// Feeds flattened to columns, in viewer order then rank order.
#[derive(Default)]
pub(crate) struct FeedColumns {
    /// Number of feeds.
    pub feeds: usize,
    /// The ranking time used.
    pub now: i64,
    /// Dense viewer id of each row.
    pub viewer: Vec<u32>,
    /// Dense post id of each row.
    pub post: Vec<u32>,
    /// 1-based rank of each row.
    pub rank: Vec<u32>,
    /// Final score of each row.
    pub score: Vec<f64>,
    /// Codes into the pipeline's distinct source ids ([`FeedColumns::source_names`]).
    pub source: Vec<u32>,
    /// The distinct source stage ids of the pipeline, in spec order.
    pub source_names: Vec<&'static str>,
}

impl FeedColumns {
    /// Flattens feeds (run without the GIL).
    pub(crate) fn of(pipeline: &Pipeline, feeds: &[Feed], now: i64) -> FeedColumns {
        let rows: usize = feeds.iter().map(|f| f.items.len()).sum();
        let mut source_names: Vec<&'static str> = Vec::new();
        let source_codes: Vec<u32> = (0..pipeline.sources.len())
            .map(|i| {
                let id = source_id(pipeline, i as u16);
                match source_names.iter().position(|&n| n == id) {
                    Some(code) => code as u32,
                    None => {
                        source_names.push(id);
                        source_names.len() as u32 - 1
                    }
                }
            })
            .collect();
        let mut c = FeedColumns {
            feeds: feeds.len(),
            now,
            viewer: Vec::with_capacity(rows),
            post: Vec::with_capacity(rows),
            rank: Vec::with_capacity(rows),
            score: Vec::with_capacity(rows),
            source: Vec::with_capacity(rows),
            source_names,
        };
        for feed in feeds {
            for item in &feed.items {
                c.viewer.push(feed.viewer.0);
                c.post.push(item.post.0);
                c.rank.push(item.rank);
                c.score.push(item.score);
                c.source.push(source_codes.get(item.source as usize).copied().unwrap_or(0));
            }
        }
        c
    }
}

#[pymethods]
impl PyFeeds {
    /// The ranking time used (unix seconds).
    #[getter]
    fn now(&self) -> i64 {
        self.columns.now
    }

    /// The pipeline's fingerprint (``sha256:…``).
    #[getter]
    fn fingerprint(&self) -> &str {
        self.pipeline.fingerprint()
    }

    /// Total number of feed items (rows of ``to_pandas()``).
    #[getter]
    fn item_count(&self) -> usize {
        self.columns.post.len()
    }

    /// A long frame, one row per feed item in viewer order then rank order: ``viewer``,
    /// ``post`` and ``source`` (categoricals), ``rank`` (uint32), ``score`` (float64).
    fn to_pandas<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (ds, c) = (&self.ds, &self.columns);
        let users: Vec<&str> = (0..ds.user_count() as u32).map(|u| ds.user_name(UserId(u))).collect();
        let posts: Vec<&str> = (0..ds.post_count() as u32).map(|p| ds.post_name(crate::PostId(p))).collect();
        let columns = PyDict::new(py);
        columns.set_item("viewer", categorical(py, c.viewer.clone(), users)?)?;
        columns.set_item("post", categorical(py, c.post.clone(), posts)?)?;
        columns.set_item("rank", PyArray1::from_slice(py, &c.rank))?;
        columns.set_item("score", PyArray1::from_slice(py, &c.score))?;
        columns.set_item("source", categorical(py, c.source.clone(), c.source_names.clone())?)?;
        frames_helper(py, "frame")?.call1((columns,))
    }

    /// Number of feeds.
    fn __len__(&self) -> usize {
        self.columns.feeds
    }

    fn __repr__(&self) -> String {
        format!(
            "Feeds(pipeline={:?}, feeds={}, items={})",
            self.pipeline.name(),
            self.columns.feeds,
            self.columns.post.len()
        )
    }
}

//! The native half of `glassfeed.audit`: the measurements of [`crate::audit`] as
//! `glassfeed._core.audit_*` functions. The pure-Python module `glassfeed.audit` turns
//! their results into pandas frames and series.
//!
//! **Feed arguments.** Every function that measures feeds takes, for each feed list, a
//! `Feeds` (from `Pipeline.rank_all`), a `Pipeline` or a preset name. Pipelines are
//! ranked here with the GIL released, for `viewers` (default: the viewers of the first
//! `Feeds` argument, else every user in dataset order), at `now` (default: the first
//! `Feeds` argument's, else the dataset's latest timestamp), with feed length `feed_k`
//! (default: the selector's). A `Feeds` must come from the same dataset. `Feeds` stores
//! its items as columns, so an empty feed leaves no row: its viewer is only known when
//! the feeds were ranked for every user in dataset order (the `rank_all` default);
//! otherwise a `Feeds` holding empty feeds is refused with advice to pass the pipeline.
//!
//! **Results** are plain data: dicts and lists for small results (a few groups, stages),
//! numpy arrays for per-author and per-viewer values (with NaN where the core says
//! `None`), and lists of ids. Heavy work (ranking, measuring) runs without the GIL;
//! errors are the core's, mapped by [`super::errors`].

use super::convert::{feed_length, ranking_time, to_python};
use super::dataset::PyDataset;
use super::errors::{argument, IntoPy};
use super::feed::{FeedColumns, PyFeeds};
use super::pipeline::PyPipeline;
use crate::audit::{
    self, AmplificationConfig, AuthorAmplification, Distribution, FeedDiff, GroupAmplification,
    ImpressionModel, IndividualSummary, PermutationTest,
};
use crate::engine::FeedItem;
use crate::{Dataset, ExplainMode, Feed, Pipeline, PostId, RankOptions, UserId};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use std::sync::Arc;

/// Where an audit gets one list of feeds from.
enum Source<'a> {
    /// Feeds already ranked (`Pipeline.rank_all`).
    Ranked(&'a PyFeeds),
    /// A pipeline to rank.
    Rank(Box<Pipeline>),
}

/// A pipeline from a `Pipeline` object (rebuilt from its canonical spec, which gives the
/// same name and fingerprint) or a preset name.
fn pipeline_of(arg: &Bound<'_, PyAny>) -> PyResult<Option<Pipeline>> {
    if let Ok(text) = arg.downcast::<PyString>() {
        return Pipeline::preset(&text.to_cow()?).py_err().map(Some);
    }
    if arg.is_instance_of::<PyPipeline>() {
        let spec: String = arg.call_method0("to_json")?.extract()?;
        return Pipeline::from_json(&spec).py_err().map(Some);
    }
    Ok(None)
}

fn type_name(arg: &Bound<'_, PyAny>) -> String {
    arg.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into())
}

/// A pipeline argument: a `Pipeline` or a preset name.
fn pipeline_arg(arg: &Bound<'_, PyAny>, name: &str) -> PyResult<Pipeline> {
    pipeline_of(arg)?.ok_or_else(|| {
        PyTypeError::new_err(format!("`{name}` must be a Pipeline or a preset name, not {}", type_name(arg)))
    })
}

/// A feed argument: a `Feeds`, a `Pipeline` or a preset name.
fn source<'a>(arg: &'a Bound<'_, PyAny>, name: &str) -> PyResult<Source<'a>> {
    if let Ok(feeds) = arg.downcast::<PyFeeds>() {
        return Ok(Source::Ranked(feeds.get()));
    }
    pipeline_of(arg)?.map(|p| Source::Rank(Box::new(p))).ok_or_else(|| {
        PyTypeError::new_err(format!(
            "`{name}` must be a Feeds (from Pipeline.rank_all), a Pipeline or a preset name, not {}",
            type_name(arg)
        ))
    })
}

/// Parses a `viewers` argument: `None`, or an iterable of user ids (not a lone string).
fn viewer_list(ds: &Dataset, viewers: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<UserId>>> {
    match viewers.filter(|v| !v.is_none()) {
        None => Ok(None),
        Some(v) if v.is_instance_of::<PyString>() => {
            Err(PyTypeError::new_err("viewers must be an iterable of user ids, not a single string"))
        }
        Some(v) => {
            let mut ids = Vec::new();
            for id in v.try_iter()? {
                ids.push(ds.require_user(&id?.extract::<String>()?).py_err()?);
            }
            Ok(Some(ids))
        }
    }
}

fn every_user(ds: &Dataset) -> Vec<UserId> {
    (0..ds.user_count() as u32).map(UserId).collect()
}

/// How pipelines given in place of feeds are ranked.
struct Ranking {
    viewers: Option<Vec<UserId>>,
    k: Option<usize>,
    now: Option<i64>,
}

impl Ranking {
    fn new(
        ds: &Dataset,
        viewers: Option<&Bound<'_, PyAny>>,
        feed_k: Option<i64>,
        now: Option<i64>,
    ) -> PyResult<Ranking> {
        Ok(Ranking { viewers: viewer_list(ds, viewers)?, k: feed_length(feed_k)?, now: ranking_time(now)? })
    }

    fn options(&self, now: Option<i64>) -> RankOptions {
        RankOptions { k: self.k, explain: ExplainMode::Off, now: self.now.or(now) }
    }
}

/// Rebuilds the feeds of a `Feeds` from its columns (see the [module docs](self)).
fn unpack(ds: &Dataset, c: &FeedColumns, name: &str) -> crate::Result<Vec<Feed>> {
    let mut feeds: Vec<Feed> = Vec::with_capacity(c.feeds);
    for i in 0..c.post.len() {
        let viewer = UserId(c.viewer[i]);
        let starts = feeds
            .last()
            .and_then(|f| f.items.last().map(|last| f.viewer != viewer || c.rank[i] <= last.rank))
            .unwrap_or(true);
        if starts {
            feeds.push(Feed {
                viewer,
                now: c.now,
                items: Vec::new(),
                sourced: 0,
                filtered: 0,
                explanations: Vec::new(),
                work: Default::default(),
            });
        }
        let item = FeedItem {
            post: PostId(c.post[i]),
            rank: c.rank[i],
            score: c.score[i],
            source: u16::try_from(c.source[i]).unwrap_or(u16::MAX),
        };
        feeds.last_mut().expect("a feed was started").items.push(item);
    }
    if feeds.len() == c.feeds {
        return Ok(feeds);
    }
    let increasing = feeds.windows(2).all(|w| w[0].viewer < w[1].viewer);
    if c.feeds == ds.user_count() && increasing {
        // Ranked for every user in dataset order: the missing viewers are the empty feeds.
        let mut full: Vec<Feed> = every_user(ds)
            .into_iter()
            .map(|viewer| Feed {
                viewer,
                now: c.now,
                items: Vec::new(),
                sourced: 0,
                filtered: 0,
                explanations: Vec::new(),
                work: Default::default(),
            })
            .collect();
        for feed in feeds {
            let i = feed.viewer.index();
            full[i] = feed;
        }
        return Ok(full);
    }
    Err(crate::Error::argument(
        name,
        format!(
            "{} of these {} feeds are empty, and a Feeds object does not record the viewers of empty \
             feeds unless every user was ranked in dataset order; pass the Pipeline instead (with \
             viewers=...) so the audit ranks it itself",
            c.feeds - feeds.len(),
            c.feeds
        ),
    ))
}

/// One resolved list of feeds, with the pipeline that ranked it.
struct Resolved {
    feeds: Vec<Feed>,
    name: String,
    fingerprint: String,
}

/// Turns feed arguments into feeds: checks and unpacks every `Feeds`, then ranks every
/// pipeline (run without the GIL).
fn resolve(
    ds: &Arc<Dataset>,
    sources: &[(&str, Source<'_>)],
    ranking: &Ranking,
) -> crate::Result<Vec<Resolved>> {
    let mut out: Vec<Option<Resolved>> = Vec::with_capacity(sources.len());
    let mut first: Option<(Vec<UserId>, i64)> = None;
    for (name, s) in sources {
        match s {
            Source::Ranked(f) => {
                if !Arc::ptr_eq(&f.ds, ds) && *f.ds != **ds {
                    return Err(crate::Error::argument(
                        name,
                        "these feeds were ranked on another dataset than `ds`",
                    ));
                }
                let feeds = unpack(ds, &f.columns, name)?;
                if first.is_none() {
                    first = Some((feeds.iter().map(|f| f.viewer).collect(), f.columns.now));
                }
                out.push(Some(Resolved {
                    feeds,
                    name: f.pipeline.name().to_string(),
                    fingerprint: f.pipeline.fingerprint().to_string(),
                }));
            }
            Source::Rank(_) => out.push(None),
        }
    }
    let ranks = sources.iter().any(|(_, s)| matches!(s, Source::Rank(_)));
    if !ranks {
        let given = [
            ("viewers", ranking.viewers.is_some()),
            ("feed_k", ranking.k.is_some()),
            ("now", ranking.now.is_some()),
        ];
        if let Some((param, _)) = given.iter().find(|(_, g)| *g) {
            return Err(crate::Error::argument(
                param,
                "applies only when a pipeline is given; these feeds are already ranked",
            ));
        }
    }
    let (default_viewers, default_now) = match first {
        Some((v, now)) => (Some(v), Some(now)),
        None => (None, None),
    };
    let viewers: Vec<UserId> = match (&ranking.viewers, default_viewers) {
        (Some(v), _) => v.clone(),
        (None, Some(v)) => v,
        (None, None) if ranks => every_user(ds),
        (None, None) => Vec::new(),
    };
    let options = ranking.options(default_now);
    for ((_, s), slot) in sources.iter().zip(out.iter_mut()) {
        if let Source::Rank(p) = s {
            *slot = Some(Resolved {
                feeds: p.rank_all(ds, &viewers, &options)?,
                name: p.name().to_string(),
                fingerprint: p.fingerprint().to_string(),
            });
        }
    }
    Ok(out.into_iter().map(|r| r.expect("every source resolved")).collect())
}

/// Parses the impression model: `log`, `topk` (cut-off `k`; default every item) or `rbp`
/// (persistence `gamma`; default 0.9).
fn impression_model(model: &str, k: Option<i64>, gamma: Option<f64>) -> PyResult<ImpressionModel> {
    let model = match model {
        "log" | "logarithmic" => {
            if k.is_some() || gamma.is_some() {
                let name = if k.is_some() { "k" } else { "gamma" };
                return Err(argument(name, "applies only to model=\"topk\" (k) or model=\"rbp\" (gamma)"));
            }
            ImpressionModel::Logarithmic
        }
        "topk" | "top_k" => {
            if gamma.is_some() {
                return Err(argument("gamma", "applies only to model=\"rbp\""));
            }
            match k {
                None => ImpressionModel::TopK { k: u32::MAX },
                Some(k) if k >= 1 => ImpressionModel::TopK { k: u32::try_from(k).unwrap_or(u32::MAX) },
                Some(k) => return Err(argument("k", format!("must be at least 1, got {k}"))),
            }
        }
        "rbp" | "rank_biased" => {
            if k.is_some() {
                return Err(argument("k", "applies only to model=\"topk\""));
            }
            ImpressionModel::RankBiased { gamma: gamma.unwrap_or(0.9) }
        }
        other => return Err(argument("model", format!("`{other}` is not one of log, topk, rbp"))),
    };
    model.validate().py_err()?;
    Ok(model)
}

/// A non-negative count given from Python.
fn count(value: i128, name: &str) -> PyResult<usize> {
    usize::try_from(value).map_err(|_| argument(name, format!("must be a non-negative integer, got {value}")))
}

fn seed(value: i128) -> PyResult<u64> {
    u64::try_from(value).map_err(|_| argument("seed", format!("{value} is not in [0, 2**64)")))
}

/// `None` → NaN, for numpy columns.
fn nan(values: impl IntoIterator<Item = Option<f64>>) -> Vec<f64> {
    values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect()
}

fn viewer_names<'a>(ds: &'a Dataset, feeds: &[Feed]) -> Vec<&'a str> {
    feeds.iter().map(|f| ds.user_name(f.viewer)).collect()
}

/// The result of one treatment in [`audit_amplification`].
struct Amplification {
    treatment: String,
    treatment_fingerprint: String,
    viewers: usize,
    groups: Vec<GroupAmplification>,
    authors: Vec<AuthorAmplification>,
    summaries: Vec<IndividualSummary>,
    gap: Option<PermutationTest>,
}

/// Algorithmic amplification (Huszár et al. 2022) of each treatment over `control`,
/// paired on the same viewers: a list with one dict per treatment holding ``treatment``,
/// ``treatment_fingerprint``, ``control``, ``control_fingerprint``, ``viewers``,
/// ``config``, ``groups`` (list of dicts: ``group``, ``reach_treatment``,
/// ``reach_control``, ``amplification``, ``ci_low``, ``ci_high``, ``authors``),
/// ``authors`` (columns: ``author``, ``group`` lists; ``reach_treatment``,
/// ``reach_control``, ``amplification`` float64 arrays), ``summaries`` (list of dicts)
/// and ``gap`` (permutation test between groups ``gap`` or, by default, the two groups
/// when there are exactly two; else None).
#[pyfunction]
#[pyo3(signature = (
    ds, treatments, control, viewers = None, model = "log", k = None, gamma = None,
    attr = "viewpoint", bootstrap = 1000, seed = 0, confidence = 0.95, permutations = 1000,
    gap = None, feed_k = None, now = None
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn audit_amplification<'py>(
    py: Python<'py>,
    ds: &Bound<'py, PyDataset>,
    treatments: Vec<Bound<'py, PyAny>>,
    control: &Bound<'py, PyAny>,
    viewers: Option<&Bound<'py, PyAny>>,
    model: &str,
    k: Option<i64>,
    gamma: Option<f64>,
    attr: &str,
    bootstrap: i128,
    seed: i128,
    confidence: f64,
    permutations: i128,
    gap: Option<(String, String)>,
    feed_k: Option<i64>,
    now: Option<i64>,
) -> PyResult<Bound<'py, PyList>> {
    let ds = ds.get().inner.clone();
    let cfg = AmplificationConfig {
        model: impression_model(model, k, gamma)?,
        attr: attr.to_string(),
        bootstrap: count(bootstrap, "bootstrap")?,
        seed: self::seed(seed)?,
        confidence,
        permutations: count(permutations, "permutations")?,
    };
    cfg.validate().py_err()?;
    if treatments.is_empty() {
        return Err(argument("treatment", "give at least one pipeline or Feeds"));
    }
    let ranking = Ranking::new(&ds, viewers, feed_k, now)?;
    let mut sources = vec![("control", source(control, "control")?)];
    for t in &treatments {
        sources.push(("treatment", source(t, "treatment")?));
    }
    let (control, results) = py
        .allow_threads(|| -> crate::Result<_> {
            let mut resolved = resolve(&ds, &sources, &ranking)?.into_iter();
            let control = resolved.next().expect("the control is resolved");
            let mut results = Vec::new();
            for t in resolved {
                let groups = audit::group_amplification(&ds, &t.feeds, &control.feeds, &cfg)?;
                let authors = audit::individual_amplification(&ds, &t.feeds, &control.feeds, &cfg)?;
                let summaries = audit::individual_summary(&authors);
                let gap = match (&gap, summaries.as_slice()) {
                    (Some((a, b)), _) => Some(audit::amplification_gap_test(&authors, a, b, &cfg)?),
                    (None, [a, b]) => {
                        Some(audit::amplification_gap_test(&authors, &a.group, &b.group, &cfg)?)
                    }
                    (None, _) => None,
                };
                results.push(Amplification {
                    treatment: t.name,
                    treatment_fingerprint: t.fingerprint,
                    viewers: t.feeds.len(),
                    groups,
                    authors,
                    summaries,
                    gap,
                });
            }
            Ok((control, results))
        })
        .py_err()?;
    let list = PyList::empty(py);
    for r in results {
        let d = PyDict::new(py);
        d.set_item("treatment", &r.treatment)?;
        d.set_item("treatment_fingerprint", &r.treatment_fingerprint)?;
        d.set_item("control", &control.name)?;
        d.set_item("control_fingerprint", &control.fingerprint)?;
        d.set_item("viewers", r.viewers)?;
        d.set_item("config", to_python(py, &cfg)?)?;
        d.set_item("groups", to_python(py, &r.groups)?)?;
        let a = &r.authors;
        let authors = PyDict::new(py);
        authors.set_item("author", a.iter().map(|x| x.author.as_str()).collect::<Vec<_>>())?;
        authors.set_item("group", a.iter().map(|x| x.group.as_str()).collect::<Vec<_>>())?;
        authors.set_item("reach_treatment", PyArray1::from_iter(py, a.iter().map(|x| x.reach_treatment)))?;
        authors.set_item("reach_control", PyArray1::from_iter(py, a.iter().map(|x| x.reach_control)))?;
        authors.set_item("amplification", PyArray1::from_iter(py, a.iter().map(|x| x.amplification)))?;
        d.set_item("authors", authors)?;
        d.set_item("summaries", to_python(py, &r.summaries)?)?;
        d.set_item("gap", to_python(py, &r.gap)?)?;
        list.append(d)?;
    }
    Ok(list)
}

/// Position-weighted exposure of every author (every user with at least one post, in
/// dataset order): a dict with ``author`` and ``group`` (lists), ``posts`` (int64) and
/// ``exposure`` (float64) arrays, ``gini`` (over those authors), ``pipeline``,
/// ``fingerprint`` and ``model``.
#[pyfunction]
#[pyo3(signature = (
    ds, feeds, model = "log", k = None, gamma = None, attr = "viewpoint",
    viewers = None, feed_k = None, now = None
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn audit_exposure<'py>(
    py: Python<'py>,
    ds: &Bound<'py, PyDataset>,
    feeds: &Bound<'py, PyAny>,
    model: &str,
    k: Option<i64>,
    gamma: Option<f64>,
    attr: &str,
    viewers: Option<&Bound<'py, PyAny>>,
    feed_k: Option<i64>,
    now: Option<i64>,
) -> PyResult<Bound<'py, PyDict>> {
    let ds = ds.get().inner.clone();
    let model = impression_model(model, k, gamma)?;
    let ranking = Ranking::new(&ds, viewers, feed_k, now)?;
    let sources = [("feeds", source(feeds, "feeds")?)];
    let (r, exposure, gini) = py
        .allow_threads(|| -> crate::Result<_> {
            let r = resolve(&ds, &sources, &ranking)?.pop().expect("one source");
            let exposure = audit::exposure_by_author(&ds, &r.feeds, model);
            let gini = audit::author_exposure_gini(&ds, &r.feeds, model);
            Ok((r, exposure, gini))
        })
        .py_err()?;
    let authors: Vec<UserId> = every_user(&ds).into_iter().filter(|&u| ds.posts_by(u).len() > 0).collect();
    let d = PyDict::new(py);
    d.set_item("author", authors.iter().map(|&u| ds.user_name(u)).collect::<Vec<_>>())?;
    d.set_item("group", authors.iter().map(|&u| audit::group_of(&ds, u, attr)).collect::<Vec<_>>())?;
    d.set_item("posts", PyArray1::from_iter(py, authors.iter().map(|&u| ds.posts_by(u).len() as i64)))?;
    d.set_item("exposure", PyArray1::from_iter(py, authors.iter().map(|&u| exposure[u.index()])))?;
    d.set_item("gini", gini)?;
    d.set_item("pipeline", r.name)?;
    d.set_item("fingerprint", r.fingerprint)?;
    d.set_item("model", to_python(py, &model)?)?;
    Ok(d)
}

/// The Gini coefficient of non-negative, finite values (0 = equal; `(n − 1)/n` = one
/// holds everything; 0 for no values or all zeros).
#[pyfunction]
pub(crate) fn audit_gini(py: Python<'_>, values: PyReadonlyArray1<'_, f64>) -> PyResult<f64> {
    let values = values.as_array();
    if let Some(bad) = values.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
        return Err(argument("values", format!("must be finite and non-negative, got {bad}")));
    }
    let values: Vec<f64> = values.iter().copied().collect();
    Ok(py.allow_threads(|| audit::gini(&values)))
}

/// Each group's share of exposure and of posts (list of dicts: ``group``,
/// ``exposure_share``, ``post_share``, ``parity``), sorted by group.
#[pyfunction]
#[pyo3(signature = (
    ds, feeds, model = "log", k = None, gamma = None, attr = "viewpoint",
    viewers = None, feed_k = None, now = None
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn audit_group_shares<'py>(
    py: Python<'py>,
    ds: &Bound<'py, PyDataset>,
    feeds: &Bound<'py, PyAny>,
    model: &str,
    k: Option<i64>,
    gamma: Option<f64>,
    attr: &str,
    viewers: Option<&Bound<'py, PyAny>>,
    feed_k: Option<i64>,
    now: Option<i64>,
) -> PyResult<Bound<'py, PyAny>> {
    let ds = ds.get().inner.clone();
    let model = impression_model(model, k, gamma)?;
    let ranking = Ranking::new(&ds, viewers, feed_k, now)?;
    let sources = [("feeds", source(feeds, "feeds")?)];
    let shares = py
        .allow_threads(|| -> crate::Result<_> {
            let r = resolve(&ds, &sources, &ranking)?.pop().expect("one source");
            Ok(audit::group_shares(&ds, &r.feeds, model, attr))
        })
        .py_err()?;
    to_python(py, &shares)
}

/// Per-feed values with their viewers and a distribution summary.
fn per_feed<'py>(
    py: Python<'py>,
    ds: &Dataset,
    r: &Resolved,
    column: &str,
    values: Vec<Option<f64>>,
    summary: &Distribution,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("viewer", viewer_names(ds, &r.feeds))?;
    d.set_item(column, PyArray1::from_vec(py, nan(values)))?;
    d.set_item("summary", to_python(py, summary)?)?;
    d.set_item("pipeline", &r.name)?;
    d.set_item("fingerprint", &r.fingerprint)?;
    Ok(d)
}

/// Per feed, the share of items whose author's `attr` differs from the viewer's: a dict
/// with ``viewer`` (list), ``share`` (float64, NaN for an empty feed or a viewer without
/// the attribute), ``summary`` (distribution: count, undefined, mean, quartiles, 10
/// bins over [0, 1]), ``pipeline`` and ``fingerprint``.
#[pyfunction]
#[pyo3(signature = (ds, feeds, attr = "viewpoint", viewers = None, feed_k = None, now = None))]
pub(crate) fn audit_cross_cutting<'py>(
    py: Python<'py>,
    ds: &Bound<'py, PyDataset>,
    feeds: &Bound<'py, PyAny>,
    attr: &str,
    viewers: Option<&Bound<'py, PyAny>>,
    feed_k: Option<i64>,
    now: Option<i64>,
) -> PyResult<Bound<'py, PyDict>> {
    let ds = ds.get().inner.clone();
    let ranking = Ranking::new(&ds, viewers, feed_k, now)?;
    let sources = [("feeds", source(feeds, "feeds")?)];
    let (r, shares, summary) = py
        .allow_threads(|| -> crate::Result<_> {
            let r = resolve(&ds, &sources, &ranking)?.pop().expect("one source");
            let shares = audit::cross_cutting_shares(&ds, &r.feeds, attr);
            let summary = audit::cross_cutting_summary(&ds, &r.feeds, attr);
            Ok((r, shares, summary))
        })
        .py_err()?;
    per_feed(py, &ds, &r, "share", shares, &summary)
}

/// Per feed, the normalised entropy of its authors `H / ln n`: a dict with ``viewer``,
/// ``diversity`` (float64, NaN for feeds of fewer than two items), ``summary``,
/// ``pipeline`` and ``fingerprint``.
#[pyfunction]
#[pyo3(signature = (ds, feeds, viewers = None, feed_k = None, now = None))]
pub(crate) fn audit_source_diversity<'py>(
    py: Python<'py>,
    ds: &Bound<'py, PyDataset>,
    feeds: &Bound<'py, PyAny>,
    viewers: Option<&Bound<'py, PyAny>>,
    feed_k: Option<i64>,
    now: Option<i64>,
) -> PyResult<Bound<'py, PyDict>> {
    let ds = ds.get().inner.clone();
    let ranking = Ranking::new(&ds, viewers, feed_k, now)?;
    let sources = [("feeds", source(feeds, "feeds")?)];
    let (r, diversity) = py
        .allow_threads(|| -> crate::Result<_> {
            let r = resolve(&ds, &sources, &ranking)?.pop().expect("one source");
            let diversity = audit::source_diversity(&ds, &r.feeds);
            Ok((r, diversity))
        })
        .py_err()?;
    per_feed(py, &ds, &r, "diversity", diversity.per_feed, &diversity.summary)
}

/// Per viewer, mean popularity of the feed over mean popularity of the posts the viewer
/// engaged with: a dict with ``viewer``, ``bias`` (float64, NaN where undefined),
/// ``mean``, ``defined``, ``pipeline`` and ``fingerprint``.
#[pyfunction]
#[pyo3(signature = (ds, feeds, viewers = None, feed_k = None, now = None))]
pub(crate) fn audit_popularity_bias<'py>(
    py: Python<'py>,
    ds: &Bound<'py, PyDataset>,
    feeds: &Bound<'py, PyAny>,
    viewers: Option<&Bound<'py, PyAny>>,
    feed_k: Option<i64>,
    now: Option<i64>,
) -> PyResult<Bound<'py, PyDict>> {
    let ds = ds.get().inner.clone();
    let ranking = Ranking::new(&ds, viewers, feed_k, now)?;
    let sources = [("feeds", source(feeds, "feeds")?)];
    let (r, bias) = py
        .allow_threads(|| -> crate::Result<_> {
            let r = resolve(&ds, &sources, &ranking)?.pop().expect("one source");
            let bias = audit::popularity_bias(&ds, &r.feeds);
            Ok((r, bias))
        })
        .py_err()?;
    let d = PyDict::new(py);
    d.set_item("viewer", viewer_names(&ds, &r.feeds))?;
    d.set_item("bias", PyArray1::from_vec(py, nan(bias.per_viewer)))?;
    d.set_item("mean", bias.mean)?;
    d.set_item("defined", bias.defined)?;
    d.set_item("pipeline", r.name)?;
    d.set_item("fingerprint", r.fingerprint)?;
    Ok(d)
}

/// Per viewer, Kendall's τ-b over the union and extrapolated rank-biased overlap between
/// feeds `a` and `b` (same viewers, same order): a dict with ``viewer`` (list),
/// ``kendall_tau`` (float64, NaN where undefined), ``rbo`` (float64), ``overlap``,
/// ``len_a``, ``len_b`` (int64), ``p``, ``mean_kendall_tau``, ``mean_rbo``,
/// ``identical``, ``a``, ``a_fingerprint``, ``b``, ``b_fingerprint``.
#[pyfunction]
#[pyo3(signature = (ds, a, b, p = 0.9, viewers = None, feed_k = None, now = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn audit_diff<'py>(
    py: Python<'py>,
    ds: &Bound<'py, PyDataset>,
    a: &Bound<'py, PyAny>,
    b: &Bound<'py, PyAny>,
    p: f64,
    viewers: Option<&Bound<'py, PyAny>>,
    feed_k: Option<i64>,
    now: Option<i64>,
) -> PyResult<Bound<'py, PyDict>> {
    let ds = ds.get().inner.clone();
    let ranking = Ranking::new(&ds, viewers, feed_k, now)?;
    let sources = [("a", source(a, "a")?), ("b", source(b, "b")?)];
    let (ra, rb, diff): (Resolved, Resolved, FeedDiff) = py
        .allow_threads(|| -> crate::Result<_> {
            let mut r = resolve(&ds, &sources, &ranking)?;
            let rb = r.pop().expect("two sources");
            let ra = r.pop().expect("two sources");
            let diff = audit::diff_feeds(&ds, &ra.feeds, &rb.feeds, p)?;
            Ok((ra, rb, diff))
        })
        .py_err()?;
    let v = &diff.per_viewer;
    let d = PyDict::new(py);
    d.set_item("viewer", v.iter().map(|x| x.viewer.as_str()).collect::<Vec<_>>())?;
    d.set_item("kendall_tau", PyArray1::from_vec(py, nan(v.iter().map(|x| x.kendall_tau))))?;
    d.set_item("rbo", PyArray1::from_iter(py, v.iter().map(|x| x.rbo)))?;
    d.set_item("overlap", PyArray1::from_iter(py, v.iter().map(|x| x.overlap as i64)))?;
    d.set_item("len_a", PyArray1::from_iter(py, v.iter().map(|x| x.len_a as i64)))?;
    d.set_item("len_b", PyArray1::from_iter(py, v.iter().map(|x| x.len_b as i64)))?;
    d.set_item("p", diff.p)?;
    d.set_item("mean_kendall_tau", diff.mean_kendall_tau)?;
    d.set_item("mean_rbo", diff.mean_rbo)?;
    d.set_item("identical", diff.identical)?;
    d.set_item("a", ra.name)?;
    d.set_item("a_fingerprint", ra.fingerprint)?;
    d.set_item("b", rb.name)?;
    d.set_item("b_fingerprint", rb.fingerprint)?;
    Ok(d)
}

/// Which stages account for the difference between pipelines `a` and `b`: `a` is edited
/// towards `b` one stage at a time and each edit's gain in mean RBO is measured; the
/// `StageAttribution` as a dict (``edits``: role, stage, change, from, to, mean_rbo,
/// rbo_gain, note).
#[pyfunction]
#[pyo3(signature = (ds, a, b, viewers = None, p = 0.9, feed_k = None, now = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn audit_stage_attribution<'py>(
    py: Python<'py>,
    ds: &Bound<'py, PyDataset>,
    a: &Bound<'py, PyAny>,
    b: &Bound<'py, PyAny>,
    viewers: Option<&Bound<'py, PyAny>>,
    p: f64,
    feed_k: Option<i64>,
    now: Option<i64>,
) -> PyResult<Bound<'py, PyAny>> {
    let ds = ds.get().inner.clone();
    let (a, b) = (pipeline_arg(a, "a")?, pipeline_arg(b, "b")?);
    let ranking = Ranking::new(&ds, viewers, feed_k, now)?;
    let viewers = ranking.viewers.clone().unwrap_or_else(|| every_user(&ds));
    let options = ranking.options(None);
    let report =
        py.allow_threads(|| audit::stage_attribution(&ds, &a, &b, &viewers, &options, p)).py_err()?;
    to_python(py, &report)
}

/// Metamorphic neutrality check: users' audit attributes are permuted (seeded) and every
/// viewer's feed re-ranked; the `NeutralityReport` as a dict (``passed``,
/// ``violations``, ``declared_attribute_readers``, ``stage_inputs``, …).
#[pyfunction]
#[pyo3(signature = (ds, pipeline, viewers = None, seed = 0))]
pub(crate) fn audit_neutrality<'py>(
    py: Python<'py>,
    ds: &Bound<'py, PyDataset>,
    pipeline: &Bound<'py, PyAny>,
    viewers: Option<&Bound<'py, PyAny>>,
    seed: i128,
) -> PyResult<Bound<'py, PyAny>> {
    let ds = ds.get().inner.clone();
    let pipeline = pipeline_arg(pipeline, "pipeline")?;
    let viewers = viewer_list(&ds, viewers)?.unwrap_or_else(|| every_user(&ds));
    let seed = self::seed(seed)?;
    let report = py.allow_threads(|| audit::neutrality_check(&ds, &pipeline, &viewers, seed)).py_err()?;
    to_python(py, &report)
}

/// Non-profiling check (DSA Art. 38): viewers' engagement histories are reassigned
/// (seeded) so that only their own history changes; the `NonProfilingReport` as a dict
/// (``passed``, ``violations``, ``history_readers``, …).
#[pyfunction]
#[pyo3(signature = (ds, pipeline, viewers = None, seed = 0))]
pub(crate) fn audit_non_profiling<'py>(
    py: Python<'py>,
    ds: &Bound<'py, PyDataset>,
    pipeline: &Bound<'py, PyAny>,
    viewers: Option<&Bound<'py, PyAny>>,
    seed: i128,
) -> PyResult<Bound<'py, PyAny>> {
    let ds = ds.get().inner.clone();
    let pipeline = pipeline_arg(pipeline, "pipeline")?;
    let viewers = viewer_list(&ds, viewers)?.unwrap_or_else(|| every_user(&ds));
    let seed = self::seed(seed)?;
    let report = py.allow_threads(|| audit::non_profiling_check(&ds, &pipeline, &viewers, seed)).py_err()?;
    to_python(py, &report)
}

/// Transparency report (DSA Art. 27) of a pipeline measured over `viewers`:
/// ``(markdown, report_dict)``.
#[pyfunction]
#[pyo3(signature = (ds, pipeline, viewers = None, feed_k = None, now = None))]
pub(crate) fn audit_transparency<'py>(
    py: Python<'py>,
    ds: &Bound<'py, PyDataset>,
    pipeline: &Bound<'py, PyAny>,
    viewers: Option<&Bound<'py, PyAny>>,
    feed_k: Option<i64>,
    now: Option<i64>,
) -> PyResult<(String, Bound<'py, PyAny>)> {
    let ds = ds.get().inner.clone();
    let pipeline = pipeline_arg(pipeline, "pipeline")?;
    let ranking = Ranking::new(&ds, viewers, feed_k, now)?;
    let viewers = ranking.viewers.clone().unwrap_or_else(|| every_user(&ds));
    let options = ranking.options(None);
    let report =
        py.allow_threads(|| audit::transparency_report(&ds, &pipeline, &viewers, &options)).py_err()?;
    Ok((report.to_markdown(), to_python(py, &report)?))
}

/// Registers the `audit_*` functions on `glassfeed._core`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(audit_amplification, m)?)?;
    m.add_function(wrap_pyfunction!(audit_exposure, m)?)?;
    m.add_function(wrap_pyfunction!(audit_gini, m)?)?;
    m.add_function(wrap_pyfunction!(audit_group_shares, m)?)?;
    m.add_function(wrap_pyfunction!(audit_cross_cutting, m)?)?;
    m.add_function(wrap_pyfunction!(audit_source_diversity, m)?)?;
    m.add_function(wrap_pyfunction!(audit_popularity_bias, m)?)?;
    m.add_function(wrap_pyfunction!(audit_diff, m)?)?;
    m.add_function(wrap_pyfunction!(audit_stage_attribution, m)?)?;
    m.add_function(wrap_pyfunction!(audit_neutrality, m)?)?;
    m.add_function(wrap_pyfunction!(audit_non_profiling, m)?)?;
    m.add_function(wrap_pyfunction!(audit_transparency, m)?)?;
    Ok(())
}

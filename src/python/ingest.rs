//! `Dataset.from_pandas`: the cells of pandas frames to records for the
//! [`DatasetBuilder`], with the same checks as the JSON Lines reader.
//!
//! The pure-Python helper `glassfeed._frames.frame_columns` turns each frame into a dict
//! of column name → list of cells, with every missing value (None, NaN, NA, NaT) as
//! `None` and datetime columns as unix seconds. This module reads those cells one by one;
//! a cell of the wrong type is a `DataError` naming the frame, the 0-based row and the
//! column, e.g. ``posts frame row 3: field `created_at`: expected an integer …``.

use super::convert::frames_helper;
use super::errors::{to_py, IntoPy};
use crate::model::{EdgeKind, EngagementKind};
use crate::{Dataset, DatasetBuilder, EngagementRecord, Error, ErrorKind, Location, PostRecord, UserRecord};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyString};
use std::collections::BTreeMap;

type Cell<'py> = Bound<'py, PyAny>;

fn malformed(at: &Location, field: &str, message: impl Into<String>) -> Error {
    ErrorKind::Malformed { at: at.clone(), field: field.to_string(), message: message.into() }.into()
}

fn type_name(cell: &Cell<'_>) -> String {
    cell.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "object".into())
}

fn wrong_type(cell: &Cell<'_>, at: &Location, field: &str, expected: &str) -> Error {
    let shown = cell.repr().map(|r| r.to_string()).unwrap_or_default();
    let shown: String = shown.chars().take(40).collect();
    malformed(at, field, format!("expected {expected}, got {} {shown}", type_name(cell)))
}

fn opt_str(cell: &Cell<'_>, at: &Location, field: &str) -> crate::Result<Option<String>> {
    if cell.is_none() {
        return Ok(None);
    }
    match cell.downcast::<PyString>() {
        Ok(s) => Ok(Some(s.to_string())),
        Err(_) => Err(wrong_type(cell, at, field, "a string")),
    }
}

fn req_str(cell: &Cell<'_>, at: &Location, field: &str) -> crate::Result<String> {
    opt_str(cell, at, field)?.ok_or_else(|| malformed(at, field, "missing value"))
}

fn is_text_or_bool(cell: &Cell<'_>) -> bool {
    cell.is_instance_of::<PyBool>() || cell.is_instance_of::<PyString>()
}

fn req_int(cell: &Cell<'_>, at: &Location, field: &str) -> crate::Result<i64> {
    if cell.is_none() {
        return Err(malformed(at, field, "missing value"));
    }
    if is_text_or_bool(cell) {
        return Err(wrong_type(cell, at, field, "an integer (unix seconds)"));
    }
    if let Ok(v) = cell.extract::<i64>() {
        return Ok(v);
    }
    match cell.extract::<f64>() {
        // Whole floats are accepted: pandas turns an integer column with gaps into floats.
        Ok(v) if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.2e18 => Ok(v as i64),
        _ => Err(wrong_type(cell, at, field, "an integer (unix seconds)")),
    }
}

fn opt_float(cell: &Cell<'_>, at: &Location, field: &str) -> crate::Result<Option<f64>> {
    if cell.is_none() {
        return Ok(None);
    }
    if is_text_or_bool(cell) {
        return Err(wrong_type(cell, at, field, "a number"));
    }
    match cell.extract::<f64>() {
        Ok(v) if v.is_nan() => Ok(None),
        Ok(v) if v.is_finite() => Ok(Some(v)),
        Ok(v) => Err(malformed(at, field, format!("not a finite number ({v})"))),
        Err(_) => Err(wrong_type(cell, at, field, "a number")),
    }
}

fn str_list(cell: &Cell<'_>, at: &Location, field: &str) -> crate::Result<Vec<String>> {
    if cell.is_none() {
        return Ok(Vec::new());
    }
    let expected = "a list of strings";
    if cell.is_instance_of::<PyString>() || cell.is_instance_of::<PyDict>() {
        return Err(wrong_type(cell, at, field, expected));
    }
    let Ok(items) = cell.try_iter() else { return Err(wrong_type(cell, at, field, expected)) };
    let mut out = Vec::new();
    for (i, item) in items.enumerate() {
        let item = item.map_err(|_| wrong_type(cell, at, field, expected))?;
        out.push(req_str(&item, at, &format!("{field}[{i}]"))?);
    }
    Ok(out)
}

/// A dict cell; `value` reads each value (returning `None` to skip it).
fn map<T>(
    cell: &Cell<'_>,
    at: &Location,
    field: &str,
    out: &mut BTreeMap<String, T>,
    value: impl Fn(&Cell<'_>, &Location, &str) -> crate::Result<Option<T>>,
) -> crate::Result<()> {
    if cell.is_none() {
        return Ok(());
    }
    let Ok(dict) = cell.downcast::<PyDict>() else { return Err(wrong_type(cell, at, field, "a dict")) };
    for (k, v) in dict.iter() {
        let Ok(key) = k.downcast::<PyString>() else {
            return Err(wrong_type(&k, at, field, "string keys"));
        };
        let key = key.to_string();
        let path = format!("{field}.{key}");
        if let Some(v) = value(&v, at, &path)? {
            out.insert(key, v);
        }
    }
    Ok(())
}

/// One frame as column name → list of cells.
struct Frame<'py> {
    name: &'static str,
    rows: usize,
    columns: BTreeMap<String, Bound<'py, PyList>>,
}

impl<'py> Frame<'py> {
    fn load(frame: &Bound<'py, PyAny>, name: &'static str) -> PyResult<Self> {
        let py = frame.py();
        let (rows, dict): (usize, Bound<'py, PyDict>) =
            frames_helper(py, "frame_columns")?.call1((frame, name))?.extract()?;
        let mut columns = BTreeMap::new();
        for (k, v) in dict.iter() {
            columns.insert(k.extract::<String>()?, v.downcast_into::<PyList>()?);
        }
        Ok(Frame { name, rows, columns })
    }

    fn required(&self, column: &str) -> PyResult<&Bound<'py, PyList>> {
        self.columns.get(column).ok_or_else(|| {
            let have: Vec<&str> = self.columns.keys().map(String::as_str).collect();
            super::errors::DataError::new_err(format!(
                "{}: missing column `{column}` (columns: {})",
                self.name,
                if have.is_empty() { "none".to_string() } else { have.join(", ") }
            ))
        })
    }

    fn optional(&self, column: &str) -> Option<&Bound<'py, PyList>> {
        self.columns.get(column)
    }

    /// Columns named `prefix` + key, as (key, column name, cells).
    fn prefixed(&self, prefix: &str) -> Vec<(String, &str, &Bound<'py, PyList>)> {
        self.columns
            .iter()
            .filter_map(|(name, cells)| {
                let key = name.strip_prefix(prefix)?;
                (!key.is_empty()).then(|| (key.to_string(), name.as_str(), cells))
            })
            .collect()
    }

    fn at(&self, row: usize) -> Location {
        Location { source: self.name.to_string(), unit: "row", index: row as u64 }
    }
}

fn cell<'py>(column: &Bound<'py, PyList>, row: usize) -> PyResult<Cell<'py>> {
    column.get_item(row)
}

fn cell_or_none<'py>(
    column: Option<&Bound<'py, PyList>>,
    row: usize,
    py: Python<'py>,
) -> PyResult<Cell<'py>> {
    match column {
        Some(c) => c.get_item(row),
        None => Ok(py.None().into_bound(py)),
    }
}

/// Merges `prefix*` columns into a map read from a dict column, refusing a key given twice.
fn merge_prefixed<T>(
    prefixed: &[(String, &str, &Bound<'_, PyList>)],
    row: usize,
    at: &Location,
    dict_field: &str,
    out: &mut BTreeMap<String, T>,
    value: impl Fn(&Cell<'_>, &Location, &str) -> crate::Result<Option<T>>,
) -> PyResult<()> {
    for (key, column, cells) in prefixed {
        if let Some(v) = value(&cell(cells, row)?, at, column).py_err()? {
            if out.insert(key.clone(), v).is_some() {
                return Err(to_py(malformed(at, column, format!("`{key}` is also given in `{dict_field}`"))));
            }
        }
    }
    Ok(())
}

fn edge_kind(s: &str, at: &Location) -> crate::Result<EdgeKind> {
    EdgeKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
        malformed(at, "kind", format!("unknown variant `{s}`, expected one of `follow`, `mute`, `block`"))
    })
}

fn engagement_kind(s: &str, at: &Location) -> crate::Result<EngagementKind> {
    EngagementKind::parse(s).ok_or_else(|| {
        let names: Vec<String> = EngagementKind::ALL.iter().map(|k| format!("`{}`", k.as_str())).collect();
        malformed(at, "kind", format!("unknown variant `{s}`, expected one of {}", names.join(", ")))
    })
}

fn add_users(b: &mut DatasetBuilder, f: &Frame<'_>, py: Python<'_>) -> PyResult<()> {
    let id = f.required("id")?;
    let (attrs, muted, hidden) =
        (f.optional("attrs"), f.optional("muted_words"), f.optional("hidden_labels"));
    let attr_columns = f.prefixed("attr_");
    for row in 0..f.rows {
        let at = f.at(row);
        let mut user = UserRecord { id: req_str(&cell(id, row)?, &at, "id").py_err()?, ..Default::default() };
        map(&cell_or_none(attrs, row, py)?, &at, "attrs", &mut user.attrs, opt_str).py_err()?;
        merge_prefixed(&attr_columns, row, &at, "attrs", &mut user.attrs, opt_str)?;
        user.muted_words = str_list(&cell_or_none(muted, row, py)?, &at, "muted_words").py_err()?;
        user.hidden_labels = str_list(&cell_or_none(hidden, row, py)?, &at, "hidden_labels").py_err()?;
        b.add_user_at(&user, &at).py_err()?;
    }
    Ok(())
}

fn add_graph(b: &mut DatasetBuilder, f: &Frame<'_>) -> PyResult<()> {
    let (src, dst, kind) = (f.required("src")?, f.required("dst")?, f.required("kind")?);
    for row in 0..f.rows {
        let at = f.at(row);
        let s = req_str(&cell(src, row)?, &at, "src").py_err()?;
        let d = req_str(&cell(dst, row)?, &at, "dst").py_err()?;
        let k = req_str(&cell(kind, row)?, &at, "kind").py_err()?;
        b.add_edge_at(&s, &d, edge_kind(&k, &at).py_err()?, &at).py_err()?;
    }
    Ok(())
}

fn add_posts(b: &mut DatasetBuilder, f: &Frame<'_>, py: Python<'_>) -> PyResult<()> {
    let (id, author, created_at) = (f.required("id")?, f.required("author")?, f.required("created_at")?);
    let opt = |name| f.optional(name);
    let (text, reply_to, repost_of) = (opt("text"), opt("reply_to"), opt("repost_of"));
    let (labels, topics, features) = (opt("labels"), opt("topics"), opt("features"));
    let feature_columns = f.prefixed("feat_");
    for row in 0..f.rows {
        let at = f.at(row);
        let str_at = |column: Option<&Bound<'_, PyList>>, field: &str| -> PyResult<Option<String>> {
            opt_str(&cell_or_none(column, row, py)?, &at, field).py_err()
        };
        let mut post = PostRecord {
            id: req_str(&cell(id, row)?, &at, "id").py_err()?,
            author: req_str(&cell(author, row)?, &at, "author").py_err()?,
            created_at: req_int(&cell(created_at, row)?, &at, "created_at").py_err()?,
            text: str_at(text, "text")?,
            reply_to: str_at(reply_to, "reply_to")?,
            repost_of: str_at(repost_of, "repost_of")?,
            labels: str_list(&cell_or_none(labels, row, py)?, &at, "labels").py_err()?,
            topics: str_list(&cell_or_none(topics, row, py)?, &at, "topics").py_err()?,
            features: BTreeMap::new(),
        };
        map(&cell_or_none(features, row, py)?, &at, "features", &mut post.features, opt_float).py_err()?;
        merge_prefixed(&feature_columns, row, &at, "features", &mut post.features, opt_float)?;
        b.add_post_at(&post, &at).py_err()?;
    }
    Ok(())
}

fn add_engagements(b: &mut DatasetBuilder, f: &Frame<'_>, py: Python<'_>) -> PyResult<()> {
    let (user, post, kind, at_col) =
        (f.required("user")?, f.required("post")?, f.required("kind")?, f.required("at")?);
    let rating = f.optional("rating");
    for row in 0..f.rows {
        let at = f.at(row);
        let kind = req_str(&cell(kind, row)?, &at, "kind").py_err()?;
        let record = EngagementRecord {
            user: req_str(&cell(user, row)?, &at, "user").py_err()?,
            post: req_str(&cell(post, row)?, &at, "post").py_err()?,
            kind: engagement_kind(&kind, &at).py_err()?,
            at: req_int(&cell(at_col, row)?, &at, "at").py_err()?,
            rating: opt_float(&cell_or_none(rating, row, py)?, &at, "rating").py_err()?,
        };
        b.add_engagement_at(&record, &at).py_err()?;
    }
    Ok(())
}

/// Loads an optional frame; `None` when absent or without rows.
fn load_rows<'py>(frame: Option<&Bound<'py, PyAny>>, name: &'static str) -> PyResult<Option<Frame<'py>>> {
    match frame.filter(|f| !f.is_none()) {
        Some(frame) => Ok(Some(Frame::load(frame, name)?).filter(|f| f.rows > 0)),
        None => Ok(None),
    }
}

/// Builds a dataset from pandas frames (users required, the rest optional), strictly.
/// A frame without rows adds nothing (its columns are not checked).
pub(crate) fn from_pandas(
    py: Python<'_>,
    users: &Bound<'_, PyAny>,
    graph: Option<&Bound<'_, PyAny>>,
    posts: Option<&Bound<'_, PyAny>>,
    engagements: Option<&Bound<'_, PyAny>>,
) -> PyResult<Dataset> {
    let mut builder = DatasetBuilder::new();
    add_users(&mut builder, &Frame::load(users, "users frame")?, py)?;
    if let Some(graph) = load_rows(graph, "graph frame")? {
        add_graph(&mut builder, &graph)?;
    }
    if let Some(posts) = load_rows(posts, "posts frame")? {
        add_posts(&mut builder, &posts, py)?;
    }
    if let Some(engagements) = load_rows(engagements, "engagements frame")? {
        add_engagements(&mut builder, &engagements, py)?;
    }
    builder.build().py_err()
}

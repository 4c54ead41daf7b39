//! Streaming JSON Lines reader: one line at a time through a reused buffer, each line
//! parsed with `serde_json` (paths tracked by `serde_path_to_error`) into a record struct
//! and handed to the [`DatasetBuilder`], which checks it.

use super::{io_error, FILES};
use crate::error::Location;
use crate::model::{
    Dataset, DatasetBuilder, EdgeRecord, EngagementRecord, IngestReport, InputLimits, PostRecord, UserRecord,
};
use crate::{Error, Result};
use serde::de::DeserializeOwned;
use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind as IoErrorKind, Read};
use std::path::Path;

/// How to read a dataset directory (see [`Dataset::from_jsonl_dir_with`]).
///
/// ```
/// use glassfeed::{IngestOptions, InputLimits};
/// let options = IngestOptions::default().with_lenient(true).with_limits(InputLimits::default());
/// assert!(options.lenient);
/// assert!(!IngestOptions::default().lenient);
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct IngestOptions {
    /// Skip records that refer to unknown users or posts (and edges from a user to
    /// themself), counting them in the [`IngestReport`], instead of failing on the first.
    /// Malformed lines, records over the limits and duplicate ids are errors in both modes.
    pub lenient: bool,
    /// Bounds on each line and record (default [`InputLimits::default`]).
    pub limits: InputLimits,
}

impl IngestOptions {
    /// The same options with lenient mode on or off.
    pub fn with_lenient(mut self, lenient: bool) -> Self {
        self.lenient = lenient;
        self
    }

    /// The same options with other input limits.
    pub fn with_limits(mut self, limits: InputLimits) -> Self {
        self.limits = limits;
        self
    }
}

/// Capacity of the read buffer: large enough that a 10M-line file costs few syscalls.
const READ_BUFFER: usize = 256 * 1024;

impl Dataset {
    /// Reads a dataset directory in the JSON Lines format of DESIGN §2, strictly: the first
    /// bad line is an error naming the file, the line number and the field.
    ///
    /// `users.jsonl` is required (and must hold at least one user); `graph.jsonl`,
    /// `posts.jsonl` and `engagements.jsonl` are read when present. Blank lines are
    /// skipped and unknown fields ignored.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = std::env::temp_dir().join(format!("glassfeed-doc-read-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// std::fs::write(dir.join("users.jsonl"), "{\"id\":\"ann\"}\n{\"id\":\"bob\"}\n")?;
    /// std::fs::write(dir.join("graph.jsonl"), "{\"src\":\"ann\",\"dst\":\"bob\",\"kind\":\"follow\"}\n")?;
    /// let ds = glassfeed::Dataset::from_jsonl_dir(&dir)?;
    /// assert_eq!(ds.user_count(), 2);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_jsonl_dir(dir: impl AsRef<Path>) -> Result<Dataset> {
        Self::from_jsonl_dir_with(dir, &IngestOptions::default()).map(|(dataset, _)| dataset)
    }

    /// Reads a dataset directory like [`Dataset::from_jsonl_dir`], with options; returns
    /// the dataset and what lenient mode skipped (keys such as
    /// ``"DIR/graph.jsonl: unknown user in `src`"``).
    pub fn from_jsonl_dir_with(
        dir: impl AsRef<Path>,
        options: &IngestOptions,
    ) -> Result<(Dataset, IngestReport)> {
        let mut builder = DatasetBuilder::new().lenient(options.lenient).limits(options.limits.clone());
        read_dir(&mut builder, dir.as_ref(), true, options.limits.max_line_bytes)?;
        builder.build_with_report()
    }

    /// A new dataset holding everything in `self` plus the records of a directory in the
    /// same format (every file optional here, `users.jsonl` included), read strictly.
    /// Records may refer to users and posts of `self`.
    pub fn append_jsonl_dir(self, dir: impl AsRef<Path>) -> Result<Dataset> {
        self.append_jsonl_dir_with(dir, &IngestOptions::default()).map(|(dataset, _)| dataset)
    }

    /// Like [`Dataset::append_jsonl_dir`], with options; also returns what lenient mode
    /// skipped.
    pub fn append_jsonl_dir_with(
        self,
        dir: impl AsRef<Path>,
        options: &IngestOptions,
    ) -> Result<(Dataset, IngestReport)> {
        let mut builder =
            DatasetBuilder::from_dataset(self).lenient(options.lenient).limits(options.limits.clone());
        read_dir(&mut builder, dir.as_ref(), false, options.limits.max_line_bytes)?;
        builder.build_with_report()
    }
}

/// Feeds every file of `dir` to the builder, in dependency order.
fn read_dir(builder: &mut DatasetBuilder, dir: &Path, users_required: bool, max_line: usize) -> Result<()> {
    let [users, graph, posts, engagements] = FILES.map(|name| dir.join(name));
    let read = read_file::<UserRecord>(&users, !users_required, max_line, |r, at| {
        builder.add_user_at(r, at).map(drop)
    })?;
    if users_required && read == Some(0) {
        return Err(Error::malformed(&Location::line(users.display().to_string(), 0), "-", "no users"));
    }
    read_file::<EdgeRecord>(&graph, true, max_line, |r, at| builder.add_edge_at(&r.src, &r.dst, r.kind, at))?;
    read_file::<PostRecord>(&posts, true, max_line, |r, at| builder.add_post_at(r, at).map(drop))?;
    read_file::<EngagementRecord>(&engagements, true, max_line, |r, at| builder.add_engagement_at(r, at))?;
    Ok(())
}

/// Streams one file, calling `add` for every non-blank line. Returns the number of records
/// read, or `None` when the file is optional and absent.
///
/// Lines are read as bytes (one buffer reused for the whole file) and parsed with
/// `serde_json::Deserializer::from_slice`, which validates UTF-8 inside strings, so the
/// line is never validated twice and invalid UTF-8 is reported as a malformed line rather
/// than an I/O error. The [`Location`] is reused too: only its line number changes.
fn read_file<T: DeserializeOwned>(
    path: &Path,
    optional: bool,
    max_line: usize,
    add: impl FnMut(&T, &Location) -> Result<()>,
) -> Result<Option<u64>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if optional && e.kind() == IoErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path, e)),
    };
    read_lines(BufReader::with_capacity(READ_BUFFER, file), &path.display().to_string(), max_line, add)
        .map(Some)
}

/// Streams JSON Lines from `reader`, calling `add` for every non-blank line; `source`
/// names the input in errors. Returns the number of records read. A line longer than
/// `max_line` bytes (line end excluded) is an error as soon as its `max_line + 2`-th byte
/// is read: no more of it is ever buffered.
pub(super) fn read_lines<T: DeserializeOwned>(
    mut reader: impl BufRead,
    source: &str,
    max_line: usize,
    mut add: impl FnMut(&T, &Location) -> Result<()>,
) -> Result<u64> {
    let path = Path::new(source);
    let mut at = Location::line(source, 0);
    let mut line: Vec<u8> = Vec::with_capacity(1024);
    let mut records = 0u64;
    loop {
        line.clear();
        // Room for the longest allowed line, its `\r\n` and, on the first line, a BOM.
        let bom = if at.index == 0 { 3 } else { 0 };
        let room = u64::try_from(max_line).unwrap_or(u64::MAX).saturating_add(2 + bom);
        if (&mut reader).take(room).read_until(b'\n', &mut line).map_err(|e| io_error(path, e))? == 0 {
            break;
        }
        let cut = line.len() as u64 == room && line.last() != Some(&b'\n');
        at.index += 1;
        let mut bytes = line.as_slice();
        if at.index == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        while let [rest @ .., b'\n' | b'\r'] = bytes {
            bytes = rest;
        }
        if cut || bytes.len() > max_line {
            return Err(Error::malformed(
                &at,
                "-",
                format!(
                    "the line is longer than the limit of {max_line} bytes (`InputLimits::max_line_bytes`)"
                ),
            ));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let record: T = parse_line(bytes, &at)?;
        add(&record, &at)?;
        records += 1;
    }
    Ok(records)
}

/// Parses one line into a record; errors name the field (or `-` for the whole line).
///
/// Tracking the path to every value costs as much as the parse itself, so a line is
/// parsed plainly first and only a line that fails is parsed again with
/// `serde_path_to_error` to name the field (parsing is deterministic: it fails the same
/// way).
fn parse_line<T: DeserializeOwned>(bytes: &[u8], at: &Location) -> Result<T> {
    // A derived struct would also accept a JSON array (fields by position): only objects
    // are records.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(not_an_object(bytes, at));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match T::deserialize(&mut de).and_then(|record| de.end().map(|()| record)) {
        Ok(record) => Ok(record),
        Err(_) => Err(explain::<T>(bytes, at)),
    }
}

/// Parses a line known to be bad again, tracking the path, to say where it is bad.
fn explain<T: DeserializeOwned>(bytes: &[u8], at: &Location) -> Error {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => malformed(at, e.path(), e.inner()),
        Ok(_) => match de.end() {
            Err(e) => Error::malformed(at, "-", describe(&e)),
            Ok(()) => Error::malformed(at, "-", "not a valid record"),
        },
    }
}

/// The error for a line that does not start with `{`: its JSON syntax error, or what
/// kind of JSON value it holds instead of an object.
fn not_an_object(bytes: &[u8], at: &Location) -> Error {
    let value = match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(value) => value,
        Err(e) => return Error::malformed(at, "-", describe(&e)),
    };
    let found = match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    };
    Error::malformed(at, "-", format!("expected a JSON object, found {found}"))
}

/// A serde error as a `Malformed` error: the field is the path to the bad value (such as
/// `features.p_fav` or `labels[1]`), extended by the field name serde reports for a
/// missing or duplicate field; `-` when the error concerns the line as a whole (it is not
/// JSON, or ends before its object does).
fn malformed(at: &Location, path: &serde_path_to_error::Path, err: &serde_json::Error) -> Error {
    use serde_path_to_error::Segment;
    let message = describe(err);
    let mut field = String::new();
    for segment in path {
        match segment {
            Segment::Seq { index } => field.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !field.is_empty() {
                    field.push('.');
                }
                field.push_str(key);
            }
            // A key that could not be read (e.g. the line ends inside an object).
            Segment::Unknown => {}
        }
    }
    if let Some(name) = named_field(&message) {
        if !field.is_empty() {
            field.push('.');
        }
        field.push_str(name);
    }
    if field.is_empty() {
        field.push('-');
    }
    Error::malformed(at, &field, message)
}

/// The field named by serde's "missing field `x`" / "duplicate field `x`" messages.
fn named_field(message: &str) -> Option<&str> {
    ["missing field `", "duplicate field `"].iter().find_map(|prefix| {
        let rest = message.strip_prefix(prefix)?;
        rest.split('`').next().filter(|name| !name.is_empty())
    })
}

/// serde_json's message without its "at line 1 column N" suffix (the line is always 1:
/// each line is parsed alone), with the column kept.
fn describe(err: &serde_json::Error) -> String {
    let text = err.to_string();
    if err.line() == 0 {
        return text;
    }
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    match text.strip_suffix(&suffix) {
        Some(message) => format!("{message} (column {})", err.column()),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(line: &str) -> (String, String) {
        let at = Location::line("t.jsonl", 1);
        match parse_line::<PostRecord>(line.as_bytes(), &at).map_err(Error::into_kind) {
            Err(crate::ErrorKind::Malformed { field, message, .. }) => (field, message),
            other => panic!("expected a malformed error, got {other:?}"),
        }
    }

    #[test]
    fn fields_are_named() {
        assert_eq!(field_of(r#"{"id":"p","author":"a"}"#).0, "created_at");
        assert_eq!(field_of(r#"{"id":"p","author":"a","created_at":1.5}"#).0, "created_at");
        assert_eq!(
            field_of(r#"{"id":"p","author":"a","created_at":1,"features":{"x":"y"}}"#).0,
            "features.x"
        );
        assert_eq!(field_of(r#"{"id":"p","author":"a","created_at":1,"labels":["a",3]}"#).0, "labels[1]");
        assert_eq!(
            field_of(r#"{"id":"p","author":"a","created_at":1,"features":{"x":1e400}}"#).0,
            "features.x"
        );
        assert_eq!(field_of(r#"{"id":"p","id":"q","author":"a","created_at":1}"#).0, "id");
        assert_eq!(field_of("not json").0, "-");
        assert_eq!(field_of(r#"["p","a",1]"#), ("-".into(), "expected a JSON object, found an array".into()));
        assert_eq!(field_of(r#"{"id":"p","author":"a","created_at":1} x"#).0, "-");
    }

    #[test]
    fn column_is_kept() {
        let (_, message) = field_of("{\"id\": }");
        assert!(message.ends_with("(column 8)"), "{message}");
    }
}

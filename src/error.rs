//! The crate's error type: an opaque [`Error`] whose [`Error::kind`] tells what went wrong.
//!
//! Every error that concerns input data names where the bad value was found (a
//! [`Location`]: file and line, frame and row, or builder record) and the field.

use std::fmt;

/// A `Result` whose error is glassfeed's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where a record came from: a line of a JSON Lines file, a row of a data frame, or the
/// n-th record given to a [`DatasetBuilder`](crate::DatasetBuilder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file path or table name, e.g. `world/posts.jsonl` or `posts`.
    pub source: String,
    /// What `index` counts: `line`, `row`, `record` or (in a snapshot file) `byte`.
    pub unit: &'static str,
    /// 1-based line number (files) or 0-based row (frames) or 1-based record (builder),
    /// or the 0-based byte offset of a field in a snapshot file.
    pub index: u64,
}

impl Location {
    /// A location in a file, by 1-based line number.
    pub fn line(source: impl Into<String>, line: u64) -> Self {
        Location { source: source.into(), unit: "line", index: line }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.source, self.unit, self.index)
    }
}

/// An error from glassfeed. Opaque: inspect it with [`Error::kind`].
#[derive(Debug)]
pub struct Error(Box<ErrorKind>);

impl Error {
    /// What went wrong, with the details.
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }

    /// Unwraps the error into its kind.
    pub fn into_kind(self) -> ErrorKind {
        *self.0
    }

    pub(crate) fn malformed(at: &Location, field: &str, message: impl Into<String>) -> Self {
        ErrorKind::Malformed { at: at.clone(), field: field.to_string(), message: message.into() }.into()
    }

    pub(crate) fn spec(stage: &str, param: &str, message: impl Into<String>) -> Self {
        ErrorKind::Spec { stage: stage.to_string(), param: param.to_string(), message: message.into() }.into()
    }

    pub(crate) fn argument(name: &str, message: impl Into<String>) -> Self {
        ErrorKind::InvalidArgument { name: name.to_string(), message: message.into() }.into()
    }

    pub(crate) fn not_found(what: &'static str, id: &str) -> Self {
        ErrorKind::NotFound { what, id: id.to_string() }.into()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&*self.0)
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error(Box::new(kind))
    }
}

/// The kinds of error glassfeed reports. New kinds may be added in minor releases.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A record is not valid: bad JSON, a missing field, a wrong type, a non-finite
    /// number, an empty id, a non-integer timestamp, an unknown enum value. Also a damaged
    /// snapshot file: wrong magic or format version, truncated, checksum mismatch, or a
    /// field out of range (see [`snapshot`](crate::snapshot)).
    #[error("{at}: field `{field}`: {message}")]
    Malformed {
        /// Where the record is.
        at: Location,
        /// The offending field (a path such as `features.p_fav`), or `-` for the whole line.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// A record refers to a user or post that the dataset does not contain.
    #[error("{at}: field `{field}`: unknown {what} `{id}`")]
    UnknownReference {
        /// Where the record is.
        at: Location,
        /// The field holding the reference.
        field: String,
        /// `user` or `post`.
        what: &'static str,
        /// The id that could not be resolved.
        id: String,
    },
    /// An id was defined twice.
    #[error("{at}: field `id`: duplicate {what} id `{id}`")]
    Duplicate {
        /// Where the second definition is.
        at: Location,
        /// `user` or `post`.
        what: &'static str,
        /// The repeated id.
        id: String,
    },
    /// A pipeline spec is invalid.
    #[error("pipeline spec: stage `{stage}`: parameter `{param}`: {message}")]
    Spec {
        /// The stage (or `pipeline` for top-level problems).
        stage: String,
        /// The parameter (or `-`).
        param: String,
        /// What is wrong.
        message: String,
    },
    /// A stage produced a non-finite score.
    #[error("stage `{stage}` gave a non-finite value ({value}) for post `{post}`")]
    NonFinite {
        /// The stage that produced it.
        stage: String,
        /// The post's external id.
        post: String,
        /// The value.
        value: f64,
    },
    /// An id given as an argument is not in the dataset.
    #[error("unknown {what} `{id}`")]
    NotFound {
        /// `user`, `viewer` or `post`.
        what: &'static str,
        /// The id asked for.
        id: String,
    },
    /// An argument is out of range or otherwise invalid.
    #[error("argument `{name}`: {message}")]
    InvalidArgument {
        /// The argument's name.
        name: String,
        /// What is wrong with it.
        message: String,
    },
}

//! The exception hierarchy of the Python package and the mapping from [`ErrorKind`].
//!
//! ```text
//! GlassfeedError(Exception)
//! ├── DataError      Malformed, UnknownReference, Duplicate (file/line or frame/row/column)
//! ├── IoError        Io
//! ├── SpecError      Spec (names stage and parameter)
//! ├── ScoreError     NonFinite (names stage and post)
//! └── ArgumentError  InvalidArgument, NotFound, and bad Python argument values
//! ```
//!
//! The message is always the core error's `Display`.

use crate::{Error, ErrorKind};
use pyo3::exceptions::PyException;
use pyo3::{create_exception, PyErr};

create_exception!(
    glassfeed,
    GlassfeedError,
    PyException,
    "Base class of every error glassfeed raises; the message is the Rust error's message."
);
create_exception!(
    glassfeed,
    DataError,
    GlassfeedError,
    "Bad input data: a malformed record, an unknown user or post reference, a duplicate id. \
The message names the file and line (JSON Lines) or the frame, row and column (pandas)."
);
create_exception!(
    glassfeed,
    IoError,
    GlassfeedError,
    "Reading or writing a file failed; the message names the path."
);
create_exception!(
    glassfeed,
    SpecError,
    GlassfeedError,
    "An invalid pipeline spec; the message names the stage and the parameter."
);
create_exception!(
    glassfeed,
    ScoreError,
    GlassfeedError,
    "A stage produced a non-finite score; the message names the stage and the post."
);
create_exception!(
    glassfeed,
    ArgumentError,
    GlassfeedError,
    "An invalid argument: an unknown viewer, post or preset, a value out of range."
);

/// Converts a core error into the matching Python exception, with the same message.
pub(crate) fn to_py(error: Error) -> PyErr {
    let message = error.to_string();
    match error.kind() {
        ErrorKind::Malformed { .. } | ErrorKind::UnknownReference { .. } | ErrorKind::Duplicate { .. } => {
            DataError::new_err(message)
        }
        ErrorKind::Io { .. } => IoError::new_err(message),
        ErrorKind::Spec { .. } => SpecError::new_err(message),
        ErrorKind::NonFinite { .. } => ScoreError::new_err(message),
        ErrorKind::InvalidArgument { .. } | ErrorKind::NotFound { .. } => ArgumentError::new_err(message),
    }
}

/// An `ArgumentError` worded like the core's `InvalidArgument` (`argument `name`: …`).
pub(crate) fn argument(name: &str, message: impl std::fmt::Display) -> PyErr {
    to_py(ErrorKind::InvalidArgument { name: name.to_string(), message: message.to_string() }.into())
}

/// Extension to turn core results into Python results.
pub(crate) trait IntoPy<T> {
    /// Maps the error with [`to_py`].
    fn py_err(self) -> pyo3::PyResult<T>;
}

impl<T> IntoPy<T> for crate::Result<T> {
    fn py_err(self) -> pyo3::PyResult<T> {
        self.map_err(to_py)
    }
}

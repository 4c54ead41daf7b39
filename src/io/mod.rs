//! Reading and writing the JSON Lines format (DESIGN §2).
//!
//! A dataset is a directory holding `users.jsonl` (required), `graph.jsonl`, `posts.jsonl`
//! and `engagements.jsonl` (each optional), one JSON object per line.
//!
//! * [`Dataset::from_jsonl_dir`](crate::Dataset::from_jsonl_dir) reads one, strictly: the
//!   first bad line is an error naming the file, the line number and the field.
//! * [`Dataset::from_jsonl_dir_with`](crate::Dataset::from_jsonl_dir_with) with
//!   [`IngestOptions::lenient`] skips records that refer to unknown users or posts and
//!   counts them in an [`IngestReport`](crate::IngestReport).
//! * [`Dataset::append_jsonl_dir`](crate::Dataset::append_jsonl_dir) adds a directory's
//!   records to an existing dataset.
//! * [`Dataset::write_jsonl_dir`](crate::Dataset::write_jsonl_dir) writes a dataset back,
//!   byte-identically for equal datasets.
//!
//! * [`DatasetBuilder::read_users_jsonl`](crate::DatasetBuilder::read_users_jsonl) and its
//!   siblings read the same formats from any `BufRead`.
//!
//! Files are streamed line by line; no file is ever held in memory whole, and no line
//! longer than [`InputLimits::max_line_bytes`](crate::InputLimits::max_line_bytes) either:
//! [`IngestOptions::limits`] bounds each line and record (ids, text, labels, topics,
//! features, attributes, muted words, hidden labels), and a record over a limit is an
//! error naming the file, the line and the field, in strict and lenient mode alike.

mod from_reader;
mod read;
mod write;

pub use read::IngestOptions;

/// The files of a dataset directory, in the order they are read and written.
pub(crate) const FILES: [&str; 4] = ["users.jsonl", "graph.jsonl", "posts.jsonl", "engagements.jsonl"];

/// Wraps an I/O error with the path it concerns.
pub(crate) fn io_error(path: &std::path::Path, source: std::io::Error) -> crate::Error {
    crate::ErrorKind::Io { path: path.display().to_string(), source }.into()
}

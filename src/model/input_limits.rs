//! [`InputLimits`]: how large one input record may be, so that no record (a JSON Lines
//! line or a record given to a [`DatasetBuilder`](crate::DatasetBuilder)) can take an
//! unbounded share of memory or of the work of ranking.

use crate::error::Location;
use crate::model::records::{PostRecord, UserRecord};
use crate::{Error, Result};

/// Bounds on one input record. A record over a limit is malformed input: an
/// [`ErrorKind::Malformed`](crate::ErrorKind::Malformed) error naming the file and line (or
/// the builder record), the field and the limit, in strict and lenient mode alike
/// (lenient mode skips only *referential* problems; an oversized record is not one).
///
/// The defaults hold every real post and profile of the large public platforms with room
/// to spare, and bound a record to about a megabyte:
///
/// ```
/// use glassfeed::{IngestOptions, InputLimits};
/// let mut limits = InputLimits::default();
/// limits.max_labels_per_post = 8;
/// let options = IngestOptions::default().with_lenient(true).with_limits(limits);
/// assert_eq!(options.limits.max_labels_per_post, 8);
/// assert_eq!(InputLimits::default().max_line_bytes, 1 << 20);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct InputLimits {
    /// Longest line of a JSON Lines file, in bytes without the line end (default 1 MiB).
    /// Enforced while reading: a longer line is never held in memory whole.
    pub max_line_bytes: usize,
    /// Longest id or id reference (`id`, `author`, `src`, `dst`, `user`, `post`,
    /// `reply_to`, `repost_of`), in bytes (default 256: AT-protocol and ActivityPub URIs
    /// fit).
    pub max_id_bytes: usize,
    /// Longest post text, in bytes (default 102,400: X's longest posts are 25,000
    /// characters, 100,000 bytes of four-byte UTF-8 at most).
    pub max_text_bytes: usize,
    /// Longest label, topic, feature name, attribute key or value, muted word or hidden
    /// label, in bytes (default 256).
    pub max_name_bytes: usize,
    /// Most labels on one post (default 64).
    pub max_labels_per_post: usize,
    /// Most topics on one post (default 64).
    pub max_topics_per_post: usize,
    /// Most caller-supplied features on one post (default 256).
    pub max_features_per_post: usize,
    /// Most attributes of one user (default 64).
    pub max_attrs_per_user: usize,
    /// Most muted words of one user (default 1,000; the `muted_words` filter checks each
    /// against every candidate's text).
    pub max_muted_words_per_user: usize,
    /// Most hidden labels of one user (default 64).
    pub max_hidden_labels_per_user: usize,
}

impl Default for InputLimits {
    fn default() -> Self {
        InputLimits {
            max_line_bytes: 1 << 20,
            max_id_bytes: 256,
            max_text_bytes: 100 * 1024,
            max_name_bytes: 256,
            max_labels_per_post: 64,
            max_topics_per_post: 64,
            max_features_per_post: 256,
            max_attrs_per_user: 64,
            max_muted_words_per_user: 1_000,
            max_hidden_labels_per_user: 64,
        }
    }
}

impl InputLimits {
    /// No limit at all (for input you produced yourself and trust).
    pub fn unbounded() -> Self {
        InputLimits {
            max_line_bytes: usize::MAX,
            max_id_bytes: usize::MAX,
            max_text_bytes: usize::MAX,
            max_name_bytes: usize::MAX,
            max_labels_per_post: usize::MAX,
            max_topics_per_post: usize::MAX,
            max_features_per_post: usize::MAX,
            max_attrs_per_user: usize::MAX,
            max_muted_words_per_user: usize::MAX,
            max_hidden_labels_per_user: usize::MAX,
        }
    }

    /// An id: not empty, not longer than `max_id_bytes`.
    pub(crate) fn check_id(&self, at: &Location, field: &str, id: &str) -> Result<()> {
        if id.is_empty() {
            return Err(Error::malformed(at, field, "empty id"));
        }
        if id.len() > self.max_id_bytes {
            return Err(over(
                at,
                field,
                format!("an id of {} bytes", id.len()),
                self.max_id_bytes,
                "max_id_bytes",
            ));
        }
        Ok(())
    }

    /// A list of names: at most `max` entries, each at most `max_name_bytes`.
    fn check_names<'a>(
        &self,
        at: &Location,
        field: &str,
        names: impl ExactSizeIterator<Item = &'a String>,
        (max, what, limit): (usize, &str, &str),
    ) -> Result<()> {
        if names.len() > max {
            return Err(over(at, field, format!("{} {what}", names.len()), max, limit));
        }
        for (i, name) in names.enumerate() {
            if name.len() > self.max_name_bytes {
                let message = format!("a name of {} bytes", name.len());
                return Err(over(
                    at,
                    &format!("{field}[{i}]"),
                    message,
                    self.max_name_bytes,
                    "max_name_bytes",
                ));
            }
        }
        Ok(())
    }

    /// A table's keys and string values: at most `max` entries, each at most
    /// `max_name_bytes`.
    fn check_table<'a>(
        &self,
        at: &Location,
        field: &str,
        entries: impl ExactSizeIterator<Item = (&'a String, Option<&'a String>)>,
        (max, what, limit): (usize, &str, &str),
    ) -> Result<()> {
        if entries.len() > max {
            return Err(over(at, field, format!("{} {what}", entries.len()), max, limit));
        }
        for (key, value) in entries {
            let longest = key.len().max(value.map_or(0, String::len));
            if longest > self.max_name_bytes {
                let message = format!("a key or value of {longest} bytes");
                return Err(over(at, field, message, self.max_name_bytes, "max_name_bytes"));
            }
        }
        Ok(())
    }

    /// Every limit on a user record except its id.
    pub(crate) fn check_user(&self, at: &Location, user: &UserRecord) -> Result<()> {
        let attrs = user.attrs.iter().map(|(k, v)| (k, Some(v)));
        self.check_table(at, "attrs", attrs, (self.max_attrs_per_user, "attributes", "max_attrs_per_user"))?;
        let words = (self.max_muted_words_per_user, "muted words", "max_muted_words_per_user");
        self.check_names(at, "muted_words", user.muted_words.iter(), words)?;
        let labels = (self.max_hidden_labels_per_user, "hidden labels", "max_hidden_labels_per_user");
        self.check_names(at, "hidden_labels", user.hidden_labels.iter(), labels)
    }

    /// Every limit on a post record except its ids.
    pub(crate) fn check_post(&self, at: &Location, post: &PostRecord) -> Result<()> {
        if let Some(text) = &post.text {
            if text.len() > self.max_text_bytes {
                let message = format!("{} bytes of text", text.len());
                return Err(over(at, "text", message, self.max_text_bytes, "max_text_bytes"));
            }
        }
        let labels = (self.max_labels_per_post, "labels", "max_labels_per_post");
        self.check_names(at, "labels", post.labels.iter(), labels)?;
        let topics = (self.max_topics_per_post, "topics", "max_topics_per_post");
        self.check_names(at, "topics", post.topics.iter(), topics)?;
        let features = post.features.keys().map(|k| (k, None));
        let limit = (self.max_features_per_post, "features", "max_features_per_post");
        self.check_table(at, "features", features, limit)
    }
}

/// The error for a value over a limit.
fn over(at: &Location, field: &str, what: String, max: usize, limit: &str) -> Error {
    Error::malformed(at, field, format!("{what}, more than the limit of {max} (`InputLimits::{limit}`)"))
}

//! The snapshot reader: decodes a checksummed payload, checking every length before it
//! allocates and every value against what the builder guarantees.

use super::{Le, HEADER_LEN};
use crate::bridging::{BridgingConfig, BridgingModel};
use crate::error::Location;
use crate::model::columns::{EngagementColumns, FeatureColumns, PostColumns, Slot, UserColumns, NO_POST};
use crate::model::{Dataset, EngagementKind, Interner, Ragged, SocialGraph};
use crate::{Error, Result};
use ndarray::Array1;
use std::sync::OnceLock;

/// A cursor over the payload; errors name the file and the byte offset of the field.
pub(super) struct Decoder<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Offset of the field being read (for errors).
    start: usize,
    source: &'a str,
}

impl<'a> Decoder<'a> {
    pub(super) fn new(bytes: &'a [u8], source: &'a str) -> Self {
        Decoder { bytes, pos: 0, start: 0, source }
    }

    /// An error about the field that starts at `self.start`.
    fn error(&self, field: &str, message: impl Into<String>) -> Error {
        let at = Location {
            source: self.source.to_string(),
            unit: "byte",
            index: (HEADER_LEN + self.start) as u64,
        };
        Error::malformed(&at, field, message)
    }

    /// Marks the start of a field (for the byte offset in errors).
    fn mark(&mut self) {
        self.start = self.pos;
    }

    fn take(&mut self, len: u64, field: &str) -> Result<&'a [u8]> {
        let left = self.bytes.len() - self.pos;
        if len > left as u64 {
            return Err(self.error(field, format!("needs {len} bytes but only {left} remain in the payload")));
        }
        let taken = &self.bytes[self.pos..self.pos + len as usize];
        self.pos += len as usize;
        Ok(taken)
    }

    fn scalar<T: Le>(&mut self, field: &str) -> Result<T> {
        self.mark();
        let bytes = self.take(T::SIZE as u64, field)?;
        Ok(T::get(bytes))
    }

    /// An array: its length (checked against the bytes left before allocating), then its
    /// values.
    fn array<T: Le>(&mut self, field: &str) -> Result<Vec<T>> {
        let count: u64 = self.scalar(field)?;
        let Some(len) = count.checked_mul(T::SIZE as u64) else {
            return Err(self.error(field, format!("an array of {count} values cannot fit in the payload")));
        };
        let bytes = self.take(len, field)?;
        Ok(bytes.chunks_exact(T::SIZE).map(T::get).collect())
    }

    /// An array that must hold `expected` values.
    fn array_len<T: Le>(&mut self, field: &str, expected: usize) -> Result<Vec<T>> {
        let values = self.array(field)?;
        if values.len() != expected {
            return Err(self.error(field, format!("{} values where {expected} were expected", values.len())));
        }
        Ok(values)
    }

    fn string(&mut self, field: &str) -> Result<String> {
        let bytes: Vec<u8> = self.array(field)?;
        String::from_utf8(bytes).map_err(|e| self.error(field, format!("not UTF-8: {e}")))
    }

    fn interner(&mut self, field: &str) -> Result<Interner> {
        let bytes = self.string(field)?;
        let ends = self.array(field)?;
        let sorted = self.array(field)?;
        Interner::from_raw_parts(bytes, ends, sorted).map_err(|m| self.error(field, m))
    }

    /// Checks that every value is below `bound` (`what` names the kind of id).
    fn below(&self, field: &str, values: &[u32], bound: usize, what: &str) -> Result<()> {
        match values.iter().position(|&v| v as usize >= bound) {
            Some(i) => {
                Err(self
                    .error(field, format!("value {i} is {}: no such {what} (there are {bound})", values[i])))
            }
            None => Ok(()),
        }
    }

    /// `rows` rows of ids below `bound`.
    fn rows(&mut self, field: &str, rows: usize, bound: usize, what: &str) -> Result<Ragged<u32>> {
        let ends = self.array_len(field, rows)?;
        let values: Vec<u32> = self.array(field)?;
        self.below(field, &values, bound, what)?;
        Ragged::from_parts(ends, values).map_err(|m| self.error(field, m))
    }

    /// One kind of edge: a row of target users per user, strictly increasing, no self-edge.
    fn edges(&mut self, field: &str, users: usize) -> Result<Vec<(u32, u32)>> {
        let rows = self.rows(field, users, users, "user")?;
        let mut pairs = Vec::with_capacity(rows.value_count());
        for u in 0..users {
            let row = rows.row(u);
            if row.windows(2).any(|w| w[0] >= w[1]) || row.contains(&(u as u32)) {
                return Err(
                    self.error(field, format!("the edges of user {u} are repeated, unsorted or to themself"))
                );
            }
            pairs.extend(row.iter().map(|&v| (u as u32, v)));
        }
        Ok(pairs)
    }

    fn finite(&self, field: &str, values: &[f64]) -> Result<()> {
        match values.iter().position(|v| !v.is_finite()) {
            Some(i) => Err(self.error(field, format!("value {i} is {}, not a finite number", values[i]))),
            None => Ok(()),
        }
    }

    fn flag(&mut self, field: &str) -> Result<bool> {
        match self.scalar::<u8>(field)? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(self.error(field, format!("{other} is neither 0 nor 1"))),
        }
    }

    fn users(&mut self, labels: usize) -> Result<UserColumns> {
        let ids = self.interner("users.ids")?;
        if ids.lookup("").is_some() {
            return Err(self.error("users.ids", "empty id"));
        }
        let n = ids.len();
        let attr_keys = self.interner("users.attr_keys")?;
        let attr_values = self.interner("users.attr_values")?;
        let ends = self.array_len("users.attrs", n)?;
        let keys: Vec<u32> = self.array("users.attrs")?;
        self.below("users.attrs", &keys, attr_keys.len(), "attribute name")?;
        let values: Vec<u32> = self.array_len("users.attrs", keys.len())?;
        self.below("users.attrs", &values, attr_values.len(), "attribute value")?;
        let pairs = keys.into_iter().zip(values).collect();
        let attrs = Ragged::from_parts(ends, pairs).map_err(|m| self.error("users.attrs", m))?;
        for u in 0..n {
            if attrs.row(u).windows(2).any(|w| attr_keys.get(w[0].0) >= attr_keys.get(w[1].0)) {
                return Err(
                    self.error("users.attrs", format!("user {u} has repeated or unsorted attributes"))
                );
            }
        }
        let words = self.interner("users.words")?;
        let muted_words = self.rows("users.muted_words", n, words.len(), "muted word")?;
        let hidden_labels = self.rows("users.hidden_labels", n, labels, "label")?;
        Ok(UserColumns { ids, attr_keys, attr_values, attrs, words, muted_words, hidden_labels })
    }

    fn features(&mut self, posts: usize) -> Result<FeatureColumns> {
        let field = "posts.features";
        let names = self.interner(field)?;
        let rows: u64 = self.scalar(field)?;
        if rows != posts as u64 {
            return Err(self.error(field, format!("{rows} rows for {posts} posts")));
        }
        let wide: Vec<u8> = self.array_len(field, names.len())?;
        let positions: Vec<u32> = self.array_len(field, names.len())?;
        let narrow_width: u64 = self.scalar(field)?;
        let wide_width: u64 = self.scalar(field)?;
        let mut used = [vec![false; names.len()], vec![false; names.len()]];
        let mut slots = Vec::with_capacity(names.len());
        for (&kind, &position) in wide.iter().zip(&positions) {
            let width = match kind {
                0 => narrow_width,
                1 => wide_width,
                _ => return Err(self.error(field, format!("{kind} is not a slot kind"))),
            };
            let p = position as usize;
            if u64::from(position) >= width || p >= names.len() || used[kind as usize][p] {
                return Err(
                    self.error(field, format!("slot {position} of kind {kind} is out of range or repeated"))
                );
            }
            used[kind as usize][p] = true;
            slots.push(if kind == 0 { Slot::Narrow(p) } else { Slot::Wide(p) });
        }
        for (kind, width) in [narrow_width, wide_width].into_iter().enumerate() {
            if used[kind].iter().filter(|&&u| u).count() as u64 != width {
                return Err(self.error(field, format!("{width} slots of kind {kind} but not all are used")));
            }
        }
        // Both widths are at most the number of names now.
        let cells = |width: u64| posts.saturating_mul(width as usize);
        let narrow: Vec<f32> = self.array_len(field, cells(narrow_width))?;
        if narrow.iter().any(|v| v.is_infinite()) {
            return Err(self.error(field, "an infinite value"));
        }
        let wide: Vec<f64> = self.array_len(field, cells(wide_width))?;
        if wide.iter().any(|v| v.is_infinite()) {
            return Err(self.error(field, "an infinite value"));
        }
        let (narrow_width, wide_width) = (narrow_width as usize, wide_width as usize);
        let views = (0..slots.len()).map(|_| OnceLock::new()).collect();
        Ok(FeatureColumns {
            names,
            building: Vec::new(),
            slots: Some(slots),
            narrow,
            narrow_width,
            wide,
            wide_width,
            rows: posts,
            views,
        })
    }

    fn posts(&mut self, users: usize, labels: usize) -> Result<PostColumns> {
        let ids = self.interner("posts.ids")?;
        if ids.lookup("").is_some() {
            return Err(self.error("posts.ids", "empty id"));
        }
        let n = ids.len();
        let topic_names = self.interner("posts.topics")?;
        let author: Vec<u32> = self.array_len("posts.author", n)?;
        self.below("posts.author", &author, users, "user")?;
        let created_at: Vec<i64> = self.array_len("posts.created_at", n)?;
        let mut links = Vec::with_capacity(2);
        for field in ["posts.reply_to", "posts.repost_of"] {
            let link: Vec<u32> = self.array_len(field, n)?;
            if let Some(i) = link.iter().position(|&p| p != NO_POST && p as usize >= n) {
                return Err(
                    self.error(field, format!("value {i} is {}: no such post (there are {n})", link[i]))
                );
            }
            links.push(link);
        }
        let label_rows = self.rows("posts.labels", n, labels, "label")?;
        let topic_rows = self.rows("posts.topics", n, topic_names.len(), "topic")?;
        let text = self.string("posts.text")?;
        let text_ends: Vec<u64> = self.array_len("posts.text", n)?;
        let mut start = 0u64;
        for &end in &text_ends {
            if end < start || end > text.len() as u64 || !text.is_char_boundary(end as usize) {
                return Err(self.error("posts.text", format!("a text ends at byte {end}, not a valid end")));
            }
            start = end;
        }
        if start != text.len() as u64 {
            return Err(self.error("posts.text", "the texts do not end where the buffer does"));
        }
        let features = self.features(n)?;
        let mut posts = PostColumns { ids, topic_names, text, text_ends, features, ..Default::default() };
        posts.meta.reserve_exact(n);
        for i in 0..n {
            posts.push_meta(author[i], created_at[i], label_rows.row(i), topic_rows.row(i));
            let meta = &mut posts.meta[i];
            (meta.reply_to, meta.repost_of) = (links[0][i], links[1][i]);
        }
        posts.compact();
        Ok(posts)
    }

    fn engagements(&mut self, users: usize, posts: usize) -> Result<EngagementColumns> {
        let user: Vec<u32> = self.array("engagements.user")?;
        self.below("engagements.user", &user, users, "user")?;
        let m = user.len();
        let post: Vec<u32> = self.array_len("engagements.post", m)?;
        self.below("engagements.post", &post, posts, "post")?;
        let kinds: Vec<u8> = self.array_len("engagements.kind", m)?;
        let mut kind = Vec::with_capacity(m);
        for &k in &kinds {
            match EngagementKind::ALL.get(k as usize) {
                Some(&k) => kind.push(k),
                None => return Err(self.error("engagements.kind", format!("{k} is not an engagement kind"))),
            }
        }
        let at: Vec<i64> = self.array_len("engagements.at", m)?;
        let rating: Vec<f64> = self.array_len("engagements.rating", m)?;
        if let Some(r) = rating.iter().find(|r| !r.is_nan() && !(0.0..=1.0).contains(*r)) {
            return Err(self.error("engagements.rating", format!("{r} is outside [0, 1]")));
        }
        Ok(EngagementColumns { user, post, kind, at, rating })
    }

    fn bridging(&mut self, users: usize, posts: usize) -> Result<(BridgingConfig, BridgingModel)> {
        let field = "bridging";
        let config = BridgingConfig {
            lambda_intercept: self.scalar(field)?,
            lambda_factor: self.scalar(field)?,
            lambda_mu: self.scalar(field)?,
            learning_rate: self.scalar(field)?,
            max_iterations: self.scalar(field)?,
            tolerance: self.scalar(field)?,
            min_raters: self.scalar(field)?,
            seed: self.scalar(field)?,
        };
        config.validate().map_err(|e| self.error(field, e.to_string()))?;
        let mu: f64 = self.scalar(field)?;
        self.finite(field, &[mu])?;
        let mut arrays = Vec::with_capacity(4);
        for len in [users, users, posts, posts] {
            let values: Vec<f64> = self.array_len(field, len)?;
            self.finite(field, &values)?;
            arrays.push(Array1::from(values));
        }
        let user_ratings = self.array_len(field, users)?;
        let raters: Vec<u32> = self.array_len(field, posts.saturating_mul(2))?;
        let post_raters = raters.chunks_exact(2).map(|r| [r[0], r[1]]).collect();
        let observations: u64 = self.scalar(field)?;
        let iterations = self.scalar(field)?;
        let final_loss: f64 = self.scalar(field)?;
        self.finite(field, &[final_loss])?;
        let converged = self.flag(field)?;
        let mut arrays = arrays.into_iter();
        let mut next = || arrays.next().unwrap_or_default();
        let model = BridgingModel {
            mu,
            user_intercepts: next(),
            user_factors: next(),
            post_intercepts: next(),
            post_factors: next(),
            user_ratings,
            post_raters,
            min_raters: config.min_raters,
            observations: observations as usize,
            iterations,
            final_loss,
            converged,
        };
        Ok((config, model))
    }

    /// Decodes a whole payload into a dataset, rebuilding its derived indexes.
    pub(super) fn dataset(mut self) -> Result<Dataset> {
        let labels = self.interner("labels")?;
        let users = self.users(labels.len())?;
        let n_users = users.ids.len();
        let follows = self.edges("graph.follows", n_users)?;
        let mutes = self.edges("graph.mutes", n_users)?;
        let edges = [follows, mutes, self.edges("graph.blocks", n_users)?];
        let posts = self.posts(n_users, labels.len())?;
        let n_posts = posts.len();
        let engagements = self.engagements(n_users, n_posts)?;
        let page_rank = if self.flag("page_rank")? {
            let rank: Vec<f64> = self.array_len("page_rank", n_users)?;
            if let Some(r) = rank.iter().find(|r| !r.is_finite() || **r < 0.0) {
                return Err(self.error("page_rank", format!("{r} is not a page rank")));
            }
            Some(rank)
        } else {
            None
        };
        let fits: u64 = self.scalar("bridging")?;
        let mut models: Vec<(BridgingConfig, BridgingModel)> = Vec::new();
        for _ in 0..fits {
            let (config, model) = self.bridging(n_users, n_posts)?;
            if models.iter().any(|(c, _)| *c == config) {
                return Err(self.error("bridging", "two models for one configuration"));
            }
            models.push((config, model));
        }
        self.mark();
        if self.pos != self.bytes.len() {
            return Err(
                self.error("-", format!("{} bytes after the last field", self.bytes.len() - self.pos))
            );
        }
        let graph = SocialGraph::from_edges(n_users, edges);
        let ds = Dataset::assemble(users, labels, posts, engagements, graph);
        if let Some(rank) = page_rank {
            let _ = ds.page_rank.set(rank);
        }
        for (config, model) in models {
            ds.restore_bridging(config, model);
        }
        Ok(ds)
    }
}

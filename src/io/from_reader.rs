//! Reading the JSON Lines files of DESIGN §2 from any [`BufRead`] (memory, network,
//! decompressor) instead of a directory.

use super::read::read_lines;
use crate::model::{DatasetBuilder, EdgeRecord, EngagementRecord, PostRecord, UserRecord};
use crate::Result;
use std::io::BufRead;

impl DatasetBuilder {
    /// Reads records in the format of `users.jsonl` from `reader`, with the checks of
    /// [`Dataset::from_jsonl_dir`](crate::Dataset::from_jsonl_dir); `source` names the
    /// input in errors (as a file path would). Returns the number of records read.
    ///
    /// As with the directory reader, read users first, then the graph, posts and
    /// engagements. Unlike it, an input without users is not an error here.
    ///
    /// ```
    /// # use glassfeed::DatasetBuilder;
    /// let mut builder = DatasetBuilder::new();
    /// builder.read_users_jsonl(&b"{\"id\":\"ann\"}\n{\"id\":\"bob\"}\n"[..], "users")?;
    /// builder.read_graph_jsonl(&b"{\"src\":\"ann\",\"dst\":\"bob\",\"kind\":\"follow\"}\n"[..], "graph")?;
    /// builder.read_posts_jsonl(&b"{\"id\":\"p1\",\"author\":\"bob\",\"created_at\":5}\n"[..], "posts")?;
    /// let err = builder.read_engagements_jsonl(&b"\n{\"user\":\"ann\"}\n"[..], "likes").unwrap_err();
    /// assert_eq!(err.to_string(), "likes line 2: field `post`: missing field `post` (column 14)");
    /// let ds = builder.build()?;
    /// assert_eq!((ds.user_count(), ds.post_count()), (2, 1));
    /// # Ok::<(), glassfeed::Error>(())
    /// ```
    pub fn read_users_jsonl(&mut self, reader: impl BufRead, source: &str) -> Result<u64> {
        read_lines::<UserRecord>(reader, source, self.max_line_bytes(), |r, at| {
            self.add_user_at(r, at).map(drop)
        })
    }

    /// Reads records in the format of `graph.jsonl` (see
    /// [`DatasetBuilder::read_users_jsonl`]).
    pub fn read_graph_jsonl(&mut self, reader: impl BufRead, source: &str) -> Result<u64> {
        read_lines::<EdgeRecord>(reader, source, self.max_line_bytes(), |r, at| {
            self.add_edge_at(&r.src, &r.dst, r.kind, at)
        })
    }

    /// Reads records in the format of `posts.jsonl` (see
    /// [`DatasetBuilder::read_users_jsonl`]).
    pub fn read_posts_jsonl(&mut self, reader: impl BufRead, source: &str) -> Result<u64> {
        read_lines::<PostRecord>(reader, source, self.max_line_bytes(), |r, at| {
            self.add_post_at(r, at).map(drop)
        })
    }

    /// Reads records in the format of `engagements.jsonl` (see
    /// [`DatasetBuilder::read_users_jsonl`]).
    pub fn read_engagements_jsonl(&mut self, reader: impl BufRead, source: &str) -> Result<u64> {
        read_lines::<EngagementRecord>(reader, source, self.max_line_bytes(), |r, at| {
            self.add_engagement_at(r, at)
        })
    }
}

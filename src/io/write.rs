//! JSON Lines writer: a [`Dataset`] back to the directory format it is read from.

use super::{io_error, FILES};
use crate::model::{
    Dataset, EdgeKind, EdgeRecord, EngagementKind, EngagementRecord, PostId, PostRecord, UserId, UserRecord,
};
use crate::Result;
use serde::Serialize;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Capacity of each file's write buffer.
const WRITE_BUFFER: usize = 256 * 1024;

/// Writes one table of a dataset.
type TableWriter = fn(&Dataset, &mut BufWriter<File>) -> std::io::Result<()>;

impl Dataset {
    /// Writes the dataset as a JSON Lines directory (DESIGN §2) that
    /// [`Dataset::from_jsonl_dir`] reads back into an equal dataset.
    ///
    /// Creates `dir` if needed and writes all four files (`graph.jsonl`, `posts.jsonl` and
    /// `engagements.jsonl` even when empty): users in dense-id order, edges as follows,
    /// then mutes, then blocks, each sorted by (source, target) dense id, posts in id
    /// order, engagements in input order. Empty text and absent features or ratings are
    /// omitted; floats are written in their shortest form that reads back to the same
    /// `f64`. Equal datasets give byte-identical files.
    ///
    /// Each file is first written under a temporary name in `dir` and renamed only when
    /// all four are complete, so a failure never leaves a half-written file behind (an
    /// existing dataset in `dir` is replaced file by file).
    ///
    /// ```
    /// # use glassfeed::{DatasetBuilder, UserRecord};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mut b = DatasetBuilder::new();
    /// b.add_user(&UserRecord { id: "ann".into(), ..Default::default() })?;
    /// let ds = b.build()?;
    /// let dir = std::env::temp_dir().join(format!("glassfeed-doc-write-{}", std::process::id()));
    /// ds.write_jsonl_dir(&dir)?;
    /// assert_eq!(std::fs::read_to_string(dir.join("users.jsonl"))?, "{\"id\":\"ann\"}\n");
    /// assert_eq!(glassfeed::Dataset::from_jsonl_dir(&dir)?, ds);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn write_jsonl_dir(&self, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        let writers: [TableWriter; 4] = [write_users, write_graph, write_posts, write_engagements];
        let mut done: Vec<(PathBuf, PathBuf)> = Vec::with_capacity(FILES.len());
        for (name, write) in FILES.iter().zip(writers) {
            let target = dir.join(name);
            let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
            if let Err(e) = write_file(&temp, |w| write(self, w)) {
                let _ = fs::remove_file(&temp);
                for (written, _) in &done {
                    let _ = fs::remove_file(written);
                }
                return Err(io_error(&temp, e));
            }
            done.push((temp, target));
        }
        let mut failure = None;
        for (temp, target) in &done {
            if failure.is_none() {
                if let Err(e) = fs::rename(temp, target) {
                    failure = Some(io_error(target, e));
                }
            }
            if failure.is_some() {
                let _ = fs::remove_file(temp);
            }
        }
        failure.map_or(Ok(()), Err)
    }
}

/// Creates `path`, lets `body` fill it through a buffer, then flushes and syncs it.
fn write_file(
    path: &Path,
    body: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut writer = BufWriter::with_capacity(WRITE_BUFFER, File::create(path)?);
    body(&mut writer)?;
    let file = writer.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()
}

/// Writes one record and a newline.
fn line<W: Write, T: Serialize>(w: &mut W, record: &T) -> std::io::Result<()> {
    serde_json::to_writer(&mut *w, record)?;
    w.write_all(b"\n")
}

/// Sets a reused string to `value` without reallocating when it fits.
fn set(target: &mut String, value: &str) {
    target.clear();
    target.push_str(value);
}

/// Sets a reused list of strings to `values`, reusing the strings already there.
fn set_all<'a>(target: &mut Vec<String>, values: impl Iterator<Item = &'a str>) {
    let mut n = 0;
    for value in values {
        match target.get_mut(n) {
            Some(slot) => set(slot, value),
            None => target.push(value.to_string()),
        }
        n += 1;
    }
    target.truncate(n);
}

/// Sets a reused optional string.
fn set_opt(target: &mut Option<String>, value: Option<&str>) {
    match (target.as_mut(), value) {
        (Some(slot), Some(value)) => set(slot, value),
        (None, Some(value)) => *target = Some(value.to_string()),
        (_, None) => *target = None,
    }
}

fn write_users(ds: &Dataset, w: &mut BufWriter<File>) -> std::io::Result<()> {
    let mut rec = UserRecord::default();
    for u in 0..ds.user_count() as u32 {
        let user = UserId(u);
        set(&mut rec.id, ds.user_name(user));
        rec.attrs.clear();
        rec.attrs.extend(ds.user_attrs(user).map(|(k, v)| (k.to_string(), v.to_string())));
        set_all(&mut rec.muted_words, ds.muted_words(user));
        set_all(&mut rec.hidden_labels, ds.hidden_label_ids(user).iter().map(|&l| ds.label_name(l)));
        line(w, &rec)?;
    }
    Ok(())
}

fn write_graph(ds: &Dataset, w: &mut BufWriter<File>) -> std::io::Result<()> {
    let graph = ds.graph();
    let mut rec = EdgeRecord { src: String::new(), dst: String::new(), kind: EdgeKind::Follow };
    for kind in EdgeKind::ALL {
        rec.kind = kind;
        for u in 0..ds.user_count() as u32 {
            let targets = match kind {
                EdgeKind::Follow => graph.followees(u),
                EdgeKind::Mute => graph.mutes(u),
                EdgeKind::Block => graph.blocks(u),
            };
            if targets.is_empty() {
                continue;
            }
            set(&mut rec.src, ds.user_name(UserId(u)));
            for &v in targets {
                set(&mut rec.dst, ds.user_name(UserId(v)));
                line(w, &rec)?;
            }
        }
    }
    Ok(())
}

fn write_posts(ds: &Dataset, w: &mut BufWriter<File>) -> std::io::Result<()> {
    let features: Vec<(&str, &[f64])> =
        ds.feature_names().filter_map(|name| Some((name, ds.feature_column(name)?))).collect();
    let mut rec = PostRecord::default();
    for p in 0..ds.post_count() as u32 {
        let post = PostId(p);
        let i = post.index();
        set(&mut rec.id, ds.post_name(post));
        set(&mut rec.author, ds.user_name(ds.author(post)));
        rec.created_at = ds.created_at(post);
        let text = ds.text(post);
        set_opt(&mut rec.text, (!text.is_empty()).then_some(text));
        set_opt(&mut rec.reply_to, ds.reply_to(post).map(|r| ds.post_name(r)));
        set_opt(&mut rec.repost_of, ds.repost_of(post).map(|r| ds.post_name(r)));
        set_all(&mut rec.labels, ds.label_ids(post).iter().map(|&l| ds.label_name(l)));
        set_all(&mut rec.topics, ds.topics(post));
        rec.features.clear();
        for &(name, column) in &features {
            let value = column[i];
            if !value.is_nan() {
                rec.features.insert(name.to_string(), value);
            }
        }
        line(w, &rec)?;
    }
    Ok(())
}

fn write_engagements(ds: &Dataset, w: &mut BufWriter<File>) -> std::io::Result<()> {
    let mut rec = EngagementRecord {
        user: String::new(),
        post: String::new(),
        kind: EngagementKind::Impression,
        at: 0,
        rating: None,
    };
    for e in ds.engagements() {
        set(&mut rec.user, ds.user_name(e.user));
        set(&mut rec.post, ds.post_name(e.post));
        rec.kind = e.kind;
        rec.at = e.at;
        rec.rating = e.rating;
        line(w, &rec)?;
    }
    Ok(())
}

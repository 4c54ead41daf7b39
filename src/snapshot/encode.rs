//! The snapshot writer: streams the payload through SHA-256, then fills in the header.

use super::{Le, FORMAT_VERSION, HEADER_LEN, MAGIC};
use crate::bridging::{BridgingConfig, BridgingModel};
use crate::model::columns::{FeatureColumns, Slot};
use crate::model::{Dataset, EdgeKind, Interner, Ragged};
use sha2::{Digest, Sha256};
use std::io::{self, Seek, SeekFrom, Write};

/// Values encoded per write (the rest of a column is converted in chunks this long).
const CHUNK: usize = 8192;

/// Writes fields to `out` while hashing and counting them.
struct Encoder<W> {
    out: W,
    hash: Sha256,
    len: u64,
    scratch: Vec<u8>,
}

impl<W: Write> Encoder<W> {
    fn bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.hash.update(bytes);
        self.len += bytes.len() as u64;
        self.out.write_all(bytes)
    }

    fn scalar<T: Le>(&mut self, value: T) -> io::Result<()> {
        self.scratch.clear();
        value.put(&mut self.scratch);
        let scratch = std::mem::take(&mut self.scratch);
        let done = self.bytes(&scratch);
        self.scratch = scratch;
        done
    }

    /// An array: its length, then its values.
    fn array<T: Le>(&mut self, values: &[T]) -> io::Result<()> {
        self.array_of(values.len(), values.iter().copied())
    }

    /// An array of `len` values given by an iterator.
    fn array_of<T: Le>(&mut self, len: usize, values: impl Iterator<Item = T>) -> io::Result<()> {
        self.scalar(len as u64)?;
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let mut written = 0usize;
        for value in values {
            value.put(&mut scratch);
            written += 1;
            if scratch.len() >= CHUNK * T::SIZE {
                self.bytes(&scratch)?;
                scratch.clear();
            }
        }
        let done = self.bytes(&scratch);
        self.scratch = scratch;
        debug_assert_eq!(written, len);
        done
    }

    fn string(&mut self, s: &str) -> io::Result<()> {
        self.scalar(s.len() as u64)?;
        self.bytes(s.as_bytes())
    }

    fn interner(&mut self, interner: &Interner) -> io::Result<()> {
        let (bytes, ends, sorted) = interner.raw_parts();
        self.string(bytes)?;
        self.array(ends)?;
        match sorted {
            Some(sorted) => self.array(sorted),
            None => {
                let mut sorted: Vec<u32> = (0..ends.len() as u32).collect();
                sorted.sort_unstable_by(|&a, &b| interner.get(a).cmp(interner.get(b)));
                self.array(&sorted)
            }
        }
    }

    fn rows(&mut self, rows: &Ragged<u32>) -> io::Result<()> {
        self.array(rows.ends())?;
        self.array(rows.values())
    }

    /// Rows given as one slice per row.
    fn rows_of<'a>(&mut self, count: usize, row: impl Fn(usize) -> &'a [u32]) -> io::Result<()> {
        let mut end = 0u64;
        self.array_of(
            count,
            (0..count).map(|i| {
                end += row(i).len() as u64;
                end as u32
            }),
        )?;
        self.array_of(end as usize, (0..count).flat_map(|i| row(i).iter().copied()))
    }

    fn features(&mut self, features: &FeatureColumns) -> io::Result<()> {
        let compacted;
        let f = if features.slots.is_some() {
            features
        } else {
            let mut copy = features.clone();
            copy.compact(features.rows);
            compacted = copy;
            &compacted
        };
        let slots = f.slots.as_deref().unwrap_or_default();
        self.interner(&f.names)?;
        self.scalar(f.rows as u64)?;
        self.array_of(slots.len(), slots.iter().map(|s| matches!(s, Slot::Wide(_)) as u8))?;
        self.array_of(
            slots.len(),
            slots.iter().map(|s| match *s {
                Slot::Narrow(i) | Slot::Wide(i) => i as u32,
            }),
        )?;
        self.scalar(f.narrow_width as u64)?;
        self.scalar(f.wide_width as u64)?;
        self.array(&f.narrow)?;
        self.array(&f.wide)
    }

    fn bridging(&mut self, config: &BridgingConfig, model: &BridgingModel) -> io::Result<()> {
        for value in [config.lambda_intercept, config.lambda_factor, config.lambda_mu, config.learning_rate] {
            self.scalar(value)?;
        }
        self.scalar(config.max_iterations)?;
        self.scalar(config.tolerance)?;
        self.scalar(config.min_raters)?;
        self.scalar(config.seed)?;
        self.scalar(model.mu)?;
        for values in
            [&model.user_intercepts, &model.user_factors, &model.post_intercepts, &model.post_factors]
        {
            self.array_of(values.len(), values.iter().copied())?;
        }
        self.array(&model.user_ratings)?;
        self.array_of(model.post_raters.len() * 2, model.post_raters.iter().flatten().copied())?;
        self.scalar(model.observations as u64)?;
        self.scalar(model.iterations)?;
        self.scalar(model.final_loss)?;
        self.scalar(model.converged as u8)
    }

    fn dataset(&mut self, ds: &Dataset) -> io::Result<()> {
        self.interner(&ds.labels)?;
        let u = &ds.users;
        self.interner(&u.ids)?;
        self.interner(&u.attr_keys)?;
        self.interner(&u.attr_values)?;
        self.array(u.attrs.ends())?;
        self.array_of(u.attrs.value_count(), u.attrs.values().iter().map(|&(k, _)| k))?;
        self.array_of(u.attrs.value_count(), u.attrs.values().iter().map(|&(_, v)| v))?;
        self.interner(&u.words)?;
        self.rows(&u.muted_words)?;
        self.rows(&u.hidden_labels)?;

        let users = ds.user_count();
        let graph = &ds.graph;
        self.rows_of(users, |i| graph.followees(i as u32))?;
        self.rows_of(users, |i| graph.mutes(i as u32))?;
        self.rows_of(users, |i| graph.blocks(i as u32))?;
        debug_assert_eq!(graph.edge_count(EdgeKind::Follow), graph.follow_graph().edge_count());

        let p = &ds.posts;
        let n = p.len();
        self.interner(&p.ids)?;
        self.interner(&p.topic_names)?;
        self.array_of(n, p.meta.iter().map(|m| m.author))?;
        self.array_of(n, p.meta.iter().map(|m| m.created_at))?;
        self.array_of(n, p.meta.iter().map(|m| m.reply_to))?;
        self.array_of(n, p.meta.iter().map(|m| m.repost_of))?;
        self.rows_of(n, |i| p.labels(i))?;
        self.rows_of(n, |i| p.topics(i))?;
        self.string(&p.text)?;
        self.array(&p.text_ends)?;
        self.features(&p.features)?;

        let e = &ds.engagements;
        self.array(&e.user)?;
        self.array(&e.post)?;
        self.array_of(e.kind.len(), e.kind.iter().map(|&k| k as u8))?;
        self.array(&e.at)?;
        self.array(&e.rating)?;

        match ds.page_rank.get() {
            Some(rank) => {
                self.scalar(1u8)?;
                self.array(rank)?;
            }
            None => self.scalar(0u8)?,
        }
        let fits = ds.bridging_fits();
        self.scalar(fits.len() as u64)?;
        for (config, model) in &fits {
            self.bridging(config, model)?;
        }
        Ok(())
    }
}

/// Writes a whole snapshot of `ds` to `out` (positioned at its start): a placeholder
/// header, the payload, then the real header.
pub(super) fn write_snapshot<W: Write + Seek>(ds: &Dataset, mut out: W) -> io::Result<W> {
    out.write_all(&[0u8; HEADER_LEN])?;
    let mut encoder = Encoder { out, hash: Sha256::new(), len: 0, scratch: Vec::with_capacity(CHUNK * 8) };
    encoder.dataset(ds)?;
    let Encoder { mut out, hash, len, .. } = encoder;
    out.seek(SeekFrom::Start(0))?;
    out.write_all(&MAGIC)?;
    out.write_all(&FORMAT_VERSION.to_le_bytes())?;
    out.write_all(&len.to_le_bytes())?;
    out.write_all(&hash.finalize())?;
    out.seek(SeekFrom::End(0))?;
    out.flush()?;
    Ok(out)
}

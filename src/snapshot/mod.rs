//! Binary snapshots of a [`Dataset`] ([`Dataset::save`], [`Dataset::load`]) and live
//! updates of a shared dataset ([`LiveDataset`]).
//!
//! # The snapshot format, version 1
//!
//! A snapshot holds a dataset's records (users, graph, posts, engagements) and the
//! results computed on it that are costly to recompute: the author page rank when it has
//! been computed, and every bridging model fitted so far, so that a loaded snapshot ranks
//! with the bridging stages without fitting again. The derived indexes (engagement
//! counters, per-user and per-post engagement histories, posts by author, followers,
//! blocked-by) are not stored: loading rebuilds them with the same code as
//! [`DatasetBuilder::build`](crate::DatasetBuilder::build), so that nothing derived can
//! disagree with the records.
//!
//! All numbers are little-endian. The file is a 52-byte header and a payload:
//!
//! | offset | bytes | field |
//! | ---: | ---: | --- |
//! | 0 | 8 | magic `GLFDSNAP` |
//! | 8 | 4 | format version (`u32`), 1 |
//! | 12 | 8 | payload length `n` in bytes (`u64`) |
//! | 20 | 32 | SHA-256 of the payload |
//! | 52 | `n` | payload |
//!
//! The file must be exactly `52 + n` bytes long, so a truncated file (or one with bytes
//! appended) is detected before anything is decoded, and the checksum is verified before
//! the payload is decoded.
//!
//! The payload is a sequence of fields with no padding. An *array* is a `u64` count
//! followed by that many values (`u8`, `u32`, `u64`, `i64`, `f32` or `f64`); a *string*
//! is an array of UTF-8 bytes; *interned strings* are a string holding them all, an array
//! of `u32` end offsets (one per string, in id order) and an array of the `u32` ids
//! sorted by string; *rows* are an array of `u32` row ends (one per row) and an array of
//! the `u32` values of all rows. In order:
//!
//! 1. labels: interned strings (the label vocabulary of posts and users).
//! 2. users: ids (interned); attribute names and values (interned); attributes: row ends,
//!    name ids, value ids; muted-word vocabulary (interned); muted words (rows); hidden
//!    labels (rows).
//! 3. graph: follows, mutes, blocks, each as rows of target users per user, strictly
//!    increasing.
//! 4. posts: ids and topic vocabulary (interned); author (`u32`), created at (`i64`),
//!    reply to and repost of (`u32`, `0xFFFFFFFF` for none), one array each; labels and
//!    topics (rows); all texts (string) and each text's end (`u64` array); features:
//!    names (interned), row count (`u64`), per name its block (`u8` array, 0 single
//!    precision, 1 double) and its position in the block's rows (`u32` array), the two
//!    block widths (`u64`), the `f32` block and the `f64` block (row-major, NaN where a
//!    post has no value).
//! 5. engagements: user (`u32`), post (`u32`), kind (`u8`, the index in
//!    [`EngagementKind::ALL`](crate::EngagementKind::ALL)), at (`i64`), rating (`f64`,
//!    NaN for none), one array each, in input order.
//! 6. page rank: a `u8` (0 absent, 1 present), then when present an `f64` array.
//! 7. bridging models: a `u64` count, then per model its [`BridgingConfig`] fields in
//!    declaration order (`f64` × 4, `u32` max iterations, `f64` tolerance, `u32` min
//!    raters, `u64` seed), μ (`f64`), user intercepts, user factors, post intercepts,
//!    post factors (`f64` arrays), ratings per user (`u32` array), raters per post on the
//!    negative then the positive side (`u32` array of two per post), observations
//!    (`u64`), iterations (`u32`), final loss (`f64`), converged (`u8`).
//!
//! # What loading checks
//!
//! Every way a file can be wrong is an [`ErrorKind::Malformed`](crate::ErrorKind::Malformed)
//! error naming the file, the byte offset of the field and the field (e.g.
//! `world.snap byte 1234: field `posts.author`: value 7 is 912: no such user (there are
//! 500)`), never a panic: a wrong magic, another format version (the message says which
//! version the file has and which this build reads), a length that does not match the
//! file, a checksum mismatch, then while decoding any array longer than the bytes left
//! (checked before allocating), and any value the builder would not produce: ids out of
//! range, offsets that decrease or split a UTF-8 character, repeated ids or edges,
//! self-edges, unknown engagement kinds, ratings outside `[0, 1]`, infinite features,
//! model arrays of the wrong length or non-finite parameters, bytes after the last field.
//! The checksum guards against accidental corruption only (anyone who can write the file
//! can recompute it); the checks above are what make a crafted file with a correct
//! checksum safe to load: it loads as some valid dataset or fails with an error.
//!
//! # Writing
//!
//! [`Dataset::save`] writes to a temporary file in the target's directory, syncs it to
//! disk, renames it over the target and syncs the directory, so the target name only
//! ever shows a complete snapshot and a failure leaves any previous file intact. The file
//! is created readable and writable by its owner only (mode 0600 on Unix): it holds the
//! mutes and blocks, which are private.

mod decode;
mod encode;
mod live;

pub use live::{Batch, LiveDataset, Snapshot};

use crate::bridging::BridgingConfig;
use crate::error::Location;
use crate::io::io_error;
use crate::{Dataset, Error, Result};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufWriter, Cursor, Read};
use std::path::Path;

/// The first bytes of every snapshot.
pub const MAGIC: [u8; 8] = *b"GLFDSNAP";
/// The snapshot format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// Bytes before the payload: magic, version, payload length, SHA-256.
const HEADER_LEN: usize = 8 + 4 + 8 + 32;
/// Write buffer of [`Dataset::save`].
const WRITE_BUFFER: usize = 1 << 20;

/// A fixed-size little-endian value of the format.
pub(crate) trait Le: Copy {
    const SIZE: usize;
    fn put(self, out: &mut Vec<u8>);
    /// Reads a value from exactly `SIZE` bytes.
    fn get(bytes: &[u8]) -> Self;
}

macro_rules! little_endian {
    ($($t:ty),*) => {$(
        impl Le for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            #[inline]
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            #[inline]
            fn get(bytes: &[u8]) -> Self {
                let mut b = [0u8; std::mem::size_of::<$t>()];
                b.copy_from_slice(bytes);
                <$t>::from_le_bytes(b)
            }
        }
    )*};
}
little_endian!(u8, u32, u64, i64, f32, f64);

/// An error about the header field at byte `offset`.
fn header_error(source: &str, offset: u64, field: &str, message: impl Into<String>) -> Error {
    let at = Location { source: source.to_string(), unit: "byte", index: offset };
    Error::malformed(&at, field, message)
}

/// Checks the header (`head`: the file's first bytes, up to [`HEADER_LEN`]) against the
/// file's length; returns the payload length and checksum.
fn check_header(head: &[u8], file_len: u64, source: &str) -> Result<(usize, [u8; 32])> {
    if head.len() < MAGIC.len() || head[..MAGIC.len()] != MAGIC {
        let what = if file_len < MAGIC.len() as u64 { format!(" ({file_len} bytes)") } else { String::new() };
        return Err(header_error(
            source,
            0,
            "header.magic",
            format!("not a glassfeed snapshot{what}: it does not start with `GLFDSNAP`"),
        ));
    }
    if head.len() < 12 {
        return Err(header_error(source, 8, "header.version", "truncated inside the header"));
    }
    let version = u32::get(&head[8..12]);
    if version != FORMAT_VERSION {
        return Err(header_error(
            source,
            8,
            "header.version",
            format!(
                "snapshot format version {version}; this build of glassfeed reads version {FORMAT_VERSION}"
            ),
        ));
    }
    if head.len() < HEADER_LEN {
        let message = format!("truncated: {file_len} bytes, shorter than the {HEADER_LEN}-byte header");
        return Err(header_error(source, 12, "header.length", message));
    }
    let announced = u64::get(&head[12..20]);
    let held = file_len - HEADER_LEN as u64;
    if announced != held {
        let message = if announced > held {
            format!("the header announces {announced} payload bytes but the file holds {held}: truncated")
        } else {
            format!("the header announces {announced} payload bytes but the file holds {held}")
        };
        return Err(header_error(source, 12, "header.length", message));
    }
    let mut checksum = [0u8; 32];
    checksum.copy_from_slice(&head[20..HEADER_LEN]);
    Ok((held as usize, checksum))
}

/// Verifies the checksum, then decodes.
fn decode_payload(payload: &[u8], checksum: &[u8; 32], source: &str) -> Result<Dataset> {
    if Sha256::digest(payload)[..] != checksum[..] {
        return Err(header_error(source, 20, "header.checksum", "checksum mismatch: the file is corrupt"));
    }
    decode::Decoder::new(payload, source).dataset()
}

impl Dataset {
    /// Writes the dataset, with its page rank and bridging models when computed, as a
    /// binary snapshot (see [the format](crate::snapshot)) that [`Dataset::load`] reads
    /// back into an equal dataset.
    ///
    /// Atomic: the snapshot is written to a temporary file in the same directory, synced
    /// and renamed over `path`; on failure `path` is left as it was and the temporary
    /// file is removed.
    ///
    /// ```
    /// # use glassfeed::{synth, Dataset, Pipeline, RankOptions, UserId};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let ds = synth::generate(&synth::SynthConfig::with_users(200))?;
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("world.snap");
    /// ds.save(&path)?;
    /// let loaded = Dataset::load(&path)?;
    /// assert_eq!(loaded, ds);
    /// let pipeline = Pipeline::preset("engagement")?;
    /// let options = RankOptions::default();
    /// assert_eq!(pipeline.rank(&loaded, UserId(3), &options)?, pipeline.rank(&ds, UserId(3), &options)?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let temp = tempfile::Builder::new()
            .prefix(".glassfeed-snapshot-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| io_error(dir, e))?;
        let temp_path = temp.path().to_path_buf();
        let writer = BufWriter::with_capacity(WRITE_BUFFER, temp);
        let writer = encode::write_snapshot(self, writer).map_err(|e| io_error(&temp_path, e))?;
        let temp = writer.into_inner().map_err(|e| io_error(&temp_path, e.into_error()))?;
        temp.as_file().sync_all().map_err(|e| io_error(&temp_path, e))?;
        temp.persist(path).map_err(|e| io_error(path, e.error))?;
        #[cfg(unix)]
        File::open(dir).and_then(|d| d.sync_all()).map_err(|e| io_error(dir, e))?;
        Ok(())
    }

    /// Reads a snapshot written by [`Dataset::save`], checking it whole (see
    /// [what loading checks](crate::snapshot#what-loading-checks)); page rank and bridging
    /// models saved with it are cached in the dataset, not recomputed.
    ///
    /// ```
    /// # use glassfeed::{synth, Dataset, ErrorKind};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("world.snap");
    /// synth::generate(&synth::SynthConfig::with_users(100))?.save(&path)?;
    /// let mut bytes = std::fs::read(&path)?;
    /// bytes.truncate(bytes.len() - 1);
    /// std::fs::write(&path, &bytes)?;
    /// let err = Dataset::load(&path).unwrap_err();
    /// assert!(matches!(err.kind(), ErrorKind::Malformed { .. }));
    /// assert!(err.to_string().contains("truncated"), "{err}");
    /// # Ok(())
    /// # }
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<Dataset> {
        let path = path.as_ref();
        let source = path.display().to_string();
        let mut file = File::open(path).map_err(|e| io_error(path, e))?;
        let file_len = file.metadata().map_err(|e| io_error(path, e))?.len();
        let mut head = Vec::with_capacity(HEADER_LEN);
        (&mut file).take(HEADER_LEN as u64).read_to_end(&mut head).map_err(|e| io_error(path, e))?;
        let (len, checksum) = check_header(&head, file_len, &source)?;
        let mut payload = Vec::with_capacity(len);
        file.take(len as u64).read_to_end(&mut payload).map_err(|e| io_error(path, e))?;
        if payload.len() != len {
            let message = format!("the file shrank to {} payload bytes while it was read", payload.len());
            return Err(header_error(&source, 12, "header.length", message));
        }
        decode_payload(&payload, &checksum, &source)
    }

    /// The snapshot [`Dataset::save`] writes, in memory.
    pub fn to_snapshot_bytes(&self) -> Vec<u8> {
        let out = encode::write_snapshot(self, Cursor::new(Vec::new()));
        // Writing to memory cannot fail.
        out.map(Cursor::into_inner).unwrap_or_default()
    }

    /// Reads a snapshot from memory, checked like [`Dataset::load`] (errors name the
    /// source `snapshot`).
    pub fn from_snapshot_bytes(bytes: &[u8]) -> Result<Dataset> {
        let source = "snapshot";
        let head = &bytes[..bytes.len().min(HEADER_LEN)];
        let (_, checksum) = check_header(head, bytes.len() as u64, source)?;
        decode_payload(&bytes[HEADER_LEN..], &checksum, source)
    }

    /// The configurations of the bridging models fitted on this dataset so far (those a
    /// snapshot saves), in the order they were fitted.
    pub fn fitted_bridging_configs(&self) -> Vec<BridgingConfig> {
        self.bridging_fits().into_iter().map(|(config, _)| config).collect()
    }
}

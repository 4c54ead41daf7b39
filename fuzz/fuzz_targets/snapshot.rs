//! The snapshot decoder: the input is a snapshot's payload, behind a header with the right
//! magic, version, length and SHA-256 (so the decoder itself is exercised, not only the
//! checksum). A payload that decodes must encode to the same bytes and rank without
//! panicking.
#![no_main]

use glassfeed::snapshot::{FORMAT_VERSION, MAGIC};
use glassfeed::{Dataset, Pipeline};
use glassfeed_fuzz::{exercise, Calls};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fuzz_target!(|payload: &[u8]| {
    let mut file = Vec::with_capacity(52 + payload.len());
    file.extend_from_slice(&MAGIC);
    file.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    file.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    file.extend_from_slice(&Sha256::digest(payload));
    file.extend_from_slice(payload);
    let Ok(ds) = Dataset::from_snapshot_bytes(&file) else { return };
    assert_eq!(ds.to_snapshot_bytes(), file, "a decoded snapshot encodes to the same bytes");
    let pipeline = Pipeline::preset("engagement").expect("preset");
    exercise(&ds, &pipeline, Calls::default());
});

//! Python bindings (`glassfeed._core`), built by maturin with the `python` feature.
//!
//! This is the only module that imports pyo3. Every class wraps a core type behind an
//! [`Arc`](std::sync::Arc) so that ranking can release the GIL and run in parallel while
//! Python keeps the objects alive; every error is mapped to a `glassfeed.GlassfeedError`
//! subclass with the core error's message ([`errors`]).
//!
//! Layout: [`errors`] (exceptions), [`dataset`] (`Dataset`: JSON Lines, frames, counts),
//! [`ingest`] (cells of pandas frames to records), [`pipeline`] (`Pipeline`: presets,
//! specs, `rank`, `rank_all`, `why_not`, `compare`), [`feed`] (`Feed`, `FeedItem`,
//! `Feeds`), [`convert`] (JSON and frame helpers), [`synth`] (`glassfeed.synth`).

mod audit;
mod convert;
mod dataset;
mod errors;
mod feed;
mod ingest;
mod pipeline;
mod synth;

use pyo3::prelude::*;

/// The native module `glassfeed._core`; `glassfeed/__init__.py` re-exports it.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("GlassfeedError", py.get_type::<errors::GlassfeedError>())?;
    m.add("DataError", py.get_type::<errors::DataError>())?;
    m.add("IoError", py.get_type::<errors::IoError>())?;
    m.add("SpecError", py.get_type::<errors::SpecError>())?;
    m.add("ScoreError", py.get_type::<errors::ScoreError>())?;
    m.add("ArgumentError", py.get_type::<errors::ArgumentError>())?;
    m.add_class::<dataset::PyDataset>()?;
    m.add_class::<pipeline::PyPipeline>()?;
    m.add_class::<feed::PyFeed>()?;
    m.add_class::<feed::PyFeedItem>()?;
    m.add_class::<feed::PyFeeds>()?;
    m.add_function(wrap_pyfunction!(synth::synth, m)?)?;
    audit::register(m)?;
    Ok(())
}

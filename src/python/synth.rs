//! `glassfeed.synth(users=, seed=, **config)`: the seeded synthetic town square.

use super::dataset::PyDataset;
use super::errors::{argument, IntoPy};
use crate::synth::{generate, SynthConfig};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::Value;

/// Generates a seeded synthetic town square (users ``u0``… in viewpoint communities with
/// ``attrs.viewpoint``, a follow graph, posts ``p0``…, engagements). Any other field of
/// the Rust ``SynthConfig`` may be given by keyword (``communities``,
/// ``community_shares``, ``homophily``, ``posts_per_user``, …); giving ``communities``
/// without shares or names uses equal shares and default names. The GIL is released
/// while generating.
#[pyfunction]
#[pyo3(signature = (users = 20000, seed = 42, **config))]
pub(crate) fn synth(
    py: Python<'_>,
    users: i128,
    seed: i128,
    config: Option<&Bound<'_, PyDict>>,
) -> PyResult<PyDataset> {
    let users = u32::try_from(users)
        .ok()
        .filter(|&u| u >= 1)
        .ok_or_else(|| argument("users", format!("{users} is not in 1..=4294967294")))?;
    let seed = u64::try_from(seed).map_err(|_| argument("seed", format!("{seed} is not in [0, 2**64)")))?;
    let mut fields = serde_json::Map::new();
    if let Some(config) = config {
        let text: String = py.import("json")?.call_method1("dumps", (config,))?.extract()?;
        let Ok(Value::Object(given)) = serde_json::from_str::<Value>(&text) else {
            return Err(argument("config", "keyword values must be finite numbers, strings or lists"));
        };
        fields = given;
    }
    if fields.contains_key("communities") {
        for key in ["community_shares", "community_names"] {
            fields.entry(key).or_insert(Value::Array(Vec::new()));
        }
    }
    fields.insert("users".into(), users.into());
    fields.insert("seed".into(), seed.into());
    let config: SynthConfig =
        serde_json::from_value(Value::Object(fields)).map_err(|e| argument("config", e))?;
    let ds = py.allow_threads(|| generate(&config)).py_err()?;
    Ok(PyDataset::new(ds))
}

//! Which stages account for the difference between two pipelines' feeds.
//!
//! Pipeline A is edited towards pipeline B one stage at a time, by editing A's canonical
//! spec ([`Pipeline::spec`]) and rebuilding it with [`Pipeline::from_value`]:
//!
//! * a stage of A absent from B (no stage with that id in the same role) is **removed**;
//! * a stage of A whose id B has with other parameters is **replaced** by B's version;
//! * a stage of B absent from A is **added** at B's position (clamped to A's list);
//! * a different selector is **replaced** by B's.
//!
//! Each edited pipeline ranks the same viewers, and the edit's effect is
//! `gain = mean RBO(A edited, B) − mean RBO(A, B)` (RBO as in [`rbo_ext`](super::rbo_ext)):
//! how much closer to B that single edit brings A's feeds. Gains need not add up (stages
//! interact), and a negative gain means the stage on its own moves A away from B. An edit
//! that makes an invalid pipeline (e.g. removing the only source) is reported with its
//! error and no gain; so is any edit of a pipeline with custom stages (built with
//! [`Pipeline::from_stages`]), which cannot be rebuilt from its spec.

use crate::audit::diff::{check_p, mean_rbo};
use crate::engine::RankOptions;
use crate::error::Result;
use crate::model::{Dataset, UserId};
use crate::pipeline::Pipeline;
use crate::stages::ExplainMode;
use serde::Serialize;
use serde_json::Value;

/// The stage lists of a canonical spec, in execution order.
pub(crate) const ROLES: [&str; 4] = ["sources", "filters", "scorers", "rescorers"];

/// The stage objects of `role` in `spec` (empty when absent).
pub(crate) fn stages<'a>(spec: &'a Value, role: &str) -> &'a [Value] {
    spec.get(role).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// A copy of `spec` with the list of `role` edited.
pub(crate) fn edited(spec: &Value, role: &str, edit: impl FnOnce(&mut Vec<Value>)) -> Value {
    let mut spec = spec.clone();
    if let Some(Value::Array(list)) = spec.get_mut(role) {
        edit(list);
    }
    spec
}

fn id(stage: &Value) -> &str {
    stage.get("stage").and_then(Value::as_str).unwrap_or("")
}

/// One edit of A towards B and its effect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageEdit {
    /// `sources`, `filters`, `scorers`, `rescorers` or `selector`.
    pub role: String,
    /// The stage id.
    pub stage: String,
    /// `removed`, `replaced` or `added`.
    pub change: String,
    /// The stage object in A (absent when added).
    pub from: Option<Value>,
    /// The stage object from B (absent when removed).
    pub to: Option<Value>,
    /// Mean RBO between the edited A and B.
    pub mean_rbo: Option<f64>,
    /// `mean_rbo − baseline_rbo`: how much closer to B this edit alone brings A.
    pub rbo_gain: Option<f64>,
    /// Why no gain was measured, if so.
    pub note: Option<String>,
}

/// The result of [`stage_attribution`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageAttribution {
    /// Pipeline A's name.
    pub a: String,
    /// A's fingerprint.
    pub a_fingerprint: String,
    /// Pipeline B's name.
    pub b: String,
    /// B's fingerprint.
    pub b_fingerprint: String,
    /// Viewers ranked.
    pub viewers: usize,
    /// RBO persistence.
    pub p: f64,
    /// Mean RBO between A's and B's feeds.
    pub baseline_rbo: Option<f64>,
    /// One entry per edit, sources to selector, in spec order.
    pub edits: Vec<StageEdit>,
}

/// The single-stage edits that turn A towards B (see the [module docs](self)).
fn plan(a: &Value, b: &Value) -> Vec<(StageEdit, Value)> {
    let mut out = Vec::new();
    let edit = |role: &str, stage: &str, change: &str, from: Option<&Value>, to: Option<&Value>| StageEdit {
        role: role.to_string(),
        stage: stage.to_string(),
        change: change.to_string(),
        from: from.cloned(),
        to: to.cloned(),
        mean_rbo: None,
        rbo_gain: None,
        note: None,
    };
    for role in ROLES {
        let (la, lb) = (stages(a, role), stages(b, role));
        for (i, sa) in la.iter().enumerate() {
            if lb.contains(sa) {
                continue;
            }
            match lb.iter().find(|sb| id(sb) == id(sa)) {
                Some(sb) => {
                    let spec = edited(a, role, |l| l[i] = sb.clone());
                    out.push((edit(role, id(sa), "replaced", Some(sa), Some(sb)), spec));
                }
                None => {
                    let spec = edited(a, role, |l| {
                        l.remove(i);
                    });
                    out.push((edit(role, id(sa), "removed", Some(sa), None), spec));
                }
            }
        }
        for (j, sb) in lb.iter().enumerate() {
            if la.contains(sb) || la.iter().any(|sa| id(sa) == id(sb)) {
                continue;
            }
            let spec = edited(a, role, |l| l.insert(j.min(l.len()), sb.clone()));
            out.push((edit(role, id(sb), "added", None, Some(sb)), spec));
        }
    }
    if let (Some(sa), Some(sb)) = (a.get("selector"), b.get("selector")) {
        if sa != sb {
            let mut spec = a.clone();
            spec["selector"] = sb.clone();
            out.push((edit("selector", id(sa), "replaced", Some(sa), Some(sb)), spec));
        }
    }
    out
}

/// Ranks `viewers` with A, B and every single-stage edit of A towards B, and reports how
/// much closer to B each edit brings A (mean RBO with persistence `p`).
pub fn stage_attribution(
    ds: &Dataset,
    a: &Pipeline,
    b: &Pipeline,
    viewers: &[UserId],
    options: &RankOptions,
    p: f64,
) -> Result<StageAttribution> {
    check_p(p)?;
    let options = RankOptions { explain: ExplainMode::Off, ..*options };
    let fa = a.rank_all(ds, viewers, &options)?;
    let fb = b.rank_all(ds, viewers, &options)?;
    let baseline = mean_rbo(&fa, &fb, p);
    let mut edits = Vec::new();
    for (mut edit, spec) in plan(a.spec(), b.spec()) {
        match Pipeline::from_value(spec) {
            Ok(pipeline) => match pipeline.rank_all(ds, viewers, &options) {
                Ok(fe) => {
                    edit.mean_rbo = mean_rbo(&fe, &fb, p);
                    edit.rbo_gain = edit.mean_rbo.zip(baseline).map(|(e, b)| e - b);
                }
                Err(e) => edit.note = Some(e.to_string()),
            },
            Err(e) => edit.note = Some(e.to_string()),
        }
        edits.push(edit);
    }
    Ok(StageAttribution {
        a: a.name().to_string(),
        a_fingerprint: a.fingerprint().to_string(),
        b: b.name().to_string(),
        b_fingerprint: b.fingerprint().to_string(),
        viewers: viewers.len(),
        p,
        baseline_rbo: baseline,
        edits,
    })
}

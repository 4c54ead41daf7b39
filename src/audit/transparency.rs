//! Transparency report (EU Digital Services Act, Regulation 2022/2065, Art. 27): "the main
//! parameters used in their recommender systems, as well as any options for the
//! recipients of the service to modify or influence those main parameters", with "the
//! reasons for the relative importance of those parameters".
//!
//! For one pipeline the report lists every stage with its parameters (from the canonical
//! spec, defaults filled) and declared inputs, and measures its relative importance over
//! a population of feeds (the viewers given):
//!
//! * **Share of rank changes** (every stage but the selector): the stage is removed from
//!   the spec, the pipeline rebuilt and every feed re-ranked; the share is
//!   `Σ_viewers #{ranks r ≤ max(len, len') whose post differs} / Σ_viewers max(len, len')`.
//!   For a source this is the share of feed items that change when it stops proposing
//!   candidates. The only source of a pipeline cannot be removed, and a pipeline with
//!   custom stages ([`Pipeline::from_stages`]) cannot be rebuilt from its spec: those
//!   stages get a note instead of a share.
//! * **Share of score variance** (scorers and rescorers): over every scored candidate of
//!   the viewers' feeds (selected or cut, from `summary` explanations) whose score and
//!   stage value are positive, `Var(ln value) / Var(ln score)`. For a factor or rescorer
//!   `ln value` is an exact additive part of `ln score`; for a term it is the log of that
//!   term alone. Shares need not add up to 1: stages co-vary.
//!
//! The report ends with the options a user can switch to: the built-in presets with a
//! one-line description each. Render it with [`TransparencyReport::to_markdown`] or
//! serialise it (serde) to JSON.

use crate::audit::attribution::{edited, stages, ROLES};
use crate::engine::{Feed, RankOptions};
use crate::error::Result;
use crate::model::{Dataset, UserId};
use crate::pipeline::{Pipeline, PRESETS};
use crate::stages::{ExplainMode, Input};
use serde::Serialize;
use serde_json::Value;

/// One stage of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageReport {
    /// `sources`, `filters`, `scorers`, `rescorers` or `selector`.
    pub role: String,
    /// Stage id.
    pub stage: String,
    /// Parameters with defaults filled.
    pub params: Value,
    /// Declared inputs.
    pub reads: Vec<Input>,
    /// Share of feed slots that change when the stage is removed.
    pub rank_change_share: Option<f64>,
    /// `Var(ln value) / Var(ln score)` over scored candidates (scorers and rescorers).
    pub score_variance_share: Option<f64>,
    /// Candidates used for the variance share.
    pub variance_samples: usize,
    /// Why a measure is missing, if so.
    pub note: Option<String>,
}

/// An option a user can switch to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PresetOption {
    /// Preset name ([`Pipeline::preset`]).
    pub name: String,
    /// Its fingerprint.
    pub fingerprint: String,
    /// One line for people.
    pub description: String,
}

/// The report of [`transparency_report`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransparencyReport {
    /// Pipeline name.
    pub pipeline: String,
    /// Pipeline fingerprint.
    pub fingerprint: String,
    /// The canonical spec (every parameter, defaults filled).
    pub parameters: Value,
    /// Feeds measured.
    pub feeds: usize,
    /// Every stage, in execution order.
    pub stages: Vec<StageReport>,
    /// The presets a user can choose instead.
    pub alternatives: Vec<PresetOption>,
}

/// A one-line description of a preset.
pub fn preset_description(name: &str) -> &'static str {
    match name {
        "chronological" => {
            "Posts from accounts you follow, newest first; reads no engagement data (the non-profiling option)."
        }
        "engagement" => "X-style \"For You\": your network plus posts your follows engaged with, ranked by predicted engagement, with author diversity.",
        "hacker_news" => "Hacker News gravity: likes^0.8 / (age + 2)^1.8 over your network and its social proof.",
        "reddit_hot" => "Reddit \"hot\": log10 of net votes plus a bonus for newer posts.",
        "lemmy" => "Lemmy \"hot rank\": log10 of the score, decaying with (age + 2)^1.8, zero after a week.",
        "bridging" => "Bridging: posts liked across the viewpoint divide rank higher (Community Notes-style matrix factorisation).",
        _ => "A built-in preset.",
    }
}

fn slot_changes(a: &[Feed], b: &[Feed]) -> Option<f64> {
    let (mut changed, mut slots) = (0usize, 0usize);
    for (x, y) in a.iter().zip(b) {
        let n = x.items.len().max(y.items.len());
        slots += n;
        changed +=
            (0..n).filter(|&i| x.items.get(i).map(|t| t.post) != y.items.get(i).map(|t| t.post)).count();
    }
    (slots > 0).then(|| changed as f64 / slots as f64)
}

fn variance(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let m = values.iter().sum::<f64>() / n;
    values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n
}

/// `Var(ln x) / Var(ln score)` over candidates where both are positive.
fn variance_share(pairs: &[(f64, f64)]) -> (Option<f64>, usize) {
    if pairs.len() < 2 {
        return (None, pairs.len());
    }
    let (x, l): (Vec<f64>, Vec<f64>) = pairs.iter().map(|&(x, s)| (x.ln(), s.ln())).unzip();
    let vl = variance(&l);
    ((vl > 0.0).then(|| variance(&x) / vl), pairs.len())
}

/// Measures `pipeline` over `viewers` (see the [module docs](self)). `options.k` and
/// `options.now` apply to every ranking; explanations are chosen by the report.
pub fn transparency_report(
    ds: &Dataset,
    pipeline: &Pipeline,
    viewers: &[UserId],
    options: &RankOptions,
) -> Result<TransparencyReport> {
    let off = RankOptions { explain: ExplainMode::Off, ..*options };
    let explained =
        pipeline.rank_all(ds, viewers, &RankOptions { explain: ExplainMode::Summary, ..*options })?;
    let feeds: Vec<Feed> = explained.iter().map(|f| Feed { explanations: Vec::new(), ..f.clone() }).collect();
    let spec = pipeline.spec();
    let inputs = pipeline.inputs();
    let mut reports = Vec::new();
    let mut flat = 0;
    for role in ROLES {
        let list = stages(spec, role);
        for (i, object) in list.iter().enumerate() {
            let stage = object.get("stage").and_then(Value::as_str).unwrap_or("").to_string();
            let mut params = object.clone();
            if let Value::Object(m) = &mut params {
                m.remove("stage");
            }
            let mut report = StageReport {
                role: role.to_string(),
                stage: stage.clone(),
                params,
                reads: inputs.get(flat).map(|(_, r)| r.clone()).unwrap_or_default(),
                rank_change_share: None,
                score_variance_share: None,
                variance_samples: 0,
                note: None,
            };
            flat += 1;
            if role == "sources" && list.len() == 1 {
                report.note = Some("the only source: without it there is no feed".into());
            } else {
                let without = edited(spec, role, |l| {
                    l.remove(i);
                });
                match Pipeline::from_value(without).and_then(|p| p.rank_all(ds, viewers, &off)) {
                    Ok(ablated) => report.rank_change_share = slot_changes(&feeds, &ablated),
                    Err(e) => report.note = Some(format!("could not rank without it: {e}")),
                }
            }
            if role == "scorers" || role == "rescorers" {
                // The k-th stage with this id matches the k-th entry with this id.
                let k = list[..i].iter().filter(|o| o.get("stage") == object.get("stage")).count();
                let mut pairs = Vec::new();
                for e in explained.iter().flat_map(|f| &f.explanations) {
                    let Some(score) = e.score.filter(|s| *s > 0.0 && s.is_finite()) else { continue };
                    let entries: Vec<&crate::StageValue> = if role == "rescorers" {
                        e.rescores.iter().filter(|v| v.stage == stage).collect()
                    } else {
                        e.terms.iter().chain(&e.factors).filter(|v| v.stage == stage).collect()
                    };
                    if let Some(v) = entries.get(k).map(|v| v.value).filter(|v| *v > 0.0) {
                        pairs.push((v, score));
                    }
                }
                (report.score_variance_share, report.variance_samples) = variance_share(&pairs);
            }
            reports.push(report);
        }
    }
    if let Some(selector) = spec.get("selector") {
        let mut params = selector.clone();
        if let Value::Object(m) = &mut params {
            m.remove("stage");
        }
        reports.push(StageReport {
            role: "selector".into(),
            stage: selector.get("stage").and_then(Value::as_str).unwrap_or("").to_string(),
            params,
            reads: inputs.get(flat).map(|(_, r)| r.clone()).unwrap_or_default(),
            rank_change_share: None,
            score_variance_share: None,
            variance_samples: 0,
            note: Some("the selector cuts the ranked list; it is not removable".into()),
        });
    }
    let mut alternatives = Vec::new();
    for name in PRESETS {
        alternatives.push(PresetOption {
            name: name.to_string(),
            fingerprint: Pipeline::preset(name)?.fingerprint().to_string(),
            description: preset_description(name).to_string(),
        });
    }
    Ok(TransparencyReport {
        pipeline: pipeline.name().to_string(),
        fingerprint: pipeline.fingerprint().to_string(),
        parameters: spec.clone(),
        feeds: viewers.len(),
        stages: reports,
        alternatives,
    })
}

fn input_label(input: &Input) -> String {
    match serde_json::to_value(input) {
        Ok(Value::String(s)) => s,
        Ok(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| format!("{k} `{}`", v.as_str().unwrap_or("")))
            .collect::<Vec<_>>()
            .join(", "),
        _ => format!("{input:?}"),
    }
}

fn percent(x: Option<f64>) -> String {
    x.map_or("—".to_string(), |x| format!("{:.1}%", 100.0 * x))
}

impl TransparencyReport {
    /// The report as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut md = format!(
            "# How the `{}` feed is ranked\n\nAlgorithm fingerprint `{}`. Importance measured over {} feeds.\n\n",
            self.pipeline, self.fingerprint, self.feeds
        );
        md.push_str("## Main parameters and their relative importance\n\n");
        md.push_str("| step | stage | parameters | reads | feed positions that change without it | share of score variance |\n");
        md.push_str("|---|---|---|---|---:|---:|\n");
        for s in &self.stages {
            let params = match &s.params {
                Value::Object(m) if m.is_empty() => "—".to_string(),
                p => format!("`{p}`"),
            };
            let reads: Vec<String> = s.reads.iter().map(input_label).collect();
            let reads = if reads.is_empty() { "—".to_string() } else { reads.join("; ") };
            let change = match (&s.rank_change_share, &s.note) {
                (None, Some(note)) => format!("— ({note})"),
                (share, _) => percent(*share),
            };
            md.push_str(&format!(
                "| {} | `{}` | {} | {} | {} | {} |\n",
                s.role,
                s.stage,
                params,
                reads,
                change,
                percent(s.score_variance_share)
            ));
        }
        md.push_str(
            "\nPositions that change: each stage is removed in turn and every feed re-ranked; the share of \
             feed positions holding a different post. Score variance: Var(ln stage value) / Var(ln score) \
             over every scored candidate (shares need not add up to 100%: stages co-vary).\n\n",
        );
        md.push_str("## Options you can switch to\n\n| option | what it does |\n|---|---|\n");
        for o in &self.alternatives {
            md.push_str(&format!("| `{}` | {} |\n", o.name, o.description));
        }
        md
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("reports serialise")
    }
}

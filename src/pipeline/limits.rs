//! [`Limits`]: what a pipeline spec from an untrusted source may ask for, and how much
//! work one of its feeds may do.
//!
//! A platform that lets its users choose or write their own ranking algorithm runs specs
//! written by anyone. [`Pipeline::from_json_with_limits`](crate::Pipeline::from_json_with_limits)
//! checks such a spec against a `Limits` before building it (an over-limit spec is an
//! [`ErrorKind::Spec`](crate::ErrorKind::Spec) error naming the stage, its place in the spec,
//! the parameter and the limit), and the engine bounds the data-dependent work of every feed
//! the pipeline ranks (see [`Limits`] for the truncation rules, and
//! [`Feed::work`](crate::Feed::work) for what one feed did).
//!
//! Trusted pipelines ([`Pipeline::from_json`](crate::Pipeline::from_json),
//! [`Pipeline::preset`](crate::Pipeline::preset)) run with [`Limits::unbounded`]: exactly
//! as before limits existed. Every preset passes [`Limits::default`].

use crate::error::{ErrorKind, Result};
use crate::Error;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Bounds on an untrusted pipeline: its spec (checked when it is built) and the work of
/// each feed it ranks (enforced by the engine).
///
/// The defaults are safe for a public town square: every preset passes them, and a feed
/// ranked under them reads at most a few hundred thousand index entries whatever the spec
/// asks for. Fields are public so an operator can tighten or loosen one:
///
/// ```
/// use glassfeed::{Limits, Pipeline};
/// let mut limits = Limits::default();
/// limits.max_k = 100;
/// let spec = r#"{"sources":[{"stage":"in_network"}],"selector":{"stage":"top_k","k":1000}}"#;
/// let err = Pipeline::from_json_with_limits(spec, &limits).unwrap_err();
/// assert!(err.to_string().contains("more than the limit of 100"), "{err}");
/// # Ok::<(), glassfeed::Error>(())
/// ```
///
/// # Work limits and truncation
///
/// Candidates and fan-out depend on the data (a viewer who follows 50,000 accounts, a
/// followee with a million likes), so they cannot be checked in the spec. A feed that would
/// exceed one is **truncated deterministically** rather than refused: the viewer still gets
/// a feed, the same one for any thread count, and every explanation of that feed lists
/// which limits applied (`limits` in [`Explanation`](crate::Explanation), also in
/// [`FeedWork::limited`](crate::FeedWork::limited)). The rules:
///
/// * **Followees**: in-network and social-proof sourcing read the first
///   `max_followees_scanned` accounts the viewer follows, in dataset order (the order users
///   were added). Whether the viewer follows an author (for `out_of_network`, `top_k`
///   caps) still considers every follow.
/// * **Fair share, newest first**: when the followees' posts in an `in_network` window
///   (or their engagements in the social-proof window) exceed the budget, every followee
///   contributes its newest `q` of them, with `q` the largest quota whose total fits the
///   budget; followees with fewer keep all of theirs.
/// * **Posts read by sources** (`max_posts_scanned`, one budget per feed shared by the
///   sources in spec order): `in_network` reads at most the budget by the fair-share rule;
///   `popular` and `bridging_posts` stop walking their global rankings when it is spent.
/// * **Candidates**: when the sources propose more than `max_candidates` distinct posts,
///   the newest `max_candidates` are ranked (by `created_at` descending, then external id
///   ascending); [`Pipeline::why_not`](crate::Pipeline::why_not) says so for a dropped one.
/// * **Viewer history**: `seen` and `author_affinity` read the viewer's newest
///   `max_history_scanned` engagements at or before `now`.
/// * **Feed length**: a `k` asked for at ranking time above `max_k` is an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct Limits {
    /// Largest spec, in bytes of JSON (default 65,536: the presets take about 1,500).
    pub max_spec_bytes: usize,
    /// Most stages in one section: sources, filters, scorers or rescorers (default 16).
    pub max_stages_per_section: usize,
    /// Most stages in all, the selector included (default 40).
    pub max_stages: usize,
    /// Most entries in a list or table parameter: `weights`, `labels`, `drop` (default 64).
    pub max_list_len: usize,
    /// Longest string in a spec: the pipeline name, feature and label names (default 128
    /// bytes).
    pub max_name_bytes: usize,
    /// Longest feed: `k`, `max_in_network`, `max_out_of_network`, and `k` at ranking time
    /// (default 500).
    pub max_k: usize,
    /// Longest time window of a source or filter, in hours (default 720: 30 days).
    pub max_window_hours: f64,
    /// Largest magnitude of a weight, factor, multiplier or score threshold (default 1e6:
    /// the heavy ranker's largest published weight is 369).
    pub max_abs_weight: f64,
    /// Largest exponent (`hn_gravity`'s `gravity` and `exponent`; default 10).
    pub max_exponent: f64,
    /// Most distinct bridging models a pipeline may fit (distinct `min_raters`/`seed` of
    /// `bridging` and `bridging_posts` stages; each fit reads every rating; default 1).
    pub max_bridging_fits: usize,
    /// Most candidates ranked per feed (default 20,000: four times what a viewer following
    /// 600 active accounts gets in 48 hours in the synthetic town square); also bounds `n`
    /// of `popular` and `bridging_posts`.
    pub max_candidates: usize,
    /// Most followees whose posts and engagements one feed reads (default 5,000, X's
    /// follow limit for most accounts).
    pub max_followees_scanned: usize,
    /// Most followee engagements one feed reads to count social proof (default 100,000:
    /// 20 per followee at the followee limit).
    pub max_engagements_scanned: usize,
    /// Most posts the sources of one feed read (default 50,000: the candidate limit plus
    /// room for `popular` and `bridging_posts` to walk their rankings past old posts).
    pub max_posts_scanned: usize,
    /// Most of the viewer's own engagements one feed reads (`seen`, `author_affinity`;
    /// default 10,000).
    pub max_history_scanned: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_spec_bytes: 64 * 1024,
            max_stages_per_section: 16,
            max_stages: 40,
            max_list_len: 64,
            max_name_bytes: 128,
            max_k: 500,
            max_window_hours: 720.0,
            max_abs_weight: 1e6,
            max_exponent: 10.0,
            max_bridging_fits: 1,
            max_candidates: 20_000,
            max_followees_scanned: 5_000,
            max_engagements_scanned: 100_000,
            max_posts_scanned: 50_000,
            max_history_scanned: 10_000,
        }
    }
}

/// Where a parameter is checked: the stage's name and place, e.g. `popular (sources[2])`.
struct At<'a> {
    stage: &'a str,
    param: String,
}

impl At<'_> {
    fn over(&self, what: impl std::fmt::Display, limit: impl std::fmt::Display, field: &str) -> Error {
        ErrorKind::Spec {
            stage: self.stage.to_string(),
            param: self.param.clone(),
            message: format!("{what}, more than the limit of {limit} (`Limits::{field}`)"),
        }
        .into()
    }
}

impl Limits {
    /// No limit at all: what trusted pipelines ([`Pipeline::from_json`](crate::Pipeline::from_json),
    /// presets) run with.
    pub fn unbounded() -> Self {
        Limits {
            max_spec_bytes: usize::MAX,
            max_stages_per_section: usize::MAX,
            max_stages: usize::MAX,
            max_list_len: usize::MAX,
            max_name_bytes: usize::MAX,
            max_k: usize::MAX,
            max_window_hours: f64::INFINITY,
            max_abs_weight: f64::INFINITY,
            max_exponent: f64::INFINITY,
            max_bridging_fits: usize::MAX,
            max_candidates: usize::MAX,
            max_followees_scanned: usize::MAX,
            max_engagements_scanned: usize::MAX,
            max_posts_scanned: usize::MAX,
            max_history_scanned: usize::MAX,
        }
    }

    /// Checks a spec's size before it is parsed.
    pub(crate) fn check_spec_size(&self, json: &str) -> Result<()> {
        if json.len() > self.max_spec_bytes {
            let at = At { stage: "pipeline", param: "-".into() };
            return Err(at.over(format!("{} bytes", json.len()), self.max_spec_bytes, "max_spec_bytes"));
        }
        Ok(())
    }

    /// Checks a canonical spec (every default filled) against the limits.
    pub(crate) fn check_spec(&self, spec: &Value) -> Result<()> {
        if let Some(name) = spec.get("name").and_then(Value::as_str) {
            let at = At { stage: "pipeline", param: "name".into() };
            self.check_string(&at, name)?;
        }
        let mut total = 1; // the selector
        let mut fits: Vec<(u64, u64)> = Vec::new();
        let mut social_proof_window: Option<f64> = None;
        for section in ["sources", "filters", "scorers", "rescorers"] {
            let stages = spec.get(section).and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
            if stages.len() > self.max_stages_per_section {
                let at = At { stage: "pipeline", param: section.into() };
                let what = format!("{} stages", stages.len());
                return Err(at.over(what, self.max_stages_per_section, "max_stages_per_section"));
            }
            total += stages.len();
            for (i, stage) in stages.iter().enumerate() {
                self.check_stage(stage, &format!("{section}[{i}]"), &mut fits, &mut social_proof_window)?;
            }
        }
        if total > self.max_stages {
            let at = At { stage: "pipeline", param: "-".into() };
            return Err(at.over(format!("{total} stages"), self.max_stages, "max_stages"));
        }
        if let Some(selector) = spec.get("selector") {
            self.check_stage(selector, "selector", &mut fits, &mut social_proof_window)?;
        }
        Ok(())
    }

    fn check_stage(
        &self,
        stage: &Value,
        place: &str,
        fits: &mut Vec<(u64, u64)>,
        social_proof_window: &mut Option<f64>,
    ) -> Result<()> {
        let Some(object) = stage.as_object() else { return Ok(()) };
        let id = object.get("stage").and_then(Value::as_str).unwrap_or("?");
        let name = format!("{id} ({place})");
        for (param, value) in object.iter().filter(|(p, _)| p.as_str() != "stage") {
            let at = At { stage: &name, param: param.clone() };
            self.check_param(&at, value)?;
        }
        if id == "bridging" || id == "bridging_posts" {
            let number = |p: &str| object.get(p).and_then(Value::as_u64).unwrap_or(0);
            let config = (number("min_raters"), number("seed"));
            if !fits.contains(&config) {
                fits.push(config);
            }
            if fits.len() > self.max_bridging_fits {
                let at = At { stage: &name, param: "seed".into() };
                let what = format!("{} distinct bridging models (`min_raters`, `seed`)", fits.len());
                return Err(at.over(what, self.max_bridging_fits, "max_bridging_fits"));
            }
        }
        if id == "social_proof" {
            // Social proof is counted once per feed, over one window.
            let hours = object.get("max_age_hours").and_then(Value::as_f64).unwrap_or(f64::NAN);
            match *social_proof_window {
                Some(first) if first != hours => {
                    return Err(Error::spec(
                        &name,
                        "max_age_hours",
                        format!(
                            "{hours} differs from the first social_proof stage's {first}: the social_proof stages of a pipeline with limits must share one window"
                        ),
                    ))
                }
                _ => *social_proof_window = Some(hours),
            }
        }
        Ok(())
    }

    /// Checks one parameter: by name for numbers with a documented bound, and every
    /// string, list and table whatever its name.
    fn check_param(&self, at: &At<'_>, value: &Value) -> Result<()> {
        let number = value.as_f64();
        match (at.param.as_str(), number) {
            ("max_age_hours" | "hours", Some(h)) if h > self.max_window_hours => {
                return Err(at.over(format!("{h} hours"), self.max_window_hours, "max_window_hours"));
            }
            ("k" | "max_in_network" | "max_out_of_network", Some(_)) => {
                let k = value.as_u64().map_or(usize::MAX, |k| usize::try_from(k).unwrap_or(usize::MAX));
                if k > self.max_k {
                    return Err(at.over(format!("{k} posts"), self.max_k, "max_k"));
                }
            }
            ("n", Some(_)) => {
                let n = value.as_u64().map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
                if n > self.max_candidates {
                    return Err(at.over(format!("{n} posts"), self.max_candidates, "max_candidates"));
                }
            }
            ("gravity" | "exponent", Some(x)) if x.abs() > self.max_exponent => {
                return Err(at.over(format!("{x}"), self.max_exponent, "max_exponent"));
            }
            ("weight" | "factor" | "min_score", Some(x)) if x.abs() > self.max_abs_weight => {
                return Err(at.over(format!("magnitude {}", x.abs()), self.max_abs_weight, "max_abs_weight"));
            }
            _ => {}
        }
        let weighted = matches!(at.param.as_str(), "weights" | "labels");
        self.check_nested(at, value, weighted, true)
    }

    /// Lists, tables and strings at any depth; numbers inside `weights`/`labels` tables are
    /// weights.
    fn check_nested(&self, at: &At<'_>, value: &Value, weighted: bool, top: bool) -> Result<()> {
        match value {
            Value::String(s) => self.check_string(at, s),
            Value::Number(n) if weighted && !top => {
                let x = n.as_f64().unwrap_or(f64::INFINITY);
                if x.abs() > self.max_abs_weight {
                    return Err(at.over(
                        format!("a weight of magnitude {}", x.abs()),
                        self.max_abs_weight,
                        "max_abs_weight",
                    ));
                }
                Ok(())
            }
            Value::Array(items) => {
                if items.len() > self.max_list_len {
                    return Err(at.over(
                        format!("{} entries", items.len()),
                        self.max_list_len,
                        "max_list_len",
                    ));
                }
                items.iter().try_for_each(|v| self.check_nested(at, v, weighted, false))
            }
            Value::Object(map) => {
                if map.len() > self.max_list_len {
                    return Err(at.over(format!("{} entries", map.len()), self.max_list_len, "max_list_len"));
                }
                for (key, v) in map {
                    self.check_string(at, key)?;
                    self.check_nested(at, v, weighted, false)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn check_string(&self, at: &At<'_>, s: &str) -> Result<()> {
        if s.len() > self.max_name_bytes {
            return Err(at.over(
                format!("a string of {} bytes", s.len()),
                self.max_name_bytes,
                "max_name_bytes",
            ));
        }
        Ok(())
    }

    /// Checks a feed length asked for at ranking time.
    pub(crate) fn check_k(&self, k: usize) -> Result<()> {
        if k > self.max_k {
            return Err(Error::argument(
                "k",
                format!("{k} is more than the limit of {} (`Limits::max_k`)", self.max_k),
            ));
        }
        Ok(())
    }
}

//! Pipelines: a JSON spec of stages, validated, with defaults filled and a fingerprint.

mod limits;
mod presets;
pub mod registry;

pub use limits::Limits;
pub use presets::{preset_spec, PRESETS};

use crate::engine::Plan;
use crate::error::{ErrorKind, Result};
use crate::stages::{Filter, Input, Rescorer, Scorer, Selector, Source, Stage};
use crate::Error;
use registry::StageObject;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// A ranking pipeline: `sources → hydrate → filters → scorers → rescorers → selector`.
///
/// ```
/// use glassfeed::Pipeline;
/// let p = Pipeline::preset("engagement")?;
/// assert!(p.fingerprint().starts_with("sha256:"));
/// let same = Pipeline::from_json(&p.to_json())?;
/// assert_eq!(same.fingerprint(), p.fingerprint());
/// # Ok::<(), glassfeed::Error>(())
/// ```
pub struct Pipeline {
    name: String,
    pub(crate) sources: Vec<Box<dyn Source>>,
    pub(crate) filters: Vec<Box<dyn Filter>>,
    pub(crate) scorers: Vec<Box<dyn Scorer>>,
    pub(crate) rescorers: Vec<Box<dyn Rescorer>>,
    pub(crate) selector: Box<dyn Selector>,
    pub(crate) plan: Plan,
    /// What the pipeline may do (unbounded unless built with limits).
    pub(crate) limits: Limits,
    canonical: Value,
    fingerprint: String,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline").field("name", &self.name).field("fingerprint", &self.fingerprint).finish()
    }
}

fn spec_error(param: &str, message: impl Into<String>) -> Error {
    ErrorKind::Spec { stage: "pipeline".into(), param: param.into(), message: message.into() }.into()
}

fn stage_json(stage: &dyn Stage) -> Value {
    let mut object = Map::new();
    object.insert("stage".into(), Value::String(stage.id().into()));
    if let Value::Object(params) = stage.params() {
        object.extend(params);
    }
    Value::Object(object)
}

fn stage_list<'a>(stages: impl Iterator<Item = &'a dyn Stage>) -> Value {
    Value::Array(stages.map(stage_json).collect())
}

impl Pipeline {
    /// A built-in preset by name (see [`PRESETS`]).
    pub fn preset(name: &str) -> Result<Pipeline> {
        let spec = preset_spec(name).ok_or_else(|| {
            Error::argument(
                "preset",
                format!("unknown preset `{name}`; choose one of {}", PRESETS.join(", ")),
            )
        })?;
        Pipeline::from_value(spec)
    }

    /// Parses and validates a JSON spec from a trusted source: the pipeline runs with
    /// [`Limits::unbounded`]. For a spec written by anyone, use
    /// [`Pipeline::from_json_with_limits`].
    pub fn from_json(json: &str) -> Result<Pipeline> {
        let value: Value =
            serde_json::from_str(json).map_err(|e| spec_error("-", format!("not valid JSON: {e}")))?;
        Pipeline::from_value(value)
    }

    /// Parses and validates a JSON spec from an untrusted source: the spec must be within
    /// `limits` (an error names the stage, its place in the spec, the parameter and the
    /// limit), and every feed the pipeline ranks is bounded by them (see [`Limits`]).
    ///
    /// ```
    /// use glassfeed::{Limits, Pipeline};
    /// let adversarial = r#"{"sources":[{"stage":"in_network","max_age_hours":1e9}]}"#;
    /// let err = Pipeline::from_json_with_limits(adversarial, &Limits::default()).unwrap_err();
    /// assert!(err.to_string().contains("in_network (sources[0])"), "{err}");
    /// assert!(err.to_string().contains("max_age_hours"), "{err}");
    /// # Ok::<(), glassfeed::Error>(())
    /// ```
    pub fn from_json_with_limits(json: &str, limits: &Limits) -> Result<Pipeline> {
        limits.check_spec_size(json)?;
        Pipeline::from_json(json)?.with_limits(limits)
    }

    /// The same pipeline bounded by `limits`: its canonical spec is checked against them
    /// and every feed it ranks is bounded by them. Limits are not part of the fingerprint
    /// (they are the operator's, not the algorithm's); a feed they truncate says so in
    /// every explanation.
    pub fn with_limits(mut self, limits: &Limits) -> Result<Pipeline> {
        limits.check_spec(&self.canonical)?;
        self.limits = limits.clone();
        Ok(self)
    }

    /// The limits the pipeline runs with ([`Limits::unbounded`] unless built with some).
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Validates a spec given as a JSON value.
    pub fn from_value(spec: Value) -> Result<Pipeline> {
        let Value::Object(mut top) = spec else {
            return Err(spec_error("-", "the spec must be a JSON object"));
        };
        let known = ["name", "sources", "filters", "scorers", "rescorers", "selector"];
        if let Some(unknown) = top.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(spec_error(unknown, format!("unknown field; expected one of {}", known.join(", "))));
        }
        let name = match top.remove("name") {
            None => "custom".to_string(),
            Some(Value::String(s)) if !s.is_empty() => s,
            Some(_) => return Err(spec_error("name", "must be a non-empty string")),
        };
        let mut list = |field: &str| -> Result<Vec<(String, Value)>> {
            match top.remove(field) {
                None => Ok(Vec::new()),
                Some(Value::Array(items)) => {
                    Ok(items.into_iter().enumerate().map(|(i, v)| (format!("{field}[{i}]"), v)).collect())
                }
                Some(_) => Err(spec_error(field, "must be a list of stage objects")),
            }
        };
        let (sources, filters, scorers, rescorers) =
            (list("sources")?, list("filters")?, list("scorers")?, list("rescorers")?);
        let selector = top.remove("selector").unwrap_or_else(|| serde_json::json!({"stage": "top_k"}));
        if sources.is_empty() {
            return Err(spec_error("sources", "a pipeline needs at least one source"));
        }
        fn build<T: ?Sized>(
            items: Vec<(String, Value)>,
            make: fn(&StageObject<'_>) -> Result<Box<T>>,
        ) -> Result<Vec<Box<T>>> {
            items.into_iter().map(|(at, v)| located(make, &object(&at, v)?)).collect()
        }
        /// Builds a stage; a parameter error from its constructor gets the stage's place
        /// in the spec, like a parse error.
        fn located<T: ?Sized>(
            make: fn(&StageObject<'_>) -> Result<Box<T>>,
            o: &StageObject<'_>,
        ) -> Result<Box<T>> {
            make(o).map_err(|e| match e.into_kind() {
                ErrorKind::Spec { stage, param, message } if stage == o.id => {
                    ErrorKind::Spec { stage: format!("{stage} ({})", o.at), param, message }.into()
                }
                other => other.into(),
            })
        }
        fn object(at: &str, v: Value) -> Result<StageObject<'_>> {
            let Value::Object(mut params) = v else {
                return Err(spec_error(at, "each stage must be an object like {\"stage\": \"top_k\"}"));
            };
            match params.remove("stage") {
                Some(Value::String(id)) => Ok(StageObject { id, params, at }),
                _ => Err(spec_error(at, "missing the \"stage\" name")),
            }
        }
        let pipeline = Pipeline::from_stages(
            &name,
            build(sources, registry::source)?,
            build(filters, registry::filter)?,
            build(scorers, registry::scorer)?,
            build(rescorers, registry::rescorer)?,
            located(registry::selector, &object("selector", selector)?)?,
        );
        Ok(pipeline)
    }

    /// Assembles a pipeline from stage objects, including custom stages of your own.
    pub fn from_stages(
        name: &str,
        sources: Vec<Box<dyn Source>>,
        filters: Vec<Box<dyn Filter>>,
        scorers: Vec<Box<dyn Scorer>>,
        rescorers: Vec<Box<dyn Rescorer>>,
        selector: Box<dyn Selector>,
    ) -> Pipeline {
        let mut canonical = Map::new();
        canonical.insert("name".into(), Value::String(name.into()));
        canonical.insert("sources".into(), stage_list(sources.iter().map(|s| s.as_ref() as &dyn Stage)));
        canonical.insert("filters".into(), stage_list(filters.iter().map(|s| s.as_ref() as &dyn Stage)));
        canonical.insert("scorers".into(), stage_list(scorers.iter().map(|s| s.as_ref() as &dyn Stage)));
        canonical.insert("rescorers".into(), stage_list(rescorers.iter().map(|s| s.as_ref() as &dyn Stage)));
        canonical.insert("selector".into(), stage_json(selector.as_ref()));
        let canonical = Value::Object(canonical);
        let digest = Sha256::digest(canonical.to_string().as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let social_proof_hours = sources
            .iter()
            .filter(|s| s.id() == "social_proof")
            .filter_map(|s| s.params().get("max_age_hours").and_then(Value::as_f64))
            .reduce(f64::max);
        let plan = Plan::of(&sources, &filters, &scorers, social_proof_hours);
        Pipeline {
            plan,
            limits: Limits::unbounded(),
            name: name.to_string(),
            sources,
            filters,
            scorers,
            rescorers,
            selector,
            canonical,
            fingerprint: format!("sha256:{hex}"),
        }
    }

    /// The pipeline's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `sha256:` + hex SHA-256 of the canonical JSON (keys sorted, defaults filled).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The canonical spec with every default filled in.
    pub fn spec(&self) -> &Value {
        &self.canonical
    }

    /// The canonical spec as pretty JSON (parses back to the same pipeline).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.canonical).expect("JSON values serialise")
    }

    /// Every stage id with what it reads, in pipeline order.
    pub fn inputs(&self) -> Vec<(String, Vec<Input>)> {
        let mut out: Vec<(String, Vec<Input>)> = Vec::new();
        let mut add = |s: &dyn Stage| out.push((s.id().to_string(), s.reads()));
        self.sources.iter().for_each(|s| add(s.as_ref()));
        self.filters.iter().for_each(|s| add(s.as_ref()));
        self.scorers.iter().for_each(|s| add(s.as_ref()));
        self.rescorers.iter().for_each(|s| add(s.as_ref()));
        add(self.selector.as_ref());
        out
    }

    /// True when some stage declares reading `input`.
    pub fn reads(&self, input: &Input) -> bool {
        self.inputs().iter().any(|(_, reads)| reads.contains(input))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_round_trips_with_the_same_fingerprint() {
        for name in PRESETS {
            let p = Pipeline::preset(name).unwrap();
            let again = Pipeline::from_json(&p.to_json()).unwrap();
            assert_eq!(again.fingerprint(), p.fingerprint(), "{name}");
            assert_eq!(again.spec(), p.spec());
        }
    }

    #[test]
    fn defaults_are_filled_so_equivalent_specs_share_a_fingerprint() {
        let short = Pipeline::from_json(r#"{"name":"x","sources":[{"stage":"in_network"}]}"#).unwrap();
        let long = Pipeline::from_json(
            r#"{"name":"x","sources":[{"stage":"in_network","max_age_hours":48}],"selector":{"stage":"top_k","k":50}}"#,
        )
        .unwrap();
        assert_eq!(short.fingerprint(), long.fingerprint());
    }

    #[test]
    fn errors_name_stage_and_parameter() {
        let cases = [
            (r#"{"sources":[{"stage":"nope"}]}"#, "nope (sources[0])"),
            (r#"{"sources":[{"stage":"in_network","max_age_hours":-1}]}"#, "max_age_hours"),
            (r#"{"sources":[{"stage":"in_network"}],"selector":{"stage":"top_k","k":-3}}"#, "`k`"),
            (r#"{"sources":[{"stage":"in_network","colour":1}]}"#, "colour"),
            (
                r#"{"sources":[{"stage":"in_network"}],"scorers":[{"stage":"recency","half_life_hours":0}]}"#,
                "half_life_hours",
            ),
            (r#"{"sources":[]}"#, "sources"),
            (r#"{"sources":[{"stage":"in_network"}],"extra":1}"#, "extra"),
        ];
        for (json, needle) in cases {
            let e = Pipeline::from_json(json).unwrap_err();
            assert!(matches!(e.kind(), ErrorKind::Spec { .. }), "{json}: {e}");
            assert!(e.to_string().contains(needle), "{json}: {e}");
        }
    }

    #[test]
    fn canonical_keys_are_sorted() {
        let p = Pipeline::preset("engagement").unwrap();
        let s = p.spec().to_string();
        assert!(s.starts_with(r#"{"filters":"#), "{s}");
    }
}

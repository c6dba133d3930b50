//! JSON Schemas (draft 2020-12) of the files planners write by hand: scenarios, targets
//! files and exercise decision records (`ttx schema`), for editors that check YAML as it
//! is typed (the YAML language server: completion, hover docs, errors in place).
//!
//! This module owns the schemas. They are generated from the very serde types the loaders
//! read ([`crate::scenario`]'s raw structs, the targets file's, the decisions record's),
//! whose doc comments become the descriptions and whose `schemars` attributes state the
//! ranges and patterns the loaders check, so a schema cannot drift from what the loader
//! accepts. Here are the schemas of the values read by hand-written visitors (durations,
//! capacities, distributions, a protocol name or list, mappings kept in order), and the
//! patterns for ids and durations.
//!
//! The schema is a first check, not the whole: it cannot see that a reference names an
//! id defined elsewhere in the file, that ids are unique, or which inject fields go with
//! which `kind`. `ttx validate` checks all of that.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

use schemars::{JsonSchema, Schema, SchemaGenerator, generate::SchemaSettings, json_schema};

use crate::scenario::duration::Dur;
use crate::scenario::raw::{OneOrMany, Ordered, RawCapacity, RawDist};

/// An id: lowercase letters, digits and `-`, not starting with `-` (contract section 1).
pub const ID_PATTERN: &str = "^[a-z0-9][a-z0-9-]*$";

/// The file kinds there is a schema for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A scenario file (`scenario.md`).
    Scenario,
    /// A targets file (`targets.md`), `NAME.targets.yaml`.
    Targets,
    /// An exercise's decisions record (`ttx exercise --record`).
    Decisions,
    /// A scenario's `roles:` list, the seats of `ttx serve` (part of the scenario
    /// schema too).
    Roles,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Scenario, Kind::Targets, Kind::Decisions, Kind::Roles];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Scenario => "scenario",
            Kind::Targets => "targets",
            Kind::Decisions => "decisions",
            Kind::Roles => "roles",
        }
    }

    /// The file `ttx schema --write DIR` writes for this kind.
    pub fn file_name(self) -> String {
        format!("{}.schema.json", self.name())
    }
}

/// The schema of a file kind, as a JSON value.
pub fn schema(kind: Kind) -> serde_json::Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let schema = match kind {
        Kind::Scenario => generator.into_root_schema_for::<crate::scenario::raw::RawScenario>(),
        Kind::Targets => generator.into_root_schema_for::<crate::targets::RawTargets>(),
        Kind::Decisions => {
            generator.into_root_schema_for::<crate::exercise::record::DecisionFile>()
        }
        Kind::Roles => {
            let mut s = generator.into_root_schema_for::<Vec<crate::scenario::raw::RawRole>>();
            s.insert("title".into(), "ttx scenario roles".into());
            s.insert(
                "description".into(),
                "A scenario's `roles:` list: the teams of a training session in the browser (`ttx serve`), each with a seat of its own.".into(),
            );
            s
        }
    };
    let mut value = schema.to_value();
    unwrap_lines(&mut value);
    value
}

/// Doc comments are wrapped at 90 columns; their descriptions are read as flowing text
/// (a line break within a paragraph becomes a space; paragraphs stay apart).
fn unwrap_lines(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                match x {
                    serde_json::Value::String(s) if k == "description" => {
                        *s = s
                            .split("\n\n")
                            .map(|p| p.split('\n').map(str::trim).collect::<Vec<_>>().join(" "))
                            .collect::<Vec<_>>()
                            .join("\n\n");
                    }
                    other => unwrap_lines(other),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(unwrap_lines),
        _ => {}
    }
}

/// The schema of a file kind as `ttx schema` prints it: pretty JSON and a final newline.
pub fn text(kind: Kind) -> String {
    let mut s = serde_json::to_string_pretty(&schema(kind)).expect("a schema is JSON");
    s.push('\n');
    s
}

/// Write every kind's schema into `dir` (created if missing), as
/// `scenario.schema.json`, ...; returns the paths written.
pub fn write_all(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for kind in Kind::ALL {
        let path = dir.join(kind.file_name());
        let mut file = crate::output::AtomicFile::create(&path)?;
        file.write_all(text(kind).as_bytes())?;
        written.push(file.commit()?);
    }
    Ok(written)
}

/// A number as written in a duration: digits with at most one decimal point.
const NUMBER: &str = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)";

/// A duration (see [`crate::scenario::duration`]): units `d`, `h`, `m`, `s`, largest
/// first, each at most once, optionally separated by spaces; decimals allowed.
pub fn duration_pattern() -> String {
    let units = ["d", "h", "m", "s"];
    let alternatives: Vec<String> = (0..units.len())
        .map(|first| {
            let mut alt = format!("{NUMBER}{}", units[first]);
            for u in &units[first + 1..] {
                alt += &format!(r"(?:\s*{NUMBER}{u})?");
            }
            alt
        })
        .collect();
    format!(r"^\s*(?:{})\s*$", alternatives.join("|"))
}

impl JsonSchema for Dur {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A duration with a unit: `45s`, `15m`, `2h`, `1d`, sums like `1h30m` or `1d 2h` (largest unit first, each once), decimals like `1.5h`. A bare number is not a duration: write `30m`, not `30`.",
            "type": "string",
            "pattern": duration_pattern(),
            "examples": ["30m", "2h", "1h30m", "1.5d"]
        })
    }
}

impl JsonSchema for RawCapacity {
    fn schema_name() -> Cow<'static, str> {
        "Capacity".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "How many at once: a whole number >= 0, or `unlimited` (no queue: everything starts at once).",
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": u32::MAX},
                {"const": "unlimited", "description": "No limit: every review (or referral) starts at once."}
            ]
        })
    }
}

impl JsonSchema for RawDist {
    fn schema_name() -> Cow<'static, str> {
        "Distribution".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let dur = generator.subschema_for::<Dur>();
        json_schema!({
            "description": "A time that varies from case to case: a duration (always the same), or one of `{exp: 10m}` (exponential with that mean), `{lognormal: {median: 5m, p95: 30m}}` (half take less than the median, 95% less than p95) or `{uniform: [2m, 10m]}` (anywhere between the two).",
            "anyOf": [
                dur,
                {
                    "type": "object",
                    "description": "Exponential: many short, a few long; the mean is given (> 0).",
                    "properties": {"exp": dur},
                    "required": ["exp"],
                    "additionalProperties": false
                },
                {
                    "type": "object",
                    "description": "Log-normal: given the median (> 0) and the 95th percentile (>= the median).",
                    "properties": {
                        "lognormal": {
                            "type": "object",
                            "properties": {
                                "median": dur,
                                "p95": dur
                            },
                            "required": ["median", "p95"],
                            "additionalProperties": false
                        }
                    },
                    "required": ["lognormal"],
                    "additionalProperties": false
                },
                {
                    "type": "object",
                    "description": "Uniform between a low and a high duration (low <= high).",
                    "properties": {
                        "uniform": {
                            "type": "array",
                            "items": dur,
                            "minItems": 2,
                            "maxItems": 2
                        }
                    },
                    "required": ["uniform"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

impl JsonSchema for OneOrMany {
    fn schema_name() -> Cow<'static, str> {
        "ProtocolNames".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A protocol id of `protocols` (or `none`), or a list of protocol ids, each once, all of which run.",
            "anyOf": [
                {"type": "string", "pattern": ID_PATTERN},
                {
                    "type": "array",
                    "items": {"type": "string", "pattern": ID_PATTERN},
                    "minItems": 1,
                    "uniqueItems": true
                }
            ]
        })
    }
}

impl<T: JsonSchema> JsonSchema for Ordered<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("Map_of_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let value = generator.subschema_for::<T>();
        json_schema!({
            "type": "object",
            "propertyNames": {"pattern": ID_PATTERN, "not": {"const": "none"}},
            "additionalProperties": value
        })
    }
}

/// A variant's `set`: dotted paths to values of any type (each checked by the loader as if
/// written in the file).
pub fn set_paths(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "propertyNames": {"pattern": r"^[^.\s][^\s]*$"},
        "examples": [{"hash_sharing.delay": "15m", "platforms.videotube.review.reviewers": 60}]
    })
}

/// A field that holds a duration but is read as text (the decisions record's).
pub fn duration_text(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<Dur>()
}

/// A target's `metric`: every name some form of target accepts (with or without
/// `platform` and `at`); which ones go with which form is the loader's check.
pub fn metric_names(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "string",
        "enum": crate::targets::all_metric_names()
    })
}

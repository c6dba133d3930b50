//! Scenario files: YAML in, a validated [`Scenario`] out.
//!
//! `raw` mirrors the YAML as written (serde, unknown fields refused); `validate` checks it
//! and resolves ids into the typed [`model`]; `overrides` applies a variant's `set` paths.
//! Errors name the file and line:column, or the field path, and suggest close names.
//!
//! Loading goes:
//! 0. the [`guard`] checks, for hostile or broken files: a regular file (not a pipe, a
//!    device or a directory, looked at before it is opened), at most 4 MiB (read with a
//!    bounded reader), UTF-8 (else where it is not), flow collections nested at most 64
//!    deep, no YAML tags (`!!binary`, `!!python/object`, ...: the reader drops some
//!    silently), at most 250,000 values and 16 MiB of text once YAML aliases are
//!    expanded, no single text over 64 KiB, no integer beyond 64 bits; each refused
//!    quickly, in bounded memory;
//! 1. the text is read into a `serde_yaml::Value` (syntax errors, duplicate keys);
//! 2. the text is read into the raw structs (unknown fields, wrong types, bare numbers
//!    for durations: all with line:column; after one, the reader goes on with the value
//!    respelt, read as `null` or blanked out, so that up to 20 are reported at once; it
//!    stops where that removes a required field);
//! 3. the raw scenario is checked and built into the base [`Model`], collecting every
//!    problem (ranges, ids, references), each located by a field path;
//! 4. each variant's `set` is applied to a copy of the document from step 1, which then
//!    goes through steps 2 and 3; problems are reported as `variants[NAME].set.PATH`.
//!
//! Errors: [`LoadError`] holds the source label and every [`Problem`] found; its `Display`
//! prints one per line, as `source:line:col: message (hint)` for problems found while
//! reading the YAML (syntax, unknown fields, wrong types, malformed durations), or
//! `source: field.path: message (hint)` for problems found when checking the values (all
//! reported at once). Where both places are known the line names both,
//! `source:line:col: field.path: message (hint)` ([`Problem::also`]): a wrong type or a
//! malformed value also names its field path (list items by id), and a value out of
//! range, a bad id or reference also its line:column (found in the text by the path;
//! not for the paths of a variant's `set`, nor for values that are not scalars).
//!
//! # Defaults and choices where the spec is silent
//!
//! - `limits.max_events` (our addition): no limit unless given; both limits must be >= 1.
//! - Platforms: `name` defaults to the id; `detection` may be omitted (both rates 0);
//!   `crisis_posture.reviewers` and `.proactive_per_hour` keep the normal values if
//!   omitted, `ramp` defaults to `0m`. `reviewers: 0` is allowed (nobody reviews).
//! - Distributions: `exp` needs a mean > 0 (write `0m` for no delay); `lognormal` needs
//!   median > 0 and p95 >= median (p95 = median is a fixed duration); `uniform` needs
//!   low <= high. A fixed duration may be `0m`.
//! - Content: `kind` defaults to `video`, `virality` to 1 (any finite value >= 0),
//!   `mutation` to 0, `origin.at` to `0m`.
//! - Campaigns: `start` defaults to `0m`, `end` to the horizon, `new_variant` to 0;
//!   `platforms` must be non-empty, each platform listed once.
//! - Links: at most one link per (from, to) pair (add the rates up instead).
//! - Authorities: at most 64; `monitors` non-empty, each platform once; `name` defaults
//!   to the id, `analysts` to 1, `referral_time` to `0m`, `issues` to `referral`,
//!   `removal_order` to `{deadline: 1h, compliance: 1}` (either field may be omitted).
//! - Protocols: kept in file order. Without `activation` a protocol never activates; with
//!   it, it needs `confirmed_removals` (>= 1) or `or_at` or both; `platforms` defaults to 1
//!   and may not exceed the number of platforms; `decision_time` and `notify_time`
//!   default to `0m`, `authority_boost` to 1; `deactivation.quiet_for` must be > 0.
//! - Variants: `protocol` defaults to `none`; names must be non-empty and unique; an
//!   explicit empty `variants: []` is an error (omit it for the default `baseline`).
//!   `set` values may be any YAML value, scalars or e.g. a distribution
//!   (`platforms.x.review.time: {exp: 5m}`); a missing key (or block) is created, so an
//!   optional field the file omitted can be set; list items are addressed by `id`, or by
//!   0-based index for lists without ids; ids themselves and `variants` cannot be set,
//!   nor the experiment settings (`name`, `seed`, `replications`, `horizon`,
//!   `sample_every`: contract section 15), which are read into [`Experiment`], apart from
//!   the [`Model`] that variants change.
//! - Part II (contract sections 16-19): a protocol's `members` must name at least one
//!   platform (omit it for the `protocol_member` platforms, as the variant's own model
//!   has them); its activation needs at least one trigger (`confirmed_removals`,
//!   `detections`, `platforms_reached`, `after` or `or_at`); the counts are >= 1,
//!   `platforms_reached` at most the number of platforms; `content` is non-empty; `after`
//!   names another protocol of the file, and a chain of `after`s that comes back on itself
//!   is refused. A variant's `protocol` is a name or a non-empty list, each once, `none`
//!   only alone. `live` only on `kind: livestream` content, with `for` > 0 and
//!   `views_per_hour` required. A link is `kind: upload` (default) or `post`;
//!   `click_through` (default 0.05) only on a post link; one link of each kind per
//!   (from, to) pair. `on_match` is `block` (default) or `review`, on a platform and its
//!   crisis posture; `views_factor` >= 0 (default 1); an authority's `acceptance` is a
//!   probability. An objective may name a `protocol`, with `activate_within` or
//!   `notify_within` only.
//! - Injects: kept in file order; fields of another kind are errors. `upload.count`
//!   defaults to 1 and `new_variant` to false; `outage.reviewers` defaults to 0 and
//!   `for` is required; `virality.factor` is required (> 0).
//! - Durations: units `s`, `m`, `h`, `d`, largest first, each at most once, optionally
//!   separated by spaces (`1d 2h`); decimals allowed (`1.5h`).
//! - Ids: `[a-z0-9][a-z0-9-]*`; protocol ids too (and `none` is reserved).
//! - Sizes: at most 1000 platforms, a horizon of at most 3650d, at most 1,000,000
//!   time-series rows per run (samples x platforms), at most 1,000,000 copies per `upload`
//!   inject; and the variants with `set` may read at most 2,000,000 values in all (each
//!   reads a copy of the scenario).
//! - Whole numbers (counts, capacities, seeds, limits) may be written in exponent form
//!   (`1e6`); a fraction is refused as "not a whole number".
//! - Ids with a character that looks like an ASCII one (a Cyrillic `о`, an en dash) are
//!   refused naming the character and its position, with the id meant; references to the
//!   id meant then resolve to it, so the mistake is reported once.
//! - Free text (names, descriptions, notes, the MSEL fields, variant names) is kept as
//!   written but for control characters and bidirectional overrides, which are shown as
//!   escapes (`\u{1b}`; newlines too in one-line texts), so that no scenario can drive a
//!   terminal or fake a line of a table ([`crate::text`]).
//! - Messages echo values from the file with control characters escaped and very long
//!   words (a huge id) cut, so that they are safe to print.

pub mod duration;
pub mod error;
pub mod guard;
mod lookalike;
pub mod model;
mod overrides;
pub(crate) mod raw;
mod validate;

use std::path::Path;
use std::sync::Arc;

pub use duration::parse_duration;
pub use error::{LoadError, Location, Problem};
pub use model::*;
pub use validate::{
    MAX_AUTHORITIES, MAX_HORIZON, MAX_PLATFORMS, MAX_SAMPLE_ROWS, MAX_UPLOAD_COUNT, NONE_PROTOCOL,
    is_valid_id,
};

use raw::RawScenario;
use validate::{Checker, VariantSpec};

/// Read and load a scenario file; messages name it by `path` as displayed. Files over
/// [`guard::MAX_FILE_BYTES`] are refused without being read whole.
pub fn load(path: &Path) -> Result<Scenario, LoadError> {
    let text = read_file_text(path)?;
    parse(&text, &path.display().to_string())
}

/// Load a scenario from text; `source` labels it in messages (a path, or e.g. `<stdin>`).
///
/// Any text is safe to give: hostile input (huge, deeply nested, alias bombs) is refused
/// quickly and with bounded memory by the [`guard`] checks, before it is read into values.
pub fn parse(text: &str, source: &str) -> Result<Scenario, LoadError> {
    parse_with_sets(text, source, &[])
}

/// [`parse`], with values set in the file's document before it is read, as if the file
/// had been edited (a sweep's cell): each `(path, value)` is a dotted path as in a
/// variant's `set`, and a value in YAML (`0.8`, `30m`, `[a, b]`). A variant's own `set`
/// still applies on top. Problems the values cause are named `--set PATH`.
pub fn parse_with_sets(
    text: &str,
    source: &str,
    sets: &[(String, String)],
) -> Result<Scenario, LoadError> {
    let checked = read_checked::<RawScenario>(
        text,
        source,
        "expected a scenario (a mapping with `name`, `horizon`, `platforms` and `content`), found an empty file",
    )?;
    let (mut doc, values, mut raw) = (checked.doc, checked.values, checked.raw);
    let one = |p: Problem| LoadError::one(source, p);
    if !sets.is_empty() {
        raw = apply_sets(&mut doc, sets).map_err(one)?;
    }

    let raw_variants = raw.variants.take();
    let protocol_ids: Vec<String> = raw
        .protocols
        .as_ref()
        .map(|p| p.0.iter().map(|(id, _)| id.clone()).collect())
        .unwrap_or_default();

    let mut c = Checker::new();
    let experiment = validate::build_experiment(&raw, &mut c);
    let base = validate::build_model(raw, &experiment, &mut c);
    let specs = validate::check_variants(raw_variants, &protocol_ids, &mut c);
    if !c.problems.is_empty() {
        let problems = c
            .problems
            .into_iter()
            .map(|p| name_the_set(p, sets))
            .collect();
        return Err(LoadError::new(source, place_fields(problems, text)));
    }

    // Each variant with `set` reads a copy of the whole scenario again: bound the work.
    let with_sets = specs.iter().filter(|s| !s.sets.is_empty()).count();
    if with_sets.saturating_mul(values) > guard::MAX_VARIANT_WORK {
        return Err(one(Problem::at_field(
            "variants",
            format!(
                "expected at most {} values read for the variants with `set` (each reads the scenario again), found {with_sets} variants with `set` x {values} values",
                guard::MAX_VARIANT_WORK
            ),
        )
        .with_hint(Some(
            "use fewer variants with `set`, or run them as separate scenario files".to_string(),
        ))));
    }
    let mut doc = doc;
    if let Some(m) = doc.as_mapping_mut() {
        // Already checked; the variants' copies do not need them.
        m.remove("variants");
    }

    let base = Arc::new(base);
    let mut problems = Vec::new();
    let mut variants = Vec::with_capacity(specs.len());
    for spec in specs {
        let model = if spec.sets.is_empty() {
            Arc::clone(&base)
        } else {
            match build_variant(&doc, &spec, &experiment) {
                Ok(m) => Arc::new(m),
                Err(ps) => {
                    problems.extend(ps);
                    continue;
                }
            }
        };
        variants.push(Variant {
            overrides: spec
                .sets
                .iter()
                .map(|(p, v)| (p.clone(), error::render(v)))
                .collect(),
            name: spec.name,
            protocols: spec.protocols,
            model,
        });
    }
    if !problems.is_empty() {
        return Err(LoadError::new(source, problems));
    }
    Ok(Scenario {
        source: source.to_string(),
        experiment,
        base,
        variants,
    })
}

/// Each problem located by a field path that names a value written in `text` gets that
/// value's line:column too (see [`Problem::also`]).
pub(crate) fn place_fields(mut problems: Vec<Problem>, text: &str) -> Vec<Problem> {
    let Ok(located) = crate::calibrate::locate::Located::new(text) else {
        return problems;
    };
    for p in &mut problems {
        let Some(field) = p.field() else { continue };
        let Some((span, _)) = located.scalar(&overrides::dotted(field)) else {
            continue;
        };
        let before = &text[..span.start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..span.start].chars().count() + 1;
        p.also = Some(Location::LineCol { line, column });
    }
    problems
}

/// A YAML file read through every guard, as a document and as raw structs.
pub(crate) struct Checked<T> {
    pub doc: serde_yaml::Value,
    /// Values in the document once aliases are expanded (see [`guard`]).
    pub values: usize,
    pub raw: T,
}

/// Read untrusted YAML text: the [`guard`] checks (size, nesting, tags, expansion),
/// then the document, then the raw structs `T`, reporting every unknown field and wrong
/// type (see [`read_reporting_all`]). `empty` is the message for a blank file. Scenario
/// and targets files are read alike.
pub(crate) fn read_checked<T: serde::de::DeserializeOwned>(
    text: &str,
    source: &str,
    empty: &str,
) -> Result<Checked<T>, LoadError> {
    let yaml_err = |e: serde_yaml::Error| LoadError::one(source, yaml_problem(&e, text));
    let one = |p: Problem| LoadError::one(source, p);

    guard::check_size(text).map_err(one)?;
    let shape = guard::check_nesting(text).map_err(one)?;
    if let Some(tag) = shape.first_tag {
        return Err(one(tag.problem(text)));
    }
    let values = match guard::census(text, shape) {
        Ok(n) => n,
        Err(guard::CensusError::Refused(p)) => return Err(one(p)),
        Err(guard::CensusError::Yaml(e)) => return Err(yaml_err(e)),
    };

    let doc: serde_yaml::Value = serde_yaml::from_str(text).map_err(yaml_err)?;
    if doc.is_null() && is_blank(text) {
        return Err(one(Problem {
            location: Location::File,
            also: None,
            message: empty.to_string(),
            hint: None,
        }));
    }
    let raw = read_reporting_all::<T>(text).map_err(|ps| LoadError::new(source, ps))?;
    Ok(Checked { doc, values, raw })
}

/// Read and guard a file's text as [`load`] does (a regular file, bounded, UTF-8).
pub(crate) fn read_file_text(path: &Path) -> Result<String, LoadError> {
    let source = path.display().to_string();
    let bytes = guard::read_bounded(path).map_err(|p| LoadError::one(&source, p))?;
    guard::decode(bytes).map_err(|p| LoadError::one(&source, p))
}

/// At most this many unknown fields and wrong types are reported from one file.
const MAX_READ_PROBLEMS: usize = 20;

/// Read the text into the raw structs, reporting every unknown field and wrong type
/// there is (up to [`MAX_READ_PROBLEMS`]), not only the first.
///
/// The reader stops at its first error. To go on, the lines of the value it stopped at
/// are blanked out (the key's line and the lines indented under it; for a list item's
/// first line, only what follows its `- `), keeping the line count so that later
/// positions stay true, and the text is read again. A "missing field" after such a
/// repair may be caused by it, so it is not reported; nor is an error on a line already
/// blanked. Syntax errors never get here (the document was read as YAML before).
fn read_reporting_all<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, Vec<Problem>> {
    let mut work: Vec<String> = text.split('\n').map(str::to_string).collect();
    let mut problems: Vec<Problem> = Vec::new();
    let mut blanked: Vec<usize> = Vec::new();
    loop {
        let joined = work.join("\n");
        let e = match serde_yaml::from_str::<T>(&joined) {
            Ok(raw) if problems.is_empty() => return Ok(raw),
            Ok(_) => return Err(problems),
            Err(e) => e,
        };
        let p = yaml_problem(&e, &joined);
        let line = p.line_col().map(|(l, _)| l);
        let message = e.to_string();
        let missing = message.contains("missing field");
        // The document itself is not a scenario (a list, a text): nothing to go on with.
        let whole = !error::names_a_path(&message) && !message.contains("unknown field");
        let caused_by_repair =
            !problems.is_empty() && (missing || line.is_some_and(|l| blanked.contains(&l)));
        if !caused_by_repair {
            problems.push(p);
        }
        let go_on = !missing && !whole && problems.len() < MAX_READ_PROBLEMS;
        // A misspelt field is read under the name it was meant to have, so that a
        // required field does not go missing; anything else is blanked out.
        let respelt = go_on
            && line.is_some_and(|l| !blanked.contains(&l))
            && respell_field(&mut work, &e, problems.last());
        // A value of the wrong type is read as `null` (what an optional field left out
        // reads as); if that is wrong too, its lines are blanked out.
        let nulled = !respelt
            && go_on
            && line.is_some_and(|l| !blanked.contains(&l))
            && null_value(&mut work, &e, &mut blanked);
        let repaired = respelt
            || nulled
            || (go_on && line.is_some_and(|l| blank_value(&mut work, l - 1, &mut blanked)));
        if !repaired {
            return Err(problems);
        }
    }
}

/// For an unknown field with a close known name (the hint's "did you mean"), write the
/// known name in its place in `lines`; false if that does not apply.
fn respell_field(lines: &mut [String], e: &serde_yaml::Error, p: Option<&Problem>) -> bool {
    let message = e.to_string();
    let (Some(l), Some(p)) = (e.location(), p) else {
        return false;
    };
    let Some(unknown) = message
        .split_once("unknown field `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(name, _)| name)
    else {
        return false;
    };
    let Some(meant) = p
        .hint
        .as_deref()
        .and_then(|h| h.strip_prefix("did you mean `"))
        .and_then(|h| h.strip_suffix("`?"))
    else {
        return false;
    };
    let Some(line) = lines.get_mut(l.line().saturating_sub(1)) else {
        return false;
    };
    let Some((at, _)) = line.char_indices().nth(l.column().saturating_sub(1)) else {
        return false;
    };
    if !line[at..].starts_with(unknown) {
        return false;
    }
    line.replace_range(at..at + unknown.len(), meant);
    true
}

/// Replace the plain scalar at the error's position with `null`, marking its line;
/// false if there is no plain scalar there (a collection, a quoted text).
fn null_value(lines: &mut [String], e: &serde_yaml::Error, blanked: &mut Vec<usize>) -> bool {
    let Some(l) = e.location() else {
        return false;
    };
    let Some(line) = lines.get_mut(l.line().saturating_sub(1)) else {
        return false;
    };
    let Some((at, first)) = line.char_indices().nth(l.column().saturating_sub(1)) else {
        return false;
    };
    if "[]{}-#&*!|>'\"%@`,".contains(first) {
        return false;
    }
    // A plain scalar ends at a flow indicator, at ` #`, or at the end of the line.
    let rest = &line[at..];
    let end = rest
        .find([',', '}', ']'])
        .into_iter()
        .chain(rest.find(" #"))
        .min()
        .unwrap_or(rest.len());
    let value = rest[..end].trim_end();
    if value.is_empty() || value.ends_with(':') || value.contains(": ") {
        return false;
    }
    line.replace_range(at..at + value.len(), "null");
    blanked.push(l.line());
    true
}

/// Blank out the value that starts on line `i` (0-based) of `lines`: see
/// [`read_reporting_all`]. False if there is nothing left to blank there.
fn blank_value(lines: &mut [String], i: usize, blanked: &mut Vec<usize>) -> bool {
    let Some(line) = lines.get(i) else {
        return false;
    };
    let indent = line.len() - line.trim_start().len();
    let body = line.trim_start();
    if body.is_empty() || body.starts_with('#') {
        return false;
    }
    if let Some(rest) = body.strip_prefix("- ")
        && !rest.trim().is_empty()
    {
        // The item stays an item; what follows it at a deeper indentation becomes its
        // contents (or, if nothing does, it is an empty item, blanked next time round).
        lines[i] = format!("{}-", &line[..indent]);
        blanked.push(i + 1);
        return true;
    }
    lines[i].clear();
    blanked.push(i + 1);
    for (k, next) in lines.iter_mut().enumerate().skip(i + 1) {
        let t = next.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if next.len() - t.len() <= indent {
            break;
        }
        next.clear();
        blanked.push(k + 1);
    }
    true
}

/// A YAML error in `text` as a problem.
fn yaml_problem(e: &serde_yaml::Error, text: &str) -> Problem {
    if e.to_string()
        .starts_with("deserializing from YAML containing more than one document")
    {
        if let Some(p) = second_document(text) {
            return p;
        }
        if let Some(line) = second_document_line(text) {
            return Problem {
                location: Location::LineCol { line, column: 1 },
                also: None,
                message: "expected one YAML document, found a second one after this line"
                    .to_string(),
                hint: Some(
                    "a line `---` or `...` ends a document: remove it, or put the second scenario in a file of its own"
                        .to_string(),
                ),
            };
        }
    }
    error::from_yaml_in(e, text)
}

/// The first `---` or `...` line after some content (1-based), which starts a second
/// document.
fn second_document_line(text: &str) -> Option<usize> {
    let mut content = false;
    for (i, line) in text.lines().enumerate() {
        let marker = ["---", "..."].iter().any(|m| {
            line.strip_prefix(m)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
        });
        if marker && content {
            return Some(i + 1);
        }
        let t = line.trim();
        if !marker && !t.is_empty() && !t.starts_with('#') && !t.starts_with('%') {
            content = true;
        }
    }
    None
}

/// Why the text reads as more than one YAML document when that is a mistake after the
/// scenario (a stray `}`, say): the error in what follows it.
fn second_document(text: &str) -> Option<Problem> {
    let mut docs = serde_yaml::Deserializer::from_str(text);
    docs.next()?;
    let second = docs.next()?;
    let shape = guard::check_nesting(text).ok()?;
    match guard::census_of(second, shape) {
        Err(guard::CensusError::Yaml(e)) => {
            let p = error::from_yaml_in(&e, text);
            if p.message.contains("closes nothing") {
                return Some(p);
            }
            Some(Problem {
                message: format!(
                    "expected the end of the scenario, found more that is not YAML: {}",
                    p.message
                ),
                ..p
            })
        }
        _ => None,
    }
}

/// Whether the text has nothing but blank lines, comments and document markers.
fn is_blank(text: &str) -> bool {
    text.trim_start_matches('\u{feff}').lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#') || l == "---" || l == "..."
    })
}

/// Read a document (a `Value`) as a raw scenario, the way the file itself is read: through
/// text, so that scalars resolve exactly as they did in the file.
fn read_raw(doc: &serde_yaml::Value) -> Result<RawScenario, Problem> {
    let text = serde_yaml::to_string(doc).map_err(|e| error::from_yaml(&e))?;
    serde_yaml::from_str(&text).map_err(|e| error::from_yaml(&e))
}

/// Where a problem of a document with `sets` applied comes from: `--set PATH` when its
/// field is at or under one of the paths (the file alone is valid, or its own problems
/// would have been reported first).
fn name_the_set(p: Problem, sets: &[(String, String)]) -> Problem {
    let Some(field) = p.field() else { return p };
    let dotted = overrides::dotted(field);
    match sets
        .iter()
        .find(|(path, _)| dotted == *path || dotted.starts_with(&format!("{path}.")))
    {
        Some((path, value)) => {
            Problem::at_field(format!("--set {path}={value}"), p.message).with_hint(p.hint)
        }
        None => p,
    }
}

/// Set each path of `sets` in the document (the file's, variants and all) and read it
/// again as a raw scenario.
fn apply_sets(
    doc: &mut serde_yaml::Value,
    sets: &[(String, String)],
) -> Result<RawScenario, Problem> {
    let flag = |path: &str, value: &str| format!("--set {path}={value}");
    let original = doc.clone();
    let mut values = Vec::with_capacity(sets.len());
    for (path, text) in sets {
        let value: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
            Problem::at_field(
                flag(path, text),
                format!("expected a YAML value, like 0.8, 30m or [a, b]: {e}"),
            )
        })?;
        if path.split('.').next() == Some("variants") {
            return Err(Problem::at_field(
                flag(path, text),
                "expected a path into the model, found one into `variants`: a sweep sets the same value for every variant",
            ));
        }
        overrides::apply(doc, path, value.clone())
            .map_err(|e| Problem::at_field(flag(path, text), e.message).with_hint(e.hint))?;
        values.push(value);
    }
    read_raw(doc).map_err(|p| {
        // Name the first value that breaks the document (the file alone reads fine).
        let mut d = original;
        for ((path, text), value) in sets.iter().zip(values) {
            // Each path applied cleanly above, so it does again.
            let _ = overrides::apply(&mut d, path, value);
            if let Err(p) = read_raw(&d) {
                return Problem::at_field(flag(path, text), p.message).with_hint(p.hint);
            }
        }
        p
    })
}

/// Apply a variant's `set` to the document and build its model.
fn build_variant(
    doc: &serde_yaml::Value,
    spec: &VariantSpec,
    experiment: &Experiment,
) -> Result<Model, Vec<Problem>> {
    let at = |path: &str| format!("{}.set.{path}", spec.label);

    let mut d = doc.clone();
    let mut problems = Vec::new();
    for (path, value) in &spec.sets {
        if let Err(e) = overrides::apply(&mut d, path, value.clone()) {
            problems.push(Problem::at_field(at(path), e.message).with_hint(e.hint));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let mut raw = match read_raw(&d) {
        Ok(raw) => raw,
        Err(_) => {
            // Find the first path whose value breaks the document (the base reads fine).
            let mut d = doc.clone();
            for (path, value) in &spec.sets {
                // Each path applied cleanly above, so it does again.
                let _ = overrides::apply(&mut d, path, value.clone());
                if let Err(p) = read_raw(&d) {
                    return Err(vec![
                        Problem::at_field(at(path), p.message).with_hint(p.hint),
                    ]);
                }
            }
            return Err(vec![Problem::at_field(
                format!("{}.set", spec.label),
                "expected overrides that leave a valid scenario, found ones that do not"
                    .to_string(),
            )]);
        }
    };
    raw.variants = None;

    let mut c = Checker::new();
    // `set` cannot reach the experiment settings (refused when applied), so the base's
    // experiment is the variant's.
    let model = validate::build_model(raw, experiment, &mut c);
    if c.problems.is_empty() {
        return Ok(model);
    }
    // The base is valid, so each problem comes from an override: name it.
    Err(c
        .problems
        .into_iter()
        .map(|p| {
            let Some(field) = p.field() else { return p };
            let dotted = overrides::dotted(field);
            let path = spec
                .sets
                .iter()
                .map(|(path, _)| path)
                .find(|path| dotted == **path || dotted.starts_with(&format!("{path}.")));
            match path {
                Some(path) => Problem::at_field(at(path), p.message).with_hint(p.hint),
                None => Problem::at_field(
                    format!("{}.set", spec.label),
                    format!("after the overrides, {field}: {}", p.message),
                )
                .with_hint(p.hint),
            }
        })
        .collect())
}

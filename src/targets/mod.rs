//! Calibration targets: observed figures that a scenario's runs should reproduce.
//!
//! A targets file (the shared `targets.md` contract) is read like a scenario file: through
//! the same guards, with unknown fields and wrong types reported by line and column, and
//! the values checked with their field paths ([`load`], [`parse`]). It is then resolved
//! against the scenario it belongs to ([`Targets::resolve`]: the variant, the platforms,
//! the metric names, the times). [`observe`] runs the replications and takes each target's
//! value from every run; [`fit`] turns those into the model's figure, its interval, the
//! error in tolerances and the distance that calibration minimises.

mod fit;
mod observe;

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;

use crate::record::{Columns, PlatformOutcome, RunOutcome};
use crate::scenario::duration::Dur;
use crate::scenario::error::{did_you_mean, list_names};
use crate::scenario::{LoadError, Location, Minutes, Problem, Scenario};

pub use fit::{Fit, TargetFit, write_fit_csv};
pub use observe::{Observations, observe};

/// Runs per evaluation when the file does not say (contract).
pub const DEFAULT_REPLICATIONS: u32 = 20;
/// The tolerance of an `observed` figure given without one (contract).
pub const DEFAULT_TOLERANCE: f64 = 0.1;

/// A ttx targets file: published figures a scenario's runs should reproduce, each with
/// its source (`ttx targets`, `ttx calibrate`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a targets file: a mapping with `name` and `targets`"
)]
#[schemars(title = "ttx targets file")]
pub(crate) struct RawTargets {
    /// What the figures are, e.g. "March 2019, first 24 hours".
    name: String,
    /// The scenario file the targets belong to, relative to this file; `ttx validate`
    /// then checks the targets against it.
    scenario: Option<String>,
    /// The variant whose runs are compared (default: the scenario's first variant).
    variant: Option<String>,
    /// Runs per evaluation (default 20; at least 2, for an interval). Every candidate of
    /// one calibration uses the same runs (common random numbers).
    #[schemars(range(min = 2))]
    replications: Option<u32>,
    /// The figures, at least one.
    #[schemars(length(min = 1))]
    targets: Vec<RawTarget>,
}

/// One figure: a metric of the model (optionally on one platform, at one time), the
/// observed value or a one-sided bound, and where it comes from.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a target: a mapping with `id`, `metric`, `observed` (or `at_least` / `at_most`) and `source`"
)]
struct RawTarget {
    /// The target's id, unique in the file (lowercase letters, digits and `-`).
    #[schemars(pattern(crate::schema::ID_PATTERN))]
    id: String,
    /// What is measured: without `platform` and `at`, a numeric column of runs.csv
    /// (`exposure`, `blocked`, ...); with `platform`, a column of platforms.csv for that
    /// platform, or `removed`; with `at`, the state at that time (`live`,
    /// `published_cum`, `removed_cum`, `views_cum`, `queue`, `attempts_cum`,
    /// `blocked_cum`, and without `platform` `platforms_with_live`).
    #[schemars(schema_with = "crate::schema::metric_names")]
    metric: String,
    /// The metric on this platform only (a platform id of the scenario).
    #[schemars(pattern(crate::schema::ID_PATTERN))]
    platform: Option<String>,
    /// The metric's value at this exact time (need not be a multiple of `sample_every`).
    at: Option<Dur>,
    /// The figure. Give exactly one of `observed`, `at_least`, `at_most`.
    observed: Option<f64>,
    /// A one-sided target: the model's figure should be at least this.
    at_least: Option<f64>,
    /// A one-sided target: the model's figure should be at most this.
    at_most: Option<f64>,
    /// Relative half-width (> 0) of a match: 0.2 means within ±20% of `observed`
    /// (default 0.1).
    #[schemars(extend("exclusiveMinimum" = 0))]
    tolerance: Option<f64>,
    /// Measure the ratio `metric` / this metric (same platform, same time), e.g.
    /// `blocked` as a share of `attempts`.
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::metric_names")]
    share_of: Option<String>,
    /// Where the figure comes from (a statement, a report, with its date); required.
    #[schemars(length(min = 1))]
    source: String,
}

/// What a target asks of the model's figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Goal {
    /// Within `tolerance × |value|` of the value.
    Observed(f64),
    /// At least the value.
    AtLeast(f64),
    /// At most the value.
    AtMost(f64),
}

impl Goal {
    /// The figure or bound.
    pub fn value(self) -> f64 {
        match self {
            Goal::Observed(v) | Goal::AtLeast(v) | Goal::AtMost(v) => v,
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            Goal::Observed(_) => "observed",
            Goal::AtLeast(_) => "at_least",
            Goal::AtMost(_) => "at_most",
        }
    }
}

/// One target as written (ids and names not yet resolved against a scenario).
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub id: String,
    pub metric: String,
    pub platform: Option<String>,
    pub at: Option<Minutes>,
    pub goal: Goal,
    pub tolerance: f64,
    pub share_of: Option<String>,
    pub source: String,
}

/// A checked targets file.
#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    /// Where it came from, for messages.
    pub source: String,
    pub name: String,
    /// The scenario it belongs to, resolved against the targets file's directory.
    pub scenario: Option<PathBuf>,
    pub variant: Option<String>,
    pub replications: u32,
    pub targets: Vec<Target>,
}

/// Read and check a targets file.
pub fn load(path: &Path) -> Result<Targets, LoadError> {
    let text = crate::scenario::read_file_text(path)?;
    let mut t = parse(&text, &path.display().to_string())?;
    // `scenario` is relative to the targets file (contract).
    if let Some(s) = &t.scenario
        && s.is_relative()
    {
        t.scenario = Some(path.parent().unwrap_or(Path::new("")).join(s));
    }
    Ok(t)
}

/// Check a targets file's text; `source` names it in messages.
pub fn parse(text: &str, source: &str) -> Result<Targets, LoadError> {
    let raw = crate::scenario::read_checked::<RawTargets>(
        text,
        source,
        "expected a targets file (a mapping with `name` and `targets`), found an empty file",
    )?
    .raw;
    let mut problems = Vec::new();
    let mut err = |field: String, message: String, hint: Option<String>| {
        problems.push(Problem::at_field(field, message).with_hint(hint));
    };
    if raw.name.trim().is_empty() {
        err(
            "name".into(),
            "expected a name, found an empty string".into(),
            None,
        );
    }
    let replications = raw.replications.unwrap_or(DEFAULT_REPLICATIONS);
    if replications < 2 {
        err(
            "replications".into(),
            format!("expected at least 2 replications (for an interval), found {replications}"),
            None,
        );
    }
    if raw.targets.is_empty() {
        err(
            "targets".into(),
            "expected at least one target, found an empty list".into(),
            None,
        );
    }
    let mut seen: Vec<&str> = Vec::new();
    let mut targets = Vec::new();
    for (i, t) in raw.targets.iter().enumerate() {
        let at = if t.id.is_empty() || seen.contains(&t.id.as_str()) {
            format!("targets[{i}]")
        } else {
            format!("targets[{}]", t.id)
        };
        if !crate::scenario::is_valid_id(&t.id) {
            err(
                format!("{at}.id"),
                format!(
                    "expected an id of lowercase letters, digits and `-`, found `{}`",
                    t.id
                ),
                None,
            );
        } else if seen.contains(&t.id.as_str()) {
            err(
                format!("{at}.id"),
                format!("expected a unique target id, found `{}` again", t.id),
                None,
            );
        }
        seen.push(&t.id);
        let given: Vec<(&str, f64)> = [
            ("observed", t.observed),
            ("at_least", t.at_least),
            ("at_most", t.at_most),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
        let goal = match given[..] {
            [("observed", v)] => Some(Goal::Observed(v)),
            [("at_least", v)] => Some(Goal::AtLeast(v)),
            [("at_most", v)] => Some(Goal::AtMost(v)),
            [] => {
                err(
                    at.clone(),
                    "expected one of `observed`, `at_least` or `at_most`, found none".into(),
                    None,
                );
                None
            }
            _ => {
                let names: Vec<&str> = given.iter().map(|(k, _)| *k).collect();
                err(
                    at.clone(),
                    format!(
                        "expected one of `observed`, `at_least` or `at_most`, found {}",
                        names.join(" and ")
                    ),
                    Some(
                        "a target is either a figure with a tolerance or a one-sided bound".into(),
                    ),
                );
                None
            }
        };
        if let Some(g) = goal
            && !g.value().is_finite()
        {
            err(
                format!("{at}.{}", g.kind()),
                format!("expected a finite number, found {}", g.value()),
                None,
            );
        }
        let tolerance = t.tolerance.unwrap_or(DEFAULT_TOLERANCE);
        if !(tolerance.is_finite() && tolerance > 0.0) {
            err(
                format!("{at}.tolerance"),
                format!(
                    "expected a relative half-width above 0, like 0.2 for ±20%, found {tolerance}"
                ),
                None,
            );
        }
        if t.source.trim().is_empty() {
            err(
                format!("{at}.source"),
                "expected where the figure comes from, found an empty string".into(),
                Some("every figure a scenario is fitted to needs its source".into()),
            );
        }
        if let Some(d) = &t.at
            && !(d.minutes.is_finite() && d.minutes >= 0.0)
        {
            err(
                format!("{at}.at"),
                format!("expected a time >= 0, found {d}"),
                None,
            );
        }
        if let Some(g) = goal {
            targets.push(Target {
                id: t.id.clone(),
                metric: t.metric.clone(),
                platform: t.platform.clone(),
                at: t.at.as_ref().map(|d| d.minutes),
                goal: g,
                tolerance,
                share_of: t.share_of.clone(),
                source: crate::text::one_line(&t.source).into_owned(),
            });
        }
    }
    if !problems.is_empty() {
        return Err(LoadError::new(
            source,
            crate::scenario::place_fields(problems, text),
        ));
    }
    Ok(Targets {
        source: source.to_string(),
        name: crate::text::one_line(&raw.name).into_owned(),
        scenario: raw.scenario.map(PathBuf::from),
        variant: raw.variant,
        replications,
        targets,
    })
}

/// The state metrics a target can take at a time `at` (contract: "With `at`").
pub const STATE_METRICS: [&str; 7] = [
    "live",
    "published_cum",
    "removed_cum",
    "views_cum",
    "queue",
    "attempts_cum",
    "blocked_cum",
];

/// What a target measures, resolved against a scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measure {
    /// A numeric column of `runs.csv` (index into its columns).
    Run(usize),
    /// A numeric column of `platforms.csv` on one platform (column index, platform).
    Platform(usize, usize),
    /// `removed` on one platform: the three removal causes added up.
    PlatformRemoved(usize),
    /// A state metric at time `at`, on one platform or summed over all.
    State {
        metric: StateMetric,
        platform: Option<usize>,
        at: Minutes,
    },
    /// How many platforms have a live copy at `at`.
    PlatformsWithLive(Minutes),
}

/// The state metrics, as a closed set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateMetric {
    Live,
    PublishedCum,
    RemovedCum,
    ViewsCum,
    Queue,
    AttemptsCum,
    BlockedCum,
}

impl StateMetric {
    fn parse(name: &str) -> Option<StateMetric> {
        Some(match name {
            "live" => StateMetric::Live,
            "published_cum" => StateMetric::PublishedCum,
            "removed_cum" => StateMetric::RemovedCum,
            "views_cum" => StateMetric::ViewsCum,
            "queue" => StateMetric::Queue,
            "attempts_cum" => StateMetric::AttemptsCum,
            "blocked_cum" => StateMetric::BlockedCum,
            _ => return None,
        })
    }
}

impl Measure {
    /// The time this measure is read at, if it is a state at a time.
    pub fn at(self) -> Option<Minutes> {
        match self {
            Measure::State { at, .. } | Measure::PlatformsWithLive(at) => Some(at),
            _ => None,
        }
    }
}

/// A target ready to be measured: what, and against what.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub target: Target,
    pub measure: Measure,
    /// With `share_of`: the denominator, measured the same way.
    pub share_of: Option<Measure>,
}

/// A targets file resolved against its scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub name: String,
    /// Index of the variant whose runs are compared.
    pub variant: usize,
    pub replications: u32,
    pub targets: Vec<Resolved>,
}

/// Names of the numeric columns of a record.
fn numeric_columns<R: Columns>() -> Vec<&'static str> {
    R::COLUMNS
        .iter()
        .filter(|c| c.numeric)
        .map(|c| c.name)
        .collect()
}

fn column_index<R: Columns>(name: &str) -> Option<usize> {
    R::COLUMNS.iter().position(|c| c.numeric && c.name == name)
}

impl Targets {
    /// Resolve the targets against `scenario`: the variant, platform ids, metric names
    /// and times, every problem reported at its field path.
    pub fn resolve(&self, scenario: &Scenario) -> Result<Plan, LoadError> {
        let mut problems = Vec::new();
        let names: Vec<String> = scenario.variants.iter().map(|v| v.name.clone()).collect();
        let variant = match &self.variant {
            None => 0,
            Some(v) => names.iter().position(|n| n == v).unwrap_or_else(|| {
                problems.push(
                    Problem::at_field(
                        "variant",
                        format!(
                            "expected a variant of {} ({}), found `{v}`",
                            scenario.source,
                            list_names(&names)
                        ),
                    )
                    .with_hint(did_you_mean(v, names.iter().map(String::as_str))),
                );
                0
            }),
        };
        let platforms: Vec<String> = scenario
            .base
            .platforms
            .iter()
            .map(|p| p.id.clone())
            .collect();
        let horizon = scenario.experiment.horizon;
        let mut targets = Vec::new();
        for t in &self.targets {
            let at = format!("targets[{}]", t.id);
            let platform = t.platform.as_ref().and_then(|p| {
                let i = platforms.iter().position(|x| x == p);
                if i.is_none() {
                    problems.push(
                        Problem::at_field(
                            format!("{at}.platform"),
                            format!(
                                "expected a platform of {} ({}), found `{p}`",
                                scenario.source,
                                list_names(&platforms)
                            ),
                        )
                        .with_hint(did_you_mean(p, platforms.iter().map(String::as_str))),
                    );
                }
                i
            });
            if t.platform.is_some() && platform.is_none() {
                continue;
            }
            if let Some(a) = t.at
                && a > horizon
            {
                problems.push(Problem::at_field(
                    format!("{at}.at"),
                    format!(
                        "expected a time within the scenario's horizon ({}), found {}",
                        crate::scenario::duration::format_minutes(horizon),
                        crate::scenario::duration::format_minutes(a)
                    ),
                ));
                continue;
            }
            let measure = |name: &str, field: &str, problems: &mut Vec<Problem>| {
                let found = measure_of(name, platform, t.at);
                if found.is_none() {
                    let (expected, candidates) =
                        expected_metrics(platform.is_some(), t.at.is_some());
                    problems.push(
                        Problem::at_field(
                            format!("{at}.{field}"),
                            format!("expected {expected}, found `{name}`"),
                        )
                        .with_hint(did_you_mean(name, candidates.iter().copied())),
                    );
                }
                found
            };
            let m = measure(&t.metric, "metric", &mut problems);
            let share = t
                .share_of
                .as_ref()
                .map(|s| measure(s, "share_of", &mut problems));
            if let (Some(m), share) = (m, share) {
                if matches!(share, Some(None)) {
                    continue;
                }
                targets.push(Resolved {
                    target: t.clone(),
                    measure: m,
                    share_of: share.flatten(),
                });
            }
        }
        if !problems.is_empty() {
            return Err(LoadError::new(&self.source, problems));
        }
        Ok(Plan {
            name: self.name.clone(),
            variant,
            replications: self.replications,
            targets,
        })
    }
}

/// The measure a metric name stands for, with or without a platform and a time.
fn measure_of(name: &str, platform: Option<usize>, at: Option<Minutes>) -> Option<Measure> {
    match (platform, at) {
        (None, None) => column_index::<RunOutcome>(name).map(Measure::Run),
        (Some(p), None) if name == "removed" => Some(Measure::PlatformRemoved(p)),
        (Some(p), None) => column_index::<PlatformOutcome>(name).map(|c| Measure::Platform(c, p)),
        (None, Some(at)) if name == "platforms_with_live" => Some(Measure::PlatformsWithLive(at)),
        // The contract's own example writes `metric: removed` with `at`: a count with a
        // time is read as the count so far (`removed_cum`).
        (platform, Some(at)) => StateMetric::parse(name)
            .or_else(|| StateMetric::parse(&format!("{name}_cum")))
            .map(|metric| Measure::State {
                metric,
                platform,
                at,
            }),
    }
}

/// Every metric name some form of target accepts (with or without a platform and a
/// time), sorted, for the targets file's schema.
pub(crate) fn all_metric_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = [(false, false), (true, false), (false, true), (true, true)]
        .into_iter()
        .flat_map(|(platform, at)| expected_metrics(platform, at).1)
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// What a metric may be, given a platform and a time, for messages.
fn expected_metrics(platform: bool, at: bool) -> (String, Vec<&'static str>) {
    let mut names: Vec<&'static str> = match (platform, at) {
        (false, false) => numeric_columns::<RunOutcome>(),
        (true, false) => {
            let mut n = numeric_columns::<PlatformOutcome>();
            n.push("removed");
            n
        }
        (false, true) => {
            let mut n = STATE_METRICS.to_vec();
            n.push("platforms_with_live");
            n
        }
        (true, true) => STATE_METRICS.to_vec(),
    };
    names.dedup();
    let what = match (platform, at) {
        (false, false) => "a numeric column of runs.csv",
        (true, false) => "a numeric column of platforms.csv, or `removed`",
        (false, true) => "a state metric at a time",
        (true, true) => "a state metric of one platform at a time",
    };
    let listed: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    (format!("{what} ({})", list_names(&listed)), names)
}

/// A problem with a targets file that is not where the file itself is wrong (for
/// messages built outside the loader).
pub fn file_problem(source: &str, message: String) -> LoadError {
    LoadError::new(
        source,
        vec![Problem {
            location: Location::File,
            also: None,
            message,
            hint: None,
        }],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCENARIO: &str = "\
name: t
horizon: 24h
platforms:
  - id: social
    views_per_hour: 100
    attention_half_life: 2h
    review: {reviewers: 2, time: 5m}
content:
  - id: video
    origin: {platform: social}
";

    fn scenario() -> Scenario {
        crate::scenario::parse(SCENARIO, "s.yaml").unwrap()
    }

    #[test]
    fn the_contracts_example_reads_and_resolves() {
        let text = "\
name: \"March 2019, first 24 hours\"
scenario: christchurch-2019.yaml
variant: baseline
replications: 40
targets:
  - id: social-removed-24h
    metric: removed
    platform: social
    at: 24h
    observed: 300000
    tolerance: 0.2
    source: \"Facebook statement, 18 March 2019\"
  - id: blocked-share
    metric: blocked
    share_of: attempts
    platform: social
    observed: 0.8
    tolerance: 0.1
    source: \"...\"
  - id: platforms-live-10h
    metric: platforms_with_live
    at: 10h
    at_least: 5
    source: \"...\"
";
        // `removed` with `at` is read as `removed_cum`, the removals so far.
        let t = parse(text, "t.yaml").unwrap();
        assert_eq!(t.replications, 40);
        assert_eq!(t.targets[0].goal, Goal::Observed(300000.0));
        assert_eq!(t.targets[2].goal, Goal::AtLeast(5.0));
        assert_eq!(t.targets[1].tolerance, 0.1);
        let plan = t.resolve(&scenario()).unwrap();
        assert_eq!(plan.targets.len(), 3);
        assert_eq!(plan.targets[2].measure, Measure::PlatformsWithLive(600.0));
        assert!(matches!(
            plan.targets[1].share_of,
            Some(Measure::Platform(_, 0))
        ));
    }

    #[test]
    fn mistakes_are_named_by_field() {
        let bad = "\
name: x
targets:
  - {id: a, metric: exposure, source: s}
  - {id: b, metric: exposure, observed: 1, at_most: 2, source: s}
  - {id: c, metric: exposure, observed: 1, tolerance: 0, source: \"\"}
  - {id: c, metric: exposure, observed: 1, source: s}
";
        let e = parse(bad, "t.yaml").unwrap_err().to_string();
        for want in [
            "targets[a]: expected one of `observed`, `at_least` or `at_most`, found none",
            "targets[b]: expected one of `observed`, `at_least` or `at_most`, found observed and at_most",
            "targets[c].tolerance: expected a relative half-width above 0",
            "targets[c].source: expected where the figure comes from",
            "targets[3].id: expected a unique target id, found `c` again",
        ] {
            assert!(e.contains(want), "`{want}` in:\n{e}");
        }
        let e = parse(
            "name: x\ntargets:\n  - {id: a, metric: exposure, obsreved: 1, source: s}\n",
            "t.yaml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("t.yaml:3:") && e.contains("did you mean `observed`?"),
            "{e}"
        );

        let t = parse(
            "name: x\nvariant: basline\ntargets:\n  - {id: a, metric: exposre, observed: 1, source: s}\n  - {id: b, metric: views, platform: socail, observed: 1, source: s}\n  - {id: c, metric: live, at: 48h, observed: 1, source: s}\n",
            "t.yaml",
        )
        .unwrap();
        let e = t.resolve(&scenario()).unwrap_err().to_string();
        for want in [
            "variant: expected a variant of s.yaml (`baseline`), found `basline`",
            "did you mean `baseline`?",
            "targets[a].metric: expected a numeric column of runs.csv",
            "did you mean `exposure`?",
            "targets[b].platform: expected a platform of s.yaml (`social`), found `socail`",
            "targets[c].at: expected a time within the scenario's horizon (1d), found 2d",
        ] {
            assert!(e.contains(want), "`{want}` in:\n{e}");
        }
    }
}

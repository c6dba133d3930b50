//! The after-action debrief: the players' decisions replayed over many replications with
//! common random numbers, set against the scenario's automated variants, with a timeline
//! of decisions beside the reference protocol's milestones and objective ratings.

use std::fmt::Write;
use std::sync::Arc;

use crate::compare::stats::{Describe, quantile_sorted};
use crate::compare::{Collector, Metric};
use crate::engine::{Decision, DecisionSchedule, clock};
use crate::runner::{self, RunError, RunPlan};
use crate::scenario::{Minutes, Objective, ObjectiveCriterion, Scenario};
use crate::sink::{
    EventRecord, PlatformOutcome, ProtocolOutcome, RunId, RunOutcome, SampleRecord, Sink,
};

use super::record::Replay;
use crate::text::one_line;

/// The name under which the players' schedule appears in debriefs and `ttx run --decisions`.
pub const PLAYERS: &str = "players";

/// Passes records on under another variant name.
struct Renamed<'a> {
    name: Arc<str>,
    inner: &'a mut dyn Sink,
}

impl Renamed<'_> {
    fn id(&self, run: &RunId) -> RunId {
        RunId {
            variant: Arc::clone(&self.name),
            ..run.clone()
        }
    }
}

impl Sink for Renamed<'_> {
    fn wants_events(&self) -> bool {
        self.inner.wants_events()
    }
    fn event(&mut self, run: &RunId, e: &EventRecord) {
        let id = self.id(run);
        self.inner.event(&id, e);
    }
    fn sample(&mut self, run: &RunId, s: &SampleRecord) {
        let id = self.id(run);
        self.inner.sample(&id, s);
    }
    fn platform_outcome(&mut self, run: &RunId, p: &PlatformOutcome) {
        let id = self.id(run);
        self.inner.platform_outcome(&id, p);
    }
    fn protocol_outcome(&mut self, run: &RunId, p: &ProtocolOutcome) {
        let id = self.id(run);
        self.inner.protocol_outcome(&id, p);
    }
    fn run_outcome(&mut self, run: &RunId, o: &RunOutcome) {
        let id = self.id(run);
        self.inner.run_outcome(&id, o);
    }
}

/// Run the players' schedule over replications `0..n` into `sink`, as variant `players`.
pub fn run_schedule(
    scenario: &Scenario,
    replay: &Replay,
    replications: u32,
    threads: usize,
    events: bool,
    sink: &mut dyn Sink,
) -> Result<(), RunError> {
    let plan = RunPlan {
        variants: vec![replay.variant],
        first_replication: 0,
        replications,
        seed: replay.seed,
        threads,
        events,
        decisions: Some(Arc::new(replay.schedule.clone())),
    };
    let mut renamed = Renamed {
        name: Arc::from(PLAYERS),
        inner: sink,
    };
    runner::run(scenario, &plan, &mut renamed, None, &mut |_| {})
}

/// Collects each protocol's milestone times in one variant's runs, by protocol id in the
/// order they first come (the variant's order).
#[derive(Default)]
struct Milestones {
    protocols: Vec<(Arc<str>, [Vec<f64>; 3])>,
}

impl Sink for Milestones {
    fn protocol_outcome(&mut self, _run: &RunId, p: &ProtocolOutcome) {
        let k = match self.protocols.iter().position(|(id, _)| *id == p.protocol) {
            Some(k) => k,
            None => {
                self.protocols
                    .push((Arc::clone(&p.protocol), Default::default()));
                self.protocols.len() - 1
            }
        };
        let times = &mut self.protocols[k].1;
        times[0].extend(p.triggered_min);
        times[1].extend(p.activated_min);
        times[2].extend(p.deactivated_min);
    }
}

/// One protocol's milestones over the reference runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtocolMilestones {
    pub protocol: String,
    pub notify_time: Minutes,
    pub trigger: Option<Milestone>,
    pub activation: Option<Milestone>,
    /// When it stood down (in the runs where it did).
    pub deactivation: Option<Milestone>,
}

/// The reference variant's protocols' milestones over many automated runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceMilestones {
    /// The variant that runs the protocols.
    pub variant: String,
    /// Each protocol it lists, in its order.
    pub protocols: Vec<ProtocolMilestones>,
}

/// Run the reference variant (`preferred` if it runs a protocol, else the first variant
/// that does) over replications `0..n` and summarise when each of its protocols
/// triggers, activates and stands down. `None` if no variant runs a protocol.
pub fn reference_milestones(
    scenario: &Scenario,
    preferred: Option<usize>,
    replications: u32,
    seed: u64,
    threads: usize,
) -> Result<Option<ReferenceMilestones>, RunError> {
    let Some(v) = preferred
        .into_iter()
        .chain(0..scenario.variants.len())
        .find(|&v| !scenario.variants[v].protocols.is_empty())
    else {
        return Ok(None);
    };
    let variant = &scenario.variants[v];
    let mut m = Milestones::default();
    let mut plan = RunPlan::for_scenario(scenario);
    plan.variants = vec![v];
    plan.replications = replications;
    plan.seed = seed;
    plan.threads = threads;
    runner::run(scenario, &plan, &mut m, None, &mut |_| {})?;
    let protocols = variant
        .protocols
        .iter()
        .filter_map(|&k| variant.model.protocols.get(k))
        .map(|p| {
            let times = m
                .protocols
                .iter()
                .find(|(id, _)| **id == *p.id)
                .map(|(_, t)| t);
            let of = |i: usize| times.and_then(|t| milestone(&t[i]));
            ProtocolMilestones {
                protocol: p.id.clone(),
                notify_time: p.notify_time,
                trigger: of(0),
                activation: of(1),
                deactivation: of(2),
            }
        })
        .collect();
    Ok(Some(ReferenceMilestones {
        variant: variant.name.clone(),
        protocols,
    }))
}

/// HSEEP performance ratings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rating {
    /// Performed without challenges.
    P,
    /// Performed with some challenges.
    S,
    /// Performed with major challenges.
    M,
    /// Unable to be performed.
    U,
}

impl Rating {
    pub fn meaning(self) -> &'static str {
        match self {
            Rating::P => "performed without challenges",
            Rating::S => "performed with some challenges",
            Rating::M => "performed with major challenges",
            Rating::U => "unable to be performed",
        }
    }

    /// Rate a value against a target where lower is better: at or under the target is P,
    /// within 25% over S, within 50% over M, beyond (or never) U.
    fn lower_is_better(value: Option<f64>, target: f64, slack: [f64; 2]) -> Rating {
        match value {
            Some(v) if v <= target => Rating::P,
            Some(v) if v <= target * slack[0] => Rating::S,
            Some(v) if v <= target * slack[1] => Rating::M,
            _ => Rating::U,
        }
    }
}

/// One objective's rating, with the evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveRating {
    pub objective: Objective,
    pub rating: Rating,
    pub evidence: String,
}

/// A protocol milestone's distribution over the reference runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Milestone {
    pub runs: usize,
    pub median: f64,
    pub p05: f64,
    pub p95: f64,
}

fn milestone(values: &[f64]) -> Option<Milestone> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    Some(Milestone {
        runs: v.len(),
        median: quantile_sorted(&v, 0.5)?,
        p05: quantile_sorted(&v, 0.05)?,
        p95: quantile_sorted(&v, 0.95)?,
    })
}

/// Everything the debrief says.
pub struct Debrief {
    pub scenario_name: String,
    pub variant: String,
    pub seed: u64,
    pub replications: u32,
    pub schedule: DecisionSchedule,
    /// Players first, then the scenario's variants.
    pub collector: Collector,
    /// The reference variant's protocols' milestones.
    pub reference: Option<ReferenceMilestones>,
    /// The ids of the played variant's model's protocols (what a decision's protocol
    /// index means), and the one `activate` and `notify` mean unnamed (`None`: the
    /// exercise's neutral protocol).
    pub protocol_ids: Vec<String>,
    pub first_in_play: Option<usize>,
    pub objectives: Vec<ObjectiveRating>,
    /// What each decision of `schedule` did, as the prompt answered (empty where not
    /// known: the after-action table then shows the decisions only).
    pub effects: Vec<String>,
}

/// Text for a Markdown table cell: neutralised (see [`crate::text`]) and without what
/// would end the cell or the row (`|`, newlines).
pub fn md_cell(text: &str) -> String {
    one_line(text).replace('|', "\\|")
}

/// A number with thousands separators.
fn grouped(x: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    if x < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.insert(0, '-');
    }
    out
}

/// A mean with its 95% interval, or the value alone with `n = 1`: one replication has no
/// interval.
fn mean_ci(d: &Describe, decimals: usize) -> String {
    if d.n < 2 {
        format!("{} (n = 1)", grouped(d.mean, decimals))
    } else {
        format!(
            "{} ({}–{})",
            grouped(d.mean, decimals),
            grouped(d.ci95_low, decimals),
            grouped(d.ci95_high, decimals)
        )
    }
}

/// An automated variant against the players' decisions, from the players' side: "your
/// decisions gave 10% less exposure than `ecp` (4–16%)". `p` is the variant minus the
/// players, paired by replication; the share is of the variant's mean.
pub fn players_verdict(p: &crate::compare::stats::Paired, metric: Metric, name: &str) -> String {
    let label = metric.label();
    let name = one_line(name);
    let no_clear = || format!("no clear difference in {label} between your decisions and `{name}`");
    if !p.is_clear() {
        return no_clear();
    }
    // Players against the variant, as a share of the variant's mean (the ratio's
    // interval, inverted: see `Paired::percent_from_variant`).
    let Some((mid, lo, hi)) = p.percent_from_variant() else {
        return format!(
            "your decisions gave {:.1} more {label} than `{name}` (which had none)",
            -p.delta_mean
        );
    };
    if p.ratio_ci95.is_some() && lo <= 0.0 && hi >= 0.0 {
        return no_clear();
    }
    if mid < 0.0 {
        format!(
            "your decisions gave {:.0}% less {label} than `{name}` ({:.0}–{:.0}%)",
            -mid, -hi, -lo
        )
    } else {
        format!("your decisions gave {mid:.0}% more {label} than `{name}` ({lo:.0}–{hi:.0}%)")
    }
}

/// Replay the schedule and every automated variant over `replications` and compare.
pub fn debrief(
    scenario: &Scenario,
    replay: &Replay,
    objectives: &[Objective],
    replications: u32,
    threads: usize,
) -> Result<Debrief, RunError> {
    let mut names: Vec<Arc<str>> = vec![Arc::from(PLAYERS)];
    names.extend(scenario.variants.iter().map(|v| Arc::from(v.name.as_str())));
    let platforms = scenario
        .base
        .platforms
        .iter()
        .map(|p| Arc::from(p.id.as_str()))
        .collect();
    let metrics = vec![
        Metric::Exposure,
        Metric::PeakLive,
        Metric::Published,
        Metric::LiveAtEnd,
        Metric::ContainedMin,
    ];
    let mut collector = Collector::new(names, platforms, metrics);
    run_schedule(
        scenario,
        replay,
        replications,
        threads,
        false,
        &mut collector,
    )?;
    let mut plan = RunPlan::for_scenario(scenario);
    plan.replications = replications;
    plan.seed = replay.seed;
    plan.threads = threads;
    runner::run(scenario, &plan, &mut collector, None, &mut |_| {})?;

    let reference = reference_milestones(
        scenario,
        Some(replay.variant),
        replications,
        replay.seed,
        threads,
    )?;
    let played = &scenario.variants[replay.variant];
    let protocol_ids: Vec<String> = played
        .model
        .protocols
        .iter()
        .map(|p| p.id.clone())
        .collect();
    let first_in_play = super::command::in_play(played).first().copied();
    let objectives = objectives
        .iter()
        .map(|o| {
            // The objective's protocol, by id (objectives are read with the base model).
            let meant = o
                .protocol
                .and_then(|k| scenario.base.protocols.get(k))
                .map(|p| p.id.as_str());
            let players = PlayerTimes {
                schedule: &replay.schedule,
                ids: &protocol_ids,
                first: first_in_play,
            };
            rate(o, meant, &players, &collector)
        })
        .collect();
    Ok(Debrief {
        scenario_name: scenario.base.name.clone(),
        variant: scenario.variants[replay.variant].name.clone(),
        seed: replay.seed,
        replications,
        schedule: replay.schedule.clone(),
        collector,
        reference,
        protocol_ids,
        first_in_play,
        objectives,
        effects: Vec::new(),
    })
}

fn first_time(schedule: &DecisionSchedule, pick: impl Fn(&Decision) -> bool) -> Option<Minutes> {
    schedule
        .decisions
        .iter()
        .find(|d| pick(&d.decision))
        .map(|d| d.at)
}

/// The players' decisions read protocol by protocol.
struct PlayerTimes<'a> {
    schedule: &'a DecisionSchedule,
    /// The played model's protocol ids.
    ids: &'a [String],
    /// The protocol `activate` and `notify` mean unnamed.
    first: Option<usize>,
}

impl PlayerTimes<'_> {
    /// The protocol a decision activates (`Some(None)`: the unnamed one with no
    /// protocol of the scenario in play), or `None` if it activates none.
    fn activates(&self, d: &Decision) -> Option<Option<&str>> {
        match d {
            Decision::ActivateProtocol => Some(self.id(self.first)),
            Decision::Activate { protocol } => Some(self.id(Some(*protocol))),
            _ => None,
        }
    }

    /// The protocol a decision notifies under, as [`Self::activates`].
    fn notifies(&self, d: &Decision) -> Option<Option<&str>> {
        match d {
            Decision::Notify { .. } => Some(self.id(self.first)),
            Decision::NotifyUnder { protocol, .. } => Some(self.id(Some(*protocol))),
            _ => None,
        }
    }

    fn id(&self, k: Option<usize>) -> Option<&str> {
        k.and_then(|k| self.ids.get(k)).map(String::as_str)
    }

    /// When the players first activated `protocol` (`None`: any).
    fn activated(&self, protocol: Option<&str>) -> Option<Minutes> {
        first_time(self.schedule, |d| {
            self.activates(d)
                .is_some_and(|p| protocol.is_none() || p == protocol)
        })
    }

    /// When the players first notified members of `protocol` (`None`: any).
    fn notified(&self, protocol: Option<&str>) -> Option<Minutes> {
        first_time(self.schedule, |d| {
            self.notifies(d)
                .is_some_and(|p| protocol.is_none() || p == protocol)
        })
    }
}

/// Rate an objective; an activation or notification objective against protocol `meant`
/// (`None`: any protocol).
fn rate(
    o: &Objective,
    meant: Option<&str>,
    players: &PlayerTimes,
    c: &Collector,
) -> ObjectiveRating {
    let schedule = players.schedule;
    let within = |t: Option<Minutes>, target: Minutes, what: &str| {
        let rating = Rating::lower_is_better(t, target, [1.5, 2.0]);
        let evidence = match t {
            Some(t) => format!("{what} at {} (target: by {})", clock(t), clock(target)),
            None => format!("never {what} (target: by {})", clock(target)),
        };
        (rating, evidence)
    };
    let below = |m: Metric, target: f64| {
        let d: Option<Describe> = c.describe(0, m);
        let rating = Rating::lower_is_better(d.map(|d| d.mean), target, [1.25, 1.5]);
        let evidence = match d {
            Some(d) => format!(
                "mean {} {:.0} (95% CI {:.0}–{:.0}) over {} replications of your decisions; target below {target:.0}",
                m.label(),
                d.mean,
                d.ci95_low,
                d.ci95_high,
                d.n
            ),
            None => format!("no runs to judge {}", m.label()),
        };
        (rating, evidence)
    };
    let (rating, evidence) = match o.criterion {
        ObjectiveCriterion::ActivateWithin(t) => within(
            players.activated(meant),
            t,
            &meant.map_or("activated the protocol".into(), |p| {
                format!("activated `{}`", one_line(p))
            }),
        ),
        ObjectiveCriterion::NotifyWithin(t) => within(
            players.notified(meant),
            t,
            &meant.map_or("notified member platforms".into(), |p| {
                format!("notified the members of `{}`", one_line(p))
            }),
        ),
        ObjectiveCriterion::ReferWithin(t) => within(
            first_time(schedule, |d| {
                matches!(d, Decision::Refer { .. } | Decision::Order { .. })
            }),
            t,
            "sent the first referral or order",
        ),
        ObjectiveCriterion::ExposureBelow(x) => below(Metric::Exposure, x),
        ObjectiveCriterion::PeakLiveBelow(x) => below(Metric::PeakLive, x),
    };
    ObjectiveRating {
        objective: o.clone(),
        rating,
        evidence,
    }
}

impl Debrief {
    /// The timeline: the players' decisions beside each reference protocol's milestones.
    /// With one protocol in play and one in the reference, the lines speak of "the
    /// protocol"; with several, each line names its protocol.
    pub fn timeline(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let players = PlayerTimes {
            schedule: &self.schedule,
            ids: &self.protocol_ids,
            first: self.first_in_play,
        };
        let Some(reference) = &self.reference else {
            return lines;
        };
        let variant = &reference.variant;
        let median = |m: &Option<Milestone>| {
            m.map(|m| {
                format!(
                    "a median {} (5–95%: {}–{}, in {} of {} runs)",
                    clock(m.median),
                    clock(m.p05),
                    clock(m.p95),
                    m.runs,
                    self.replications
                )
            })
            .unwrap_or_else(|| "never".into())
        };
        let you = |t: Option<Minutes>, what: &str| match t {
            Some(t) => format!("you {what} at {}", clock(t)),
            None => format!("you never {what}"),
        };
        let named = reference.protocols.len() > 1 || self.protocol_ids.len() > 1;
        for m in &reference.protocols {
            let protocol = one_line(&m.protocol);
            let (activated, notified) = if named {
                (
                    you(
                        players.activated(Some(&m.protocol)),
                        &format!("activated `{protocol}`"),
                    ),
                    you(
                        players.notified(Some(&m.protocol)),
                        &format!("notified the members of `{protocol}`"),
                    ),
                )
            } else {
                (
                    you(players.activated(None), "activated the protocol"),
                    you(players.notified(None), "notified member platforms"),
                )
            };
            lines.push(format!(
                "{activated}; the `{protocol}` trigger (variant `{variant}`) fires at {}",
                median(&m.trigger)
            ));
            lines.push(format!(
                "under `{protocol}` the protocol is active at {}",
                median(&m.activation)
            ));
            lines.push(format!(
                "{notified}; `{protocol}` notifies members {} after activation",
                crate::scenario::duration::format_minutes(m.notify_time)
            ));
            if m.deactivation.is_some() {
                lines.push(format!(
                    "under `{protocol}` the protocol stands down at {}",
                    median(&m.deactivation)
                ));
            }
        }
        // The players' protocols the reference variant does not run.
        for id in &self.protocol_ids {
            if reference.protocols.iter().any(|m| m.protocol == *id) {
                continue;
            }
            let (a, n) = (players.activated(Some(id)), players.notified(Some(id)));
            if a.is_none() && n.is_none() {
                continue;
            }
            let id = one_line(id);
            lines.push(format!(
                "{}; {}; `{variant}` does not run `{id}`, so there is no reference for it",
                you(a, &format!("activated `{id}`")),
                you(n, &format!("notified the members of `{id}`")),
            ));
        }
        lines
    }

    /// The after-action report, as Markdown.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# After-action report: {}\n", self.scenario_name);
        let _ = writeln!(
            out,
            "Variant played: `{}`; seed {}; the players' decisions were replayed over {} replications with the same random streams as the scenario's automated variants.\n",
            self.variant, self.seed, self.replications
        );
        let _ = writeln!(out, "## Decisions\n");
        if self.schedule.decisions.is_empty() {
            let _ = writeln!(out, "No decisions were taken.\n");
        } else {
            let _ = writeln!(
                out,
                "| time | role | decision | what it did |\n|---|---|---|---|"
            );
            for (i, d) in self.schedule.decisions.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    clock(d.at),
                    md_cell(d.role.as_deref().unwrap_or("")),
                    md_cell(&d.text),
                    self.effects.get(i).map_or(String::new(), |e| md_cell(e))
                );
            }
            out.push('\n');
        }
        let _ = writeln!(out, "## Outcomes\n");
        let _ = writeln!(
            out,
            "| | exposure (views), mean and 95% CI | peak live copies, mean and 95% CI | your decisions against it |\n|---|---|---|---|"
        );
        for (v, name) in self.collector.variants().iter().enumerate() {
            let cell = |m: Metric| {
                self.collector.describe(v, m).map_or("-".into(), |d| {
                    if d.n < 2 {
                        format!("{:.0} (n = 1)", d.mean)
                    } else {
                        format!("{:.0} ({:.0}–{:.0})", d.mean, d.ci95_low, d.ci95_high)
                    }
                })
            };
            let versus = if v == 0 {
                "reference".to_string()
            } else {
                md_cell(&self.versus(v).join("; "))
            };
            let label = if v == 0 {
                "**your decisions**".to_string()
            } else {
                format!("`{}` (automated)", md_cell(name))
            };
            let _ = writeln!(
                out,
                "| {label} | {} | {} | {versus} |",
                cell(Metric::Exposure),
                cell(Metric::PeakLive)
            );
        }
        out.push('\n');
        let _ = writeln!(out, "## Timeline\n");
        let timeline = self.timeline();
        if timeline.is_empty() {
            let _ = writeln!(out, "The scenario defines no protocol to compare with.\n");
        }
        for line in timeline {
            let _ = writeln!(out, "- {line}");
        }
        out.push('\n');
        let _ = writeln!(out, "## Objectives\n");
        if self.objectives.is_empty() {
            let _ = writeln!(out, "The scenario declares no objectives.");
        } else {
            let _ = writeln!(
                out,
                "Ratings: P performed without challenges, S with some challenges, M with major challenges, U unable to be performed.\n"
            );
            let _ = writeln!(out, "| objective | rating | evidence |\n|---|---|---|");
            for o in &self.objectives {
                let _ = writeln!(
                    out,
                    "| {} | {:?} | {} |",
                    md_cell(&o.objective.description),
                    o.rating,
                    md_cell(&o.evidence)
                );
            }
        }
        out
    }

    /// Each automated variant against the players, from the players' side, on exposure
    /// and peak live copies.
    pub fn versus(&self, v: usize) -> Vec<String> {
        let name = &self.collector.variants()[v];
        [Metric::Exposure, Metric::PeakLive]
            .iter()
            .filter_map(|&m| {
                self.collector
                    .paired(v, m)
                    .map(|p| players_verdict(&p, m, name))
            })
            .collect()
    }

    /// The terminal table: each variant's exposure and peak live copies with their
    /// intervals, then the players' decisions against each automated variant.
    pub fn table(&self) -> String {
        let names: Vec<String> = self
            .collector
            .variants()
            .iter()
            .map(|v| one_line(v).into_owned())
            .collect();
        let width = names
            .iter()
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(7)
            .max(7);
        let mut out = format!(
            "{:<width$}  {:>32}  {:>26}\n",
            "variant", "exposure, views (95% CI)", "peak live copies (95% CI)"
        );
        for (v, name) in names.iter().enumerate() {
            let cell = |m: Metric, decimals: usize| {
                self.collector
                    .describe(v, m)
                    .map_or("-".to_string(), |d| mean_ci(&d, decimals))
            };
            let _ = writeln!(
                out,
                "{name:<width$}  {:>32}  {:>26}",
                cell(Metric::Exposure, 0),
                cell(Metric::PeakLive, 1)
            );
        }
        if names.len() > 1 {
            out.push_str(
                "\nYour decisions against each automated variant (paired by replication):\n",
            );
            for (v, name) in names.iter().enumerate().skip(1) {
                let _ = writeln!(out, "  {name:<width$}  {}", self.versus(v).join("; "));
            }
        }
        out
    }

    /// The debrief for the terminal.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "DEBRIEF: your decisions replayed over {} replications, against the automated variants\n",
            self.replications
        );
        out.push_str(&self.table());
        out.push('\n');
        for line in self.timeline() {
            let _ = writeln!(out, "- {line}");
        }
        if !self.objectives.is_empty() {
            let _ = writeln!(out, "\nObjectives (HSEEP ratings):");
            for o in &self.objectives {
                let _ = writeln!(
                    out,
                    "  [{:?}] {} — {}: {}",
                    o.rating,
                    one_line(&o.objective.description),
                    o.rating.meaning(),
                    o.evidence
                );
            }
        }
        out
    }
}

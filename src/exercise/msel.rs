//! The Master Scenario Events List: the facilitator's script of injects, with the
//! reference protocol's median milestone times beside them.

use std::io::{self, Write};

use crate::engine::clock;
use crate::output::neutralize;
use crate::scenario::{InjectKind, Minutes, Model, Scenario};

/// One MSEL row.
#[derive(Debug, Clone, PartialEq)]
pub struct MselRow {
    pub time: Minutes,
    pub inject_type: String,
    pub delivery: String,
    pub from: String,
    pub to: String,
    pub description: String,
    pub expected_action: String,
}

/// The injects of the scenario in time order (file order among equal times), with
/// `milestones` (time, description) from the reference protocol merged in.
pub fn rows(scenario: &Scenario, milestones: &[(Minutes, String)]) -> Vec<MselRow> {
    rows_of(&scenario.base, milestones)
}

/// [`rows`] of one model: a variant's, as it runs (its `set` overrides applied).
pub fn rows_of(model: &Model, milestones: &[(Minutes, String)]) -> Vec<MselRow> {
    let platform = |p: Option<usize>| {
        p.map_or("all platforms".to_string(), |p| {
            model.platforms[p].id.clone()
        })
    };
    let mut rows: Vec<MselRow> = model
        .injects
        .iter()
        .map(|i| {
            let (kind, effect, target) = match &i.kind {
                InjectKind::Message => ("message", String::new(), None),
                InjectKind::Virality {
                    platform: p,
                    factor,
                    duration,
                } => (
                    "virality",
                    format!(
                        "virality x{factor} on {}{}",
                        platform(*p),
                        duration
                            .map(|d| format!(" for {d:.0} min"))
                            .unwrap_or_default()
                    ),
                    Some(platform(*p)),
                ),
                InjectKind::Upload {
                    content,
                    platform: p,
                    count,
                    new_variant,
                } => (
                    "upload",
                    format!(
                        "{count} uploads of {}{} on {}",
                        model.contents[*content].id,
                        if *new_variant { " (a new edit)" } else { "" },
                        model.platforms[*p].id
                    ),
                    Some(model.platforms[*p].id.clone()),
                ),
                InjectKind::Outage {
                    platform: p,
                    reviewers,
                    duration,
                } => (
                    "outage",
                    format!(
                        "{} reviewers down to {reviewers} for {duration:.0} min",
                        model.platforms[*p].id
                    ),
                    Some(model.platforms[*p].id.clone()),
                ),
            };
            let description = match (&i.note, effect.is_empty()) {
                (Some(n), true) => n.clone(),
                (Some(n), false) => format!("{n} ({effect})"),
                (None, _) => effect,
            };
            MselRow {
                time: i.at,
                inject_type: kind.to_string(),
                delivery: i.delivery.delivery.clone().unwrap_or_default(),
                from: i.delivery.from.clone().unwrap_or_default(),
                to: i.delivery.to.clone().or(target).unwrap_or_default(),
                description,
                expected_action: i.delivery.expected_action.clone().unwrap_or_default(),
            }
        })
        .collect();
    rows.extend(milestones.iter().map(|(t, d)| MselRow {
        time: *t,
        inject_type: "milestone".into(),
        delivery: "simulation".into(),
        from: String::new(),
        to: String::new(),
        description: d.clone(),
        expected_action: String::new(),
    }));
    // Stable: equal times keep injects before milestones, each in their own order.
    rows.sort_by(|a, b| a.time.total_cmp(&b.time));
    rows
}

/// Write the MSEL as CSV: `seq, time, inject_type, delivery, from, to, description,
/// expected_action`.
pub fn write(rows: &[MselRow], w: impl Write) -> io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record([
        "seq",
        "time",
        "inject_type",
        "delivery",
        "from",
        "to",
        "description",
        "expected_action",
    ])?;
    for (i, r) in rows.iter().enumerate() {
        out.write_record([
            (i + 1).to_string().as_str(),
            &clock(r.time),
            &r.inject_type,
            neutralize(&r.delivery).as_ref(),
            neutralize(&r.from).as_ref(),
            neutralize(&r.to).as_ref(),
            neutralize(&r.description).as_ref(),
            neutralize(&r.expected_action).as_ref(),
        ])?;
    }
    out.flush()
}

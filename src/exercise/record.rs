//! Recorded decisions: the YAML file `--record` writes and `--decisions` replays.
//!
//! ```yaml
//! variant: baseline
//! seed: 20190315
//! step: 30m
//! decisions:
//!   - {at: 1h30m, decision: activate}
//!   - {at: 2h, role: europol, decision: refer videotube 10}
//! ```

use serde::{Deserialize, Serialize};

use crate::engine::{DecisionSchedule, ScheduledDecision};
use crate::scenario::duration::format_minutes;
use crate::scenario::{Minutes, Scenario, parse_duration};

use super::command::{Command, parse};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionFile {
    /// The scenario file the decisions were taken on (for the reader; not checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    pub variant: String,
    pub seed: u64,
    /// The move length used (replay does not depend on it).
    pub step: String,
    #[serde(default)]
    pub decisions: Vec<DecisionLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionLine {
    /// Simulated time, as a duration (exact: minutes are written in full precision).
    pub at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The decision as typed at the prompt.
    pub decision: String,
}

/// A decision file checked against its scenario.
#[derive(Debug, Clone)]
pub struct Replay {
    pub variant: usize,
    pub seed: u64,
    pub step: Minutes,
    pub schedule: DecisionSchedule,
}

impl DecisionFile {
    pub fn new(
        scenario: Option<String>,
        variant: &str,
        seed: u64,
        step: Minutes,
        schedule: &DecisionSchedule,
    ) -> Self {
        DecisionFile {
            scenario,
            variant: variant.to_string(),
            seed,
            step: format_minutes(step),
            decisions: schedule
                .decisions
                .iter()
                .map(|d| DecisionLine {
                    at: format_minutes(d.at),
                    role: d.role.clone(),
                    decision: d.text.clone(),
                })
                .collect(),
        }
    }

    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).unwrap_or_default()
    }

    /// Parse a decision file; errors name the file and the decision.
    pub fn parse(text: &str, source: &str) -> Result<DecisionFile, String> {
        serde_yaml::from_str(text).map_err(|e| {
            let at = e
                .location()
                .map(|l| format!("{}:{}: ", l.line(), l.column()))
                .unwrap_or_default();
            format!("{source}:{at}{e}")
        })
    }

    /// Resolve against the scenario: the variant by name, each decision re-parsed.
    pub fn resolve(&self, scenario: &Scenario, source: &str) -> Result<Replay, String> {
        let variant = scenario
            .variants
            .iter()
            .position(|v| v.name == self.variant)
            .ok_or_else(|| {
                format!(
                    "{source}: variant `{}` is not in the scenario {}",
                    self.variant, scenario.source
                )
            })?;
        let model = &scenario.variants[variant].model;
        let step = parse_duration(&self.step).map_err(|e| format!("{source}: step: {e}"))?;
        let mut decisions = Vec::new();
        let mut last = 0.0;
        for (i, line) in self.decisions.iter().enumerate() {
            let at = parse_duration(&line.at)
                .map_err(|e| format!("{source}: decisions[{i}].at: {e}"))?;
            if at < last {
                return Err(format!(
                    "{source}: decisions[{i}].at: decisions must be in time order ({} comes after {})",
                    line.at,
                    format_minutes(last)
                ));
            }
            last = at;
            match parse(&line.decision, model) {
                Ok(Command::Decide { decision, text, .. }) => decisions.push(ScheduledDecision {
                    at,
                    role: line.role.clone(),
                    decision,
                    text,
                }),
                Ok(_) => {
                    return Err(format!(
                        "{source}: decisions[{i}].decision: `{}` is not a decision",
                        line.decision
                    ));
                }
                Err(e) => return Err(format!("{source}: decisions[{i}].decision: {e}")),
            }
        }
        Ok(Replay {
            variant,
            seed: self.seed,
            step,
            schedule: DecisionSchedule { decisions },
        })
    }
}

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

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::{DecisionSchedule, ScheduledDecision};
use crate::scenario::duration::{DurError, format_minutes};
use crate::scenario::{Minutes, Scenario, parse_duration};

use super::command::{Command, CommandError, parse};

/// Why a decision file cannot be replayed. Every message starts with the file (`file`,
/// the label it was read under) and says which entry is wrong.
#[derive(Debug, thiserror::Error)]
pub enum DecisionFileError {
    #[error("{}: cannot read: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}:{}{source}", at(.source))]
    Yaml {
        file: String,
        source: serde_yaml::Error,
    },
    #[error("{file}: variant `{variant}` is not in the scenario {scenario}")]
    UnknownVariant {
        file: String,
        variant: String,
        /// The scenario's source (its path).
        scenario: String,
    },
    #[error("{file}: step: {error}")]
    Step { file: String, error: DurError },
    #[error("{file}: decisions[{index}].at: {error}")]
    At {
        file: String,
        index: usize,
        error: DurError,
    },
    #[error("{file}: decisions[{index}].at: decisions must be in time order ({at} comes after {})", minutes(.after))]
    OutOfOrder {
        file: String,
        index: usize,
        /// The entry's time, as written.
        at: String,
        /// The time of the entry before it.
        after: Minutes,
    },
    #[error("{file}: decisions[{index}].decision: `{decision}` is not a decision")]
    NotADecision {
        file: String,
        index: usize,
        decision: String,
    },
    #[error("{file}: decisions[{index}].decision: {source}")]
    Decision {
        file: String,
        index: usize,
        source: CommandError,
    },
}

fn minutes(m: &Minutes) -> String {
    format_minutes(*m)
}

/// `line:column: ` of a YAML error, when it has a location.
fn at(e: &serde_yaml::Error) -> String {
    e.location()
        .map(|l| format!("{}:{}: ", l.line(), l.column()))
        .unwrap_or_default()
}

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

impl Replay {
    /// Read the decision file at `path` and resolve it against `scenario`; errors name
    /// the file as given.
    pub fn read(path: &Path, scenario: &Scenario) -> Result<Replay, DecisionFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| DecisionFileError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let label = path.display().to_string();
        DecisionFile::parse(&text, &label)?.resolve(scenario, &label)
    }
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

    /// Parse a decision file; errors name the file (`source`) and the decision.
    pub fn parse(text: &str, source: &str) -> Result<DecisionFile, DecisionFileError> {
        serde_yaml::from_str(text).map_err(|e| DecisionFileError::Yaml {
            file: source.to_string(),
            source: e,
        })
    }

    /// Resolve against the scenario: the variant by name, each decision re-parsed.
    pub fn resolve(&self, scenario: &Scenario, source: &str) -> Result<Replay, DecisionFileError> {
        let file = || source.to_string();
        let variant = scenario
            .variants
            .iter()
            .position(|v| v.name == self.variant)
            .ok_or_else(|| DecisionFileError::UnknownVariant {
                file: file(),
                variant: self.variant.clone(),
                scenario: scenario.source.clone(),
            })?;
        let model = &scenario.variants[variant].model;
        let step = parse_duration(&self.step).map_err(|error| DecisionFileError::Step {
            file: file(),
            error,
        })?;
        let mut decisions = Vec::new();
        let mut last = 0.0;
        for (index, line) in self.decisions.iter().enumerate() {
            let at = parse_duration(&line.at).map_err(|error| DecisionFileError::At {
                file: file(),
                index,
                error,
            })?;
            if at < last {
                return Err(DecisionFileError::OutOfOrder {
                    file: file(),
                    index,
                    at: line.at.clone(),
                    after: last,
                });
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
                    return Err(DecisionFileError::NotADecision {
                        file: file(),
                        index,
                        decision: line.decision.clone(),
                    });
                }
                Err(source) => {
                    return Err(DecisionFileError::Decision {
                        file: file(),
                        index,
                        source,
                    });
                }
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

//! Recorded decisions: the YAML file `--record` writes and `--decisions` replays.
//!
//! ```yaml
//! scenario: "scenarios/tutorial.yaml"
//! scenario_sha256: "9f2c…"
//! variant: "baseline"
//! seed: 20190315
//! step: "30m"
//! decisions:
//!   - {at: "1h30m", decision: "activate"}
//!   - {at: "2h", role: "europol", decision: "refer videotube 10"}
//!   - {at: "2h30m", decision: "notify gifct-cip all"}
//! ```
//!
//! A decision is kept as it was typed and parsed again on replay, against the variant's
//! protocols in play, so `activate ecp` or `notify gifct-cip all` replay as the protocol
//! they name, and records of `activate` and `notify all` (the first protocol) as before.
//!
//! A live session writes the header before the first move and appends each accepted
//! decision as one line, flushed to the disk, so a session that is killed leaves a record
//! that replays up to its last decision. A last line cut short (the session stopped while
//! writing it) is left out with a note. The scenario's SHA-256 ties the record to the
//! scenario file it was made on; records written before it was kept replay with a note.

use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use crate::engine::{DecisionSchedule, ScheduledDecision};
use crate::scenario::duration::{DurError, format_minutes};
use crate::scenario::{Minutes, Scenario, parse_duration};

use super::command::{Command, CommandError, parse_in};

/// Why a decision file cannot be replayed. Every message starts with the file (`file`,
/// the label it was read under) and says which entry is wrong.
#[derive(Debug, thiserror::Error)]
pub enum DecisionFileError {
    #[error("{}: cannot read: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A named pipe, a device, a directory: opening it could wait for ever.
    #[error(
        "{}: expected a decisions record (a YAML file written by `ttx exercise --record`), found {found}",
        .path.display()
    )]
    NotAFile { path: PathBuf, found: &'static str },
    #[error(
        "{}: expected a decisions record of at most {} MiB, found a larger file",
        .path.display(),
        MAX_RECORD_BYTES / (1024 * 1024)
    )]
    TooLarge { path: PathBuf },
    #[error("{}: expected text in UTF-8, found other bytes", .path.display())]
    NotUtf8 { path: PathBuf },
    /// The record names a scenario file whose checksum is not the one given.
    #[error(
        "{file}: this record was made on a different scenario file: it was taken on {recorded} (SHA-256 {recorded_sha256}), but {given} has SHA-256 {given_sha256}. Replay it on the scenario file it was made on, or pass --allow-other-scenario to replay it anyway"
    )]
    OtherScenario {
        file: String,
        /// The scenario path the record names.
        recorded: String,
        recorded_sha256: String,
        /// The scenario given now.
        given: String,
        given_sha256: String,
    },
    #[error("{file}:{}{}", at(.source), crate::text::one_line(&.source.to_string()))]
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
    #[error("{file}: decisions[{index}]: expected a `decision` (or `paused: true`), found neither")]
    NoDecision { file: String, index: usize },
    #[error("{file}: decisions[{index}]: expected a `decision` or `paused: true`, found both")]
    PausedDecision { file: String, index: usize },
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

/// A duration error with what it quotes from the file neutralised.
fn dur_error(mut e: DurError) -> DurError {
    e.message = crate::text::one_line(&e.message).into_owned();
    e.hint = e.hint.map(|h| crate::text::one_line(&h).into_owned());
    e
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

/// The largest record `--decisions` reads (about 300,000 decisions).
pub const MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;

/// A ttx exercise's decisions record: what the players decided and when, as `ttx exercise
/// --record` writes it and `--decisions` replays it (in `ttx exercise` or `ttx run`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "ttx exercise decisions record")]
pub struct DecisionFile {
    /// The scenario file the decisions were taken on, as it was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// The SHA-256 of that file's bytes (hex); records of older versions have none. A
    /// replay on a file with another checksum is refused unless `--allow-other-scenario`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern("^[0-9a-f]{64}$"))]
    pub scenario_sha256: Option<String>,
    /// The variant the players played (its injects and protocols).
    pub variant: String,
    /// The base seed of the session's runs.
    pub seed: u64,
    /// The move length used (replay does not depend on it).
    #[schemars(schema_with = "crate::schema::duration_text")]
    pub step: String,
    /// The decisions, in time order. (`decisions:` with nothing under it, a session
    /// that took none, is an empty list.)
    #[serde(default, deserialize_with = "null_as_empty")]
    #[schemars(with = "Option<Vec<DecisionLine>>")]
    pub decisions: Vec<DecisionLine>,
}

fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<DecisionLine>, D::Error> {
    Ok(Option::<Vec<DecisionLine>>::deserialize(d)?.unwrap_or_default())
}

/// What a replay is checked against: the scenario file given now.
#[derive(Debug, Clone, Default)]
pub struct ScenarioCheck {
    /// The scenario file, as given.
    pub path: String,
    /// Its SHA-256 (hex), if it could be read.
    pub sha256: Option<String>,
    /// Replay a record made on another scenario file (`--allow-other-scenario`).
    pub allow_other: bool,
}

/// The SHA-256 of a file's bytes, in hex.
pub use crate::output::sha256_hex;

/// `text` as a YAML double-quoted scalar: backslash and quote escaped, and every
/// character YAML does not allow as it is (controls, newlines, tabs, non-characters)
/// written as an escape, so that any text stays on one line and reads back the same.
pub fn yaml_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if c.is_control()
                || matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
                ) =>
            {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One decision of the record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionLine {
    /// Simulated time, as a duration (exact: minutes are written in full precision).
    #[schemars(schema_with = "crate::schema::duration_text")]
    pub at: String,
    /// Who took the decision (free text), if the facilitator said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The decision as typed at the prompt (`activate`, `notify ecp all`, `refer
    /// videotube 10`, ...), parsed again on replay. Every entry has either a decision
    /// or `paused: true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    /// `true`: not a decision, but where the session's clock stood (a browser session,
    /// `ttx serve`, writes one at every pause, so that `--resume` puts the clock back
    /// there). Replays ignore it: pauses do not change the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused: Option<bool>,
}

impl DecisionLine {
    /// A decision taken at `at` (a duration), by `role` if given.
    pub fn decision(at: Minutes, role: Option<String>, text: &str) -> Self {
        DecisionLine {
            at: format_minutes(at),
            role,
            decision: Some(text.to_string()),
            paused: None,
        }
    }

    /// The clock paused at `at`.
    pub fn paused(at: Minutes) -> Self {
        DecisionLine {
            at: format_minutes(at),
            role: None,
            decision: None,
            paused: Some(true),
        }
    }

    /// The entry as one line of the record's `decisions:` list, ending in a newline.
    pub fn yaml(&self) -> String {
        let mut out = format!("  - {{at: {}", yaml_quoted(&self.at));
        if let Some(r) = &self.role {
            let _ = write!(out, ", role: {}", yaml_quoted(r));
        }
        if let Some(d) = &self.decision {
            let _ = write!(out, ", decision: {}", yaml_quoted(d));
        }
        if let Some(p) = self.paused {
            let _ = write!(out, ", paused: {p}");
        }
        out.push_str("}\n");
        out
    }
}

/// A decision file checked against its scenario.
#[derive(Debug, Clone)]
pub struct Replay {
    pub variant: usize,
    pub seed: u64,
    pub step: Minutes,
    pub schedule: DecisionSchedule,
    /// Where the clock last paused, if the record says (`paused: true` entries).
    pub paused_at: Option<Minutes>,
    /// What the reader should know (a record without checksum, another scenario file
    /// allowed, an incomplete last line left out), one line each.
    pub notes: Vec<String>,
}

/// What a file that is not a regular file is, for the message.
fn not_a_file(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "something that is not a regular file"
    }
}

/// Refuse a path that exists and is not a regular file (or a link to one): a named pipe
/// would be waited on, a device read or written for ever. A path that does not exist
/// is fine (it is created).
pub fn check_regular(path: &Path) -> Result<(), DecisionFileError> {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => Err(DecisionFileError::NotAFile {
            path: path.to_path_buf(),
            found: not_a_file(&meta.file_type()),
        }),
        _ => Ok(()),
    }
}

/// Read a record's text as the scenario loader reads a scenario: looked at before it
/// is opened (a regular file only), bounded, UTF-8.
pub fn read_text(path: &Path) -> Result<String, DecisionFileError> {
    let read = |source| DecisionFileError::Read {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read)?;
    check_regular(path)?;
    if meta.len() > MAX_RECORD_BYTES {
        return Err(DecisionFileError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(read)?
        .take(MAX_RECORD_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read)?;
    if bytes.len() as u64 > MAX_RECORD_BYTES {
        return Err(DecisionFileError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    String::from_utf8(bytes).map_err(|_| DecisionFileError::NotUtf8 {
        path: path.to_path_buf(),
    })
}

impl Replay {
    /// Read the decision file at `path` and resolve it against `scenario`, checked
    /// against the scenario file (`check`); errors name the file as given.
    pub fn read(
        path: &Path,
        scenario: &Scenario,
        check: &ScenarioCheck,
    ) -> Result<Replay, DecisionFileError> {
        let text = read_text(path)?;
        let label = crate::text::one_line(&path.display().to_string()).into_owned();
        let (file, cut) = DecisionFile::parse_recovering(&text, &label)?;
        let mut notes = file.check_scenario(check, &label)?;
        let mut replay = file.resolve(scenario, &label)?;
        if let Some(line) = cut {
            notes.push(format!(
                "{label}:{line}: the last entry is incomplete (the session was stopped while writing it) and is left out; the {} decision(s) before it are replayed",
                replay.schedule.decisions.len()
            ));
        }
        replay.notes = notes;
        Ok(replay)
    }
}

impl DecisionFile {
    pub fn new(
        scenario: Option<String>,
        scenario_sha256: Option<String>,
        variant: &str,
        seed: u64,
        step: Minutes,
        schedule: &DecisionSchedule,
    ) -> Self {
        DecisionFile {
            scenario,
            scenario_sha256,
            variant: variant.to_string(),
            seed,
            step: format_minutes(step),
            decisions: schedule
                .decisions
                .iter()
                .map(|d| DecisionLine::decision(d.at, d.role.clone(), &d.text))
                .collect(),
        }
    }

    /// The whole record: [`header`](Self::header), then one [`line`](DecisionLine::yaml)
    /// per decision, exactly as a live session appends them.
    pub fn to_yaml(&self) -> String {
        let mut out = self.header();
        for d in &self.decisions {
            out.push_str(&d.yaml());
        }
        out
    }

    /// Everything before the decisions, ending with `decisions:` and a newline.
    pub fn header(&self) -> String {
        let mut out = String::new();
        if let Some(s) = &self.scenario {
            let _ = writeln!(out, "scenario: {}", yaml_quoted(s));
        }
        if let Some(s) = &self.scenario_sha256 {
            let _ = writeln!(out, "scenario_sha256: {}", yaml_quoted(s));
        }
        let _ = writeln!(out, "variant: {}", yaml_quoted(&self.variant));
        let _ = writeln!(out, "seed: {}", self.seed);
        let _ = writeln!(out, "step: {}", yaml_quoted(&self.step));
        out.push_str("decisions:\n");
        out
    }

    /// Parse a decision file; errors name the file (`source`) and the decision.
    pub fn parse(text: &str, source: &str) -> Result<DecisionFile, DecisionFileError> {
        serde_yaml::from_str(text).map_err(|e| DecisionFileError::Yaml {
            file: source.to_string(),
            source: e,
        })
    }

    /// Parse a record that may have been cut short: when the text does not read and
    /// its error is on the last line, that line (an entry the session was writing when
    /// it stopped) is left out. Returns the file and, if a line was left out, its number.
    pub fn parse_recovering(
        text: &str,
        source: &str,
    ) -> Result<(DecisionFile, Option<usize>), DecisionFileError> {
        let error = match DecisionFile::parse(text, source) {
            Ok(f) => return Ok((f, None)),
            Err(e) => e,
        };
        let body = text.trim_end_matches(['\n', '\r', ' ']);
        let Some(cut) = body.rfind('\n') else {
            return Err(error);
        };
        let last_line = body[..cut].matches('\n').count() + 2;
        let on_last = match &error {
            DecisionFileError::Yaml { source, .. } => {
                source.location().is_none_or(|l| l.line() >= last_line)
            }
            _ => false,
        };
        // Only an entry of the list can be cut short.
        if !on_last || !body[cut + 1..].trim_start().starts_with('-') {
            return Err(error);
        }
        match DecisionFile::parse(&body[..=cut], source) {
            Ok(f) => Ok((f, Some(last_line))),
            Err(_) => Err(error),
        }
    }

    /// Check the record against the scenario file given now: refused if it was made on
    /// another one (unless allowed); notes for a record without a checksum, or another
    /// scenario allowed.
    pub fn check_scenario(
        &self,
        check: &ScenarioCheck,
        source: &str,
    ) -> Result<Vec<String>, DecisionFileError> {
        let recorded = self
            .scenario
            .clone()
            .unwrap_or_else(|| "(not named)".into());
        let mut notes = Vec::new();
        match (&self.scenario_sha256, &check.sha256) {
            (None, _) => notes.push(format!(
                "{source}: this record does not say which scenario file it was made on (it has no scenario_sha256: an older ttx wrote it); it is replayed on {} unchecked",
                crate::text::one_line(&check.path)
            )),
            (Some(_), None) => {}
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => {}
            (Some(a), Some(b)) if check.allow_other => notes.push(format!(
                "{source}: made on a different scenario file: it was taken on {} (SHA-256 {}), and is replayed on {} (SHA-256 {}) as --allow-other-scenario asks; decisions may not mean there what they meant",
                crate::text::one_line(&recorded),
                crate::text::one_line(a),
                crate::text::one_line(&check.path),
                b
            )),
            (Some(a), Some(b)) => {
                return Err(DecisionFileError::OtherScenario {
                    file: source.to_string(),
                    recorded: crate::text::one_line(&recorded).into_owned(),
                    recorded_sha256: crate::text::one_line(a).into_owned(),
                    given: crate::text::one_line(&check.path).into_owned(),
                    given_sha256: b.clone(),
                });
            }
        }
        Ok(notes)
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
                variant: crate::text::one_line(&self.variant).into_owned(),
                scenario: scenario.source.clone(),
            })?;
        let model = &scenario.variants[variant].model;
        let in_play = super::command::in_play(&scenario.variants[variant]);
        let step = parse_duration(&self.step).map_err(|error| DecisionFileError::Step {
            file: file(),
            error: dur_error(error),
        })?;
        let mut decisions = Vec::new();
        let mut paused_at = None;
        let mut last = 0.0;
        for (index, line) in self.decisions.iter().enumerate() {
            let at = parse_duration(&line.at).map_err(|error| DecisionFileError::At {
                file: file(),
                index,
                error: dur_error(error),
            })?;
            if at < last {
                return Err(DecisionFileError::OutOfOrder {
                    file: file(),
                    index,
                    at: crate::text::one_line(&line.at).into_owned(),
                    after: last,
                });
            }
            last = at;
            let text = match (&line.decision, line.paused) {
                (None, Some(true)) => {
                    paused_at = Some(at);
                    continue;
                }
                (Some(text), None | Some(false)) => text,
                (None, _) => {
                    return Err(DecisionFileError::NoDecision {
                        file: file(),
                        index,
                    });
                }
                (Some(_), Some(true)) => {
                    return Err(DecisionFileError::PausedDecision {
                        file: file(),
                        index,
                    });
                }
            };
            match parse_in(text, model, &in_play) {
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
                        decision: crate::text::one_line(text).into_owned(),
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
            paused_at,
            notes: Vec::new(),
        })
    }
}

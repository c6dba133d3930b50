//! `ttx exercise`'s and `ttx msel`'s flags, and their check: `--step` a duration above 0
//! (and, with `--decisions`, `--variant` and `--step` left to the record).

use std::path::PathBuf;

use ttx::app::InputError;
use ttx::app::exercise::{Mode, Request, parse_step};

#[derive(clap::Args, Debug)]
pub struct ExerciseArgs {
    /// Scenario file (YAML).
    scenario: PathBuf,
    /// The variant to play (default: the first). Its protocol's parameters (delays,
    /// boosts) apply, but nothing triggers by itself: the players are the protocol.
    #[arg(long, value_name = "NAME")]
    variant: Option<String>,
    /// Seed (default: the scenario's).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Length of a move (default 30m). The run also pauses at every inject.
    #[arg(long, value_name = "DURATION", default_value = "30m")]
    step: String,
    /// Save the decisions to this YAML file, to replay later. It is written before the
    /// first move and each decision is added as it is taken, so an interrupted session
    /// keeps what was decided.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// Replay decisions from this file instead of asking for them.
    #[arg(long, value_name = "FILE")]
    decisions: Option<PathBuf>,
    /// With --decisions: replay a record made on another scenario file (its SHA-256
    /// differs from this scenario's); ttx says what differs.
    #[arg(long, requires = "decisions")]
    allow_other_scenario: bool,
    /// Output directory (default: results/<scenario>-exercise/).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replications for the debrief (default: the scenario's `replications`).
    #[arg(long, value_name = "N", value_parser = super::common::at_least_2)]
    replications: Option<u32>,
    /// Worker threads for the debrief (default: all cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..1025))]
    threads: Option<u32>,
}

impl ExerciseArgs {
    pub fn request(self) -> Result<Request, InputError> {
        let mode = match self.decisions {
            // The record names the variant and the step.
            Some(path) => Mode::Replay(path),
            None => Mode::Live {
                variant: self.variant,
                step: parse_step(&self.step)?,
            },
        };
        Ok(Request {
            scenario: self.scenario,
            mode,
            seed: self.seed,
            record: self.record,
            out: self.out,
            replications: self.replications,
            threads: self.threads.map(|t| t as usize),
            allow_other_scenario: self.allow_other_scenario,
        })
    }
}

#[derive(clap::Args, Debug)]
pub struct MselArgs {
    /// Scenario file (YAML).
    scenario: PathBuf,
    /// Write the MSEL here (default: results/<scenario>-msel.csv).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Replications used for the protocol milestones' median times.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = super::common::at_least_1)]
    replications: u32,
    /// The variant the exercise plays (default: the first): its injects, and the
    /// milestones of the protocol its debrief compares with.
    #[arg(long, value_name = "NAME")]
    variant: Option<String>,
}

impl MselArgs {
    pub fn request(self) -> ttx::app::msel::Request {
        ttx::app::msel::Request {
            scenario: self.scenario,
            out: self.out,
            replications: self.replications,
            variant: self.variant,
        }
    }
}

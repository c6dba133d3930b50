//! Which output files a command writes: `--outputs runs,platforms` on `ttx run` and
//! `ttx compare`. A file left out is not created at all.

use std::fmt;

use super::files::{SUMMARY, SWEEP_SUMMARY, TIMESERIES_SUMMARY};
use crate::record::{
    EventRecord, PlatformOutcome, ProtocolOutcome, Record, RunOutcome, SampleRecord,
};

/// One output file, by the name `--outputs` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Output {
    Runs,
    Platforms,
    /// `protocols.csv`: each listed protocol's trigger, activation and deactivation.
    Protocols,
    Timeseries,
    Events,
    /// `summary.csv` (comparisons).
    Summary,
    /// `timeseries_summary.csv` (comparisons).
    TimeseriesSummary,
    /// `sweep_summary.csv` (sweeps): per cell, variant and metric.
    SweepSummary,
}

impl Output {
    /// Every output, in the order files are written.
    pub const ALL: [Output; 8] = [
        Output::Runs,
        Output::Platforms,
        Output::Protocols,
        Output::Timeseries,
        Output::Events,
        Output::Summary,
        Output::TimeseriesSummary,
        Output::SweepSummary,
    ];

    /// The name `--outputs` and the shard manifest use.
    pub fn name(self) -> &'static str {
        match self {
            Output::Runs => "runs",
            Output::Platforms => "platforms",
            Output::Protocols => "protocols",
            Output::Timeseries => "timeseries",
            Output::Events => "events",
            Output::Summary => "summary",
            Output::TimeseriesSummary => "timeseries_summary",
            Output::SweepSummary => "sweep_summary",
        }
    }

    /// The file's name in an output directory.
    pub fn file(self) -> &'static str {
        match self {
            Output::Runs => RunOutcome::FILE,
            Output::Platforms => PlatformOutcome::FILE,
            Output::Protocols => ProtocolOutcome::FILE,
            Output::Timeseries => SampleRecord::FILE,
            Output::Events => EventRecord::FILE,
            Output::Summary => SUMMARY,
            Output::TimeseriesSummary => TIMESERIES_SUMMARY,
            Output::SweepSummary => SWEEP_SUMMARY,
        }
    }

    /// Whether it is one of the run files (written from the runs' records, and merged
    /// from shards), rather than a comparison's or a sweep's summary.
    pub fn is_run_file(self) -> bool {
        !matches!(
            self,
            Output::Summary | Output::TimeseriesSummary | Output::SweepSummary
        )
    }

    /// The command that writes a summary (`None` for a run file: every batch command).
    fn summarised_by(self) -> Option<&'static str> {
        match self {
            Output::Summary | Output::TimeseriesSummary => Some("ttx compare"),
            Output::SweepSummary => Some("ttx sweep"),
            _ => None,
        }
    }

    /// The output of this name (or file name, `runs.csv`).
    pub fn from_name(name: &str) -> Option<Output> {
        let name = name.trim();
        let name = name.strip_suffix(".csv").unwrap_or(name);
        Output::ALL.into_iter().find(|o| o.name() == name)
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which command writes the files: a run writes no summaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    Run,
    Compare,
    Sweep,
}

impl Writer {
    /// The outputs this command can write.
    pub fn allowed(self) -> Outputs {
        match self {
            Writer::Run => Outputs::run_files(true),
            Writer::Compare => Outputs::run_files(true)
                .with(Output::Summary)
                .with(Output::TimeseriesSummary),
            Writer::Sweep => Outputs::run_files(true).with(Output::SweepSummary),
        }
    }

    fn command(self) -> &'static str {
        match self {
            Writer::Run => "ttx run",
            Writer::Compare => "ttx compare",
            Writer::Sweep => "ttx sweep",
        }
    }
}

/// A set of outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Outputs(u8);

impl Outputs {
    /// No file.
    pub const NONE: Outputs = Outputs(0);

    /// `runs.csv`, `platforms.csv`, `protocols.csv`, `timeseries.csv`, and `events.csv`
    /// if `events`:
    /// what `ttx run` writes by default.
    pub fn run_files(events: bool) -> Outputs {
        let o = Outputs::NONE
            .with(Output::Runs)
            .with(Output::Platforms)
            .with(Output::Protocols)
            .with(Output::Timeseries);
        if events { o.with(Output::Events) } else { o }
    }

    /// What `command` writes without `--outputs` (`--events` adds the event log).
    pub fn default_for(command: Writer, events: bool) -> Outputs {
        match command {
            Writer::Run => Outputs::run_files(events),
            Writer::Compare => Outputs::run_files(events)
                .with(Output::Summary)
                .with(Output::TimeseriesSummary),
            Writer::Sweep => Outputs::run_files(events).with(Output::SweepSummary),
        }
    }

    pub fn with(self, o: Output) -> Outputs {
        Outputs(self.0 | o.bit())
    }

    pub fn without(self, o: Output) -> Outputs {
        Outputs(self.0 & !o.bit())
    }

    pub fn contains(self, o: Output) -> bool {
        self.0 & o.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The outputs in the set, in file order.
    pub fn iter(self) -> impl Iterator<Item = Output> {
        Output::ALL.into_iter().filter(move |o| self.contains(*o))
    }

    /// Only the run files of the set.
    pub fn run_files_only(self) -> Outputs {
        self.iter()
            .filter(|o| o.is_run_file())
            .fold(Outputs::NONE, Outputs::with)
    }

    /// The names, comma-separated (`runs, platforms`).
    pub fn names(self) -> String {
        self.iter().map(Output::name).collect::<Vec<_>>().join(", ")
    }

    /// The outputs `--outputs` names for `command` (empty: its default), with the event
    /// log if `events` (`--events`) asks for it.
    pub fn parse(names: &[String], command: Writer, events: bool) -> Result<Outputs, OutputsError> {
        if names.is_empty() {
            return Ok(Outputs::default_for(command, events));
        }
        let allowed = command.allowed();
        let mut set = Outputs::NONE;
        for name in names {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            match Output::from_name(name) {
                Some(o) if allowed.contains(o) => set = set.with(o),
                Some(o) => {
                    return Err(OutputsError::NotWritten {
                        name: o.name(),
                        by: o.summarised_by().unwrap_or("another command"),
                        command: command.command(),
                        allowed,
                    });
                }
                None => {
                    let names: Vec<&str> = allowed.iter().map(Output::name).collect();
                    return Err(OutputsError::Unknown {
                        name: name.to_string(),
                        suggestion: closest(name, &names),
                        command: command.command(),
                        allowed,
                    });
                }
            }
        }
        if set.is_empty() {
            return Err(OutputsError::Empty {
                command: command.command(),
                allowed,
            });
        }
        if events {
            set = set.with(Output::Events);
        }
        Ok(set)
    }
}

/// The allowed name most like `name`, if it is alike enough to be a slip.
fn closest(name: &str, candidates: &[&'static str]) -> Option<&'static str> {
    let name = name.strip_suffix(".csv").unwrap_or(name);
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(name, c), *c))
        .filter(|(s, _)| *s > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// A `--outputs` list that names something the command does not write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutputsError {
    #[error(
        "--outputs: no output file is named `{name}`{}; `{command}` writes: {}",
        .suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(),
        .allowed.names()
    )]
    Unknown {
        name: String,
        suggestion: Option<&'static str>,
        command: &'static str,
        allowed: Outputs,
    },
    #[error(
        "--outputs: `{name}` is written by `{by}` only; `{command}` writes: {}",
        .allowed.names()
    )]
    NotWritten {
        name: &'static str,
        by: &'static str,
        command: &'static str,
        allowed: Outputs,
    },
    #[error("--outputs: name at least one file; `{command}` writes: {}", .allowed.names())]
    Empty {
        command: &'static str,
        allowed: Outputs,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(list: &str, command: Writer) -> Result<Outputs, OutputsError> {
        let names: Vec<String> = list.split(',').map(str::to_string).collect();
        Outputs::parse(&names, command, false)
    }

    #[test]
    fn names_parse_with_or_without_csv_and_in_any_order() {
        let o = parse("platforms, runs.csv", Writer::Run).unwrap();
        assert_eq!(o.names(), "runs, platforms");
        assert_eq!(
            Outputs::parse(&[], Writer::Compare, true).unwrap().names(),
            "runs, platforms, protocols, timeseries, events, summary, timeseries_summary"
        );
        let with_events = Outputs::parse(&["runs".into()], Writer::Run, true).unwrap();
        assert_eq!(with_events.names(), "runs, events");
    }

    #[test]
    fn unknown_names_get_a_suggestion_and_the_list() {
        let e = parse("runs,timeserie", Writer::Run)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "--outputs: no output file is named `timeserie` (did you mean `timeseries`?); `ttx run` writes: runs, platforms, protocols, timeseries, events"
        );
        let e = parse("summary", Writer::Run).unwrap_err().to_string();
        assert!(
            e.contains("`summary` is written by `ttx compare` only"),
            "{e}"
        );
        assert!(parse("summary", Writer::Compare).is_ok());
        let e = parse(",", Writer::Compare).unwrap_err().to_string();
        assert!(e.contains("name at least one file"), "{e}");
    }
}

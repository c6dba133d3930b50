//! The command line's flags: the clap structs as typed (raw), and their conversion into
//! the [`ttx::app`] requests, which checks what can be checked without the scenario
//! (`--replications N|auto`, `--precision`, `--metrics`, `--step`, `--volume`). Also the
//! terminal the commands report to ([`Console`]).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

mod bench;
mod calibrate;
mod common;
mod compare;
mod console;
mod exercise;
mod merge;
mod report;
mod run;
mod serve;
pub mod signals;
mod sweep;
mod targets;
pub mod tooling;

pub use common::environment;
pub use console::{Console, StdinPrompt};

#[derive(Parser, Debug)]
#[command(
    name = "ttx",
    version,
    about = "Tabletop crisis-exercise simulator: terrorist content spreading across platforms, and the protocols that race it",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check scenario files; print `ok` for each good one, or what is wrong and where.
    Validate {
        /// Scenario files (YAML).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// How to report: `text` (for people), `json` (one document for the whole call)
        /// or `github` (workflow annotations, so CI points at the line).
        #[arg(long, value_enum, default_value_t = tooling::ValidateFormat::Text)]
        format: tooling::ValidateFormat,
    },
    /// Run a scenario's variants and write outcome CSVs.
    Run(run::RunArgs),
    /// Join the output directories of `ttx run --shard K/N` (or `compare`, `sweep`) into
    /// the files one unsharded run (or comparison, sweep) would have written, byte for
    /// byte.
    Merge(merge::MergeArgs),
    /// Compare variants against the first (the reference): paired statistics with common
    /// random numbers, summary CSVs and a verdict per variant.
    Compare(compare::CompareArgs),
    /// Run every variant in every cell of a grid of values (`--set PATH=V1,V2,...`,
    /// repeatable), with common random numbers; the run files gain a `cell` column and
    /// one per path, and sweep_summary.csv compares the variants cell by cell.
    Sweep(sweep::SweepArgs),
    /// Describe in plain words what each protocol of a scenario does, and when.
    Protocols {
        /// Scenario file (YAML).
        scenario: PathBuf,
        /// Describe only this variant's protocol, as it runs it (its `set` applied).
        /// Default: every protocol, once per way its variants run it.
        #[arg(long, value_name = "NAME")]
        variant: Option<String>,
    },
    /// Play a facilitated exercise: the players are the protocol; decisions at a prompt
    /// (or replayed from a file); a debrief against the automated variants at the end.
    Exercise(exercise::ExerciseArgs),
    /// Serve a training session in the browser: a facilitator's page, a situation board
    /// for the projector and a seat for every role of the scenario, each with its own
    /// join link; decisions recorded as they are taken.
    Serve(serve::ServeArgs),
    /// Write the Master Scenario Events List (MSEL) for the facilitator, as CSV.
    Msel(exercise::MselArgs),
    /// Write an HTML debrief of a results directory, with charts (also as SVG files for
    /// slides), that opens offline.
    Report(report::ReportArgs),
    /// Measure the engine on a scenario: events per second, its ratio to a bare event
    /// loop measured in the same run, wall time per replication, peak memory, and the
    /// speed-up of 2 threads over 1.
    Bench(bench::BenchArgs),
    /// Check a scenario against a targets file of published figures: the model's mean and
    /// 95% interval against each figure, whether it matches, and the distance; writes
    /// fit.csv. Exits 0 when every target matches, 1 when one does not.
    Targets(targets::TargetsArgs),
    /// Fit named parameters of a scenario to a targets file: a derivative-free search
    /// (Nelder-Mead with restarts, common random numbers) within a budget of
    /// evaluations; writes calibrated.yaml (the scenario with the fitted values in
    /// place), candidates.csv and fit.csv, keeping the best so far if interrupted.
    Calibrate(calibrate::CalibrateArgs),
    #[command(flatten)]
    Tooling(tooling::Tooling),
}

#[cfg(test)]
mod tests {
    //! Raw flags into typed requests, without running anything.

    use clap::Parser;
    use ttx::app::InputError;
    use ttx::app::compare::{AutoStop, Replications};
    use ttx::app::exercise::Mode;
    use ttx::output::shard::ShardSpec;

    use super::{Cli, Command};

    fn parse(args: &[&str]) -> Command {
        Cli::try_parse_from(std::iter::once("ttx").chain(args.iter().copied()))
            .unwrap()
            .command
    }

    fn compare(args: &[&str]) -> Result<ttx::app::compare::Request, InputError> {
        let mut all = vec!["compare", "s.yaml"];
        all.extend_from_slice(args);
        match parse(&all) {
            Command::Compare(a) => a.request(|_| None).map(|(r, _)| r),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn compare_replications_are_a_number_the_scenario_s_or_auto_with_its_rule() {
        assert_eq!(compare(&[]).unwrap().replications, Replications::Scenario);
        assert_eq!(
            compare(&["--replications", "40"]).unwrap().replications,
            Replications::Fixed(40)
        );
        assert_eq!(
            compare(&["--replications", "auto", "--precision", "0.1"])
                .unwrap()
                .replications,
            Replications::Auto(AutoStop {
                precision: 0.1,
                max_replications: 2000
            })
        );
        assert!(matches!(
            compare(&["--replications", "1"]),
            Err(InputError::Replications(_))
        ));
        // The precision is checked even when it is not used.
        assert!(matches!(
            compare(&["--precision", "0"]),
            Err(InputError::Precision(_))
        ));
        assert!(matches!(
            compare(&["--metrics", "exposure,nonsense"]),
            Err(InputError::Metrics(_))
        ));
        let req = compare(&["--shard", "2/3", "--metrics", "exposure"]).unwrap();
        assert_eq!(req.shard, Some(ShardSpec { index: 2, count: 3 }));
        assert_eq!(req.metrics.len(), 1);
    }

    #[test]
    fn a_shard_is_k_of_n() {
        let bad = Cli::try_parse_from(["ttx", "run", "s.yaml", "--shard", "4/3"]).unwrap_err();
        assert!(
            bad.to_string().contains("expected K/N with 1 <= K <= N"),
            "{bad}"
        );
        match parse(&["run", "s.yaml", "--shard", "1/3"]) {
            Command::Run(a) => assert!(matches!(
                a.request(|_| None).unwrap().0.mode,
                ttx::app::run::Mode::Shard(ShardSpec { index: 1, count: 3 })
            )),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn under_a_job_array_the_shard_comes_from_the_scheduler_unless_given() {
        let slurm = |name: &str| match name {
            "SLURM_ARRAY_TASK_ID" => Some("7".to_string()),
            "SLURM_ARRAY_TASK_MIN" => Some("5".to_string()),
            "SLURM_ARRAY_TASK_COUNT" => Some("3".to_string()),
            _ => None,
        };
        let run = |args: &[&str]| match parse(args) {
            Command::Run(a) => a.request(slurm).unwrap(),
            other => panic!("{other:?}"),
        };
        let (req, note) = run(&["run", "s.yaml"]);
        assert!(matches!(
            req.mode,
            ttx::app::run::Mode::Shard(ShardSpec { index: 3, count: 3 })
        ));
        assert!(note.unwrap().contains("SLURM_ARRAY_TASK_ID=7"));
        // --shard on the command line wins, silently.
        let (req, note) = run(&["run", "s.yaml", "--shard", "1/2"]);
        assert!(matches!(
            req.mode,
            ttx::app::run::Mode::Shard(ShardSpec { index: 1, count: 2 })
        ));
        assert!(note.is_none());
        // A replay is one batch.
        let (req, _) = run(&["run", "s.yaml", "--decisions", "d.yaml"]);
        assert!(matches!(req.mode, ttx::app::run::Mode::Decisions(_)));
        assert!(
            Cli::try_parse_from(["ttx", "run", "s.yaml", "--shard", "1/2", "--shards", "2"])
                .is_err()
        );
        match parse(&["compare", "s.yaml", "--shards", "4"]) {
            Command::Compare(a) => {
                let k8s = |n: &str| (n == "JOB_COMPLETION_INDEX").then(|| "3".to_string());
                let (req, note) = a.request(k8s).unwrap();
                assert_eq!(req.shard, Some(ShardSpec { index: 4, count: 4 }));
                assert!(note.unwrap().contains("JOB_COMPLETION_INDEX=3"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_exercise_replayed_from_a_record_takes_its_step_from_the_record() {
        let exercise = |args: &[&str]| match parse(args) {
            Command::Exercise(a) => a.request(),
            other => panic!("{other:?}"),
        };
        // With --decisions, --step and --variant are the record's: not checked.
        let req = exercise(&[
            "exercise",
            "s.yaml",
            "--decisions",
            "d.yaml",
            "--step",
            "0m",
        ]);
        assert!(matches!(req.unwrap().mode, Mode::Replay(_)));
        assert!(matches!(
            exercise(&["exercise", "s.yaml", "--step", "0m"]),
            Err(InputError::StepNotPositive)
        ));
        let req = exercise(&["exercise", "s.yaml", "--variant", "ecp"]).unwrap();
        assert!(
            matches!(&req.mode, Mode::Live { variant: Some(v), step } if v == "ecp" && *step == 30.0)
        );
    }

    #[test]
    fn bench_volume_is_a_factor_above_zero() {
        for (volume, ok) in [("0.25", true), ("0", false), ("-1", false), ("inf", false)] {
            match parse(&["bench", "s.yaml", &format!("--volume={volume}")]) {
                Command::Bench(a) => assert_eq!(a.request().is_ok(), ok, "{volume}"),
                other => panic!("{other:?}"),
            }
        }
    }
}

//! The `ttx` command: a thin layer over the library. Flags are parsed by clap, checked
//! against the scenario, and handed to the runner with the CSV sinks.
//!
//! Exit codes: 0 success, 1 a run that failed, 2 bad input (scenario or flags), 130
//! interrupted.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Parser, Subcommand};

use ttx::output::{CsvOutputs, OutputFiles};
use ttx::runner::{self, RunError, RunPlan};
use ttx::scenario::{self, Scenario};
use ttx::sink::Tee;
use ttx::summary::SummarySink;

#[derive(Parser, Debug)]
#[command(
    name = "ttx",
    version,
    about = "Tabletop crisis-exercise simulator: terrorist content spreading across platforms, and the protocols that race it",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check scenario files; print `ok` for each good one, or what is wrong and where.
    Validate {
        /// Scenario files (YAML).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Run a scenario's variants and write outcome CSVs.
    Run(RunArgs),
    /// Describe in plain words what each protocol of a scenario does, and when.
    Protocols {
        /// Scenario file (YAML).
        scenario: PathBuf,
    },
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// Scenario file (YAML).
    scenario: PathBuf,
    /// Run only this variant (repeat for several); default: every variant.
    #[arg(long = "variant", value_name = "NAME")]
    variants: Vec<String>,
    /// Replications per variant (default: the scenario's `replications`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    replications: Option<u32>,
    /// Base seed (default: the scenario's `seed`).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Output directory (default: results/<scenario file name without .yaml>/).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores). Outputs are identical for any value.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..1025))]
    threads: Option<u32>,
    /// Also write events.csv, the timeline of every event of every run.
    #[arg(long)]
    events: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

/// How a command ended.
enum Failure {
    /// The input was wrong (exit 2).
    BadInput(String),
    /// A run could not finish (exit 1).
    RunFailed(String),
    Interrupted,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate { scenarios } => validate(&scenarios),
        Command::Run(args) => run(args),
        Command::Protocols { scenario } => load(&scenario).map(|s| {
            print!("{}", ttx::describe::protocols(&s));
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(msg)) => {
            eprintln!("{msg}");
            ExitCode::from(2)
        }
        Err(Failure::RunFailed(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
        Err(Failure::Interrupted) => {
            eprintln!("interrupted: no output files were changed");
            ExitCode::from(130)
        }
    }
}

fn load(path: &Path) -> Result<Scenario, Failure> {
    scenario::load(path).map_err(|e| Failure::BadInput(format!("{e}")))
}

fn validate(paths: &[PathBuf]) -> Result<(), Failure> {
    let mut bad = Vec::new();
    for path in paths {
        match scenario::load(path) {
            Ok(s) => {
                println!("{}: ok", path.display());
                let r = ttx::analysis::expected_offspring(&s.base);
                if r > 1.0 {
                    eprintln!("{}", offspring_warning(path, r));
                }
            }
            Err(e) => bad.push(e.to_string()),
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(Failure::BadInput(bad.join("\n")))
    }
}

fn offspring_warning(path: &Path, r: f64) -> String {
    format!(
        "{}: warning: each copy is expected to cause about {r:.2} onward copies (more than 1), \
         so the spread may grow until limits.max_copies stops the run; check the link rates \
         and attention half-lives",
        path.display()
    )
}

fn run(args: RunArgs) -> Result<(), Failure> {
    let scenario = load(&args.scenario)?;
    let variants = pick_variants(&scenario, &args.variants, &args.scenario)?;
    let r = ttx::analysis::expected_offspring(&scenario.base);
    if r > 1.0 && !args.quiet {
        eprintln!("{}", offspring_warning(&args.scenario, r));
    }
    let mut plan = RunPlan::for_scenario(&scenario);
    plan.variants = variants;
    if let Some(n) = args.replications {
        plan.replications = n;
    }
    if let Some(s) = args.seed {
        plan.seed = s;
    }
    if let Some(t) = args.threads {
        plan.threads = t as usize;
    }
    plan.events = args.events;
    let out = args.out.unwrap_or_else(|| default_out_dir(&args.scenario));

    let mut csv = CsvOutputs::create(
        &out,
        OutputFiles {
            events: args.events,
        },
    )
    .map_err(|e| Failure::RunFailed(format!("cannot write to {}: {e}", out.display())))?;
    let mut summary = SummarySink::default();
    let cancel = Arc::new(AtomicBool::new(false));
    {
        // Ctrl-C or SIGTERM: stop between events; nothing half-written is left behind.
        let cancel = Arc::clone(&cancel);
        let _ = ctrlc::set_handler(move || cancel.store(true, Ordering::Relaxed));
    }
    let bar = progress_bar(plan.total(), args.quiet);
    let mut progress = |done: u64| bar.set_position(done);
    let result = {
        let mut tee = Tee(vec![&mut csv, &mut summary]);
        runner::run(&scenario, &plan, &mut tee, Some(&cancel), &mut progress)
    };
    bar.finish_and_clear();
    match result {
        Ok(()) => {}
        Err(RunError::Interrupted) => return Err(Failure::Interrupted),
        Err(e) => return Err(Failure::RunFailed(e.to_string())),
    }
    if cancel.load(Ordering::Relaxed) {
        return Err(Failure::Interrupted);
    }
    let files = csv
        .commit()
        .map_err(|e| Failure::RunFailed(format!("cannot write to {}: {e}", out.display())))?;
    if !args.quiet {
        println!("{}", scenario.base.name);
        print!("{}", summary.table());
        for f in files {
            println!("wrote {}", f.display());
        }
    }
    Ok(())
}

/// A progress bar on stderr, hidden when stderr is not a terminal or with --quiet.
fn progress_bar(total: u64, quiet: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} runs  {elapsed} (about {eta} left)",
    ) {
        bar.set_style(style);
    }
    bar
}

/// results/<file stem>/
fn default_out_dir(scenario: &Path) -> PathBuf {
    let stem = scenario
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into());
    Path::new("results").join(stem)
}

/// Resolve `--variant` names to indices (all variants when none is given).
fn pick_variants(
    scenario: &Scenario,
    names: &[String],
    path: &Path,
) -> Result<Vec<usize>, Failure> {
    if names.is_empty() {
        return Ok((0..scenario.variants.len()).collect());
    }
    let known: Vec<&str> = scenario.variants.iter().map(|v| v.name.as_str()).collect();
    names
        .iter()
        .map(|name| {
            known.iter().position(|k| k == name).ok_or_else(|| {
                let hint = closest(name, &known)
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
                Failure::BadInput(format!(
                    "{}: no variant named `{name}`{hint}; the variants are: {}",
                    path.display(),
                    known.join(", ")
                ))
            })
        })
        .collect()
}

fn closest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(name, c), *c))
        .filter(|(s, _)| *s > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

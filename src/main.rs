//! The `ttx` command: a thin layer over the library. Flags are parsed by clap, checked
//! against the scenario, and handed to the runner with the CSV sinks.
//!
//! Exit codes: 0 success, 1 a run that failed, 2 bad input (scenario or flags), 130
//! interrupted.

/// mimalloc rather than the system allocator (see [`ttx::allocator`]): about 10% faster
/// on large runs, and the same on every platform.
#[global_allocator]
static GLOBAL: ttx::allocator::Allocator = ttx::allocator::Allocator;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Parser, Subcommand};

mod cli;

use ttx::compare::{Collector, Metric};
use ttx::output::shard::{self, ShardCommand, ShardManifest, ShardSpec};
use ttx::output::{CsvOutputs, OutputFiles, RunMeta};
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
    /// Join the output directories of `ttx run --shard K/N` (or `ttx compare --shard K/N`)
    /// into the files one unsharded run (or comparison) would have written, byte for byte.
    Merge(MergeArgs),
    /// Compare variants against the first (the reference): paired statistics with common
    /// random numbers, summary CSVs and a verdict per variant.
    Compare(CompareArgs),
    /// Describe in plain words what each protocol of a scenario does, and when.
    Protocols {
        /// Scenario file (YAML).
        scenario: PathBuf,
    },
    /// Play a facilitated exercise: the players are the protocol; decisions at a prompt
    /// (or replayed from a file); a debrief against the automated variants at the end.
    Exercise(cli::exercise::ExerciseArgs),
    /// Write the Master Scenario Events List (MSEL) for the facilitator, as CSV.
    Msel(cli::exercise::MselArgs),
    /// Write an HTML debrief of a results directory, with charts (also as SVG files for
    /// slides), that opens offline.
    Report(ttx::report::ReportArgs),
    /// Measure the engine on a scenario: events per second, its ratio to a bare event
    /// loop measured in the same run, wall time per replication, peak memory, and the
    /// speed-up of 2 threads over 1.
    Bench(BenchArgs),
}

#[derive(clap::Args, Debug)]
struct BenchArgs {
    /// Scenario file (YAML).
    scenario: PathBuf,
    /// The variant to measure (default: the first).
    #[arg(long, value_name = "NAME")]
    variant: Option<String>,
    /// Replications to time on one thread.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    replications: u32,
    /// Also time all variants on 1 and then 2 threads, with this many replications each
    /// (0: skip).
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads_check: u32,
    /// Multiply the campaigns' upload rates by this factor (e.g. 0.0625 for 1/16 of the
    /// volume), to see how the cost grows with the volume.
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0)]
    volume: f64,
}

/// Options shared by `run` and `compare`.
#[derive(clap::Args, Debug)]
struct CommonArgs {
    /// Scenario file (YAML).
    scenario: PathBuf,
    /// Run only this variant (repeat for several); default: every variant.
    #[arg(long = "variant", value_name = "NAME")]
    variants: Vec<String>,
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

#[derive(clap::Args, Debug)]
struct RunArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Replications per variant (default: the scenario's `replications`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    replications: Option<u32>,
    /// Replay an exercise's recorded decisions (from `ttx exercise --record`) in every
    /// replication, as variant `players`, instead of running the scenario's variants.
    #[arg(long, value_name = "FILE", conflicts_with = "variants")]
    decisions: Option<PathBuf>,
    /// Run only shard K of N of the replications (e.g. 3/10), for a batch split over
    /// several jobs; the output directory (default: results/<scenario>/shard-K-of-N/)
    /// gets a shard.yaml manifest, and `ttx merge` joins the shards.
    #[arg(long, value_name = "K/N", value_parser = parse_shard, conflicts_with = "decisions")]
    shard: Option<ShardSpec>,
}

fn parse_shard(s: &str) -> Result<ShardSpec, String> {
    s.parse()
}

#[derive(clap::Args, Debug)]
struct MergeArgs {
    /// The shards' output directories (each with its shard.yaml), in any order.
    #[arg(required = true, value_name = "SHARD_DIR")]
    shards: Vec<PathBuf>,
    /// Where to write the merged files (not one of the shards); default: the directory
    /// that holds the shards, when they are all in one (as `--shard` puts them).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(clap::Args, Debug)]
struct CompareArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Replications per variant, or `auto`: add batches until every paired difference
    /// is known to within --precision (default: the scenario's `replications`).
    #[arg(long, value_name = "N|auto")]
    replications: Option<String>,
    /// With `--replications auto`: the 95% half-width of every paired difference, as a
    /// share of the reference mean, to reach.
    #[arg(long, value_name = "SHARE", default_value_t = 0.05)]
    precision: f64,
    /// With `--replications auto`: never run more than this many replications per variant.
    #[arg(long, value_name = "N", default_value_t = 2000, value_parser = clap::value_parser!(u32).range(2..))]
    max_replications: u32,
    /// Metrics to summarise, comma-separated (default: exposure, exposure_eu,
    /// peak_live, published, blocked, removed, live_at_end).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    metrics: Vec<String>,
    /// Run only shard K of N of the replications (e.g. 3/10) and write its run files with
    /// a shard.yaml manifest; `ttx merge` joins the shards and writes the comparison.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    shard: Option<ShardSpec>,
}

/// How a command ended.
pub(crate) enum Failure {
    /// The input was wrong (exit 2).
    BadInput(String),
    /// A run could not finish (exit 1).
    RunFailed(String),
    Interrupted,
}

fn main() -> ExitCode {
    ttx::allocator::configure();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate { scenarios } => validate(&scenarios),
        Command::Run(args) => run(args),
        Command::Merge(args) => merge(args),
        Command::Compare(args) => compare(args),
        Command::Exercise(args) => cli::exercise::exercise(args),
        Command::Msel(args) => cli::exercise::msel(args),
        Command::Bench(args) => bench(args),
        Command::Report(args) => ttx::report::command(&args).map_err(|e| match e.is_bad_input() {
            true => Failure::BadInput(e.to_string()),
            false => Failure::RunFailed(e.to_string()),
        }),
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

pub(crate) fn load(path: &Path) -> Result<Scenario, Failure> {
    scenario::load(path).map_err(|e| Failure::BadInput(format!("{e}")))
}

fn validate(paths: &[PathBuf]) -> Result<(), Failure> {
    let mut bad = Vec::new();
    for path in paths {
        match scenario::load(path) {
            Ok(s) => {
                println!("{}: ok", path.display());
                for v in &s.variants {
                    for w in size_warnings(path, v, s.experiment.horizon) {
                        eprintln!("{w}");
                    }
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

/// Warnings about a variant that may run away or run very long.
fn size_warnings(path: &Path, variant: &ttx::scenario::Variant, horizon: f64) -> Vec<String> {
    let mut out = Vec::new();
    let r = ttx::analysis::expected_offspring(&variant.model);
    if r > 1.0 {
        out.push(format!(
            "{} (variant `{}`)",
            offspring_warning(path, r),
            variant.name
        ));
    }
    let attempts = ttx::analysis::expected_scripted_attempts(&variant.model, horizon);
    let limit = variant.model.limits.max_copies as f64;
    if attempts > limit {
        out.push(format!(
            "{}: warning: campaigns and injects are expected to make about {attempts:.0} upload attempts per replication in variant `{}`, more than limits.max_copies = {limit:.0}; blocked attempts do not count towards that limit, so a run may take very long (set limits.max_events to cap it)",
            path.display(),
            variant.name
        ));
    }
    out
}

fn offspring_warning(path: &Path, r: f64) -> String {
    format!(
        "{}: warning: each copy is expected to cause about {r:.2} onward copies (more than 1), \
         so the spread may grow until limits.max_copies stops the run; check the link rates \
         and attention half-lives",
        path.display()
    )
}

/// A loaded scenario with the run plan and output directory the flags ask for.
struct Prepared {
    scenario: Scenario,
    plan: RunPlan,
    out: PathBuf,
    quiet: bool,
}

fn prepare(common: CommonArgs) -> Result<Prepared, Failure> {
    let scenario = load(&common.scenario)?;
    let variants = pick_variants(&scenario, &common.variants, &common.scenario)?;
    if !common.quiet {
        for &v in &variants {
            for w in size_warnings(
                &common.scenario,
                &scenario.variants[v],
                scenario.experiment.horizon,
            ) {
                eprintln!("{w}");
            }
        }
    }
    let mut plan = RunPlan::for_scenario(&scenario);
    plan.variants = variants;
    if let Some(s) = common.seed {
        plan.seed = s;
    }
    if let Some(t) = common.threads {
        plan.threads = t as usize;
    }
    plan.events = common.events;
    let out = common
        .out
        .unwrap_or_else(|| default_out_dir(&common.scenario));
    Ok(Prepared {
        scenario,
        plan,
        out,
        quiet: common.quiet,
    })
}

/// Ctrl-C or SIGTERM sets the flag: runs stop between events, and nothing half-written
/// is left behind.
fn interrupt_flag() -> Arc<AtomicBool> {
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cancel);
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    cancel
}

/// The run files, and a shard's manifest beside them if this is a shard.
fn open_outputs(p: &Prepared, shard: Option<&ShardManifest>) -> Result<CsvOutputs, Failure> {
    let mut csv = CsvOutputs::create(
        &p.out,
        OutputFiles {
            events: p.plan.events,
        },
    )
    .map_err(|e| write_failure(&p.out, e))?;
    if let Some(m) = shard {
        csv.add_file(shard::MANIFEST, m.to_yaml().as_bytes())
            .map_err(|e| write_failure(&p.out, e))?;
    }
    Ok(csv)
}

pub(crate) fn write_failure(out: &Path, e: std::io::Error) -> Failure {
    Failure::RunFailed(format!("cannot write to {}: {e}", out.display()))
}

/// Run `plan` into `sink`, mapping the outcome to a command result.
fn execute(
    p: &Prepared,
    plan: &RunPlan,
    sink: &mut dyn ttx::sink::Sink,
    cancel: &AtomicBool,
    bar: &indicatif::ProgressBar,
) -> Result<(), Failure> {
    let base = bar.position();
    let mut progress = |done: u64| bar.set_position(base + done);
    match runner::run(&p.scenario, plan, sink, Some(cancel), &mut progress) {
        Ok(()) if cancel.load(Ordering::Relaxed) => Err(Failure::Interrupted),
        Ok(()) => Ok(()),
        Err(RunError::Interrupted) => Err(Failure::Interrupted),
        Err(e) => Err(Failure::RunFailed(e.to_string())),
    }
}

fn run(args: RunArgs) -> Result<(), Failure> {
    let scenario_path = args.common.scenario.clone();
    let default_out = args.common.out.is_none();
    let mut p = prepare(args.common)?;
    if let Some(n) = args.replications {
        p.plan.replications = n;
    }
    let manifest = args
        .shard
        .map(|spec| shard_plan(&mut p, spec, &scenario_path, default_out))
        .transpose()?;
    let cancel = interrupt_flag();
    let mut csv = open_outputs(&p, manifest.as_ref())?;
    let meta = RunMeta::new("run", &scenario_path, &p.scenario, &p.plan)
        .sharded(manifest.as_ref())
        .with_decisions(args.decisions.as_deref());
    csv.add_meta(&meta).map_err(|e| write_failure(&p.out, e))?;
    let mut summary = SummarySink::default();
    let result = match &args.decisions {
        Some(path) => cli::exercise::run_decisions(
            &p.scenario,
            path,
            &p.plan,
            &mut Tee(vec![&mut csv, &mut summary]),
        ),
        None => {
            let bar = progress_bar(p.plan.total(), p.quiet);
            let result = execute(
                &p,
                &p.plan,
                &mut Tee(vec![&mut csv, &mut summary]),
                &cancel,
                &bar,
            );
            bar.finish_and_clear();
            result
        }
    };
    result?;
    let files = csv.commit().map_err(|e| write_failure(&p.out, e))?;
    if !p.quiet {
        println!("{}", p.scenario.base.name);
        if let Some(m) = &manifest {
            println!("{}", shard_note(m));
        }
        print!("{}", summary.table());
        for f in files {
            println!("wrote {}", f.display());
        }
    }
    Ok(())
}

/// Narrow the plan to shard `spec`'s replications (and the default output directory to
/// the shard's own); the manifest to write beside them.
fn shard_plan(
    p: &mut Prepared,
    spec: ShardSpec,
    scenario_path: &Path,
    default_out: bool,
) -> Result<ShardManifest, Failure> {
    let total = p.plan.replications;
    let Some(range) = spec.replications(total) else {
        return Err(Failure::BadInput(format!(
            "--shard {spec}: {total} replication(s) per variant cannot be shared among {} shards; use at most {total} shards, or more replications",
            spec.count
        )));
    };
    let bytes = std::fs::read(scenario_path)
        .map_err(|e| Failure::BadInput(format!("cannot read {}: {e}", scenario_path.display())))?;
    let variants = p
        .plan
        .variants
        .iter()
        .map(|&v| p.scenario.variants[v].name.clone())
        .collect();
    p.plan.first_replication = range.start;
    p.plan.replications = range.end - range.start;
    if default_out {
        p.out = p.out.join(spec.dir_name());
    }
    Ok(ShardManifest::new(
        scenario_path,
        &bytes,
        p.plan.seed,
        variants,
        total,
        spec,
        range,
        p.plan.events,
    ))
}

fn shard_note(m: &ShardManifest) -> String {
    format!(
        "shard {} of {}: replications {} to {} of {} per variant; merge the shards with `ttx merge`",
        m.shard,
        m.shards,
        m.first_replication,
        m.first_replication + m.shard_replications - 1,
        m.replications
    )
}

/// The directory all `shards` are in, if there is one.
fn common_parent(shards: &[PathBuf]) -> Option<PathBuf> {
    let parent = |d: &PathBuf| {
        std::path::absolute(d)
            .ok()
            .and_then(|d| d.parent().map(Path::to_path_buf))
    };
    let first = parent(shards.first()?)?;
    shards
        .iter()
        .all(|d| parent(d).as_ref() == Some(&first))
        .then_some(first)
}

fn merge(args: MergeArgs) -> Result<(), Failure> {
    let out = match args.out.clone().or_else(|| common_parent(&args.shards)) {
        Some(out) => out,
        None => {
            return Err(Failure::BadInput(
                "the shards are in different directories: say where to write with --out DIR".into(),
            ));
        }
    };
    let failure = |e: shard::MergeError| match e {
        shard::MergeError::Write { .. } => Failure::RunFailed(e.to_string()),
        e => Failure::BadInput(e.to_string()),
    };
    let batch = shard::Batch::open(&args.shards).map_err(failure)?;
    batch.check_output(&out).map_err(failure)?;
    let m = batch.manifest().clone();
    // A comparison's summaries are recomputed from the merged runs.
    let collector = if m.command == ShardCommand::Compare {
        let metrics = m
            .metrics
            .iter()
            .map(|name| Metric::parse(name))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Failure::BadInput(format!("{}: {e}", args.shards[0].display())))?;
        let platforms: Vec<Arc<str>> = m.platforms.iter().map(|p| Arc::from(p.as_str())).collect();
        let variants = m.variants.iter().map(|v| Arc::from(v.as_str())).collect();
        let mut c = Collector::new(variants, platforms.clone(), metrics);
        batch.replay(Some(platforms), &mut c).map_err(failure)?;
        Some(c)
    } else {
        None
    };
    let mut extra = Vec::new();
    if let Some(c) = &collector {
        let mut summary = Vec::new();
        let mut series = Vec::new();
        c.write_summary(&mut summary)
            .and_then(|()| c.write_timeseries_summary(&mut series))
            .map_err(|e| write_failure(&out, e))?;
        extra.push(("summary.csv", summary));
        extra.push(("timeseries_summary.csv", series));
    }
    // A run's terminal summary, as `ttx run` prints it (from the files' values).
    let summary = if collector.is_none() && !args.quiet {
        let mut summary = SummarySink::default();
        batch.replay(None, &mut summary).map_err(failure)?;
        Some(summary)
    } else {
        None
    };
    let files = batch.write(&out, &extra).map_err(failure)?;
    if !args.quiet {
        println!(
            "merged {} shards of {} ({})",
            m.shards, m.scenario, m.command
        );
        if let Some(summary) = &summary {
            print!("{}", summary.table());
        }
        if let Some(c) = &collector {
            print_comparison(c, m.seed, None);
        }
        for f in files {
            println!("wrote {}", f.display());
        }
    }
    Ok(())
}

/// The comparison's heading and table, as `compare` and `merge` print them.
fn print_comparison(c: &Collector, seed: u64, note: Option<&str>) {
    println!("{} replications per variant, seed {seed}", c.replications());
    if let Some(note) = note {
        println!("{note}");
    }
    println!();
    print!("{}", c.table());
    println!();
}

/// Replications per variant added at a time by `--replications auto`.
const AUTO_BATCH: u32 = 20;

fn compare(args: CompareArgs) -> Result<(), Failure> {
    let scenario_path = args.common.scenario.clone();
    let default_out = args.common.out.is_none();
    let mut p = prepare(args.common)?;
    let metrics = if args.metrics.is_empty() {
        Metric::DEFAULT.to_vec()
    } else {
        args.metrics
            .iter()
            .map(|m| Metric::parse(m))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Failure::BadInput(format!("--metrics: {e}")))?
    };
    if !(args.precision > 0.0 && args.precision.is_finite()) {
        return Err(Failure::BadInput(format!(
            "--precision: expected a share above 0, like 0.05 for 5%, found {}",
            args.precision
        )));
    }
    let auto = match args.replications.as_deref() {
        None => None,
        Some("auto") => Some(args.max_replications),
        Some(n) => match n.parse::<u32>() {
            Ok(n) if n >= 2 => {
                p.plan.replications = n;
                None
            }
            _ => {
                return Err(Failure::BadInput(format!(
                    "--replications: expected a whole number of at least 2, or `auto`, found `{n}`"
                )));
            }
        },
    };
    let manifest = match args.shard {
        Some(spec) if auto.is_some() => {
            return Err(Failure::BadInput(format!(
                "--shard {spec}: a sharded comparison needs a fixed number of replications (`--replications auto` decides as it goes)"
            )));
        }
        Some(spec) => Some(
            shard_plan(&mut p, spec, &scenario_path, default_out)?.for_compare(
                metrics.iter().map(|m| m.name().to_string()).collect(),
                p.scenario
                    .base
                    .platforms
                    .iter()
                    .map(|x| x.id.clone())
                    .collect(),
            ),
        ),
        None => None,
    };
    if p.plan.variants.len() < 2 {
        eprintln!("note: only one variant is run, so there is nothing to compare it with");
    }
    let variants: Vec<Arc<str>> = p
        .plan
        .variants
        .iter()
        .map(|&v| Arc::from(p.scenario.variants[v].name.as_str()))
        .collect();
    let platforms = p
        .scenario
        .base
        .platforms
        .iter()
        .map(|x| Arc::from(x.id.as_str()))
        .collect();
    let mut collector = Collector::new(variants, platforms, metrics);
    let cancel = interrupt_flag();
    let mut csv = open_outputs(&p, manifest.as_ref())?;

    let stop_note = match auto {
        None => {
            let bar = progress_bar(p.plan.total(), p.quiet);
            // A shard writes only its run files: the comparison is made when merging, so
            // its values are not collected here.
            let sink: &mut dyn ttx::sink::Sink = if manifest.is_some() {
                &mut csv
            } else {
                &mut Tee(vec![&mut csv, &mut collector])
            };
            let result = execute(&p, &p.plan, sink, &cancel, &bar);
            bar.finish_and_clear();
            result?;
            None
        }
        Some(cap) => {
            // Batches of replications until the stopping rule holds or the cap is reached.
            // The batch size is fixed (not tied to the thread count) so the stopping point,
            // and so the output, is the same on any machine.
            let batch = AUTO_BATCH;
            let per_variant_cap = u64::from(cap) * p.plan.variants.len() as u64;
            let bar = progress_bar(per_variant_cap, p.quiet);
            let mut done = 0u32;
            let note = loop {
                let n = batch.min(cap - done);
                let mut plan = p.plan.clone();
                plan.first_replication = done;
                plan.replications = n;
                let result = execute(
                    &p,
                    &plan,
                    &mut Tee(vec![&mut csv, &mut collector]),
                    &cancel,
                    &bar,
                );
                if let Err(e) = result {
                    bar.finish_and_clear();
                    return Err(e);
                }
                done += n;
                let worst = collector.worst_relative_half_width();
                if worst.is_some_and(|w| w <= args.precision) || worst.is_none() && done >= 2 {
                    break format!(
                        "stopped after {done} replications per variant: every paired difference is within ±{:.1}% of the reference mean (95%)",
                        100.0 * args.precision
                    );
                }
                if done >= cap {
                    break format!(
                        "stopped at the cap of {cap} replications per variant: the widest paired interval is ±{:.1}% of the reference mean, short of ±{:.1}% (raise --max-replications or --precision)",
                        100.0 * worst.unwrap_or(f64::NAN),
                        100.0 * args.precision
                    );
                }
            };
            bar.finish_and_clear();
            Some(note)
        }
    };
    let meta = RunMeta::new("compare", &scenario_path, &p.scenario, &p.plan)
        .sharded(manifest.as_ref())
        .with_metrics(collector.metrics())
        .with_replications(auto.map(|_| collector.replications()));
    csv.add_meta(&meta).map_err(|e| write_failure(&p.out, e))?;
    let mut files = csv.commit().map_err(|e| write_failure(&p.out, e))?;
    if let Some(m) = &manifest {
        if !p.quiet {
            println!("{}", p.scenario.base.name);
            println!("{}", shard_note(m));
            for f in files {
                println!("wrote {}", f.display());
            }
        }
        return Ok(());
    }
    files.extend(
        collector
            .write_files(&p.out)
            .map_err(|e| write_failure(&p.out, e))?,
    );
    if !p.quiet {
        println!("{}", p.scenario.base.name);
        print_comparison(&collector, p.plan.seed, stop_note.as_deref());
        for f in files {
            println!("wrote {}", f.display());
        }
    }
    Ok(())
}

fn bench(args: BenchArgs) -> Result<(), Failure> {
    let mut scenario = load(&args.scenario)?;
    if !(args.volume > 0.0 && args.volume.is_finite()) {
        return Err(Failure::BadInput(format!(
            "--volume: expected a factor above 0, like 0.25 for a quarter of the uploads, found {}",
            args.volume
        )));
    }
    if args.volume != 1.0 {
        for v in &mut scenario.variants {
            *v = ttx::bench::scale_volume(v, args.volume);
        }
    }
    let variant = match &args.variant {
        Some(name) => pick_variants(&scenario, std::slice::from_ref(name), &args.scenario)?[0],
        None => 0,
    };
    let machine = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{} ({}{}), variant `{}`, {} replication(s) on one thread; this machine has {machine} core(s)",
        scenario.base.name,
        args.scenario.display(),
        if args.volume == 1.0 {
            String::new()
        } else {
            format!(", upload volume x{}", args.volume)
        },
        scenario.variants[variant].name,
        args.replications
    );
    let report = ttx::bench::bench_scenario(&scenario, variant, args.replications)
        .map_err(|e| Failure::RunFailed(e.to_string()))?;
    println!("{report}");
    if args.threads_check > 0 {
        let variants: Vec<usize> = (0..scenario.variants.len()).collect();
        let threads = ttx::bench::bench_threads(&scenario, &variants, args.threads_check, &[1, 2])
            .map_err(|e| Failure::RunFailed(e.to_string()))?;
        println!("{threads}");
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
pub(crate) fn pick_variants(
    scenario: &Scenario,
    names: &[String],
    path: &Path,
) -> Result<Vec<usize>, Failure> {
    if names.is_empty() {
        return Ok((0..scenario.variants.len()).collect());
    }
    let known: Vec<&str> = scenario.variants.iter().map(|v| v.name.as_str()).collect();
    let mut picked: Vec<usize> = Vec::new();
    for i in names.iter().map(|name| {
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
    }) {
        // A variant named twice runs once.
        let i = i?;
        if !picked.contains(&i) {
            picked.push(i);
        }
    }
    Ok(picked)
}

fn closest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(name, c), *c))
        .filter(|(s, _)| *s > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

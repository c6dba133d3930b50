//! `ttx exercise` and `ttx msel`: the terminal side of training sessions.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ttx::engine::clock;
use ttx::exercise::{self, Command, DecisionFile, HELP, Outcome, PLAYERS, Replay, Session, msel};
use ttx::output::{AtomicFile, CsvOutputs, OutputFiles, RunMeta};
use ttx::runner::RunPlan;
use ttx::scenario::{Minutes, Scenario, parse_duration};
use ttx::sink::{RunId, Sink};

use crate::{Failure, load, pick_variants, write_failure};

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
    /// Save the decisions to this YAML file, to replay later.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// Replay decisions from this file instead of asking for them.
    #[arg(long, value_name = "FILE")]
    decisions: Option<PathBuf>,
    /// Output directory (default: results/<scenario>-exercise/).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replications for the debrief (default: the scenario's `replications`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..))]
    replications: Option<u32>,
    /// Worker threads for the debrief (default: all cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..1025))]
    threads: Option<u32>,
}

#[derive(clap::Args, Debug)]
pub struct MselArgs {
    /// Scenario file (YAML).
    scenario: PathBuf,
    /// Write the MSEL here (default: results/<scenario>-msel.csv).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Replications used for the protocol milestones' median times.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    replications: u32,
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into())
}

fn threads(t: Option<u32>) -> usize {
    t.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |t| t as usize,
    )
}

fn read_replay(path: &Path, scenario: &Scenario) -> Result<Replay, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::BadInput(format!("{}: cannot read: {e}", path.display())))?;
    let source = path.display().to_string();
    DecisionFile::parse(&text, &source)
        .and_then(|f| f.resolve(scenario, &source))
        .map_err(Failure::BadInput)
}

/// Replay decisions from a file into `ttx run`: the players' schedule as variant
/// `players`.
pub fn run_decisions(
    scenario: &Scenario,
    path: &Path,
    plan: &RunPlan,
    sink: &mut dyn Sink,
) -> Result<(), Failure> {
    let replay = read_replay(path, scenario)?;
    exercise::run_schedule(
        scenario,
        &replay,
        plan.replications,
        plan.threads,
        plan.events,
        sink,
    )
    .map_err(|e| Failure::RunFailed(e.to_string()))
}

pub fn exercise(args: ExerciseArgs) -> Result<(), Failure> {
    let scenario = load(&args.scenario)?;
    let (variant, seed, step, replayed) = match &args.decisions {
        Some(path) => {
            let r = read_replay(path, &scenario)?;
            (
                r.variant,
                args.seed.unwrap_or(r.seed),
                r.step,
                Some(r.schedule),
            )
        }
        None => {
            let variant = match &args.variant {
                Some(name) => {
                    pick_variants(&scenario, std::slice::from_ref(name), &args.scenario)?[0]
                }
                None => 0,
            };
            let step = parse_duration(&args.step)
                .map_err(|e| Failure::BadInput(format!("--step: {e}")))?;
            if step <= 0.0 {
                return Err(Failure::BadInput(
                    "--step: the move must be longer than 0".into(),
                ));
            }
            (
                variant,
                args.seed.unwrap_or(scenario.experiment.seed),
                step,
                None,
            )
        }
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(format!("{}-exercise", stem(&args.scenario))));
    let model = &scenario.variants[variant].model;
    let stdout = std::io::stdout();
    let say = |text: &str| {
        let mut o = stdout.lock();
        let _ = o.write_all(text.as_bytes());
        let _ = o.flush();
    };

    let mut session = Session::new(&scenario, variant, seed, step);
    let failed = |e: ttx::engine::SimError| Failure::RunFailed(e.to_string());
    say(&format!(
        "EXERCISE: {}\n{}variant `{}` (you are the protocol: nothing activates by itself), seed {seed}, moves of {}\nType `help` for the decisions you can take.\n\n",
        model.name,
        model
            .description
            .as_deref()
            .map(|d| format!("{}\n", d.trim()))
            .unwrap_or_default(),
        scenario.variants[variant].name,
        ttx::scenario::duration::format_minutes(step),
    ));
    // Process what happens at T+0 (the origin), then report.
    session.advance(Some(0.0)).map_err(failed)?;
    say(&session.report());

    match replayed {
        Some(schedule) => {
            for d in &schedule.decisions {
                while session.now() + 1e-9 < d.at && !session.is_finished() {
                    let by = d.at - session.now();
                    if let Outcome::Paused(_) = session.advance(Some(by)).map_err(failed)? {
                        say(&session.report());
                    }
                }
                let cmd = Command::Decide {
                    role: d.role.clone(),
                    decision: d.decision.clone(),
                    text: d.text.clone(),
                };
                match session.decide(&cmd) {
                    Ok(what) => say(&format!("{} > {}\n  {what}\n", clock(d.at), d.text)),
                    Err(e) => say(&format!("{} > {}\n  not done: {e}\n", clock(d.at), d.text)),
                }
            }
            session.finish().map_err(failed)?;
        }
        None => {
            let stdin = std::io::stdin();
            let mut lines = stdin.lock().lines();
            loop {
                if session.is_finished() {
                    say("The horizon is reached: the exercise ends.\n");
                    break;
                }
                say(&format!("{} > ", clock(session.now())));
                let Some(Ok(line)) = lines.next() else {
                    say("\n(end of input: the exercise ends)\n");
                    break;
                };
                match exercise::command::parse(&line, model) {
                    Err(e) => say(&format!("  {e}\n")),
                    Ok(Command::Nothing) => {}
                    Ok(Command::Help) => say(&format!("{HELP}\n")),
                    Ok(Command::Status) => say(&session.report()),
                    Ok(Command::Platform(p)) => say(&session.platform_report(p)),
                    Ok(Command::End) => break,
                    Ok(Command::Next) => {
                        if let Outcome::Paused(_) = session.advance(None).map_err(failed)? {
                            say(&session.report());
                        }
                    }
                    Ok(Command::Advance(by)) => {
                        if let Outcome::Paused(_) = session.advance(Some(by)).map_err(failed)? {
                            say(&session.report());
                        }
                    }
                    Ok(cmd @ Command::Decide { .. }) => match session.decide(&cmd) {
                        Ok(what) => say(&format!("  {what}\n")),
                        Err(e) => say(&format!("  not done: {e}\n")),
                    },
                }
            }
            session.finish().map_err(failed)?;
        }
    }

    // The live run's outcome files.
    std::fs::create_dir_all(&out).map_err(|e| write_failure(&out, e))?;
    let mut csv = CsvOutputs::create(&out, OutputFiles { events: true })
        .map_err(|e| write_failure(&out, e))?;
    let decisions = args.decisions.as_deref().or(args.record.as_deref());
    let played = &scenario.variants[variant].name;
    let meta = RunMeta::exercise(&args.scenario, &scenario, played, seed, step, decisions);
    csv.add_meta(&meta).map_err(|e| write_failure(&out, e))?;
    let id = RunId {
        variant: Arc::from(PLAYERS),
        replication: 0,
        seed,
    };
    session.record.replay(&id, &mut csv);
    let mut files = csv.commit().map_err(|e| write_failure(&out, e))?;

    let file = DecisionFile::new(
        Some(args.scenario.display().to_string()),
        &scenario.variants[variant].name,
        seed,
        step,
        session.schedule(),
    );
    if let Some(path) = &args.record {
        write_atomic(path, file.to_yaml().as_bytes())?;
        files.push(path.clone());
    }

    // The debrief.
    say("\nReplaying your decisions for the debrief...\n");
    let replay = Replay {
        variant,
        seed,
        step,
        schedule: session.schedule().clone(),
    };
    let replications = args
        .replications
        .unwrap_or(scenario.experiment.replications)
        .max(2);
    let debrief = exercise::debrief(
        &scenario,
        &replay,
        &scenario.base.objectives,
        replications,
        threads(args.threads),
    )
    .map_err(|e| Failure::RunFailed(e.to_string()))?;
    say(&format!("\n{}\n", debrief.text()));
    let report = out.join("after-action.md");
    write_atomic(&report, debrief.markdown().as_bytes())?;
    files.push(report);
    for f in files {
        say(&format!("wrote {}\n", f.display()));
    }
    Ok(())
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| write_failure(dir, e))?;
    }
    let mut f = AtomicFile::create(path).map_err(|e| write_failure(path, e))?;
    f.write_all(bytes).map_err(|e| write_failure(path, e))?;
    f.commit().map_err(|e| write_failure(path, e))?;
    Ok(())
}

pub fn msel(args: MselArgs) -> Result<(), Failure> {
    let scenario = load(&args.scenario)?;
    // The reference protocol: the first variant that runs one.
    let mut milestones: Vec<(Minutes, String)> = Vec::new();
    let n = args.replications;
    let reference = exercise::debrief::reference_milestones(
        &scenario,
        None,
        n,
        scenario.experiment.seed,
        threads(None),
    )
    .map_err(|e| Failure::RunFailed(e.to_string()))?;
    if let Some(r) = reference {
        if let Some(t) = r.trigger {
            milestones.push((
                t.median,
                format!(
                    "`{}` protocol trigger (median over {n} runs of `{}`; triggered in {} of them)",
                    r.protocol, r.variant, t.runs
                ),
            ));
        }
        if let Some(a) = r.activation {
            milestones.push((
                a.median,
                format!("`{}` protocol active (median over {n} runs)", r.protocol),
            ));
            milestones.push((
                a.median + r.notify_time,
                format!("`{}` member platforms notified (median)", r.protocol),
            ));
        }
    }
    let rows = msel::rows(&scenario, &milestones);
    let out = args
        .out
        .unwrap_or_else(|| Path::new("results").join(format!("{}-msel.csv", stem(&args.scenario))));
    let mut bytes = Vec::new();
    msel::write(&rows, &mut bytes).map_err(|e| write_failure(&out, e))?;
    write_atomic(&out, &bytes)?;
    println!("wrote {} ({} rows)", out.display(), rows.len());
    Ok(())
}

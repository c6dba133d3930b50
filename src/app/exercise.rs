//! `ttx exercise`: the session driver (the players' commands read line by line, or a
//! decisions record replayed, against one live replication), its outcome files and
//! record, and the debrief; and the replay of a decisions record by `ttx run`.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::engine::{DecisionSchedule, clock};
use crate::exercise::{
    self, Command, Debrief, DecisionFile, HELP, Outcome, PLAYERS, Replay, Session,
};
use crate::output::{AtomicFile, CsvOutputs, OutputFiles};
use crate::runner::RunPlan;
use crate::scenario::duration::format_minutes;
use crate::scenario::{Minutes, Scenario, parse_duration};
use crate::sink::{RunId, Sink};

use super::{Error, InputError, Report, load, stem, threads, variants};

/// What `ttx exercise` is asked to play.
#[derive(Debug, Clone)]
pub struct Request {
    pub scenario: PathBuf,
    pub mode: Mode,
    /// Seed (default: the record's, or the scenario's).
    pub seed: Option<u64>,
    /// Save the decisions to this YAML file.
    pub record: Option<PathBuf>,
    /// Output directory (default: `results/<scenario>-exercise/`).
    pub out: Option<PathBuf>,
    /// Replications for the debrief (default: the scenario's; at least 2).
    pub replications: Option<u32>,
    /// Worker threads for the debrief (default: all cores).
    pub threads: Option<usize>,
}

/// Where the decisions come from.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Typed by the players, at a prompt: in `variant` (default: the first), in moves of
    /// `step` minutes (see [`parse_step`]).
    Live {
        variant: Option<String>,
        step: Minutes,
    },
    /// Replayed from a decisions record, which names the variant, seed and step.
    Replay(PathBuf),
}

/// A move's length (`--step`): a duration above 0.
pub fn parse_step(text: &str) -> Result<Minutes, InputError> {
    let step = parse_duration(text).map_err(InputError::Step)?;
    if step <= 0.0 {
        return Err(InputError::StepNotPositive);
    }
    Ok(step)
}

/// What an exercise left.
pub struct Played {
    pub out: PathBuf,
    /// The files written, in order.
    pub files: Vec<PathBuf>,
    /// The decisions taken, as they would be replayed.
    pub schedule: DecisionSchedule,
    pub debrief: Debrief,
}

/// Play the exercise: players' commands are read from `input` (live mode), everything the
/// players see goes to the report's output; then the outcome files, the record and the
/// debrief.
pub fn run(
    req: &Request,
    input: &mut dyn BufRead,
    report: &mut dyn Report,
) -> Result<Played, Error> {
    let scenario = load(&req.scenario)?;
    let (variant, seed, step, replayed) = match &req.mode {
        Mode::Replay(path) => {
            let r = Replay::read(path, &scenario)?;
            (
                r.variant,
                req.seed.unwrap_or(r.seed),
                r.step,
                Some(r.schedule),
            )
        }
        Mode::Live { variant, step } => (
            variants::pick_one(&scenario, variant.as_deref(), &req.scenario)?,
            req.seed.unwrap_or(scenario.experiment.seed),
            *step,
            None,
        ),
    };
    let out = req
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(format!("{}-exercise", stem(&req.scenario))));
    let model = &scenario.variants[variant].model;

    let mut session = Session::new(&scenario, variant, seed, step);
    report.out(&format!(
        "EXERCISE: {}\n{}variant `{}` (you are the protocol: nothing activates by itself), seed {seed}, moves of {}\nType `help` for the decisions you can take.\n\n",
        model.name,
        model
            .description
            .as_deref()
            .map(|d| format!("{}\n", d.trim()))
            .unwrap_or_default(),
        scenario.variants[variant].name,
        format_minutes(step),
    ));
    // Process what happens at T+0 (the origin), then report.
    session.advance(Some(0.0))?;
    report.out(&session.report());

    match replayed {
        Some(schedule) => {
            for d in &schedule.decisions {
                while session.now() + 1e-9 < d.at && !session.is_finished() {
                    let by = d.at - session.now();
                    if let Outcome::Paused(_) = session.advance(Some(by))? {
                        report.out(&session.report());
                    }
                }
                let cmd = Command::Decide {
                    role: d.role.clone(),
                    decision: d.decision.clone(),
                    text: d.text.clone(),
                };
                match session.decide(&cmd) {
                    Ok(what) => report.out(&format!("{} > {}\n  {what}\n", clock(d.at), d.text)),
                    Err(e) => {
                        report.out(&format!("{} > {}\n  not done: {e}\n", clock(d.at), d.text))
                    }
                }
            }
            session.finish()?;
        }
        None => {
            let mut lines = input.lines();
            loop {
                if session.is_finished() {
                    report.out("The horizon is reached: the exercise ends.\n");
                    break;
                }
                report.out(&format!("{} > ", clock(session.now())));
                let Some(Ok(line)) = lines.next() else {
                    report.out("\n(end of input: the exercise ends)\n");
                    break;
                };
                match exercise::command::parse(&line, model) {
                    Err(e) => report.out(&format!("  {e}\n")),
                    Ok(Command::Nothing) => {}
                    Ok(Command::Help) => report.out(&format!("{HELP}\n")),
                    Ok(Command::Status) => report.out(&session.report()),
                    Ok(Command::Platform(p)) => report.out(&session.platform_report(p)),
                    Ok(Command::End) => break,
                    Ok(Command::Next) => {
                        if let Outcome::Paused(_) = session.advance(None)? {
                            report.out(&session.report());
                        }
                    }
                    Ok(Command::Advance(by)) => {
                        if let Outcome::Paused(_) = session.advance(Some(by))? {
                            report.out(&session.report());
                        }
                    }
                    Ok(cmd @ Command::Decide { .. }) => match session.decide(&cmd) {
                        Ok(what) => report.out(&format!("  {what}\n")),
                        Err(e) => report.out(&format!("  not done: {e}\n")),
                    },
                }
            }
            session.finish()?;
        }
    }

    // The live run's outcome files.
    std::fs::create_dir_all(&out).map_err(|e| Error::write(&out, e))?;
    let mut csv = CsvOutputs::create(&out, OutputFiles { events: true })
        .map_err(|e| Error::write(&out, e))?;
    let id = RunId {
        variant: Arc::from(PLAYERS),
        replication: 0,
        seed,
    };
    session.record.replay(&id, &mut csv);
    let mut files = csv.commit().map_err(|e| Error::write(&out, e))?;

    let file = DecisionFile::new(
        Some(req.scenario.display().to_string()),
        &scenario.variants[variant].name,
        seed,
        step,
        session.schedule(),
    );
    if let Some(path) = &req.record {
        write_atomic(path, file.to_yaml().as_bytes())?;
        files.push(path.clone());
    }

    // The debrief.
    report.out("\nReplaying your decisions for the debrief...\n");
    let replay = Replay {
        variant,
        seed,
        step,
        schedule: session.schedule().clone(),
    };
    let replications = req
        .replications
        .unwrap_or(scenario.experiment.replications)
        .max(2);
    let debrief = exercise::debrief(
        &scenario,
        &replay,
        &scenario.base.objectives,
        replications,
        threads(req.threads),
    )?;
    report.out(&format!("\n{}\n", debrief.text()));
    let after_action = out.join("after-action.md");
    write_atomic(&after_action, debrief.markdown().as_bytes())?;
    files.push(after_action);
    for f in &files {
        report.out(&format!("wrote {}\n", f.display()));
    }
    Ok(Played {
        out,
        files,
        schedule: replay.schedule,
        debrief,
    })
}

/// Replay the decisions record at `path` in every replication of `plan` (`ttx run
/// --decisions`): the players' schedule, as variant `players`, into `sink`.
pub fn run_decisions(
    scenario: &Scenario,
    path: &Path,
    plan: &RunPlan,
    sink: &mut dyn Sink,
) -> Result<(), Error> {
    let replay = Replay::read(path, scenario)?;
    exercise::run_schedule(
        scenario,
        &replay,
        plan.replications,
        plan.threads,
        plan.events,
        sink,
    )?;
    Ok(())
}

/// Write `bytes` to `path` all at once (creating its directory), or not at all.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    }
    let mut f = AtomicFile::create(path).map_err(|e| Error::write(path, e))?;
    f.write_all(bytes).map_err(|e| Error::write(path, e))?;
    f.commit().map_err(|e| Error::write(path, e))?;
    Ok(())
}

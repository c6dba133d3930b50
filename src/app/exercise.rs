//! `ttx exercise`: the session driver (the players' commands read line by line, or a
//! decisions record replayed, against one live replication), its outcome files and
//! record, and the debrief; and the replay of a decisions record by `ttx run`.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::engine::{DecisionSchedule, clock};
use crate::exercise::record::DecisionLine;
use crate::exercise::{
    self, Command, Debrief, DecisionFile, HELP, Outcome, PLAYERS, Replay, Session,
};
use crate::output::{AtomicFile, CsvOutputs, OutputFiles, RunMeta};
use crate::runner::RunPlan;
use crate::scenario::duration::format_minutes;
use crate::scenario::{Minutes, Scenario, parse_duration};
use crate::sink::{RunId, Sink};
use crate::text::{multi_line, one_line};

use super::report::Stop;
use super::{Error, InputError, Report, load, stem, threads, variants};

/// What `ttx exercise` is asked to play.
#[derive(Debug, Clone)]
pub struct Request {
    pub scenario: PathBuf,
    pub mode: Mode,
    /// Seed (default: the record's, or the scenario's).
    pub seed: Option<u64>,
    /// Save the decisions to this YAML file (live: appended as they are taken).
    pub record: Option<PathBuf>,
    /// Output directory (default: `results/<scenario>-exercise/`).
    pub out: Option<PathBuf>,
    /// Replications for the debrief (default: the scenario's; at least 2).
    pub replications: Option<u32>,
    /// Worker threads for the debrief (default: all cores).
    pub threads: Option<usize>,
    /// Replay a record made on another scenario file (`--allow-other-scenario`).
    pub allow_other_scenario: bool,
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

/// A decisions record to replay in `ttx run --decisions`.
#[derive(Debug, Clone)]
pub struct Decisions {
    pub path: PathBuf,
    /// Replay a record made on another scenario file.
    pub allow_other_scenario: bool,
}

/// A move's length (`--step`): a duration above 0.
pub fn parse_step(text: &str) -> Result<Minutes, InputError> {
    if text.trim().starts_with('-') {
        return Err(InputError::StepNotPositive);
    }
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
    /// The session was ended by an interrupt (a second Ctrl-C, SIGTERM): everything
    /// was written all the same.
    pub interrupted: bool,
}

/// What the prompt read.
#[derive(Debug, Clone, PartialEq)]
pub enum Typed {
    Line(String),
    /// End of input (or input that cannot be read).
    End,
    /// The interrupt flag was set while waiting.
    Interrupted,
}

/// Where the players' lines come from. Any [`BufRead`] is one (it looks at the interrupt
/// only between lines); the `ttx` binary reads standard input on a thread of its own, so
/// that Ctrl-C is answered at once.
pub trait Prompt {
    fn next_line(&mut self, interrupt: &AtomicBool) -> Typed;
}

impl<T: BufRead + ?Sized> Prompt for T {
    fn next_line(&mut self, interrupt: &AtomicBool) -> Typed {
        if interrupt.load(Ordering::Relaxed) {
            return Typed::Interrupted;
        }
        let mut bytes = Vec::new();
        match self.read_until(b'\n', &mut bytes) {
            Ok(0) | Err(_) => Typed::End,
            Ok(_) => Typed::Line(line_of(&bytes)),
        }
    }
}

/// A line read as bytes: its text (invalid UTF-8 replaced), without the line end.
pub fn line_of(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.trim_end_matches(['\n', '\r']).to_string()
}

/// At most this many decisions of a replayed record are echoed; the rest are counted.
pub const REPLAY_ECHO: usize = 40;
/// At most this many situation reports are printed during a replay.
pub const REPLAY_REPORTS: usize = 40;

/// What the first Ctrl-C at the prompt says.
pub const CONFIRM_END: &str = "\n  Ctrl-C: end the session? Its record and debrief will be written.\n  Press Ctrl-C again (or type `end`) to end it; type any other command to go on.\n";

/// The SHA-256 of the scenario file, as the record keeps it (`None` if unreadable).
pub(crate) fn scenario_sha256(path: &Path) -> Option<String> {
    crate::scenario::read_file_text(path)
        .ok()
        .map(|t| exercise::record::sha256_hex(t.as_bytes()))
}

/// Check a path given for writing before anything is played: its directory is created
/// and a file can be made there.
pub(crate) fn probe_dir(flag: &'static str, dir: &Path) -> Result<(), Error> {
    let unwritable = |source| InputError::Unwritable {
        flag,
        path: dir.to_path_buf(),
        source,
    };
    if let Ok(meta) = std::fs::metadata(dir)
        && !meta.is_dir()
    {
        return Err(unwritable(std::io::Error::other("it exists and is not a directory")).into());
    }
    std::fs::create_dir_all(dir).map_err(unwritable)?;
    let probe = dir.join(format!(".ttx-probe-{}", std::process::id()));
    std::fs::File::create(&probe).map_err(unwritable)?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// The record a live session keeps: the header written before the first move, each
/// decision appended and flushed to the disk as it is taken.
pub(crate) struct LiveRecord {
    path: PathBuf,
    file: Option<std::fs::File>,
    /// An append failed: the whole record is written again at the end.
    pub(crate) failed: bool,
}

impl LiveRecord {
    pub(crate) fn create(path: &Path, header: &str) -> Result<LiveRecord, Error> {
        let unwritable = |source| InputError::Unwritable {
            flag: "--record",
            path: path.to_path_buf(),
            source,
        };
        exercise::record::check_regular(path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(unwritable)?;
        }
        let mut file = std::fs::File::create(path).map_err(unwritable)?;
        file.write_all(header.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(unwritable)?;
        Ok(LiveRecord {
            path: path.to_path_buf(),
            file: Some(file),
            failed: false,
        })
    }

    /// Go on appending to a record that is on disk already (a resumed session).
    pub(crate) fn append_to(path: &Path) -> Result<LiveRecord, Error> {
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|source| InputError::Unwritable {
                flag: "--resume",
                path: path.to_path_buf(),
                source,
            })?;
        Ok(LiveRecord {
            path: path.to_path_buf(),
            file: Some(file),
            failed: false,
        })
    }

    /// Append one line; on failure say so once, and keep going (the record is written
    /// whole at the end).
    pub(crate) fn append(&mut self, line: &str, report: &mut dyn Report) {
        let Some(f) = self.file.as_mut() else {
            self.failed = true;
            return;
        };
        if let Err(e) = f.write_all(line.as_bytes()).and_then(|()| f.sync_data()) {
            report.out(&format!(
                "  (cannot write the record {}: {e}; the decisions are kept and written at the end)\n",
                self.path.display()
            ));
            self.file = None;
            self.failed = true;
        }
    }
}

/// Play the exercise: players' commands are read from `input` (live mode), everything the
/// players see goes to the report's output; then the outcome files, the record and the
/// debrief.
///
/// Before the first move, the output directory and the record are checked (created);
/// in a live session the record is written as the decisions are taken. The first
/// interrupt at the prompt asks whether to end; a second (or the end of input) ends the
/// session, and everything is written as at `end`. A termination request (SIGTERM) ends
/// it at once, everything written.
pub fn run(
    req: &Request,
    input: &mut dyn Prompt,
    report: &mut dyn Report,
) -> Result<Played, Error> {
    let scenario = load(&req.scenario)?;
    let check = exercise::record::ScenarioCheck {
        path: req.scenario.display().to_string(),
        sha256: scenario_sha256(&req.scenario),
        allow_other: req.allow_other_scenario,
    };
    let (variant, seed, step, replayed) = match &req.mode {
        Mode::Replay(path) => {
            let r = Replay::read(path, &scenario, &check)?;
            for n in &r.notes {
                report.note(n);
            }
            (
                r.variant,
                req.seed.unwrap_or(r.seed),
                r.step,
                Some((r.schedule, path.display().to_string())),
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

    // Where everything will be written, checked before the first move.
    probe_dir("--out", &out)?;
    let header = DecisionFile::new(
        Some(req.scenario.display().to_string()),
        check.sha256.clone(),
        &scenario.variants[variant].name,
        seed,
        step,
        &DecisionSchedule::default(),
    );
    let mut live_record = None;
    if let Some(path) = &req.record {
        if replayed.is_some() {
            exercise::record::check_regular(path)?;
            let dir = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            probe_dir("--record", dir)?;
        } else {
            live_record = Some(LiveRecord::create(path, &header.header())?);
        }
    }
    let interrupt = report.interrupt();

    let in_play = exercise::command::in_play(&scenario.variants[variant]);
    let mut session = Session::new(&scenario, variant, seed, step);
    report.out(&format!(
        "EXERCISE: {}\n{}variant `{}` (you are the protocol: nothing activates by itself), seed {seed}, moves of {}\nType `help` for the decisions you can take.\n\n",
        one_line(&model.name),
        model
            .description
            .as_deref()
            .map(|d| format!("{}\n", multi_line(d.trim())))
            .unwrap_or_default(),
        one_line(&scenario.variants[variant].name),
        format_minutes(step),
    ));
    // Process what happens at T+0 (the origin), then report.
    session.advance(Some(0.0))?;
    report.out(&session.report());

    let mut interrupted = false;
    match replayed {
        Some((schedule, label)) => {
            let (mut reports, mut not_done, mut first_not_done) = (1usize, 0usize, None);
            let total = schedule.decisions.len();
            for (i, d) in schedule.decisions.iter().enumerate() {
                if interrupt.load(Ordering::Relaxed) {
                    return Err(Error::Interrupted);
                }
                while session.now() + 1e-9 < d.at && !session.is_finished() {
                    let by = d.at - session.now();
                    if let Outcome::Paused(_) = session.advance(Some(by))? {
                        let report_text = session.report();
                        if reports < REPLAY_REPORTS {
                            report.out(&report_text);
                        } else if reports == REPLAY_REPORTS {
                            report.out("(further situation reports of the replay are not shown)\n");
                        }
                        reports += 1;
                    }
                }
                let cmd = Command::Decide {
                    role: d.role.clone(),
                    decision: d.decision.clone(),
                    text: d.text.clone(),
                };
                let answer = match session.decide(&cmd) {
                    Ok(what) => format!("  {what}"),
                    Err(e) => {
                        not_done += 1;
                        let e = format!("not done: {e}");
                        first_not_done.get_or_insert_with(|| {
                            format!("{} {}: {e}", clock(d.at), one_line(&d.text))
                        });
                        format!("  {e}")
                    }
                };
                if i < REPLAY_ECHO {
                    report.out(&format!(
                        "{} > {}\n{answer}\n",
                        clock(d.at),
                        one_line(&d.text)
                    ));
                } else if i == REPLAY_ECHO {
                    report.out(&format!(
                        "({} more decisions replayed, not shown)\n",
                        total - REPLAY_ECHO
                    ));
                }
            }
            session.finish()?;
            if total > REPLAY_ECHO || not_done > 0 {
                report.out(&format!(
                    "Replayed {total} decision(s) from {}: {} done, {not_done} not done{}\n",
                    one_line(&label),
                    total - not_done,
                    first_not_done
                        .map(|f| format!(" (the first: {f})"))
                        .unwrap_or_default()
                ));
            }
        }
        None => {
            let mut asked = false;
            loop {
                if session.is_finished() {
                    report.out("The horizon is reached: the exercise ends.\n");
                    break;
                }
                let typed = if interrupt.load(Ordering::Relaxed) {
                    Typed::Interrupted
                } else {
                    report.out(&format!("{} > ", clock(session.now())));
                    input.next_line(&interrupt)
                };
                let line = match typed {
                    Typed::Interrupted => {
                        interrupt.store(false, Ordering::Relaxed);
                        if asked || report.stop() == Stop::Now {
                            report.out("\n(interrupted: the exercise ends; its record, outcome files and debrief are written)\n");
                            interrupted = true;
                            break;
                        }
                        asked = true;
                        report.out(CONFIRM_END);
                        continue;
                    }
                    Typed::End => {
                        report.out("\n(end of input: the exercise ends)\n");
                        break;
                    }
                    Typed::Line(line) => line,
                };
                asked = false;
                match exercise::command::parse_in(&line, model, &in_play) {
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
                        Ok(what) => {
                            report.out(&format!("  {what}\n"));
                            if let (Some(rec), Some(d)) =
                                (live_record.as_mut(), session.schedule().decisions.last())
                            {
                                let line = DecisionLine::decision(d.at, d.role.clone(), &d.text);
                                rec.append(&line.yaml(), report);
                            }
                        }
                        Err(e) => report.out(&format!("  not done: {e}\n")),
                    },
                }
            }
            session.finish()?;
        }
    }

    let ending = Ending {
        scenario_path: &req.scenario,
        scenario: &scenario,
        sha256: check.sha256.clone(),
        decisions: match &req.mode {
            Mode::Replay(path) => Some(path.as_path()),
            Mode::Live { .. } => req.record.as_deref(),
        },
        record: req.record.as_deref(),
        record_complete: live_record.as_ref().is_some_and(|r| !r.failed),
        out: &out,
        replications: req.replications,
        threads: req.threads,
    };
    let (files, debrief) = ending.write(&mut session, report)?;
    let replay_schedule = session.schedule().clone();
    Ok(Played {
        out,
        files,
        schedule: replay_schedule,
        debrief,
        interrupted,
    })
}

/// What ends a session, at the terminal or in the browser: where its files go.
pub(crate) struct Ending<'a> {
    pub scenario_path: &'a Path,
    pub scenario: &'a Scenario,
    /// The scenario file's SHA-256, as the record keeps it.
    pub sha256: Option<String>,
    /// The record the run files name as their decisions (run.yaml).
    pub decisions: Option<&'a Path>,
    /// Where the record goes (`--record`).
    pub record: Option<&'a Path>,
    /// The record on disk is complete already (every decision appended).
    pub record_complete: bool,
    pub out: &'a Path,
    pub replications: Option<u32>,
    pub threads: Option<usize>,
}

impl Ending<'_> {
    /// The live run's outcome files, the record (unless complete on disk), and the
    /// debrief (the players' decisions replayed against the automated variants), its
    /// text printed and written as after-action.md. Returns the files written, in
    /// order, and the debrief.
    pub(crate) fn write(
        &self,
        session: &mut Session<'_>,
        report: &mut dyn Report,
    ) -> Result<(Vec<PathBuf>, Debrief), Error> {
        let (scenario, out) = (self.scenario, self.out);
        let (variant, seed, step) = (session.variant(), session.seed(), session.step());
        std::fs::create_dir_all(out).map_err(|e| Error::write(out, e))?;
        let mut csv = CsvOutputs::create(out, OutputFiles { events: true })
            .map_err(|e| Error::write(out, e))?
            .blocked_by_sample(
                scenario.experiment.sample_every,
                scenario.experiment.horizon,
            );
        let played = &scenario.variants[variant].name;
        let meta = RunMeta::exercise(
            self.scenario_path,
            scenario,
            played,
            seed,
            step,
            self.decisions,
        );
        csv.add_meta(&meta).map_err(|e| Error::write(out, e))?;
        let id = RunId {
            variant: Arc::from(PLAYERS),
            replication: 0,
            seed,
        };
        session.record.replay(&id, &mut csv);
        let mut files = csv.commit().map_err(|e| Error::write(out, e))?;

        if let Some(path) = self.record {
            if !self.record_complete {
                let file = DecisionFile::new(
                    Some(self.scenario_path.display().to_string()),
                    self.sha256.clone(),
                    played,
                    seed,
                    step,
                    session.schedule(),
                );
                write_atomic(path, file.to_yaml().as_bytes())?;
            }
            files.push(path.to_path_buf());
        }

        report.out("\nReplaying your decisions for the debrief...\n");
        let replay = Replay {
            variant,
            seed,
            step,
            schedule: session.schedule().clone(),
            paused_at: None,
            notes: Vec::new(),
        };
        let replications = self
            .replications
            .unwrap_or(scenario.experiment.replications)
            .max(2);
        let mut debrief = exercise::debrief(
            scenario,
            &replay,
            &scenario.base.objectives,
            replications,
            threads(self.threads),
        )?;
        debrief.effects = session.effects().to_vec();
        report.out(&format!("\n{}\n", debrief.text()));
        let after_action = out.join("after-action.md");
        write_atomic(&after_action, debrief.markdown().as_bytes())?;
        files.push(after_action);
        for f in &files {
            report.out(&format!("wrote {}\n", f.display()));
        }
        Ok((files, debrief))
    }
}

/// Replay the decisions record of `decisions` in every replication of `plan` (`ttx run
/// --decisions`): the players' schedule, as variant `players`, into `sink`. The record
/// is checked against the scenario file (see [`Replay::read`]); its notes go to `report`.
pub fn run_decisions(
    scenario: &Scenario,
    decisions: &Decisions,
    plan: &RunPlan,
    sink: &mut dyn Sink,
    report: &mut dyn Report,
) -> Result<(), Error> {
    let path = Path::new(&scenario.source);
    let check = exercise::record::ScenarioCheck {
        path: scenario.source.clone(),
        sha256: scenario_sha256(path),
        allow_other: decisions.allow_other_scenario,
    };
    let replay = Replay::read(&decisions.path, scenario, &check)?;
    for n in &replay.notes {
        report.note(n);
    }
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

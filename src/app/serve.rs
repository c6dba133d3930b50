//! `ttx serve`: one training session served over HTTP, a seat per role. The session is
//! the terminal exercise's (same engine, record and debrief): every decision and pause
//! is appended to the record as it happens, and `--resume` plays the record back to
//! where the session stood.

use std::cell::Cell;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::exercise::record::DecisionLine;
use crate::exercise::{self, Command, DecisionFile, Replay, Session};
use crate::scenario::duration::format_minutes;
use crate::scenario::{Minutes, Scenario};
use crate::serve::host::{Finish, RecordLines};
use crate::serve::seats::tokens_path;
use crate::serve::snapshot::FeedItem;
use crate::serve::{Answer, Host, Listening, Seat, Stopped, Tokens, http};
use crate::text::one_line;

use super::exercise::{Ending, LiveRecord, probe_dir, scenario_sha256, write_atomic};
use super::{Error, InputError, Report, load, stem, variants};

/// What `ttx serve` is asked to serve.
#[derive(Debug, Clone)]
pub struct Request {
    pub scenario: PathBuf,
    /// The variant to play (default: the first); not with `resume`.
    pub variant: Option<String>,
    /// A move's length; not with `resume`.
    pub step: Option<Minutes>,
    /// Seed (default: the scenario's); not with `resume`.
    pub seed: Option<u64>,
    /// Where to listen (default 127.0.0.1:8080).
    pub bind: SocketAddr,
    /// The record (default: `<out>/record.yaml`).
    pub record: Option<PathBuf>,
    /// Continue the session this record holds (and keep recording to it).
    pub resume: Option<PathBuf>,
    /// Output directory (default: `results/<scenario>-serve/`).
    pub out: Option<PathBuf>,
    /// Wall time per move while the facilitator runs the clock.
    pub tick: Duration,
    /// Replications for the debrief (default: the scenario's; at least 2).
    pub replications: Option<u32>,
    /// Worker threads for the debrief.
    pub threads: Option<usize>,
    /// Resume a record made on another scenario file.
    pub allow_other_scenario: bool,
}

/// The default move length.
pub const DEFAULT_STEP: Minutes = 30.0;

/// What a served session left.
#[derive(Debug)]
pub struct Served {
    pub addr: SocketAddr,
    pub record: PathBuf,
    pub out: PathBuf,
    pub stopped: Stopped,
    /// The files written at the end (none if interrupted).
    pub files: Vec<String>,
}

/// The record as the host appends to it; what goes wrong is kept to be printed at the
/// end (the report is the debrief's meanwhile).
struct Recording {
    live: LiveRecord,
    warnings: super::report::Captured,
    /// An append failed: the record is written whole at the end.
    failed: Rc<Cell<bool>>,
}

impl RecordLines for Recording {
    fn append(&mut self, line: &DecisionLine) {
        self.live.append(&line.yaml(), &mut self.warnings);
        self.failed.set(self.live.failed);
    }
}

/// The end of the session: the terminal exercise's files and debrief.
struct Ender<'a> {
    ending: Ending<'a>,
    record_failed: Rc<Cell<bool>>,
    report: &'a mut dyn Report,
}

impl Finish for Ender<'_> {
    fn finish(&mut self, session: &mut Session<'_>) -> Result<(String, Vec<String>), String> {
        session.finish().map_err(|e| e.to_string())?;
        self.ending.record_complete = !self.record_failed.get();
        let (files, debrief) = self
            .ending
            .write(session, self.report)
            .map_err(|e| e.to_string())?;
        Ok((
            debrief.text(),
            files.iter().map(|f| f.display().to_string()).collect(),
        ))
    }
}

/// Replay `replay`'s decisions into `session`, then bring its clock to where the record
/// last paused. Returns the decisions as the facilitator's page lists them.
fn restore(session: &mut Session<'_>, replay: &Replay) -> Result<Vec<FeedItem>, Error> {
    let model = session.model();
    let mut feed = Vec::new();
    for d in &replay.schedule.decisions {
        session.advance_to(d.at)?;
        let cmd = Command::Decide {
            role: d.role.clone(),
            decision: d.decision.clone(),
            text: d.text.clone(),
        };
        // Accepted when recorded; a refusal now would mean another scenario file.
        let answer = match session.decide(&cmd) {
            Ok(what) => Answer::yes(what),
            Err(e) => Answer::no(format!("not done: {e}")),
        };
        let seat = d
            .role
            .as_ref()
            .and_then(|r| model.roles.iter().position(|x| &x.id == r))
            .map_or(Seat::Facilitator, Seat::Role);
        feed.push(FeedItem {
            at: d.at,
            seat,
            role: d.role.clone(),
            text: one_line(&d.text).into_owned(),
            answer,
        });
    }
    if let Some(at) = replay.paused_at {
        session.advance_to(at)?;
    }
    Ok(feed)
}

/// Serve the session until the facilitator closes it after the debrief, or an
/// interrupt stops the server (the record then holds everything to resume).
pub fn run(req: &Request, report: &mut dyn Report) -> Result<Served, Error> {
    let scenario: Scenario = load(&req.scenario)?;
    let sha256 = scenario_sha256(&req.scenario);
    let out = req
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(format!("{}-serve", stem(&req.scenario))));

    // The session's settings: from the record when resuming, else from the flags.
    let resumed = match &req.resume {
        Some(path) => {
            for (given, flag) in [
                (req.variant.is_some(), "--variant"),
                (req.step.is_some(), "--step"),
                (req.seed.is_some(), "--seed"),
                (
                    req.record.is_some(),
                    "--record (it goes on in the resumed file)",
                ),
            ] {
                if given {
                    return Err(InputError::ResumeFlags(flag).into());
                }
            }
            let check = exercise::record::ScenarioCheck {
                path: req.scenario.display().to_string(),
                sha256: sha256.clone(),
                allow_other: req.allow_other_scenario,
            };
            let replay = Replay::read(path, &scenario, &check).map_err(InputError::from)?;
            for n in &replay.notes {
                report.note(n);
            }
            Some((path.clone(), replay))
        }
        None => None,
    };
    let (variant, seed, step) = match &resumed {
        Some((_, r)) => (r.variant, r.seed, r.step),
        None => (
            variants::pick_one(&scenario, req.variant.as_deref(), &req.scenario)?,
            req.seed.unwrap_or(scenario.experiment.seed),
            req.step.unwrap_or(DEFAULT_STEP),
        ),
    };
    let record_path = match &resumed {
        Some((path, _)) => path.clone(),
        None => req
            .record
            .clone()
            .unwrap_or_else(|| out.join("record.yaml")),
    };
    probe_dir("--out", &out)?;
    let model = &scenario.variants[variant].model;

    // The join links: kept beside the record, so that a resumed session keeps them.
    let seats_file = tokens_path(&record_path);
    let tokens = if resumed.is_some() && seats_file.exists() {
        Tokens::load(&seats_file, model).map_err(InputError::from)?
    } else {
        Tokens::new(model).map_err(InputError::from)?
    };

    // The session, played back to where the record stood when resuming.
    let mut session = Session::new(&scenario, variant, seed, step);
    session.advance(Some(0.0))?;
    // The record's header, and when resuming its decisions, written anew.
    let file = DecisionFile::new(
        Some(req.scenario.display().to_string()),
        sha256.clone(),
        &scenario.variants[variant].name,
        seed,
        step,
        resumed
            .as_ref()
            .map_or(&Default::default(), |(_, r)| &r.schedule),
    );
    let mut feed = Vec::new();
    let live = match &resumed {
        Some((path, replay)) => {
            feed = restore(&mut session, replay)?;
            // The record again, whole (a last line cut short is dropped), then appended to.
            let mut text = file.to_yaml();
            text.push_str(&DecisionLine::paused(session.now()).yaml());
            write_atomic(path, text.as_bytes())?;
            LiveRecord::append_to(path)?
        }
        None => {
            if let Some(dir) = record_path.parent().filter(|d| !d.as_os_str().is_empty()) {
                probe_dir("--record", dir)?;
            }
            LiveRecord::create(&record_path, &file.header())?
        }
    };
    tokens.save(&seats_file, model).map_err(InputError::from)?;

    let interrupt = report.interrupt();
    let (asks_tx, asks_rx) = std::sync::mpsc::channel();
    let record_failed = Rc::new(Cell::new(false));
    let mut recording = Recording {
        live,
        warnings: super::report::Captured::default(),
        failed: Rc::clone(&record_failed),
    };
    let tokens = Arc::new(tokens);
    let mut host = Host::new(session, req.tick, &mut recording);
    if !feed.is_empty() {
        host.restored(feed);
    }
    let app = http::App {
        tokens: Arc::clone(&tokens),
        asks: asks_tx,
        snapshot: host.watch(),
    };
    let listening = Listening::start(req.bind, app).map_err(|source| InputError::Bind {
        addr: req.bind,
        source,
    })?;
    let addr = listening.addr;
    // Bound to every interface: the links name this machine as others reach it.
    let base = if addr.ip().is_unspecified() {
        format!("http://{}:{}", host_name(), addr.port())
    } else {
        format!("http://{addr}")
    };
    let mut links = format!(
        "ttx serve: {} (variant `{}`), {}\n  on {base}{} (the links below are the only way in; keep them private)\n\n  facilitator      {base}/t/{}/\n  situation board  {base}/t/{}/\n",
        one_line(&model.name),
        one_line(&scenario.variants[variant].name),
        match &resumed {
            Some((p, _)) => format!(
                "resumed from {} at {}",
                p.display(),
                crate::engine::clock(host.snapshot().situation.time)
            ),
            None => format!("seed {seed}, moves of {}", format_minutes(step)),
        },
        if addr.ip().is_unspecified() {
            format!(", every interface of this machine ({addr})")
        } else {
            String::new()
        },
        tokens.of(Seat::Facilitator),
        tokens.of(Seat::Board),
    );
    for (i, r) in model.roles.iter().enumerate() {
        links.push_str(&format!(
            "  {:<16} {base}/t/{}/\n",
            truncate(&one_line(&r.id), 16),
            tokens.of(Seat::Role(i))
        ));
    }
    if model.roles.is_empty() {
        links.push_str("  (the scenario defines no `roles:`, so there are no players' seats: the facilitator takes every decision)\n");
    }
    links.push_str(&format!(
        "\n  decisions are recorded in {} as they are taken; if the server stops, continue with\n    ttx serve {} --resume {}\n  Ctrl-C stops the server.\n",
        record_path.display(),
        req.scenario.display(),
        record_path.display()
    ));
    report.out(&links);

    let ending = Ending {
        scenario_path: &req.scenario,
        scenario: &scenario,
        sha256,
        decisions: Some(&record_path),
        record: Some(&record_path),
        record_complete: true,
        out: &out,
        replications: req.replications,
        threads: req.threads,
    };
    let mut ender = Ender {
        ending,
        record_failed,
        report,
    };
    let stop = || interrupt.load(Ordering::Relaxed);
    let stopped = host.serve(&asks_rx, &stop, &mut ender);
    let files = host.snapshot().files.clone();
    drop(host);
    listening.stop();
    let report = ender.report;
    for line in recording.warnings.out.lines() {
        report.note(line.trim());
    }
    if stopped == Stopped::Interrupted {
        report.out(&format!(
            "\nThe server stopped. Every decision is in {}; continue the session with\n  ttx serve {} --resume {}\n",
            record_path.display(),
            req.scenario.display(),
            record_path.display()
        ));
    }
    Ok(Served {
        addr,
        record: record_path,
        out,
        stopped,
        files,
    })
}

/// This machine's name, for links when listening on every interface.
fn host_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .map(|h| h.trim().to_string())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        })
        .unwrap_or_else(|| "localhost".into())
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

//! Owns the live session of `ttx serve`: one replication advanced on the calling thread,
//! fed the seats' requests through a channel. After every change it publishes a
//! [`Snapshot`] for the web side, and every decision and pause goes to the record as it
//! happens, so that a stopped server resumes where it was.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use crate::engine::clock;
use crate::exercise::command::{self, Command};
use crate::exercise::record::DecisionLine;
use crate::exercise::{Outcome, Session};
use crate::scenario::Minutes;
use crate::sink::EventKind;
use crate::text::{multi_line, one_line};

use super::seats::Seat;
use super::snapshot::{Answer, FeedItem, Point, Snapshot};
use super::view::draw_charts;

/// What a seat asks the session.
#[derive(Debug)]
pub enum Ask {
    /// A decision as typed (a role's seat: in that role).
    Decide {
        seat: Seat,
        text: String,
        reply: Reply,
    },
    /// The facilitator moves the clock or ends the session.
    Clock { action: ClockAction, reply: Reply },
}

/// Where an answer goes.
pub type Reply = tokio::sync::oneshot::Sender<Answer>;

/// The facilitator's clock controls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClockAction {
    /// Run the clock: one move every tick of wall time.
    Start,
    /// Stop running the clock.
    Pause,
    /// Advance one move (stopping at an inject).
    Step,
    /// Advance to the next inject.
    NextInject,
    /// End the session: run to the horizon, write the files, compute the debrief.
    End,
    /// Stop the server (after the debrief).
    Close,
}

/// How the session loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// The facilitator closed the server after the debrief.
    Closed,
    /// Interrupted (Ctrl-C, SIGTERM): the record holds everything to resume.
    Interrupted,
}

/// What the host needs to end a session: writes its files and debrief.
pub trait Finish {
    /// Write the outcome files and the debrief; returns the debrief's text and the
    /// files written.
    fn finish(&mut self, session: &mut Session<'_>) -> Result<(String, Vec<String>), String>;
}

/// Where the record's lines go.
pub trait RecordLines {
    fn append(&mut self, line: &DecisionLine);
}

/// The session host.
pub struct Host<'a, 'r> {
    session: Session<'a>,
    in_play: Vec<usize>,
    variant: String,
    running: bool,
    tick: Duration,
    next_tick: Instant,
    ended: bool,
    feed: Vec<FeedItem>,
    messages: Vec<(Minutes, String)>,
    read_events: usize,
    history: Vec<Point>,
    version: u64,
    debrief: Option<String>,
    files: Vec<String>,
    failure: Option<String>,
    record: &'r mut dyn RecordLines,
    publish: Option<tokio::sync::watch::Sender<Arc<Snapshot>>>,
}

impl<'a, 'r> Host<'a, 'r> {
    /// A host for `session` (already at its starting point), one move every `tick`
    /// while the clock runs, its record lines to `record`.
    pub fn new(session: Session<'a>, tick: Duration, record: &'r mut dyn RecordLines) -> Self {
        let variant = &session.scenario().variants[session.variant()];
        let mut host = Host {
            in_play: command::in_play(variant),
            variant: variant.name.clone(),
            session,
            running: false,
            tick,
            next_tick: Instant::now(),
            ended: false,
            feed: Vec::new(),
            messages: Vec::new(),
            read_events: 0,
            history: Vec::new(),
            version: 0,
            debrief: None,
            files: Vec::new(),
            failure: None,
            record,
            publish: None,
        };
        host.paused();
        let first = host.snapshot();
        host.publish = Some(tokio::sync::watch::channel(first).0);
        host
    }

    /// The decisions of a resumed session, as they were taken before it stopped.
    pub fn restored(&mut self, feed: Vec<FeedItem>) {
        self.feed = feed;
        self.publish();
    }

    /// A receiver of the snapshots, for the web side.
    pub fn watch(&self) -> tokio::sync::watch::Receiver<Arc<Snapshot>> {
        self.publish
            .as_ref()
            .expect("the channel is made in Host::new")
            .subscribe()
    }

    /// The first snapshot, before the loop starts (for the web side's channel).
    pub fn snapshot(&mut self) -> Arc<Snapshot> {
        let situation = self.session.situation();
        let model = Arc::clone(&self.session.scenario().variants[self.session.variant()].model);
        let charts = draw_charts(&model, &self.history, self.session.horizon());
        Arc::new(Snapshot {
            version: self.version,
            model,
            variant: self.variant.clone(),
            situation,
            horizon: self.session.horizon(),
            step: self.session.step(),
            running: self.running,
            finished: self.session.is_finished(),
            ended: self.ended,
            injects: self.session.inject_states().to_vec(),
            next_inject: self.session.next_inject(),
            feed: self.feed.clone(),
            messages: self.messages.clone(),
            history: self.history.clone(),
            charts,
            debrief: self.debrief.clone(),
            files: self.files.clone(),
            failure: self.failure.clone(),
        })
    }

    fn publish(&mut self) {
        self.version += 1;
        let snap = self.snapshot();
        if let Some(p) = &self.publish {
            p.send_replace(snap);
        }
    }

    /// After a move: the new inject messages and a point of the time series.
    fn paused(&mut self) {
        for e in &self.session.record.events[self.read_events..] {
            if e.kind == EventKind::Inject {
                self.messages
                    .push((e.time, multi_line(&e.detail).replace('\n', " ")));
            }
        }
        self.read_events = self.session.record.events.len();
        let s = self.session.situation();
        let point = Point {
            at: s.time,
            live: s.live,
            exposure: s.exposure,
            waiting: s.platforms.iter().map(|p| p.waiting).collect(),
        };
        match self.history.last_mut() {
            Some(last) if last.at == point.at => *last = point,
            _ => self.history.push(point),
        }
    }

    /// Serve requests until the session is closed or `interrupted` is set.
    pub fn serve(
        &mut self,
        asks: &Receiver<Ask>,
        interrupted: &dyn Fn() -> bool,
        finish: &mut dyn Finish,
    ) -> Stopped {
        self.publish();
        loop {
            if interrupted() {
                return Stopped::Interrupted;
            }
            let wait = if self.running {
                self.next_tick
                    .saturating_duration_since(Instant::now())
                    .min(Duration::from_millis(200))
            } else {
                Duration::from_millis(200)
            };
            match asks.recv_timeout(wait) {
                // Published before the answer goes out: a page that reloads on the
                // answer sees what it did.
                Ok(Ask::Decide { seat, text, reply }) => {
                    let answer = self.decide(seat, &text);
                    self.publish();
                    let _ = reply.send(answer);
                }
                Ok(Ask::Clock { action, reply }) => {
                    let answer = self.clock(action, finish);
                    let closed = action == ClockAction::Close && answer.accepted;
                    self.publish();
                    let _ = reply.send(answer);
                    if closed {
                        return Stopped::Closed;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    if self.running && Instant::now() >= self.next_tick {
                        self.next_tick = Instant::now() + self.tick;
                        self.advance(None);
                        self.publish();
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return Stopped::Interrupted,
            }
        }
    }

    /// Advance (one move, or to `to`), then record the pause.
    fn advance(&mut self, by: Option<Minutes>) -> Answer {
        if self.ended || self.session.is_finished() {
            self.running = false;
            return Answer::no("the horizon is reached: end the session to see the debrief");
        }
        match self.session.advance(by) {
            Ok(outcome) => {
                self.paused();
                let now = self.session.now();
                self.record.append(&DecisionLine::paused(now));
                if outcome == Outcome::Finished {
                    self.running = false;
                    Answer::yes("the horizon is reached: end the session to see the debrief")
                } else {
                    Answer::yes(format!("paused at {}", clock(now)))
                }
            }
            Err(e) => {
                self.running = false;
                self.failure = Some(e.to_string());
                Answer::no(format!("the run stopped: {e}"))
            }
        }
    }

    fn clock(&mut self, action: ClockAction, finish: &mut dyn Finish) -> Answer {
        if self.ended && action != ClockAction::Close {
            return Answer::no("the session has ended");
        }
        match action {
            ClockAction::Start => {
                if self.session.is_finished() {
                    return Answer::no("the horizon is reached: end the session");
                }
                self.running = true;
                self.next_tick = Instant::now() + self.tick;
                Answer::yes(format!(
                    "the clock runs: one move every {} s",
                    self.tick.as_secs_f64()
                ))
            }
            ClockAction::Pause => {
                self.running = false;
                Answer::yes(format!("paused at {}", clock(self.session.now())))
            }
            ClockAction::Step => {
                self.next_tick = Instant::now() + self.tick;
                self.advance(None)
            }
            ClockAction::NextInject => match self.session.next_inject() {
                Some(i) => {
                    let at = self.session.model().injects[i].at;
                    let by = at - self.session.now();
                    self.next_tick = Instant::now() + self.tick;
                    self.advance(Some(by))
                }
                None => Answer::no("no inject is scheduled after now"),
            },
            ClockAction::End => {
                self.running = false;
                self.ended = true;
                // The pages show that the debrief is being computed.
                self.publish();
                match finish.finish(&mut self.session) {
                    Ok((text, files)) => {
                        self.paused();
                        self.debrief = Some(text);
                        self.files = files;
                        Answer::yes("the session has ended: the debrief is ready")
                    }
                    Err(e) => {
                        self.failure = Some(e.clone());
                        Answer::no(e)
                    }
                }
            }
            ClockAction::Close => {
                if self.ended && self.debrief.is_some() {
                    Answer::yes("the server stops")
                } else {
                    Answer::no("end the session first (its debrief is written then)")
                }
            }
        }
    }

    /// A decision from a seat, checked as at the terminal prompt (and, for a role's
    /// seat, against what the role may do).
    fn decide(&mut self, seat: Seat, text: &str) -> Answer {
        let model = self.session.model();
        let role = match seat {
            Seat::Role(i) => Some(model.roles[i].id.clone()),
            Seat::Facilitator => None,
            Seat::Board => return Answer::forbidden("the situation board takes no decisions"),
        };
        let answer = if self.ended || self.session.is_finished() {
            Answer::no("the exercise has ended")
        } else {
            let line = match &role {
                Some(r) => format!("as {r}: {}", text.trim()),
                None => text.trim().to_string(),
            };
            match command::parse_in(&line, model, &self.in_play) {
                Err(e) if e.is_forbidden() => Answer::forbidden(e.to_string()),
                Err(e) => Answer::no(e.to_string()),
                Ok(cmd @ Command::Decide { .. }) => match self.session.decide(&cmd) {
                    Ok(what) => {
                        if let Some(d) = self.session.schedule().decisions.last() {
                            self.record.append(&DecisionLine::decision(
                                d.at,
                                d.role.clone(),
                                &d.text,
                            ));
                        }
                        // A delivered inject's message.
                        self.paused();
                        Answer::yes(what)
                    }
                    Err(e) => Answer::no(format!("not done: {e}")),
                },
                Ok(Command::Next) if role.is_none() => self.advance(None),
                Ok(Command::Advance(by)) if role.is_none() => self.advance(Some(by)),
                Ok(Command::Nothing) => Answer::no("type a decision, e.g. `refer videotube 10`"),
                Ok(_) => Answer::no(match role {
                    Some(_) => "type a decision: the page shows the situation",
                    None => "use the page's buttons to move the clock or end the session",
                }),
            }
        };
        self.feed.push(FeedItem {
            at: self.session.now(),
            seat,
            role,
            text: one_line(text.trim()).into_owned(),
            answer: answer.clone(),
        });
        answer
    }
}

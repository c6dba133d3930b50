//! A live exercise: one replication advanced in moves, paused at every inject, fed the
//! players' decisions, with a situation report at each pause.

use crate::engine::{
    DecisionError, DecisionSchedule, InjectState, ScheduledDecision, SimError, SimInit, Simulation,
    Situation, clock,
};
use crate::scenario::{Capacity, LinkKind, Minutes, Model, Scenario};
use crate::sink::{EventKind, Recorder};

use super::command::Command;
use crate::text::{multi_line, one_line};

/// A running exercise.
pub struct Session<'a> {
    scenario: &'a Scenario,
    variant: usize,
    seed: u64,
    step: Minutes,
    sim: Simulation,
    /// Everything the run produced, for the outcome files.
    pub record: Recorder,
    /// Records already reported (events after this index are new since the last pause).
    reported_events: usize,
    last: Situation,
    schedule: DecisionSchedule,
    /// Platforms that had a copy at the last pause.
    reached: Vec<bool>,
    /// What each decision of `schedule` did.
    effects: Vec<String>,
}

/// What a move did, for the report.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Paused at this time; the report follows.
    Paused(Minutes),
    /// The horizon was reached.
    Finished,
}

impl<'a> Session<'a> {
    pub fn new(scenario: &'a Scenario, variant: usize, seed: u64, step: Minutes) -> Self {
        let mut sim = SimInit::new(&scenario.experiment, &scenario.variants[variant], 0)
            .seed(seed)
            .exercise()
            .build();
        let last = sim.situation();
        let n = scenario.variants[variant].model.platforms.len();
        Session {
            scenario,
            variant,
            seed,
            step,
            sim,
            record: Recorder::new(true),
            reported_events: 0,
            last,
            schedule: DecisionSchedule::default(),
            reached: vec![false; n],
            effects: Vec::new(),
        }
    }

    pub fn now(&self) -> Minutes {
        self.sim.now()
    }

    pub fn is_finished(&self) -> bool {
        self.sim.is_finished()
    }

    pub fn schedule(&self) -> &DecisionSchedule {
        &self.schedule
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn variant(&self) -> usize {
        self.variant
    }

    pub fn step(&self) -> Minutes {
        self.step
    }

    /// Advance by `by` (one move if `None`), stopping early at the next inject.
    pub fn advance(&mut self, by: Option<Minutes>) -> Result<Outcome, SimError> {
        let model = &self.scenario.variants[self.variant].model;
        let horizon = self.sim.horizon();
        let now = self.sim.now();
        let mut until = (now + by.unwrap_or(self.step)).min(horizon);
        if let Some(next_inject) = self.next_inject() {
            until = until.min(model.injects[next_inject].at);
        }
        self.sim.step_until(until, &mut self.record)?;
        if self.sim.now() >= horizon {
            // Finish the run: the last sample at the horizon closes it.
            self.sim.step_until(f64::INFINITY, &mut self.record)?;
        }
        Ok(if self.sim.is_finished() {
            Outcome::Finished
        } else {
            Outcome::Paused(self.sim.now())
        })
    }

    /// Advance move by move (stopping at injects as [`advance`](Self::advance) does)
    /// until the clock reaches `at` or the run ends.
    pub fn advance_to(&mut self, at: Minutes) -> Result<Outcome, SimError> {
        let mut outcome = Outcome::Paused(self.now());
        while self.now() + 1e-9 < at && !self.is_finished() {
            let by = at - self.now();
            outcome = self.advance(Some(by))?;
        }
        Ok(outcome)
    }

    /// The next inject to fire at its time (not held, not delivered early), after now
    /// and by the horizon: an index into the model's injects.
    pub fn next_inject(&self) -> Option<usize> {
        let model = &self.scenario.variants[self.variant].model;
        let (now, horizon) = (self.sim.now(), self.sim.horizon());
        let states = self.sim.inject_states();
        model
            .injects
            .iter()
            .enumerate()
            .filter(|&(i, j)| {
                states[i] == InjectState::Scheduled && j.at > now + 1e-9 && j.at <= horizon
            })
            .min_by(|a, b| a.1.at.total_cmp(&b.1.at))
            .map(|(i, _)| i)
    }

    /// Where each inject stands, in the scenario's order.
    pub fn inject_states(&self) -> &[InjectState] {
        self.sim.inject_states()
    }

    /// The whole picture now.
    pub fn situation(&mut self) -> Situation {
        self.sim.situation()
    }

    /// The scenario played.
    pub fn scenario(&self) -> &'a Scenario {
        self.scenario
    }

    /// The model of the variant played.
    pub fn model(&self) -> &'a Model {
        &self.scenario.variants[self.variant].model
    }

    /// The simulated horizon.
    pub fn horizon(&self) -> Minutes {
        self.sim.horizon()
    }

    /// Apply a decision now and record it.
    pub fn decide(&mut self, cmd: &Command) -> Result<String, DecisionError> {
        let Command::Decide {
            role,
            decision,
            text,
        } = cmd
        else {
            return Ok(String::new());
        };
        let what = self
            .sim
            .decide(decision, role.as_deref(), &mut self.record)?;
        self.schedule.decisions.push(ScheduledDecision {
            at: self.sim.now(),
            role: role.clone(),
            decision: decision.clone(),
            text: text.clone(),
        });
        let what = one_line(&what).into_owned();
        self.effects.push(what.clone());
        Ok(what)
    }

    /// Run to the horizon without further decisions (`end`).
    pub fn finish(&mut self) -> Result<(), SimError> {
        self.sim.step_until(f64::INFINITY, &mut self.record)?;
        Ok(())
    }

    /// The situation report at this pause: clock, headline figures, a table per platform,
    /// alerts, inject messages and the decisions in effect. Marks everything reported.
    ///
    /// It fits the screen it promises, [`SCREEN_COLUMNS`] by [`SCREEN_LINES`] (one line
    /// kept for the prompt): every line is cut to the width, and what does not fit is
    /// summarised as "(N more ...)". Its cost does not grow with the decisions taken.
    pub fn report(&mut self) -> String {
        let s = self.sim.situation();
        let model = &self.scenario.variants[self.variant].model;
        let mut head = vec![
            format!(
                "== {} == {}{}",
                clock(s.time),
                one_line(&model.name),
                if s.protocol_active {
                    "  [protocol ACTIVE]"
                } else {
                    ""
                }
            ),
            format!(
                "live copies {} | views last move {:.0} | exposure {:.0} | published {}",
                s.live,
                s.exposure - self.last.exposure,
                s.exposure,
                s.published,
            ),
            format!(
                "removed {} | blocked {} | variants {} | hashes pending {}",
                s.removed, s.blocked, s.variants, s.pending_hashes
            ),
        ];
        head.extend(self.part2_lines(&s, model));
        head.push(format!(
            "{:<16} {:>6} {:>6} {:>8} {:>8} {:>9} {:>8} {:>7}",
            "platform", "live", "new", "removed", "backlog", "reviewers", "found", "posture"
        ));
        let mut rows = Vec::new();
        let mut alerts = Vec::new();
        for (i, p) in s.platforms.iter().enumerate() {
            let before = &self.last.platforms[i];
            let reviewers = match p.reviewers {
                Capacity::Limited(n) => n.to_string(),
                Capacity::Unlimited => "unlim".into(),
            };
            let id = one_line(&p.id);
            rows.push(format!(
                "{:<16} {:>6} {:>6} {:>8} {:>8} {:>9} {:>8} {:>7}",
                truncate(&id, 16),
                p.live,
                p.published - before.published,
                p.removed,
                p.waiting,
                reviewers,
                p.found_not_queued,
                if p.crisis_posture { "CRISIS" } else { "normal" }
            ));
            if p.published > 0 && !self.reached[i] {
                self.reached[i] = true;
                alerts.push(format!("{id} reached: first copies published there"));
            }
            match p.backlog_minutes {
                Some(b) if b > 60.0 => alerts.push(format!(
                    "{id}: review backlog of {} copies, about {:.0} h of work",
                    p.waiting,
                    b / 60.0
                )),
                None if p.waiting > 0 => alerts.push(format!(
                    "{id}: {} copies wait for review and no reviewer is working",
                    p.waiting
                )),
                _ => {}
            }
        }
        let new_variants = s.variants - self.last.variants;
        if new_variants >= 3 {
            alerts.push(format!(
                "a wave of {new_variants} new edits (variants) since the last move"
            ));
        }
        let messages: Vec<String> = self.record.events[self.reported_events..]
            .iter()
            .filter(|e| e.kind == EventKind::Inject)
            .map(|e| multi_line(&e.detail).replace('\n', " "))
            .collect();
        self.reported_events = self.record.events.len();
        let decisions = self.decisions_line();
        self.last = s;

        // The screen: the head, the platforms, the injects and alerts, the decisions,
        // and the prompt's line. Platforms give way to injects and alerts down to
        // MIN_PLATFORM_ROWS; then alerts give way to injects.
        let items: Vec<String> = messages
            .iter()
            .map(|m| format!("INJECT {m}"))
            .chain(alerts.iter().map(|a| format!("ALERT  {a}")))
            .collect();
        let room = SCREEN_LINES - 1 - head.len() - 1;
        let shown_platforms = if rows.len() + items.len() <= room {
            rows.len()
        } else {
            // One line says how many platforms are not shown.
            rows.len()
                .min(room.saturating_sub(items.len() + 1).max(MIN_PLATFORM_ROWS))
        };
        let more_platforms = rows.len() - shown_platforms;
        head.extend(rows.into_iter().take(shown_platforms));
        if more_platforms > 0 {
            head.push(format!(
                "({more_platforms} more platforms: type `platform ID` to see one)"
            ));
        }
        let left = (SCREEN_LINES - 1).saturating_sub(head.len() + 1);
        let total = items.len();
        let mut tail = Vec::new();
        if total <= left {
            tail = items;
        } else if left > 0 {
            tail.extend(items.into_iter().take(left - 1));
            let hidden = total - tail.len();
            let hidden_injects = messages.len().saturating_sub(tail.len());
            tail.push(if hidden_injects > 0 {
                format!(
                    "({hidden} more: {hidden_injects} inject(s) and {} alert(s) not shown)",
                    hidden - hidden_injects
                )
            } else {
                format!("({hidden} more alerts)")
            });
        }
        let mut out = String::new();
        for line in head.iter().chain(&tail).chain(std::iter::once(&decisions)) {
            out.push_str(&fit(line, SCREEN_COLUMNS));
            out.push('\n');
        }
        out
    }

    /// The lines for part II's mechanisms, each only if the exercise uses it (so a part
    /// I scenario's screen is unchanged): with several protocols in play, each one's
    /// phase; with livestreams, the streams on air; with post links, the link posts.
    fn part2_lines(&self, s: &Situation, model: &Model) -> Vec<String> {
        let mut lines = Vec::new();
        if s.protocols.len() > 1 {
            // Those that moved, each with its time; the inactive ones together.
            let mut phases: Vec<String> = Vec::new();
            let mut inactive: Vec<String> = Vec::new();
            for p in &s.protocols {
                let id = one_line(&p.id).into_owned();
                match (p.activated_at, p.deactivated_at, p.triggered_at) {
                    (_, Some(d), _) => phases.push(format!("{id} stood down {}", clock(d))),
                    (Some(a), None, _) => phases.push(format!("{id} ACTIVE since {}", clock(a))),
                    (None, None, Some(t)) => phases.push(format!("{id} triggered {}", clock(t))),
                    (None, None, None) => inactive.push(id),
                }
            }
            if !inactive.is_empty() {
                phases.push(format!("inactive: {}", inactive.join(", ")));
            }
            // At most two lines; what does not fit is cut (`…`).
            let mut line = String::from("protocols:");
            for (i, phase) in phases.iter().enumerate() {
                let sep = if i == 0 { " " } else { " | " };
                if lines.is_empty()
                    && i > 0
                    && line.chars().count() + sep.len() + phase.chars().count() > SCREEN_COLUMNS
                {
                    lines.push(std::mem::replace(&mut line, format!("  {phase}")));
                } else {
                    line.push_str(sep);
                    line.push_str(phase);
                }
            }
            lines.push(line);
        }
        let streams = model.contents.iter().any(|c| c.live.is_some());
        let posts = model.links.iter().any(|l| l.kind == LinkKind::Post);
        let mut parts = Vec::new();
        if streams {
            let on_air: Vec<String> = s
                .platforms
                .iter()
                .filter(|p| p.streaming > 0)
                .map(|p| match p.streaming {
                    1 => one_line(&p.id).into_owned(),
                    n => format!("{} x{n}", one_line(&p.id)),
                })
                .collect();
            parts.push(if on_air.is_empty() {
                "live streams on air: none".to_string()
            } else {
                format!("live streams on air: {}", on_air.join(", "))
            });
        }
        if posts {
            let (live, removed) = s
                .platforms
                .iter()
                .fold((0, 0), |(l, r), p| (l + p.posts_live, r + p.posts_removed));
            parts.push(format!("link posts live {live}, removed {removed}"));
        }
        if !parts.is_empty() {
            lines.push(parts.join(" | "));
        }
        lines
    }

    /// "Decisions so far": the latest decisions that fit on one line, and how many
    /// more there are.
    fn decisions_line(&self) -> String {
        let all = &self.schedule.decisions;
        if all.is_empty() {
            return "Decisions so far: none".into();
        }
        let line = |shown: &[String]| {
            let more = all.len() - shown.len();
            let latest: Vec<&str> = shown.iter().rev().map(String::as_str).collect();
            if more == 0 {
                format!("Decisions so far: {}", latest.join("; "))
            } else {
                format!(
                    "Decisions so far ({}, {more} more before): {}",
                    all.len(),
                    latest.join("; ")
                )
            }
        };
        // The latest first, while the line fits (the first always, cut if need be).
        let mut shown: Vec<String> = Vec::new();
        for d in all.iter().rev().take(SCREEN_COLUMNS / 8) {
            shown.push(format!("{} {}", clock(d.at), one_line(&d.text)));
            if shown.len() > 1 && line(&shown).chars().count() > SCREEN_COLUMNS {
                shown.pop();
                break;
            }
        }
        line(&shown)
    }

    /// What each accepted decision did, as the prompt answered, in the schedule's order.
    pub fn effects(&self) -> &[String] {
        &self.effects
    }

    /// One platform in detail.
    pub fn platform_report(&mut self, platform: usize) -> String {
        let s = self.sim.situation();
        let p = &s.platforms[platform];
        let pl = &self.scenario.variants[self.variant].model.platforms[platform];
        let (id, name) = (one_line(&p.id), one_line(&pl.name));
        // With several protocols in play, which ones it is a member of.
        let membership = if s.protocols.len() > 1 {
            let of: Vec<String> = s
                .protocols
                .iter()
                .filter(|k| k.members.contains(&platform))
                .map(|k| one_line(&k.id).into_owned())
                .collect();
            if of.is_empty() {
                String::new()
            } else {
                format!(", member of {}", of.join(", "))
            }
        } else if p.protocol_member {
            ", protocol member".to_string()
        } else {
            String::new()
        };
        let text = format!(
            "{} ({}): {}{}\n  live {} | published {} | removed {} | blocked {} | views {:.0}\n  review: {} waiting, {} in review, reviewers {} ({})\n  found by authorities, not yet queued: {}\n",
            id,
            name,
            if p.eu { "EU" } else { "non-EU" },
            membership,
            p.live,
            p.published,
            p.removed,
            p.blocked,
            p.views,
            p.waiting,
            p.busy,
            match p.reviewers {
                Capacity::Limited(n) => n.to_string(),
                Capacity::Unlimited => "unlimited".into(),
            },
            if p.crisis_posture {
                "crisis posture"
            } else {
                "normal posture"
            },
            p.found_not_queued
        );
        text.lines()
            .map(|l| fit(l, SCREEN_COLUMNS) + "\n")
            .collect()
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// A line cut to `width` characters, with `…` where it was cut.
fn fit(line: &str, width: usize) -> String {
    if line.chars().count() <= width {
        line.to_string()
    } else {
        let mut cut: String = line.chars().take(width - 1).collect();
        cut.push('…');
        cut
    }
}

/// The screen the situation report fits: columns.
pub const SCREEN_COLUMNS: usize = 80;
/// The screen the situation report fits: lines, the prompt's included.
pub const SCREEN_LINES: usize = 24;
/// Platform rows always shown, however many alerts there are.
const MIN_PLATFORM_ROWS: usize = 6;

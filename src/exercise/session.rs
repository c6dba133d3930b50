//! A live exercise: one replication advanced in moves, paused at every inject, fed the
//! players' decisions, with a situation report at each pause.

use std::fmt::Write;

use crate::engine::{
    DecisionError, DecisionSchedule, ScheduledDecision, SimError, SimInit, Simulation, Situation,
    clock,
};
use crate::scenario::{Capacity, Minutes, Scenario};
use crate::sink::{EventKind, Recorder};

use super::command::Command;

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
        if let Some(next_inject) = model
            .injects
            .iter()
            .map(|i| i.at)
            .filter(|&t| t > now + 1e-9 && t <= horizon)
            .reduce(f64::min)
        {
            until = until.min(next_inject);
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
        Ok(what)
    }

    /// Run to the horizon without further decisions (`end`).
    pub fn finish(&mut self) -> Result<(), SimError> {
        self.sim.step_until(f64::INFINITY, &mut self.record)?;
        Ok(())
    }

    /// The situation report at this pause: clock, headline figures, a table per platform,
    /// alerts, inject messages and the decisions in effect. Marks everything reported.
    pub fn report(&mut self) -> String {
        let s = self.sim.situation();
        let model = &self.scenario.variants[self.variant].model;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "== {} == {}{}",
            clock(s.time),
            model.name,
            if s.protocol_active {
                "  [protocol ACTIVE]"
            } else {
                ""
            }
        );
        let _ = writeln!(
            out,
            "live copies {} | views last move {:.0} | exposure {:.0} | published {} | removed {} | blocked {} | variants {} | hashes pending {}",
            s.live,
            s.exposure - self.last.exposure,
            s.exposure,
            s.published,
            s.removed,
            s.blocked,
            s.variants,
            s.pending_hashes
        );
        let _ = writeln!(
            out,
            "{:<16} {:>6} {:>6} {:>8} {:>8} {:>9} {:>8} {:>7}",
            "platform", "live", "new", "removed", "backlog", "reviewers", "found", "posture"
        );
        let mut alerts = Vec::new();
        for (i, p) in s.platforms.iter().enumerate() {
            let before = &self.last.platforms[i];
            let reviewers = match p.reviewers {
                Capacity::Limited(n) => n.to_string(),
                Capacity::Unlimited => "unlim".into(),
            };
            let _ = writeln!(
                out,
                "{:<16} {:>6} {:>6} {:>8} {:>8} {:>9} {:>8} {:>7}",
                truncate(&p.id, 16),
                p.live,
                p.published - before.published,
                p.removed,
                p.waiting,
                reviewers,
                p.found_not_queued,
                if p.crisis_posture { "CRISIS" } else { "normal" }
            );
            if p.published > 0 && !self.reached[i] {
                self.reached[i] = true;
                alerts.push(format!("{} reached: first copies published there", p.id));
            }
            match p.backlog_minutes {
                Some(b) if b > 60.0 => alerts.push(format!(
                    "{}: review backlog of {} copies, about {:.0} h of work",
                    p.id,
                    p.waiting,
                    b / 60.0
                )),
                None if p.waiting > 0 => alerts.push(format!(
                    "{}: {} copies wait for review and no reviewer is working",
                    p.id, p.waiting
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
        let new_events = &self.record.events[self.reported_events..];
        let messages: Vec<String> = new_events
            .iter()
            .filter(|e| e.kind == EventKind::Inject)
            .map(|e| e.detail.clone())
            .collect();
        self.reported_events = self.record.events.len();
        for a in &alerts {
            let _ = writeln!(out, "ALERT  {a}");
        }
        for m in &messages {
            let _ = writeln!(out, "INJECT {m}");
        }
        if self.schedule.decisions.is_empty() {
            let _ = writeln!(out, "Decisions so far: none");
        } else {
            let list: Vec<String> = self
                .schedule
                .decisions
                .iter()
                .map(|d| format!("{} {}", clock(d.at), d.text))
                .collect();
            let _ = writeln!(out, "Decisions so far: {}", list.join("; "));
        }
        self.last = s;
        out
    }

    /// One platform in detail.
    pub fn platform_report(&mut self, platform: usize) -> String {
        let s = self.sim.situation();
        let p = &s.platforms[platform];
        let pl = &self.scenario.variants[self.variant].model.platforms[platform];
        format!(
            "{} ({}): {}{}\n  live {} | published {} | removed {} | blocked {} | views {:.0}\n  review: {} waiting, {} in review, reviewers {} ({})\n  found by authorities, not yet queued: {}\n",
            p.id,
            pl.name,
            if p.eu { "EU" } else { "non-EU" },
            if p.protocol_member {
                ", protocol member"
            } else {
                ""
            },
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
        )
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

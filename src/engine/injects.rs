//! Owns the exercise timeline's scripted events: messages, virality surges, bulk uploads
//! and reviewer outages, when each fires and ends, and what the event log says of them.
//!
//! Injects hold no state of the model: each one says what it does, and does it through
//! the other mechanisms (attention, upload attempts, reviewers), by way of the dispatch.

use crate::scenario::{Inject, InjectKind, Minutes};
use crate::sink::EventKind;

use super::core::{Core, clock};

/// The events injects schedule and handle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InjectEvent {
    Fire {
        index: u32,
    },
    /// The end of a virality or outage inject with a duration.
    End {
        index: u32,
    },
}

/// What an inject does to the model, for the dispatch to carry out.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Nothing (a message).
    None,
    /// Multiply the attention of every copy on these platforms.
    Attention { platforms: Vec<u32>, factor: f64 },
    /// `count` upload attempts of `content` on `platform`, all of one new variant if
    /// `new_variant`.
    Uploads {
        content: u32,
        platform: u32,
        count: u32,
        new_variant: bool,
    },
    /// Force a platform's reviewers to `reviewers` (an outage of this inject).
    Outage { platform: u32, reviewers: u32 },
    /// End this inject's outage of a platform's reviewers, if still in force.
    EndOutage { platform: u32 },
}

/// Where an inject stands: the facilitator of an exercise may deliver one early, or
/// hold it and deliver it later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InjectState {
    /// It fires at its time.
    Scheduled,
    /// The facilitator held it: it does not fire at its time, only when delivered.
    Held,
    /// It has fired.
    Delivered,
}

/// The scenario's injects, and where each stands.
#[derive(Debug, Default)]
pub struct Injects {
    state: Vec<InjectState>,
}

impl Injects {
    pub fn new(count: usize) -> Self {
        Injects {
            state: vec![InjectState::Scheduled; count],
        }
    }

    /// Where each inject stands, in the scenario's order.
    pub fn states(&self) -> &[InjectState] {
        &self.state
    }

    /// Schedule every inject at its time.
    pub fn schedule_all<E: From<InjectEvent>>(&self, core: &mut Core<E>) {
        for i in 0..core.model.injects.len() {
            let at = core.model.injects[i].at;
            core.schedule(at, InjectEvent::Fire { index: i as u32 });
        }
    }

    /// Whether the inject's scheduled firing goes ahead (it was neither held nor
    /// delivered early); if so it is marked delivered.
    pub fn take_scheduled(&mut self, index: u32) -> bool {
        let s = &mut self.state[index as usize];
        if *s == InjectState::Scheduled {
            *s = InjectState::Delivered;
            true
        } else {
            false
        }
    }

    /// The facilitator holds an inject that has not fired.
    pub fn hold(&mut self, index: u32) -> Result<(), InjectState> {
        let s = &mut self.state[index as usize];
        match *s {
            InjectState::Scheduled => {
                *s = InjectState::Held;
                Ok(())
            }
            other => Err(other),
        }
    }

    /// The facilitator delivers an inject now (early, or after holding it): marked
    /// delivered, so that its scheduled firing does nothing.
    pub fn deliver(&mut self, index: u32) -> Result<(), InjectState> {
        let s = &mut self.state[index as usize];
        match *s {
            InjectState::Delivered => Err(InjectState::Delivered),
            _ => {
                *s = InjectState::Delivered;
                Ok(())
            }
        }
    }

    /// An inject fires: its line in the event log, what it does, and when it ends (the
    /// dispatch schedules the end once the effect is in place).
    pub fn fire<E>(&self, core: &mut Core<E>, index: u32) -> (Effect, Option<Minutes>) {
        let inject = &core.model.injects[index as usize];
        let platform = match &inject.kind {
            InjectKind::Message => None,
            InjectKind::Virality { platform, .. } => platform.map(|p| p as u32),
            InjectKind::Upload { platform, .. } | InjectKind::Outage { platform, .. } => {
                Some(*platform as u32)
            }
        };
        let now = core.now;
        let (effect, ends) = match inject.kind {
            InjectKind::Message => (Effect::None, None),
            InjectKind::Virality {
                platform,
                factor,
                duration,
            } => (
                Effect::Attention {
                    platforms: affected(platform, core.model.platforms.len()),
                    factor,
                },
                duration.map(|d| now + d),
            ),
            InjectKind::Upload {
                content,
                platform,
                count,
                new_variant,
            } => (
                Effect::Uploads {
                    content: content as u32,
                    platform: platform as u32,
                    count,
                    new_variant,
                },
                None,
            ),
            InjectKind::Outage {
                platform,
                reviewers,
                duration,
            } => (
                Effect::Outage {
                    platform: platform as u32,
                    reviewers,
                },
                Some(now + duration),
            ),
        };
        if core.log.wanted {
            let line = describe(inject, index, now);
            core.log(EventKind::Inject, platform, None, |_| line);
        }
        (effect, ends)
    }

    /// Schedule an inject's end.
    pub fn schedule_end<E: From<InjectEvent>>(&self, core: &mut Core<E>, index: u32, at: Minutes) {
        core.schedule(at, InjectEvent::End { index });
    }

    /// What an inject's end undoes.
    pub fn end<E>(&self, core: &Core<E>, index: u32) -> Effect {
        match core.model.injects[index as usize].kind {
            InjectKind::Virality {
                platform, factor, ..
            } => Effect::Attention {
                platforms: affected(platform, core.model.platforms.len()),
                factor: 1.0 / factor,
            },
            InjectKind::Outage { platform, .. } => Effect::EndOutage {
                platform: platform as u32,
            },
            _ => Effect::None,
        }
    }

    /// The event log's line for an inject's end, once it is undone.
    pub fn log_end<E>(&self, core: &mut Core<E>, index: u32) {
        match core.model.injects[index as usize].kind {
            InjectKind::Virality { platform, .. } => core.log(
                EventKind::InjectEnded,
                platform.map(|p| p as u32),
                None,
                |_| format!("inject {} ended: virality back to normal", index + 1),
            ),
            InjectKind::Outage { platform, .. } => {
                core.log(EventKind::InjectEnded, Some(platform as u32), None, |_| {
                    format!("inject {} ended: reviewers restored", index + 1)
                })
            }
            _ => {}
        }
    }
}

/// The platforms an inject names, or all of them.
fn affected(platform: Option<usize>, platforms: usize) -> Vec<u32> {
    let (lo, hi) = match platform {
        Some(p) => (p, p + 1),
        None => (0, platforms),
    };
    (lo..hi).map(|p| p as u32).collect()
}

/// One line for the event log, led by the inject's own note; `now` is when it fires
/// (its scheduled time unless the facilitator moved it, which the line then says).
fn describe(inject: &Inject, index: u32, now: Minutes) -> String {
    let what = match &inject.kind {
        InjectKind::Message => "message".to_string(),
        InjectKind::Virality {
            factor, duration, ..
        } => match duration {
            Some(d) => format!("virality x{factor} for {d:.0} min"),
            None => format!("virality x{factor}"),
        },
        InjectKind::Upload {
            count, new_variant, ..
        } => format!(
            "{count} upload attempts{}",
            if *new_variant { " of one new edit" } else { "" }
        ),
        InjectKind::Outage {
            reviewers,
            duration,
            ..
        } => format!("reviewers cut to {reviewers} for {duration:.0} min"),
    };
    let when = if (now - inject.at).abs() < 1e-9 {
        clock(inject.at)
    } else {
        format!("{} (scheduled {})", clock(now), clock(inject.at))
    };
    match &inject.note {
        Some(note) => format!("inject {} at {when}: {note} [{what}]", index + 1),
        None => format!("inject {} at {when}: {what}", index + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::core::test_core;

    const SCENARIO: &str = r#"
name: inject test
horizon: 24h
platforms:
  - {id: a, name: A, views_per_hour: 1, attention_half_life: 1h, review: {reviewers: 1, time: 10m}}
  - {id: b, name: B, views_per_hour: 1, attention_half_life: 1h, review: {reviewers: 1, time: 10m}}
content:
  - id: clip
    kind: video
    origin: {platform: a, at: 0m}
injects:
  - {at: 45m, kind: message, note: "First reports"}
  - {at: 2h, kind: virality, factor: 4.0, for: 1h}
  - {at: 3h, kind: outage, platform: b, reviewers: 0, for: 30m}
  - {at: 4h, kind: upload, content: clip, platform: b, count: 5, new_variant: true}
"#;

    #[test]
    fn injects_fire_in_time_order_say_what_they_do_and_when_they_end() {
        let mut core = test_core::<InjectEvent>(SCENARIO);
        let injects = Injects::new(4);
        injects.schedule_all(&mut core);
        let mut fired = Vec::new();
        while let Some((t, InjectEvent::Fire { index })) = core.queue.pop() {
            core.now = t;
            fired.push(injects.fire(&mut core, index));
        }
        assert_eq!(
            fired,
            vec![
                (Effect::None, None),
                (
                    Effect::Attention {
                        platforms: vec![0, 1],
                        factor: 4.0
                    },
                    Some(180.0)
                ),
                (
                    Effect::Outage {
                        platform: 1,
                        reviewers: 0
                    },
                    Some(210.0)
                ),
                (
                    Effect::Uploads {
                        content: 0,
                        platform: 1,
                        count: 5,
                        new_variant: true
                    },
                    None
                ),
            ]
        );
        assert_eq!(
            injects.end(&core, 1),
            Effect::Attention {
                platforms: vec![0, 1],
                factor: 0.25
            }
        );
        assert_eq!(injects.end(&core, 2), Effect::EndOutage { platform: 1 });
        let lines: Vec<&str> = core.log.records.iter().map(|r| r.detail.as_str()).collect();
        assert_eq!(lines[0], "inject 1 at T+00:45: First reports [message]");
        assert_eq!(
            lines[2],
            "inject 3 at T+03:00: reviewers cut to 0 for 30 min"
        );
    }
}

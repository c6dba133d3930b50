//! Injects: the exercise timeline's scripted events (messages, virality surges, bulk
//! uploads, reviewer outages).

use crate::scenario::InjectKind;
use crate::sink::EventKind;

use super::{Event, SimError, Simulation, clock};

impl Simulation {
    pub(super) fn inject(&mut self, index: u32) -> Result<(), SimError> {
        let model = std::sync::Arc::clone(&self.model);
        let inject = &model.injects[index as usize];
        let now = self.now();
        let platform = match &inject.kind {
            InjectKind::Message => None,
            InjectKind::Virality { platform, .. } => platform.map(|p| p as u32),
            InjectKind::Upload { platform, .. } | InjectKind::Outage { platform, .. } => {
                Some(*platform as u32)
            }
        };
        self.log(EventKind::Inject, platform, None, |_| {
            describe(inject, index)
        });
        match inject.kind {
            InjectKind::Message => {}
            InjectKind::Virality {
                platform,
                factor,
                duration,
            } => {
                let platforms: Vec<u32> = affected(platform, model.platforms.len()).collect();
                self.scale_attention(&platforms, factor);
                if let Some(d) = duration {
                    self.schedule(now + d, Event::InjectEnd { index });
                }
            }
            InjectKind::Upload {
                content,
                platform,
                count,
                new_variant,
            } => {
                let variant = new_variant.then(|| self.new_variant(content as u32));
                for i in 0..count {
                    self.inject_attempt(index, i, content as u32, platform as u32, variant)?;
                }
            }
            InjectKind::Outage {
                platform,
                reviewers,
                duration,
            } => {
                self.set_outage(platform as u32, Some((index, reviewers)));
                self.schedule(now + duration, Event::InjectEnd { index });
            }
        }
        Ok(())
    }

    pub(super) fn inject_end(&mut self, index: u32) {
        let model = std::sync::Arc::clone(&self.model);
        let inject = &model.injects[index as usize];
        match inject.kind {
            InjectKind::Virality {
                platform, factor, ..
            } => {
                let platforms: Vec<u32> = affected(platform, model.platforms.len()).collect();
                self.scale_attention(&platforms, 1.0 / factor);
                self.log(
                    EventKind::InjectEnded,
                    platform.map(|p| p as u32),
                    None,
                    |_| format!("inject {} ended: virality back to normal", index + 1),
                );
            }
            InjectKind::Outage { platform, .. } => {
                let p = platform as u32;
                // Only end the outage this inject started (a later one may have replaced it).
                if self.platform(p).outage.is_some_and(|(i, _)| i == index) {
                    self.set_outage(p, None);
                }
                self.log(EventKind::InjectEnded, Some(p), None, |_| {
                    format!("inject {} ended: reviewers restored", index + 1)
                });
            }
            _ => {}
        }
    }
}

fn affected(platform: Option<usize>, platforms: usize) -> impl Iterator<Item = u32> {
    let (lo, hi) = match platform {
        Some(p) => (p, p + 1),
        None => (0, platforms),
    };
    (lo..hi).map(|p| p as u32)
}

/// One line for the event log, led by the inject's own note.
fn describe(inject: &crate::scenario::Inject, index: u32) -> String {
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
    match &inject.note {
        Some(note) => format!(
            "inject {} at {}: {note} [{what}]",
            index + 1,
            clock(inject.at)
        ),
        None => format!("inject {} at {}: {what}", index + 1, clock(inject.at)),
    }
}

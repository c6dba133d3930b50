//! Owns the exercise's decisions fed into a paused simulation, and the situation report
//! at a pause.
//!
//! In an exercise the players are the protocol: nothing triggers or notifies by itself,
//! and each decision takes effect through the same mechanisms as the protocol rules, with
//! their delays (a notified platform ramps its reviewers up; a shared hash reaches other
//! members after the database delay unless pushed).

use bevy_ecs::component::Component;

use crate::scenario::{Capacity, Issues, Jurisdiction, Minutes};
use crate::sink::{EventKind, Sink};

use super::copy::{QueueClass, ReviewStatus};
use super::sim::Simulation;
use super::store::CopyId;
use super::world::Platform;

/// Who sent a players' referral or order, for the event log.
fn players(role: Option<&str>) -> String {
    match role {
        Some(r) => format!("the players ({r})"),
        None => "the players".into(),
    }
}

/// Something the players decide.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Activate the first protocol in play (crisis hash-sharing delay, URL sharing,
    /// authority boost); member platforms still have to be notified.
    ActivateProtocol,
    /// Activate the protocol with this index into the model's protocols (one in play).
    Activate { protocol: usize },
    /// Notify one member platform of the first protocol in play, or all (`None`): it
    /// applies its crisis posture after the protocol's notify time.
    Notify { platform: Option<usize> },
    /// Notify one member platform of the protocol with this index into the model's
    /// protocols (one in play), or all its members (`None`).
    NotifyUnder {
        protocol: usize,
        platform: Option<usize>,
    },
    /// Deliver every pending shared-database submission now.
    PushHashes,
    /// Refer up to `count` copies that authorities have found on a platform.
    Refer { platform: usize, count: u32 },
    /// Send removal orders for up to `count` found copies on an EU platform.
    Order { platform: usize, count: u32 },
    /// Set a platform's reviewers (ramping over its crisis posture's ramp, if any).
    Surge { platform: usize, reviewers: u32 },
    /// A note for the record; no effect on the model.
    Note(String),
    /// The facilitator delivers an inject (an index into the model's injects) now:
    /// early, or after holding it. It then does not fire at its scheduled time.
    Deliver { inject: usize },
    /// The facilitator holds an inject that has not fired: it fires only when
    /// delivered.
    Hold { inject: usize },
}

/// A decision at a simulated time, by an optional role (e.g. `europol`), with the
/// words the players typed (kept for the record).
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledDecision {
    pub at: Minutes,
    pub role: Option<String>,
    pub decision: Decision,
    pub text: String,
}

/// The decisions of an exercise, in time order: replayed, they reproduce its runs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DecisionSchedule {
    pub decisions: Vec<ScheduledDecision>,
}

/// Why a decision could not be applied. The simulation goes on unchanged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecisionError {
    #[error("`{0}` is not a protocol member, so the protocol cannot notify it")]
    NotMember(String),
    #[error("`{0}` is not an EU platform: a removal order does not bind it (refer instead)")]
    NotEu(String),
    #[error("no platform is a protocol member")]
    NoMembers,
    #[error("`{platform}` is not a member of protocol `{protocol}`, so it cannot notify it")]
    NotMemberOf { platform: String, protocol: String },
    #[error("protocol `{0}` is not in play in this exercise")]
    NotInPlay(String),
    #[error("no protocol is in play")]
    NoProtocol,
    #[error("the exercise has ended")]
    Finished,
    #[error("inject {0} has been delivered already")]
    InjectDelivered(usize),
    #[error("inject {0} is held already (deliver it with `deliver {0}`)")]
    InjectHeld(usize),
    /// The inject's effect stopped the run (a safety limit).
    #[error("{0}")]
    Stopped(String),
}

/// The state of one platform at a pause (a component of the platform's entity,
/// refreshed when the situation is asked for).
#[derive(Component, Debug, Clone, PartialEq)]
pub struct PlatformStatus {
    pub id: String,
    pub live: u64,
    pub published: u64,
    pub removed: u64,
    pub blocked: u64,
    pub views: f64,
    /// Copies waiting for review.
    pub waiting: u64,
    pub reviewers: Capacity,
    pub busy: u32,
    pub crisis_posture: bool,
    /// Waiting copies times the mean review time, over the reviewers: how long the
    /// backlog would take to clear with no new arrivals (`None` with no reviewers).
    pub backlog_minutes: Option<f64>,
    /// Live copies an authority has found that are not waiting for review.
    pub found_not_queued: u64,
    pub protocol_member: bool,
    pub eu: bool,
    /// Livestreams on air here (in their live phase, contract section 17).
    pub streaming: u32,
    /// Link posts here (contract section 18): live now, and removed so far.
    pub posts_live: u64,
    pub posts_removed: u64,
}

/// The whole picture at a pause.
#[derive(Debug, Clone, PartialEq)]
pub struct Situation {
    pub time: Minutes,
    pub attempts: u64,
    pub blocked: u64,
    pub published: u64,
    pub removed: u64,
    pub live: u64,
    pub exposure: f64,
    pub variants: u64,
    /// Whether any protocol is active, and the earliest activation.
    pub protocol_active: bool,
    pub activated_at: Option<Minutes>,
    pub pending_hashes: usize,
    pub platforms: Vec<PlatformStatus>,
    /// Each protocol in play, in order.
    pub protocols: Vec<ProtocolStatus>,
}

/// Where one protocol in play stands at a pause.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtocolStatus {
    pub id: String,
    pub active: bool,
    pub triggered_at: Option<Minutes>,
    pub activated_at: Option<Minutes>,
    pub deactivated_at: Option<Minutes>,
    /// Its member platforms (indices), in platform order.
    pub members: Vec<usize>,
}

impl Simulation {
    /// Apply a decision now; returns a one-line account of what it did.
    pub fn decide(
        &mut self,
        decision: &Decision,
        role: Option<&str>,
        sink: &mut dyn Sink,
    ) -> Result<String, DecisionError> {
        if self.is_finished() {
            return Err(DecisionError::Finished);
        }
        self.core.log.wanted = sink.wants_events();
        let result = self.decide_inner(decision, role);
        if let Ok(what) = &result {
            let who = role.map(|r| format!("{r}: ")).unwrap_or_default();
            let platform = match decision {
                Decision::Notify { platform } | Decision::NotifyUnder { platform, .. } => {
                    platform.map(|p| p as u32)
                }
                Decision::Refer { platform, .. }
                | Decision::Order { platform, .. }
                | Decision::Surge { platform, .. } => Some(*platform as u32),
                _ => None,
            };
            self.core.log(EventKind::Decision, platform, None, |_| {
                format!("{who}{what}")
            });
        }
        self.flush(sink);
        result
    }

    fn decide_inner(
        &mut self,
        decision: &Decision,
        role: Option<&str>,
    ) -> Result<String, DecisionError> {
        let model = std::sync::Arc::clone(&self.core.model);
        match decision {
            Decision::ActivateProtocol => {
                if self.protocol.len() == 0 {
                    return Err(DecisionError::NoProtocol);
                }
                if self.protocol.active(0) {
                    return Ok("the protocol is already active".into());
                }
                self.activate_protocol(0);
                Ok("activated the crisis protocol".into())
            }
            Decision::Activate { protocol } => {
                let k = self.in_play(*protocol)?;
                let id = self.protocol.protocol(k).id.clone();
                if self.protocol.active(k) {
                    return Ok(format!("protocol {id} is already active"));
                }
                self.activate_protocol(k);
                Ok(format!("activated protocol {id}"))
            }
            Decision::Notify { platform } => {
                if self.protocol.len() == 0 {
                    return Err(DecisionError::NoProtocol);
                }
                let targets = self.members_to_notify(0, *platform, |p, _| {
                    DecisionError::NotMember(p.to_string())
                })?;
                let delay = self.protocol.schedule_notify(&mut self.core, 0, &targets);
                let names: Vec<&str> = targets
                    .iter()
                    .map(|&p| model.platforms[p].id.as_str())
                    .collect();
                Ok(format!(
                    "notified {}; crisis posture applies in {delay:.0} min",
                    names.join(", ")
                ))
            }
            Decision::NotifyUnder { protocol, platform } => {
                let k = self.in_play(*protocol)?;
                let targets =
                    self.members_to_notify(k, *platform, |p, id| DecisionError::NotMemberOf {
                        platform: p.to_string(),
                        protocol: id.to_string(),
                    })?;
                let delay = self.protocol.schedule_notify(&mut self.core, k, &targets);
                let names: Vec<&str> = targets
                    .iter()
                    .map(|&p| model.platforms[p].id.as_str())
                    .collect();
                Ok(format!(
                    "notified {} under {}; crisis posture applies in {delay:.0} min",
                    names.join(", "),
                    self.protocol.protocol(k).id
                ))
            }
            Decision::PushHashes => {
                let n = self
                    .hashes
                    .push_pending(&mut self.core, &mut self.copies.store);
                Ok(format!(
                    "pushed {n} pending hash submission(s) to every member now"
                ))
            }
            Decision::Refer { platform, count } => {
                let copies = self.found_copies(*platform, *count);
                let from = players(role);
                for &c in &copies {
                    self.refer(c, &from, None);
                }
                Ok(format!(
                    "referred {} of the {count} copies asked for on {}",
                    copies.len(),
                    model.platforms[*platform].id
                ))
            }
            Decision::Order { platform, count } => {
                let pl = &model.platforms[*platform];
                if pl.jurisdiction != Jurisdiction::Eu {
                    return Err(DecisionError::NotEu(pl.id.clone()));
                }
                // Terms of the role's authority if it issues orders, else the first that does.
                let terms = model
                    .authorities
                    .iter()
                    .filter(|a| a.issues == Issues::RemovalOrder)
                    .find(|a| role.is_none_or(|r| a.id == r))
                    .or_else(|| {
                        model
                            .authorities
                            .iter()
                            .find(|a| a.issues == Issues::RemovalOrder)
                    })
                    .map_or((60.0, 1.0), |a| {
                        (a.removal_order.deadline, a.removal_order.compliance)
                    });
                let copies = self.found_copies(*platform, *count);
                let from = players(role);
                for &c in &copies {
                    self.send_order(c, terms, &from);
                }
                Ok(format!(
                    "sent removal orders for {} of the {count} copies asked for on {}",
                    copies.len(),
                    model.platforms[*platform].id
                ))
            }
            Decision::Surge {
                platform,
                reviewers,
            } => {
                let p = *platform as u32;
                let ramp = model.platforms[*platform]
                    .crisis_posture
                    .as_ref()
                    .map_or(0.0, |c| c.ramp);
                let from = self.review.desks[*platform].posture_capacity;
                // Ramp steps apply while the platform is in crisis posture.
                self.protocol.set_crisis(p, true);
                self.protocol.ramp_reviewers(
                    &mut self.core,
                    p,
                    from,
                    Capacity::Limited(*reviewers),
                    ramp,
                );
                Ok(format!(
                    "surged {} to {reviewers} reviewers over {ramp:.0} min",
                    model.platforms[*platform].id
                ))
            }
            Decision::Note(text) => Ok(format!("note: {text}")),
            Decision::Deliver { inject } => {
                let n = inject + 1;
                match self.injects.deliver(*inject as u32) {
                    Ok(()) => {}
                    Err(_) => return Err(DecisionError::InjectDelivered(n)),
                }
                self.inject(*inject as u32)
                    .map_err(|e| DecisionError::Stopped(e.to_string()))?;
                Ok(format!(
                    "delivered inject {n} (scheduled {})",
                    super::core::clock(model.injects[*inject].at)
                ))
            }
            Decision::Hold { inject } => {
                let n = inject + 1;
                match self.injects.hold(*inject as u32) {
                    Ok(()) => Ok(format!(
                        "held inject {n} (scheduled {}): it fires when you deliver it",
                        super::core::clock(model.injects[*inject].at)
                    )),
                    Err(super::injects::InjectState::Held) => Err(DecisionError::InjectHeld(n)),
                    Err(_) => Err(DecisionError::InjectDelivered(n)),
                }
            }
        }
    }

    /// Where each inject stands (scheduled, held, delivered), in the scenario's order.
    pub fn inject_states(&self) -> &[super::injects::InjectState] {
        self.injects.states()
    }

    /// The protocol in play with index `protocol` into the model's protocols.
    fn in_play(&self, protocol: usize) -> Result<u32, DecisionError> {
        self.protocol.slot_of(protocol).ok_or_else(|| {
            DecisionError::NotInPlay(
                self.core
                    .model
                    .protocols
                    .get(protocol)
                    .map_or_else(|| protocol.to_string(), |p| p.id.clone()),
            )
        })
    }

    /// The platforms a notification under protocol `k` reaches: `platform` if it is a
    /// member (else `not_member(platform id, protocol id)`), or every member.
    fn members_to_notify(
        &self,
        k: u32,
        platform: Option<usize>,
        not_member: impl FnOnce(&str, &str) -> DecisionError,
    ) -> Result<Vec<usize>, DecisionError> {
        let model = &self.core.model;
        let targets: Vec<usize> = match platform {
            Some(p) => {
                if !self.protocol.is_member(k, p as u32) {
                    return Err(not_member(
                        &model.platforms[p].id,
                        &self.protocol.protocol(k).id,
                    ));
                }
                vec![p]
            }
            None => (0..model.platforms.len())
                .filter(|&p| self.protocol.is_member(k, p as u32))
                .collect(),
        };
        if targets.is_empty() {
            return Err(DecisionError::NoMembers);
        }
        Ok(targets)
    }

    /// Up to `count` live copies on a platform that an authority has found and that are
    /// not already waiting in a more urgent class, oldest first.
    fn found_copies(&self, platform: usize, count: u32) -> Vec<CopyId> {
        let mut found: Vec<(u64, CopyId)> = self
            .copies
            .store
            .iter()
            .filter(|(_, c)| {
                let p = &c.pending;
                c.platform as usize == platform
                    && p.found_by != 0
                    && matches!(
                        p.review,
                        ReviewStatus::NotQueued
                            | ReviewStatus::Waiting {
                                class: QueueClass::OwnDetection,
                                ..
                            }
                    )
            })
            .map(|(e, c)| (c.number, e))
            .collect();
        found.sort_unstable_by_key(|&(n, _)| n);
        found
            .into_iter()
            .take(count as usize)
            .map(|(_, e)| e)
            .collect()
    }

    /// The World as of now: every platform's [`PlatformStatus`] and every variant's
    /// listing refreshed from the mechanisms, for reports to query.
    pub fn world(&mut self) -> &bevy_ecs::world::World {
        self.refresh_world();
        &self.world
    }

    fn refresh_world(&mut self) {
        let now = self.core.now;
        let model = std::sync::Arc::clone(&self.core.model);
        self.copies.advance_all(&model, now);
        let views = self.copies.reported_views();
        let mut found = vec![0u64; model.platforms.len()];
        for (_, c) in self.copies.store.iter() {
            let p = &c.pending;
            if p.found_by != 0 && p.review == ReviewStatus::NotQueued {
                found[c.platform as usize] += 1;
            }
        }
        for (i, pl) in model.platforms.iter().enumerate() {
            let ps = &self.copies.platforms[i];
            let desk = &self.review.desks[i];
            let reviewers = desk.capacity();
            let backlog_minutes = match reviewers {
                Capacity::Limited(0) => None,
                Capacity::Limited(n) => {
                    Some(desk.waiting as f64 * pl.review.time.mean() / f64::from(n))
                }
                Capacity::Unlimited => Some(0.0),
            };
            let status = PlatformStatus {
                id: pl.id.clone(),
                live: ps.live,
                published: ps.published,
                removed: ps.removed(),
                blocked: ps.blocked,
                views: views[i],
                waiting: desk.waiting,
                reviewers,
                busy: desk.busy,
                crisis_posture: self.protocol.in_crisis(i as u32),
                backlog_minutes,
                found_not_queued: found[i],
                protocol_member: (0..self.protocol.len() as u32)
                    .any(|k| self.protocol.is_member(k, i as u32)),
                eu: pl.jurisdiction == Jurisdiction::Eu,
                streaming: ps.streaming,
                posts_live: self.copies.posts.platforms[i].live,
                posts_removed: self.copies.posts.platforms[i].removed,
            };
            self.world
                .entity_mut(self.entities.platforms[i])
                .insert(status);
        }
        for (v, &e) in self.entities.variants.iter().enumerate() {
            let listing = super::world::VariantListing {
                lists: self.hashes.lists_holding(v as u32),
                submitted: self.hashes.submitted(v as u32),
            };
            self.world.entity_mut(e).insert(listing);
        }
    }

    /// The picture now, for a situation report.
    pub fn situation(&mut self) -> Situation {
        // Blocked campaign attempts counted up to now (where the counting is cut does
        // not change it).
        let now = self.core.now;
        self.close_blocks(now);
        self.refresh_world();
        let world = &mut self.world;
        let mut platforms: Vec<(u32, PlatformStatus)> = world
            .query::<(&Platform, &PlatformStatus)>()
            .iter(world)
            .map(|(p, s)| (p.index, s.clone()))
            .collect();
        platforms.sort_unstable_by_key(|&(i, _)| i);
        let exposure = platforms.iter().fold(0.0, |sum, (_, s)| sum + s.views);
        let c = &self.core.counts;
        let protocols = (0..self.protocol.len() as u32)
            .map(|k| {
                let s = self.protocol.state(k);
                ProtocolStatus {
                    id: self.protocol.protocol(k).id.clone(),
                    active: s.active(),
                    triggered_at: s.triggered_at,
                    activated_at: s.activated_at,
                    deactivated_at: s.deactivated_at,
                    members: (0..self.core.model.platforms.len())
                        .filter(|&p| self.protocol.is_member(k, p as u32))
                        .collect(),
                }
            })
            .collect();
        Situation {
            time: self.core.now,
            attempts: c.attempts,
            blocked: c.blocked,
            published: c.published,
            removed: c.removed,
            live: c.live,
            exposure,
            variants: c.variants,
            protocol_active: self.protocol.any_active(),
            activated_at: self.protocol.earliest().1,
            pending_hashes: self.hashes.pending(),
            platforms: platforms.into_iter().map(|(_, s)| s).collect(),
            protocols,
        }
    }
}

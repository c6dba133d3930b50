//! Owns the crisis protocol in force for a variant: its trigger, activation and
//! deactivation, notification of member platforms and their crisis posture, the
//! reviewer ramp, URL sharing, and whether a submission travels at the crisis
//! hash-sharing delay. Effects reach only platforms with `protocol_member: true`.
//!
//! What the protocol changes elsewhere (authorities' strength, platforms' detection and
//! reviewers) is done by those mechanisms; the dispatch carries the protocol's decisions
//! to them.

use crate::scenario::{Activation, Capacity, CrisisPosture, Minutes, Model, Protocol};
use crate::sink::EventKind;

use super::core::Core;
use super::store::{CopyId, CopyStore};

/// The events the protocol schedules and handles.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ProtocolEvent {
    /// The `or_at` time trigger.
    Trigger,
    /// The end of the decision time after the trigger.
    Activate,
    /// A member platform applies its crisis posture.
    Notify { platform: u32 },
    /// A step of a crisis-posture reviewer ramp.
    RampStep { platform: u32, reviewers: Capacity },
    /// Deactivation check: has it been quiet for long enough?
    QuietCheck,
    /// A URL-sharing referral reaches a copy's platform.
    UrlShare { copy: CopyId },
}

/// Where the run's protocol stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProtocolPhase {
    #[default]
    Inactive,
    Triggered,
    Active,
    Deactivated,
}

/// The protocol's phase and when it changed.
#[derive(Debug, Default, Clone)]
pub struct ProtocolState {
    pub phase: ProtocolPhase,
    pub triggered_at: Option<Minutes>,
    pub activated_at: Option<Minutes>,
    pub deactivated_at: Option<Minutes>,
}

impl ProtocolState {
    pub fn active(&self) -> bool {
        self.phase == ProtocolPhase::Active
    }
}

/// What notifying a platform does.
#[derive(Debug, Clone, PartialEq)]
pub enum Notified {
    /// Nothing: the protocol is no longer active.
    Stale,
    /// The platform is in crisis posture; it defines none, so nothing else changes.
    NoPosture,
    /// The platform applies this posture.
    Posture(CrisisPosture),
}

/// The protocol of a run (none, for a variant without one).
#[derive(Debug)]
pub struct Protocols {
    protocol: Option<Protocol>,
    /// Exercise mode: the players are the protocol (nothing triggers or notifies by
    /// itself).
    manual: bool,
    pub state: ProtocolState,
    /// Platforms in crisis posture (notified, or surged by the players).
    crisis: Vec<bool>,
}

impl Protocols {
    pub fn new(model: &Model, protocol: Option<Protocol>, manual: bool) -> Self {
        Protocols {
            protocol,
            manual,
            state: ProtocolState::default(),
            crisis: vec![false; model.platforms.len()],
        }
    }

    pub fn active(&self) -> bool {
        self.state.active()
    }

    /// Schedule the `or_at` trigger, if there is one (not in an exercise).
    pub fn schedule_time_trigger<E: From<ProtocolEvent>>(&self, core: &mut Core<E>) {
        if let Some(at) = self
            .protocol
            .as_ref()
            .filter(|_| !self.manual)
            .and_then(|p| p.activation.or_at)
        {
            core.schedule(at, ProtocolEvent::Trigger);
        }
    }

    /// After a removal: has the count trigger been reached?
    pub fn check_trigger<E: From<ProtocolEvent>>(&mut self, core: &mut Core<E>) {
        if self.manual {
            return;
        }
        let Some(protocol) = &self.protocol else {
            return;
        };
        let Some(needed) = protocol.activation.confirmed_removals else {
            return;
        };
        let platforms = protocol.activation.platforms;
        if self.state.phase != ProtocolPhase::Inactive {
            return;
        }
        let c = &core.counts;
        if c.removed >= u64::from(needed) && c.platforms_with_removals >= platforms {
            let detail = format!(
                "{} removals on {} platforms reached the trigger ({needed} on {platforms})",
                c.removed, c.platforms_with_removals
            );
            self.trigger(core, detail);
        }
    }

    /// The `or_at` time trigger; false if the protocol had triggered already.
    pub fn time_trigger<E: From<ProtocolEvent>>(&mut self, core: &mut Core<E>) -> bool {
        if self.state.phase != ProtocolPhase::Inactive {
            return false;
        }
        self.trigger(core, "the scheduled trigger time was reached".to_string());
        true
    }

    fn trigger<E: From<ProtocolEvent>>(&mut self, core: &mut Core<E>, why: String) {
        let Some(protocol) = &self.protocol else {
            return;
        };
        let now = core.now;
        let decision = protocol.activation.decision_time;
        self.state.phase = ProtocolPhase::Triggered;
        self.state.triggered_at = Some(now);
        core.schedule(now + decision, ProtocolEvent::Activate);
        let id = &protocol.id;
        core.log(EventKind::ProtocolTriggered, None, None, |_| {
            format!("protocol {id} triggered: {why}; decision in {decision:.0} min")
        });
    }

    /// The protocol becomes active, and (not in an exercise) schedules the notification
    /// of its members. Returns the authority boost for the dispatch to apply, then
    /// [`Protocols::schedule_quiet_check`]; None if it was active already.
    pub fn activate<E: From<ProtocolEvent>>(&mut self, core: &mut Core<E>) -> Option<f64> {
        if self.active() {
            return None;
        }
        let protocol = self.protocol.as_ref()?;
        let now = core.now;
        self.state.phase = ProtocolPhase::Active;
        self.state.activated_at = Some(now);
        let id = &protocol.id;
        core.log(EventKind::ProtocolActivated, None, None, |_| {
            format!("protocol {id} active")
        });
        for p in 0..core.model.platforms.len() {
            // In an exercise, the players decide whom to notify.
            if core.model.platforms[p].protocol_member && !self.manual {
                core.schedule(
                    now + protocol.notify_time,
                    ProtocolEvent::Notify { platform: p as u32 },
                );
            }
        }
        Some(protocol.authority_boost)
    }

    /// Schedule the first deactivation check, if the protocol stands down when quiet.
    pub fn schedule_quiet_check<E: From<ProtocolEvent>>(&self, core: &mut Core<E>) {
        if let Some(quiet) = self
            .protocol
            .as_ref()
            .and_then(|p| p.deactivation_quiet_for)
        {
            let last = core.counts.last_publish;
            core.schedule(last.max(core.now) + quiet, ProtocolEvent::QuietCheck);
        }
    }

    /// Schedule the notification of member platforms (the players' decision, in an
    /// exercise) after the protocol's notify time; returns the delay.
    pub fn schedule_notify<E: From<ProtocolEvent>>(
        &self,
        core: &mut Core<E>,
        platforms: &[usize],
    ) -> Minutes {
        let delay = self.protocol.as_ref().map_or(0.0, |p| p.notify_time);
        let now = core.now;
        for &p in platforms {
            core.schedule(now + delay, ProtocolEvent::Notify { platform: p as u32 });
        }
        delay
    }

    /// A member platform is notified: it is in crisis posture from now on.
    pub fn notify<E>(&mut self, core: &mut Core<E>, platform: u32) -> Notified {
        if !self.active() && !self.manual {
            return Notified::Stale;
        }
        self.crisis[platform as usize] = true;
        let Some(posture) = core.model.platforms[platform as usize]
            .crisis_posture
            .clone()
        else {
            core.log(EventKind::PlatformNotified, Some(platform), None, |_| {
                "notified under the protocol (no crisis posture defined)".to_string()
            });
            return Notified::NoPosture;
        };
        core.log(EventKind::PlatformNotified, Some(platform), None, |_| {
            "notified under the protocol: crisis posture applies".to_string()
        });
        Notified::Posture(posture)
    }

    /// Whether a platform is in crisis posture.
    pub fn in_crisis(&self, platform: u32) -> bool {
        self.crisis[platform as usize]
    }

    /// Put a platform in crisis posture (or out of it); returns whether it was in it.
    pub fn set_crisis(&mut self, platform: u32, crisis: bool) -> bool {
        std::mem::replace(&mut self.crisis[platform as usize], crisis)
    }

    /// Move a platform's reviewers from `from` to `to` linearly over `ramp`, one reviewer
    /// at a time (at once if either is unlimited or the ramp is 0). The steps apply while
    /// the platform is in crisis posture.
    pub fn ramp_reviewers<E: From<ProtocolEvent>>(
        &self,
        core: &mut Core<E>,
        platform: u32,
        from: Capacity,
        to: Capacity,
        ramp: Minutes,
    ) {
        let now = core.now;
        match (from, to) {
            (Capacity::Limited(a), Capacity::Limited(b)) if ramp > 0.0 && a != b => {
                let steps = a.abs_diff(b);
                for k in 1..=steps {
                    let n = if b > a { a + k } else { a - k };
                    let at = now + ramp * f64::from(k) / f64::from(steps);
                    core.schedule(
                        at,
                        ProtocolEvent::RampStep {
                            platform,
                            reviewers: Capacity::Limited(n),
                        },
                    );
                }
            }
            _ => core.schedule(
                now + ramp,
                ProtocolEvent::RampStep {
                    platform,
                    reviewers: to,
                },
            ),
        }
    }

    /// Is it time to stand down? True if so (the dispatch then [`Protocols::deactivate`]s);
    /// otherwise the next check is scheduled.
    pub fn quiet_check<E: From<ProtocolEvent>>(&self, core: &mut Core<E>) -> bool {
        let Some(quiet) = self
            .protocol
            .as_ref()
            .and_then(|p| p.deactivation_quiet_for)
        else {
            return false;
        };
        if !self.active() {
            return false;
        }
        let last = core.counts.last_publish;
        // Tolerance for the sum last + quiet rounding below now.
        if core.now - last + 1e-9 >= quiet {
            true
        } else {
            core.schedule(last + quiet, ProtocolEvent::QuietCheck);
            false
        }
    }

    /// End the protocol. Member platforms return to normal posture and authorities to
    /// normal strength: the dispatch does that, platform by platform, with
    /// [`Protocols::set_crisis`].
    pub fn deactivate<E>(&mut self, core: &mut Core<E>) {
        let now = core.now;
        self.state.phase = ProtocolPhase::Deactivated;
        self.state.deactivated_at = Some(now);
        let id = self
            .protocol
            .as_ref()
            .map(|p| p.id.as_str())
            .unwrap_or_default();
        core.log(EventKind::ProtocolDeactivated, None, None, |_| {
            format!("protocol {id} deactivated: no copy published for a while")
        });
    }

    /// The shorter delay at which a submission by `platform` travels to the protocol's
    /// members, while the protocol is active and `platform` is a member.
    pub fn crisis_hash_delay(&self, model: &Model, platform: u32) -> Option<Minutes> {
        match &self.protocol {
            Some(p) if self.active() && model.platforms[platform as usize].protocol_member => p
                .hash_sharing_delay
                .filter(|&d| d < model.hash_sharing.delay),
            _ => None,
        }
    }

    /// Under an active protocol, a member's removal refers the removed copy's live parent
    /// and children on other member platforms, after the URL-sharing delay.
    pub fn share_urls<E: From<ProtocolEvent>>(
        &self,
        core: &mut Core<E>,
        store: &CopyStore,
        platform: u32,
        parent: Option<CopyId>,
        children: &[CopyId],
    ) {
        let Some(delay) = self.protocol.as_ref().and_then(|p| p.url_sharing) else {
            return;
        };
        let model = &core.model;
        if !self.active() || !model.platforms[platform as usize].protocol_member {
            return;
        }
        let now = core.now;
        for &relative in parent.iter().chain(children) {
            let Some(c) = store.get(relative) else {
                continue;
            };
            let target = c.platform;
            if target != platform && core.model.platforms[target as usize].protocol_member {
                core.queue.schedule(
                    now + delay,
                    ProtocolEvent::UrlShare { copy: relative }.into(),
                );
            }
        }
    }

    /// A URL-sharing referral arrives: true if the copy is still live (the dispatch then
    /// queues it as a referral).
    pub fn url_share<E>(&self, core: &mut Core<E>, store: &CopyStore, copy: CopyId) -> bool {
        let Some(c) = store.get(copy) else {
            return false;
        };
        let (platform, ident) = (c.platform, c.ident());
        core.log(EventKind::UrlShared, Some(platform), Some(ident), |_| {
            "referred by URL sharing from another member platform".to_string()
        });
        true
    }
}

/// The protocol parameters used in an exercise when a scenario defines none: no delays,
/// no boosts.
pub fn neutral_protocol() -> Protocol {
    Protocol {
        id: "players".into(),
        members: Vec::new(),
        members_listed: false,
        activation: Activation {
            confirmed_removals: None,
            platforms: 1,
            detections: None,
            platforms_reached: None,
            after: None,
            content: None,
            or_at: None,
            decision_time: 0.0,
        },
        notify_time: 0.0,
        hash_sharing_delay: None,
        url_sharing: None,
        authority_boost: 1.0,
        deactivation_quiet_for: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::copy::test_copy;
    use crate::engine::core::test_core;

    const SCENARIO: &str = r#"
name: protocol test
horizon: 24h
hash_sharing: {delay: 6h}
platforms:
  - id: a
    name: A
    protocol_member: true
    views_per_hour: 1
    attention_half_life: 1h
    review: {reviewers: 2, time: 10m}
    crisis_posture: {reviewers: 6, ramp: 2h}
  - {id: b, name: B, protocol_member: true, views_per_hour: 1, attention_half_life: 1h, review: {reviewers: 1, time: 10m}}
  - {id: c, name: C, views_per_hour: 1, attention_half_life: 1h, review: {reviewers: 1, time: 10m}}
content:
  - id: clip
    kind: video
    origin: {platform: a, at: 0m}
protocols:
  ecp:
    activation: {confirmed_removals: 3, platforms: 2, decision_time: 1h}
    notify_time: 30m
    hash_sharing_delay: 30m
    url_sharing: 10m
    deactivation: {quiet_for: 6h}
variants:
  - {name: ecp, protocol: ecp}
"#;

    fn setup() -> (Core<ProtocolEvent>, Protocols) {
        let core = test_core::<ProtocolEvent>(SCENARIO);
        let protocol = core.model.protocols.first().cloned();
        let p = Protocols::new(&core.model, protocol, false);
        (core, p)
    }

    #[test]
    fn the_count_trigger_needs_enough_removals_on_enough_platforms() {
        let (mut core, mut p) = setup();
        core.counts.removed = 5;
        core.counts.platforms_with_removals = 1;
        p.check_trigger(&mut core);
        assert_eq!(p.state.phase, ProtocolPhase::Inactive);
        core.now = 40.0;
        core.counts.platforms_with_removals = 2;
        p.check_trigger(&mut core);
        assert_eq!(p.state.phase, ProtocolPhase::Triggered);
        assert_eq!(p.state.triggered_at, Some(40.0));
        assert_eq!(core.queue.pop(), Some((100.0, ProtocolEvent::Activate)));
        // Triggered once only.
        p.check_trigger(&mut core);
        assert!(!p.time_trigger(&mut core));
        assert!(core.queue.is_empty());
    }

    #[test]
    fn activation_notifies_members_only_and_the_posture_ramps_one_reviewer_at_a_time() {
        let (mut core, mut p) = setup();
        assert_eq!(p.notify(&mut core, 0), Notified::Stale, "not active yet");
        core.now = 60.0;
        assert_eq!(p.activate(&mut core), Some(1.0));
        assert_eq!(p.activate(&mut core), None, "active already");
        let notified: Vec<(Minutes, ProtocolEvent)> =
            std::iter::from_fn(|| core.queue.pop()).collect();
        assert_eq!(
            notified,
            vec![
                (90.0, ProtocolEvent::Notify { platform: 0 }),
                (90.0, ProtocolEvent::Notify { platform: 1 })
            ]
        );
        core.now = 90.0;
        let Notified::Posture(posture) = p.notify(&mut core, 0) else {
            panic!("a has a crisis posture")
        };
        assert!(p.in_crisis(0));
        assert_eq!(p.notify(&mut core, 1), Notified::NoPosture);
        let to = posture.reviewers.unwrap();
        p.ramp_reviewers(&mut core, 0, Capacity::Limited(2), to, posture.ramp);
        let steps: Vec<(Minutes, ProtocolEvent)> =
            std::iter::from_fn(|| core.queue.pop()).collect();
        let want: Vec<(Minutes, ProtocolEvent)> = (3..=6)
            .map(|n| {
                let at = 90.0 + 120.0 * f64::from(n - 2) / 4.0;
                let reviewers = Capacity::Limited(n);
                (
                    at,
                    ProtocolEvent::RampStep {
                        platform: 0,
                        reviewers,
                    },
                )
            })
            .collect();
        assert_eq!(steps, want);
    }

    #[test]
    fn the_crisis_hash_delay_applies_to_members_while_active() {
        let (mut core, mut p) = setup();
        assert_eq!(p.crisis_hash_delay(&core.model, 0), None);
        p.activate(&mut core);
        assert_eq!(p.crisis_hash_delay(&core.model, 0), Some(30.0));
        assert_eq!(p.crisis_hash_delay(&core.model, 2), None, "not a member");
        core.now = 100.0;
        p.deactivate(&mut core);
        assert_eq!(p.crisis_hash_delay(&core.model, 0), None);
        assert_eq!(p.state.deactivated_at, Some(100.0));
    }

    #[test]
    fn url_sharing_refers_live_relatives_on_other_members() {
        let (mut core, mut p) = setup();
        let mut store = CopyStore::default();
        let on = |platform: u32, n: u64| {
            let mut c = test_copy(n);
            c.platform = platform;
            c
        };
        let parent = store.insert(on(1, 1));
        let same = store.insert(on(0, 2));
        let outside = store.insert(on(2, 3));
        let gone = store.insert(on(1, 4));
        store.remove(gone);
        let children = [same, outside, gone];
        p.share_urls(&mut core, &store, 0, Some(parent), &children);
        assert!(core.queue.is_empty(), "only while active");
        p.activate(&mut core);
        while core.queue.pop().is_some() {}
        p.share_urls(&mut core, &store, 0, Some(parent), &children);
        assert_eq!(
            core.queue.pop(),
            Some((10.0, ProtocolEvent::UrlShare { copy: parent }))
        );
        assert!(core.queue.is_empty());
        assert!(p.url_share(&mut core, &store, parent));
        assert!(!p.url_share(&mut core, &store, gone));
    }

    #[test]
    fn it_stands_down_after_a_quiet_spell() {
        let (mut core, mut p) = setup();
        p.activate(&mut core);
        while core.queue.pop().is_some() {}
        core.counts.last_publish = 50.0;
        p.schedule_quiet_check(&mut core);
        let (t, _) = core.queue.pop().unwrap();
        assert_eq!(t, 410.0);
        // A copy published meanwhile puts the check off.
        core.counts.last_publish = 300.0;
        core.now = t;
        assert!(!p.quiet_check(&mut core));
        assert_eq!(core.queue.pop(), Some((660.0, ProtocolEvent::QuietCheck)));
        core.now = 660.0;
        assert!(p.quiet_check(&mut core));
    }
}

//! Owns the crisis protocols in play for a variant (contract sections 11 and 16): each
//! one's trigger, activation and deactivation on its own, among its own members;
//! notification of members and the crisis posture (applied once, whichever protocol
//! notifies first), the reviewer ramp, URL sharing per protocol, and what the active
//! protocols say together about the hash-sharing delay and the authorities' boost.
//!
//! What the protocols change elsewhere (authorities' strength, platforms' detection,
//! reviewers, matching and attention) is done by those mechanisms; the dispatch carries
//! the protocols' decisions to them.

use crate::scenario::{Activation, Capacity, CrisisPosture, Minutes, Model, Protocol};
use crate::sink::{EventKind, ProtocolOutcome, Trigger};

use super::core::Core;
use super::posts::PostStore;
use super::store::{CopyId, CopyStore};

/// The events the protocols schedule and handle. `protocol` is the protocol's place
/// among those in play (the variant's order).
/// The most steps a reviewer ramp takes: one reviewer at a time up to this many
/// reviewers of change, equal steps of several beyond (a surge to a million reviewers
/// must not schedule a million events).
pub const MAX_RAMP_STEPS: u32 = 1024;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ProtocolEvent {
    /// The `or_at` time trigger.
    Trigger { protocol: u32 },
    /// The end of the decision time after the trigger.
    Activate { protocol: u32 },
    /// A member platform applies its crisis posture.
    Notify { platform: u32, protocol: u32 },
    /// A step of a crisis-posture reviewer ramp.
    RampStep { platform: u32, reviewers: Capacity },
    /// Deactivation check: has it been quiet for long enough?
    QuietCheck { protocol: u32 },
    /// A URL-sharing referral reaches a copy's (or a post's) platform.
    UrlShare { copy: CopyId },
}

/// Where a protocol stands in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProtocolPhase {
    #[default]
    Inactive,
    Triggered,
    Active,
    Deactivated,
}

/// A protocol's phase, when it changed, and what triggered it.
#[derive(Debug, Default, Clone)]
pub struct ProtocolState {
    pub phase: ProtocolPhase,
    pub triggered_at: Option<Minutes>,
    pub activated_at: Option<Minutes>,
    pub deactivated_at: Option<Minutes>,
    pub trigger: Option<Trigger>,
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
    /// Another protocol applied the platform's posture already: nothing changes.
    Applied,
    /// The platform applies this posture.
    Posture(CrisisPosture),
}

/// What a counting trigger has counted so far (for a protocol not yet triggered).
#[derive(Debug, Default, Clone)]
struct Counts {
    /// Removals of the protocol's content (with `content` only; otherwise the run's).
    removed: u64,
    removal_platforms: Vec<bool>,
    removal_platform_count: u32,
    /// Copies detected or found on members, each once.
    detected: u64,
    /// Platforms the protocol's content has been published on.
    reached: Vec<bool>,
    reached_count: u32,
}

/// One protocol in play.
#[derive(Debug)]
struct InPlay {
    protocol: Protocol,
    /// Its index in `Model::protocols` (None for the exercise's neutral protocol).
    model_index: Option<usize>,
    /// Membership by platform.
    members: Vec<bool>,
    state: ProtocolState,
    /// Platforms it has notified (in crisis posture on its account, or on another's).
    notified: Vec<bool>,
    counts: Counts,
}

impl InPlay {
    fn counts_content(&self, content: u32) -> bool {
        self.protocol
            .activation
            .content
            .as_ref()
            .is_none_or(|c| c.contains(&(content as usize)))
    }
}

/// The protocols of a run (none, for a variant without one).
#[derive(Debug)]
pub struct Protocols {
    in_play: Vec<InPlay>,
    /// Exercise mode: the players are the protocols (nothing triggers or notifies by
    /// itself).
    manual: bool,
    /// Platforms in crisis posture (notified, or surged by the players).
    crisis: Vec<bool>,
    /// Some protocol not yet triggered counts removals / detections / publications (kept
    /// up to date as protocols trigger, so that a removal costs nothing once none does).
    watch_removals: bool,
    watch_detections: bool,
    watch_publications: bool,
    /// Some active protocol shares URLs.
    url_sharing: bool,
    /// Whether content c has been published on platform p, at `c * platforms + p`.
    reached: Vec<bool>,
    platforms: usize,
    /// The `views_factor` of the crisis posture applied on each platform (1 if none).
    views_factor: Vec<f64>,
}

impl Protocols {
    /// The protocols a run plays: `listed` (indices into the model's protocols, in the
    /// variant's order), or `neutral` alone (an exercise's players with no protocol).
    pub fn new(model: &Model, listed: &[usize], neutral: Option<Protocol>, manual: bool) -> Self {
        let platforms = model.platforms.len();
        let play = |protocol: Protocol, model_index: Option<usize>| {
            let mut members = vec![false; platforms];
            for &m in &protocol.members {
                members[m] = true;
            }
            if model_index.is_none() {
                // The neutral protocol's members are the protocol members.
                for (m, p) in members.iter_mut().zip(&model.platforms) {
                    *m = p.protocol_member;
                }
            }
            InPlay {
                members,
                model_index,
                state: ProtocolState::default(),
                notified: vec![false; platforms],
                counts: Counts {
                    removal_platforms: vec![false; platforms],
                    reached: vec![false; platforms],
                    ..Counts::default()
                },
                protocol,
            }
        };
        let mut in_play: Vec<InPlay> = listed
            .iter()
            .filter_map(|&i| model.protocols.get(i).map(|p| play(p.clone(), Some(i))))
            .collect();
        if in_play.is_empty()
            && let Some(p) = neutral
        {
            in_play.push(play(p, None));
        }
        let reaching = !manual
            && in_play
                .iter()
                .any(|p| p.protocol.activation.platforms_reached.is_some());
        let mut protocols = Protocols {
            watch_removals: false,
            watch_detections: false,
            watch_publications: false,
            url_sharing: false,
            reached: if reaching {
                vec![false; model.contents.len() * platforms]
            } else {
                Vec::new()
            },
            in_play,
            manual,
            crisis: vec![false; platforms],
            platforms,
            views_factor: vec![1.0; platforms],
        };
        protocols.refresh();
        protocols
    }

    /// Recompute what the protocols watch, after a change of phase.
    fn refresh(&mut self) {
        let waiting = |f: fn(&Activation) -> bool| {
            !self.manual
                && self
                    .in_play
                    .iter()
                    .any(|p| p.state.phase == ProtocolPhase::Inactive && f(&p.protocol.activation))
        };
        self.watch_removals = waiting(|a| a.confirmed_removals.is_some());
        self.watch_detections = waiting(|a| a.detections.is_some());
        self.watch_publications = waiting(|a| a.platforms_reached.is_some());
        self.url_sharing = self
            .in_play
            .iter()
            .any(|p| p.state.active() && p.protocol.url_sharing.is_some());
    }

    /// How many protocols are in play.
    pub fn len(&self) -> usize {
        self.in_play.len()
    }

    /// The protocol in play with this index into the model's protocols.
    pub fn slot_of(&self, model_index: usize) -> Option<u32> {
        self.in_play
            .iter()
            .position(|p| p.model_index == Some(model_index))
            .map(|k| k as u32)
    }

    /// A protocol's parameters.
    pub fn protocol(&self, k: u32) -> &Protocol {
        &self.in_play[k as usize].protocol
    }

    /// A protocol's phase and times.
    pub fn state(&self, k: u32) -> &ProtocolState {
        &self.in_play[k as usize].state
    }

    /// Whether platform `p` is a member of protocol `k`.
    pub fn is_member(&self, k: u32, platform: u32) -> bool {
        self.in_play[k as usize].members[platform as usize]
    }

    /// Protocol `k`'s membership, by platform.
    pub fn members(&self, k: u32) -> &[bool] {
        &self.in_play[k as usize].members
    }

    pub fn active(&self, k: u32) -> bool {
        self.in_play[k as usize].state.active()
    }

    /// Whether any protocol is active.
    pub fn any_active(&self) -> bool {
        self.in_play.iter().any(|p| p.state.active())
    }

    /// The earliest trigger by the rules (not the players) and the earliest activation.
    pub fn earliest(&self) -> (Option<Minutes>, Option<Minutes>) {
        let min = |f: fn(&ProtocolState) -> Option<Minutes>| {
            self.in_play
                .iter()
                .filter_map(|p| f(&p.state))
                .reduce(f64::min)
        };
        (min(|s| s.triggered_at), min(|s| s.activated_at))
    }

    /// One record per protocol in play, in order.
    pub fn outcomes(&self) -> impl Iterator<Item = ProtocolOutcome> + '_ {
        self.in_play.iter().map(|p| ProtocolOutcome {
            protocol: p.protocol.id.as_str().into(),
            triggered_min: p.state.triggered_at,
            activated_min: p.state.activated_at,
            deactivated_min: p.state.deactivated_at,
            trigger: p.state.trigger,
        })
    }

    /// Whether the event log names the protocol (when several are in play; with one, the
    /// lines read as they always have).
    fn named(&self, k: u32) -> Option<&str> {
        (self.in_play.len() > 1).then(|| self.in_play[k as usize].protocol.id.as_str())
    }

    /// Schedule every `or_at` trigger (not in an exercise).
    pub fn schedule_time_triggers<E: From<ProtocolEvent>>(&self, core: &mut Core<E>) {
        if self.manual {
            return;
        }
        for (k, p) in self.in_play.iter().enumerate() {
            if let Some(at) = p.protocol.activation.or_at {
                core.schedule(at, ProtocolEvent::Trigger { protocol: k as u32 });
            }
        }
    }

    /// After a removal of a copy of `content` on `platform`: has a removal count been
    /// reached?
    #[inline]
    pub fn after_removal<E: From<ProtocolEvent>>(
        &mut self,
        core: &mut Core<E>,
        platform: u32,
        content: u32,
    ) {
        if self.watch_removals {
            self.count_removal(core, platform, content);
        }
    }

    fn count_removal<E: From<ProtocolEvent>>(
        &mut self,
        core: &mut Core<E>,
        platform: u32,
        content: u32,
    ) {
        for k in 0..self.in_play.len() {
            let p = &mut self.in_play[k];
            let Some(needed) = p.protocol.activation.confirmed_removals else {
                continue;
            };
            if p.state.phase != ProtocolPhase::Inactive {
                continue;
            }
            let platforms = p.protocol.activation.platforms;
            let (removed, on) = if p.protocol.activation.content.is_some() {
                if !p.counts_content(content) {
                    continue;
                }
                let c = &mut p.counts;
                c.removed += 1;
                if !std::mem::replace(&mut c.removal_platforms[platform as usize], true) {
                    c.removal_platform_count += 1;
                }
                (c.removed, c.removal_platform_count)
            } else {
                (core.counts.removed, core.counts.platforms_with_removals)
            };
            if removed >= u64::from(needed) && on >= platforms {
                let detail = format!(
                    "{removed} removals on {on} platforms reached the trigger ({needed} on {platforms})"
                );
                self.trigger(core, k as u32, Trigger::ConfirmedRemovals, detail);
            }
        }
    }

    /// Whether a copy's first detection or find matters to a trigger.
    #[inline]
    pub fn watches_detections(&self) -> bool {
        self.watch_detections
    }

    /// A copy of `content` on `platform` was detected or found for the first time: has a
    /// detection count been reached?
    pub fn after_detection<E: From<ProtocolEvent>>(
        &mut self,
        core: &mut Core<E>,
        platform: u32,
        content: u32,
    ) {
        for k in 0..self.in_play.len() {
            let p = &mut self.in_play[k];
            let Some(needed) = p.protocol.activation.detections else {
                continue;
            };
            if p.state.phase != ProtocolPhase::Inactive
                || !p.members[platform as usize]
                || !p.counts_content(content)
            {
                continue;
            }
            p.counts.detected += 1;
            let n = p.counts.detected;
            if n >= u64::from(needed) {
                let detail = format!(
                    "{n} copies detected or found on member platforms reached the trigger ({needed})"
                );
                self.trigger(core, k as u32, Trigger::Detections, detail);
            }
        }
    }

    /// Whether publications matter to a trigger.
    #[inline]
    pub fn watches_publications(&self) -> bool {
        self.watch_publications
    }

    /// A copy of `content` was published on `platform`: has a platforms-reached count
    /// been reached?
    pub fn after_publication<E: From<ProtocolEvent>>(
        &mut self,
        core: &mut Core<E>,
        platform: u32,
        content: u32,
    ) {
        let i = content as usize * self.platforms + platform as usize;
        if std::mem::replace(&mut self.reached[i], true) {
            return;
        }
        for k in 0..self.in_play.len() {
            let p = &mut self.in_play[k];
            let Some(needed) = p.protocol.activation.platforms_reached else {
                continue;
            };
            if p.state.phase != ProtocolPhase::Inactive || !p.counts_content(content) {
                continue;
            }
            let c = &mut p.counts;
            if std::mem::replace(&mut c.reached[platform as usize], true) {
                continue;
            }
            c.reached_count += 1;
            let n = c.reached_count;
            if n >= needed {
                let detail =
                    format!("the content has reached {n} platforms, the trigger ({needed})");
                self.trigger(core, k as u32, Trigger::PlatformsReached, detail);
            }
        }
    }

    /// Protocol `k` has activated: the protocols chained `after` it trigger (not in an
    /// exercise).
    pub fn after_activation<E: From<ProtocolEvent>>(&mut self, core: &mut Core<E>, k: u32) {
        if self.manual {
            return;
        }
        let Some(index) = self.in_play[k as usize].model_index else {
            return;
        };
        let id = self.in_play[k as usize].protocol.id.clone();
        for j in 0..self.in_play.len() {
            let p = &self.in_play[j];
            if p.protocol.activation.after == Some(index)
                && p.state.phase == ProtocolPhase::Inactive
            {
                self.trigger(core, j as u32, Trigger::After, format!("{id} activated"));
            }
        }
    }

    /// The `or_at` time trigger; false if the protocol had triggered already.
    pub fn time_trigger<E: From<ProtocolEvent>>(&mut self, core: &mut Core<E>, k: u32) -> bool {
        if self.in_play[k as usize].state.phase != ProtocolPhase::Inactive {
            return false;
        }
        let why = "the scheduled trigger time was reached".to_string();
        self.trigger(core, k, Trigger::OrAt, why);
        true
    }

    fn trigger<E: From<ProtocolEvent>>(
        &mut self,
        core: &mut Core<E>,
        k: u32,
        trigger: Trigger,
        why: String,
    ) {
        let now = core.now;
        let p = &mut self.in_play[k as usize];
        let decision = p.protocol.activation.decision_time;
        p.state.phase = ProtocolPhase::Triggered;
        p.state.triggered_at = Some(now);
        p.state.trigger = Some(trigger);
        core.schedule(now + decision, ProtocolEvent::Activate { protocol: k });
        let id = &p.protocol.id;
        core.log(EventKind::ProtocolTriggered, None, None, |_| {
            format!("protocol {id} triggered: {why}; decision in {decision:.0} min")
        });
        self.refresh();
    }

    /// Protocol `k` becomes active, and (not in an exercise) schedules the notification
    /// of its members. False if it was active already or has stood down. The dispatch
    /// then recomputes the authorities' boost, [`Protocols::schedule_quiet_check`]s and
    /// fires the protocols chained after it.
    pub fn activate<E: From<ProtocolEvent>>(&mut self, core: &mut Core<E>, k: u32) -> bool {
        let manual = self.manual;
        let p = &mut self.in_play[k as usize];
        if matches!(
            p.state.phase,
            ProtocolPhase::Active | ProtocolPhase::Deactivated
        ) {
            return false;
        }
        let now = core.now;
        if manual {
            // In an exercise the players' decision is the trigger.
            p.state.trigger = Some(Trigger::Players);
        }
        p.state.phase = ProtocolPhase::Active;
        p.state.activated_at = Some(now);
        let id = &p.protocol.id;
        core.log(EventKind::ProtocolActivated, None, None, |_| {
            format!("protocol {id} active")
        });
        // In an exercise, the players decide whom to notify.
        if !manual {
            for (m, &member) in p.members.iter().enumerate() {
                if member {
                    core.schedule(
                        now + p.protocol.notify_time,
                        ProtocolEvent::Notify {
                            platform: m as u32,
                            protocol: k,
                        },
                    );
                }
            }
        }
        self.refresh();
        true
    }

    /// The multiplier of an authority's analysts: the largest boost among the active
    /// protocols with a platform it monitors as a member (1 if none).
    pub fn analyst_boost(&self, monitors: &[usize]) -> f64 {
        self.in_play
            .iter()
            .filter(|p| p.state.active() && monitors.iter().any(|&m| p.members[m]))
            .map(|p| p.protocol.authority_boost)
            .reduce(f64::max)
            .unwrap_or(1.0)
    }

    /// The multiplier of finds on a platform: the largest boost among the active
    /// protocols it is a member of (1 if none).
    pub fn finds_boost(&self, platform: u32) -> f64 {
        self.in_play
            .iter()
            .filter(|p| p.state.active() && p.members[platform as usize])
            .map(|p| p.protocol.authority_boost)
            .reduce(f64::max)
            .unwrap_or(1.0)
    }

    /// Schedule protocol `k`'s first deactivation check, if it stands down when quiet.
    pub fn schedule_quiet_check<E: From<ProtocolEvent>>(&self, core: &mut Core<E>, k: u32) {
        if let Some(quiet) = self.in_play[k as usize].protocol.deactivation_quiet_for {
            let last = core.counts.last_publish;
            core.schedule(
                last.max(core.now) + quiet,
                ProtocolEvent::QuietCheck { protocol: k },
            );
        }
    }

    /// Schedule the notification of member platforms under protocol `k` (the players'
    /// decision, in an exercise) after its notify time; returns the delay.
    pub fn schedule_notify<E: From<ProtocolEvent>>(
        &self,
        core: &mut Core<E>,
        k: u32,
        platforms: &[usize],
    ) -> Minutes {
        let delay = self.in_play[k as usize].protocol.notify_time;
        let now = core.now;
        for &p in platforms {
            core.schedule(
                now + delay,
                ProtocolEvent::Notify {
                    platform: p as u32,
                    protocol: k,
                },
            );
        }
        delay
    }

    /// A member platform is notified under protocol `k`: it is in crisis posture from now
    /// on, unless another protocol has put it there already.
    pub fn notify<E>(&mut self, core: &mut Core<E>, platform: u32, k: u32) -> Notified {
        let name = self.named(k).map(|id| format!(" {id}"));
        let under = name.as_deref().unwrap_or("");
        let (manual, p) = (self.manual, platform as usize);
        if !self.in_play[k as usize].state.active() && !manual {
            return Notified::Stale;
        }
        let by_another = self
            .in_play
            .iter()
            .enumerate()
            .any(|(j, q)| j != k as usize && q.notified[p]);
        self.in_play[k as usize].notified[p] = true;
        if by_another && self.crisis[p] {
            core.log(EventKind::PlatformNotified, Some(platform), None, |_| {
                format!("notified under protocol{under}: crisis posture already applies")
            });
            return Notified::Applied;
        }
        self.crisis[p] = true;
        let the = if name.is_some() { "" } else { " the" };
        let Some(posture) = core.model.platforms[p].crisis_posture.clone() else {
            core.log(EventKind::PlatformNotified, Some(platform), None, |_| {
                format!("notified under{the} protocol{under} (no crisis posture defined)")
            });
            return Notified::NoPosture;
        };
        core.log(EventKind::PlatformNotified, Some(platform), None, |_| {
            format!("notified under{the} protocol{under}: crisis posture applies")
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

    /// The attention factor of the posture applied on a platform (1 if none).
    pub fn views_factor(&self, platform: u32) -> f64 {
        self.views_factor[platform as usize]
    }

    /// Record the attention factor of the posture applied on a platform; returns the
    /// one it replaces.
    pub fn set_views_factor(&mut self, platform: u32, factor: f64) -> f64 {
        std::mem::replace(&mut self.views_factor[platform as usize], factor)
    }

    /// Protocol `k` stands down on `platform` (a member): whether the platform's
    /// posture ends, that is, no other active protocol has notified it.
    pub fn posture_ends(&mut self, k: u32, platform: u32) -> bool {
        let p = platform as usize;
        self.in_play[k as usize].notified[p] = false;
        !self
            .in_play
            .iter()
            .any(|q| q.state.active() && q.notified[p])
    }

    /// Move a platform's reviewers from `from` to `to` linearly over `ramp`, one reviewer
    /// at a time (at once if either is unlimited or the ramp is 0); a change of more than
    /// [`MAX_RAMP_STEPS`] reviewers moves in that many equal steps. The steps apply while
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
                // One reviewer at a time; a larger change in MAX_RAMP_STEPS equal steps,
                // so that a ramp costs no memory per reviewer.
                let diff = a.abs_diff(b);
                let steps = diff.min(MAX_RAMP_STEPS);
                for k in 1..=steps {
                    let moved = (u64::from(diff) * u64::from(k) / u64::from(steps)) as u32;
                    let n = if b > a { a + moved } else { a - moved };
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

    /// Is it time for protocol `k` to stand down? True if so (the dispatch then
    /// [`Protocols::deactivate`]s it); otherwise the next check is scheduled.
    pub fn quiet_check<E: From<ProtocolEvent>>(&self, core: &mut Core<E>, k: u32) -> bool {
        let p = &self.in_play[k as usize];
        let Some(quiet) = p.protocol.deactivation_quiet_for else {
            return false;
        };
        if !p.state.active() {
            return false;
        }
        let last = core.counts.last_publish;
        // Tolerance for the sum last + quiet rounding below now.
        if core.now - last + 1e-9 >= quiet {
            true
        } else {
            core.schedule(last + quiet, ProtocolEvent::QuietCheck { protocol: k });
            false
        }
    }

    /// End protocol `k`. Its members return to normal posture (unless another active
    /// protocol has notified them) and authorities to the strength the active protocols
    /// give them: the dispatch does that, platform by platform, with
    /// [`Protocols::posture_ends`].
    pub fn deactivate<E>(&mut self, core: &mut Core<E>, k: u32) {
        let now = core.now;
        let p = &mut self.in_play[k as usize];
        p.state.phase = ProtocolPhase::Deactivated;
        p.state.deactivated_at = Some(now);
        let id = &p.protocol.id;
        core.log(EventKind::ProtocolDeactivated, None, None, |_| {
            format!("protocol {id} deactivated: no copy published for a while")
        });
        self.refresh();
    }

    /// The faster deliveries of a submission by `platform` to the shared database: one
    /// per active protocol it is a member of whose `hash_sharing_delay` is shorter than
    /// the database's `normal` delay, as (protocol, delay). Each reaches that protocol's
    /// members; a receiver member of several gets the earliest.
    pub fn crisis_deliveries(
        &self,
        platform: u32,
        normal: Minutes,
    ) -> impl Iterator<Item = (u32, Minutes)> + '_ {
        self.in_play
            .iter()
            .enumerate()
            .filter(move |(_, p)| p.state.active() && p.members[platform as usize])
            .filter_map(move |(k, p)| {
                p.protocol
                    .hash_sharing_delay
                    .filter(|&d| d < normal)
                    .map(|d| (k as u32, d))
            })
    }

    /// A copy removed on `platform`: each active protocol with URL sharing that has the
    /// platform as a member refers the copy's live parent and children on its other
    /// member platforms, and the live posts on its member platforms that link to the
    /// copy (in `children` too), after its URL-sharing delay.
    #[inline]
    pub fn share_urls<E: From<ProtocolEvent>>(
        &self,
        core: &mut Core<E>,
        stores: (&CopyStore, &PostStore),
        platform: u32,
        parent: Option<CopyId>,
        children: &[CopyId],
    ) {
        if self.url_sharing {
            self.refer_relatives(core, stores, platform, parent, children);
        }
    }

    fn refer_relatives<E: From<ProtocolEvent>>(
        &self,
        core: &mut Core<E>,
        (copies, posts): (&CopyStore, &PostStore),
        platform: u32,
        parent: Option<CopyId>,
        children: &[CopyId],
    ) {
        let now = core.now;
        for p in &self.in_play {
            let Some(delay) = p.protocol.url_sharing else {
                continue;
            };
            if !p.state.active() || !p.members[platform as usize] {
                continue;
            }
            for &relative in parent.iter().chain(children) {
                let target = if relative.is_post() {
                    match posts.get(relative) {
                        Some(post) => post.platform,
                        None => continue,
                    }
                } else {
                    match copies.get(relative) {
                        Some(c) if c.platform != platform => c.platform,
                        _ => continue,
                    }
                };
                if p.members[target as usize] {
                    core.queue.schedule(
                        now + delay,
                        ProtocolEvent::UrlShare { copy: relative }.into(),
                    );
                }
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
    use crate::engine::core::test_core;

    const SCENARIO: &str = r#"
name: ramp test
horizon: 24h
platforms:
  - id: a
    name: A
    protocol_member: true
    views_per_hour: 1
    attention_half_life: 1h
    review: {reviewers: 2, time: 10m}
    crisis_posture: {reviewers: 6, ramp: 2h}
content:
  - {id: clip, origin: {platform: a, at: 0m}}
protocols:
  ecp:
    activation: {confirmed_removals: 3, platforms: 1, decision_time: 1h}
variants:
  - {name: ecp, protocol: ecp}
"#;

    fn ramp(from: u32, to: u32) -> Vec<(Minutes, Capacity)> {
        let mut core = test_core::<ProtocolEvent>(SCENARIO);
        let p = Protocols::new(&core.model.clone(), &[0], None, false);
        core.now = 90.0;
        p.ramp_reviewers(
            &mut core,
            0,
            Capacity::Limited(from),
            Capacity::Limited(to),
            120.0,
        );
        std::iter::from_fn(|| core.queue.pop())
            .map(|(at, e)| match e {
                ProtocolEvent::RampStep { reviewers, .. } => (at, reviewers),
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_ramp_moves_one_reviewer_at_a_time_evenly_over_its_length() {
        let want: Vec<(Minutes, Capacity)> = (3..=6)
            .map(|n| {
                let at = 90.0 + 120.0 * f64::from(n - 2) / 4.0;
                (at, Capacity::Limited(n))
            })
            .collect();
        assert_eq!(ramp(2, 6), want);
        let down = ramp(6, 2);
        assert_eq!(down.last(), Some(&(210.0, Capacity::Limited(2))));
        assert_eq!(down.len(), 4);
    }

    #[test]
    fn a_huge_ramp_takes_a_bounded_number_of_steps_and_ends_on_its_target() {
        // Issue #14: a surge to 10^9 reviewers scheduled one event per reviewer (24 GB).
        for (from, to) in [(5, 1_000_000_000), (4_000_000_000, 15), (0, 1025)] {
            let steps = ramp(from, to);
            assert_eq!(steps.len(), MAX_RAMP_STEPS as usize, "{from} -> {to}");
            assert_eq!(steps.last(), Some(&(210.0, Capacity::Limited(to))));
            // Monotone, and evenly spaced in time.
            let n = |c: &Capacity| match c {
                Capacity::Limited(n) => *n,
                Capacity::Unlimited => unreachable!(),
            };
            for w in steps.windows(2) {
                assert!(w[0].0 < w[1].0);
                assert!((n(&w[0].1) < n(&w[1].1)) == (to > from));
            }
        }
    }
}

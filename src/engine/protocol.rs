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

use super::copy::CopyStore;
use super::core::Core;
use super::posts::PostStore;
use super::store::CopyId;

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

    // ---- Several protocols (contract part II, section 16) ----

    /// Platforms a and b are `protocol_member`s, c is not; a has a crisis posture.
    /// Each test plays some of these protocols, by id.
    const PROTOCOLS: &str = r#"
name: protocols test
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
  - {id: clip, kind: video, origin: {platform: a, at: 0m}}
  - {id: other, kind: video, origin: {platform: c, at: 0m}}
protocols:
  ecp:
    activation: {confirmed_removals: 3, platforms: 2, decision_time: 1h}
    notify_time: 30m
    hash_sharing_delay: 30m
    url_sharing: 10m
    authority_boost: 2.0
    deactivation: {quiet_for: 6h}
  gifct:
    members: [a, c]
    activation: {detections: 2, content: [clip], decision_time: 1h30m}
    notify_time: 10m
    hash_sharing_delay: 15m
    url_sharing: 5m
    authority_boost: 3.0
    deactivation: {quiet_for: 2h}
  chained:
    members: [b, c]
    activation: {after: gifct, decision_time: 1h}
    hash_sharing_delay: 8h
    authority_boost: 1.5
  clip-removals:
    activation: {confirmed_removals: 2, platforms: 2, content: [clip], decision_time: 20m}
  any-detection:
    activation: {detections: 1, decision_time: 0m}
  reach-any:
    activation: {platforms_reached: 2, decision_time: 0m}
  reach-clip:
    activation: {platforms_reached: 2, content: [clip], decision_time: 5m}
  timed:
    activation: {or_at: 3h, decision_time: 15m}
variants:
  - {name: all, protocol: [ecp, gifct, chained]}
"#;

    const A: u32 = 0;
    const B: u32 = 1;
    const C: u32 = 2;
    const CLIP: u32 = 0;
    const OTHER: u32 = 1;
    const NORMAL: Minutes = 360.0;

    /// The protocols with these ids in play, in this order (slot k is `ids[k]`).
    fn play(ids: &[&str]) -> (Core<ProtocolEvent>, Protocols) {
        let core = test_core::<ProtocolEvent>(PROTOCOLS);
        let listed: Vec<usize> = ids
            .iter()
            .map(|id| {
                core.model
                    .protocols
                    .iter()
                    .position(|p| p.id == *id)
                    .expect("a protocol of the test scenario")
            })
            .collect();
        let p = Protocols::new(&core.model.clone(), &listed, None, false);
        assert_eq!(p.len(), ids.len());
        (core, p)
    }

    fn drain(core: &mut Core<ProtocolEvent>) -> Vec<(Minutes, ProtocolEvent)> {
        std::iter::from_fn(|| core.queue.pop()).collect()
    }

    fn phase(p: &Protocols, k: u32) -> ProtocolPhase {
        p.state(k).phase
    }

    /// Activate protocol `k` now as the dispatch does (its chained protocols trigger),
    /// dropping what that schedules.
    fn activate_now(core: &mut Core<ProtocolEvent>, p: &mut Protocols, k: u32) {
        assert!(p.activate(core, k));
        p.after_activation(core, k);
        drain(core);
    }

    /// Handle the protocols' own events in time order as the dispatch does (without the
    /// other mechanisms); returns what was handled.
    fn run(core: &mut Core<ProtocolEvent>, p: &mut Protocols) -> Vec<(Minutes, ProtocolEvent)> {
        let mut handled = Vec::new();
        while let Some((t, e)) = core.queue.pop() {
            core.now = t;
            handled.push((t, e));
            match e {
                ProtocolEvent::Trigger { protocol } => {
                    p.time_trigger(core, protocol);
                }
                ProtocolEvent::Activate { protocol } => {
                    if p.activate(core, protocol) {
                        p.schedule_quiet_check(core, protocol);
                        p.after_activation(core, protocol);
                    }
                }
                ProtocolEvent::Notify { platform, protocol } => {
                    p.notify(core, platform, protocol);
                }
                ProtocolEvent::QuietCheck { protocol } => {
                    if p.quiet_check(core, protocol) {
                        p.deactivate(core, protocol);
                        for m in 0..3 {
                            if p.is_member(protocol, m) && p.posture_ends(protocol, m) {
                                p.set_crisis(m, false);
                            }
                        }
                    }
                }
                ProtocolEvent::RampStep { .. } | ProtocolEvent::UrlShare { .. } => {}
            }
        }
        handled
    }

    #[test]
    fn a_count_trigger_needs_enough_removals_on_enough_platforms_and_fires_once() {
        let (mut core, mut p) = play(&["ecp"]);
        assert!(p.watch_removals);
        // Without `content` the run's counts decide (the copies keep them).
        core.counts.removed = 5;
        core.counts.platforms_with_removals = 1;
        p.after_removal(&mut core, A, CLIP);
        assert_eq!(phase(&p, 0), ProtocolPhase::Inactive);
        core.now = 40.0;
        core.counts.removed = 6;
        core.counts.platforms_with_removals = 2;
        p.after_removal(&mut core, C, OTHER);
        assert_eq!(phase(&p, 0), ProtocolPhase::Triggered);
        assert_eq!(p.state(0).triggered_at, Some(40.0));
        assert_eq!(p.state(0).trigger, Some(Trigger::ConfirmedRemovals));
        assert_eq!(
            drain(&mut core),
            vec![(100.0, ProtocolEvent::Activate { protocol: 0 })]
        );
        assert!(!p.watch_removals, "no protocol counts removals any more");
        // Triggered once only: neither more removals nor the time trigger fire again.
        core.now = 50.0;
        core.counts.removed = 7;
        p.after_removal(&mut core, A, CLIP);
        p.count_removal(&mut core, A, CLIP);
        assert!(!p.time_trigger(&mut core, 0));
        assert!(core.queue.is_empty());
        assert_eq!(p.state(0).triggered_at, Some(40.0));
        core.now = 100.0;
        assert!(p.activate(&mut core, 0));
        assert_eq!(p.state(0).activated_at, Some(100.0));
    }

    #[test]
    fn a_count_trigger_with_content_counts_that_contents_removals_on_their_platforms() {
        let (mut core, mut p) = play(&["clip-removals"]);
        // The run's counts do not matter with `content`.
        core.counts.removed = 100;
        core.counts.platforms_with_removals = 3;
        p.after_removal(&mut core, B, OTHER);
        p.after_removal(&mut core, C, OTHER);
        p.after_removal(&mut core, A, CLIP);
        p.after_removal(&mut core, A, CLIP);
        assert_eq!(
            phase(&p, 0),
            ProtocolPhase::Inactive,
            "two removals on one platform"
        );
        core.now = 70.0;
        p.after_removal(&mut core, C, CLIP);
        assert_eq!(phase(&p, 0), ProtocolPhase::Triggered);
        assert_eq!(p.state(0).triggered_at, Some(70.0));
        assert_eq!(
            drain(&mut core),
            vec![(90.0, ProtocolEvent::Activate { protocol: 0 })]
        );
    }

    #[test]
    fn a_detections_trigger_with_content_counts_its_copies_on_members_only() {
        // gifct: members a and c, two detections of clip.
        let (mut core, mut p) = play(&["gifct"]);
        assert!(p.watches_detections());
        assert!(!p.watches_publications());
        p.after_detection(&mut core, B, CLIP); // not a member
        p.after_detection(&mut core, A, OTHER); // not its content
        p.after_detection(&mut core, C, OTHER);
        assert_eq!(p.in_play[0].counts.detected, 0);
        core.now = 10.0;
        p.after_detection(&mut core, A, CLIP);
        assert_eq!(phase(&p, 0), ProtocolPhase::Inactive);
        assert!(core.queue.is_empty());
        core.now = 30.0;
        p.after_detection(&mut core, C, CLIP);
        assert_eq!(phase(&p, 0), ProtocolPhase::Triggered);
        assert_eq!(p.state(0).triggered_at, Some(30.0));
        assert_eq!(p.state(0).trigger, Some(Trigger::Detections));
        assert_eq!(
            drain(&mut core),
            vec![(120.0, ProtocolEvent::Activate { protocol: 0 })]
        );
        assert!(
            !p.watches_detections(),
            "nothing counts detections any more"
        );
        // Counted no further once triggered.
        p.after_detection(&mut core, A, CLIP);
        assert_eq!(p.in_play[0].counts.detected, 2);
        assert!(core.queue.is_empty());
    }

    #[test]
    fn a_detections_trigger_without_content_counts_any_content_on_members() {
        // any-detection: the protocol_member platforms a and b, one detection.
        let (mut core, mut p) = play(&["any-detection"]);
        p.after_detection(&mut core, C, CLIP);
        assert_eq!(phase(&p, 0), ProtocolPhase::Inactive, "c is not a member");
        core.now = 45.0;
        p.after_detection(&mut core, B, OTHER);
        assert_eq!(p.state(0).triggered_at, Some(45.0));
        assert_eq!(p.state(0).trigger, Some(Trigger::Detections));
        assert_eq!(
            drain(&mut core),
            vec![(45.0, ProtocolEvent::Activate { protocol: 0 })]
        );
    }

    #[test]
    fn platforms_reached_counts_distinct_platforms_with_and_without_content() {
        // reach-any: 2 platforms by any content; reach-clip: 2 platforms by clip. Members
        // or not (c is no member of either).
        let (mut core, mut p) = play(&["reach-any", "reach-clip"]);
        assert!(p.watches_publications());
        assert!(!p.watches_detections());
        p.after_publication(&mut core, A, CLIP);
        p.after_publication(&mut core, A, CLIP);
        p.after_publication(&mut core, A, OTHER);
        assert_eq!(phase(&p, 0), ProtocolPhase::Inactive, "one platform so far");
        assert_eq!(phase(&p, 1), ProtocolPhase::Inactive);
        core.now = 20.0;
        p.after_publication(&mut core, C, OTHER);
        assert_eq!(phase(&p, 0), ProtocolPhase::Triggered);
        assert_eq!(p.state(0).trigger, Some(Trigger::PlatformsReached));
        assert_eq!(phase(&p, 1), ProtocolPhase::Inactive, "other is not clip");
        assert!(p.watches_publications(), "reach-clip still counts");
        core.now = 50.0;
        p.after_publication(&mut core, C, CLIP);
        assert_eq!(phase(&p, 1), ProtocolPhase::Triggered);
        assert_eq!(p.state(1).triggered_at, Some(50.0));
        assert_eq!(p.state(1).trigger, Some(Trigger::PlatformsReached));
        assert!(!p.watches_publications());
        assert_eq!(
            drain(&mut core),
            vec![
                (20.0, ProtocolEvent::Activate { protocol: 0 }),
                (55.0, ProtocolEvent::Activate { protocol: 1 })
            ]
        );
    }

    #[test]
    fn a_platforms_reached_trigger_with_several_contents_counts_their_union() {
        let core = test_core::<ProtocolEvent>(PROTOCOLS);
        let mut protocol = core.model.protocols[0].clone();
        protocol.id = "reach-both".into();
        protocol.activation = Activation {
            confirmed_removals: None,
            platforms_reached: Some(3),
            content: Some(vec![0, 1]),
            ..protocol.activation
        };
        let mut model = (*core.model).clone();
        model.protocols = vec![protocol];
        let mut p = Protocols::new(&model, &[0], None, false);
        let mut core = core;
        p.after_publication(&mut core, A, CLIP);
        p.after_publication(&mut core, B, CLIP);
        p.after_publication(&mut core, A, OTHER);
        p.after_publication(&mut core, B, OTHER);
        assert_eq!(
            phase(&p, 0),
            ProtocolPhase::Inactive,
            "a and b: two platforms"
        );
        core.now = 15.0;
        p.after_publication(&mut core, C, OTHER);
        assert_eq!(p.state(0).triggered_at, Some(15.0));
        assert_eq!(p.state(0).trigger, Some(Trigger::PlatformsReached));
    }

    #[test]
    fn after_triggers_a_protocol_when_the_one_it_names_activates() {
        // chained: after gifct, members b and c, decided in 1h.
        let (mut core, mut p) = play(&["gifct", "chained"]);
        assert!(!p.watch_removals && p.watches_detections() && !p.watches_publications());
        core.now = 100.0;
        assert!(p.activate(&mut core, 0));
        assert_eq!(
            phase(&p, 1),
            ProtocolPhase::Inactive,
            "after the activation only"
        );
        p.after_activation(&mut core, 0);
        assert_eq!(phase(&p, 1), ProtocolPhase::Triggered);
        assert_eq!(p.state(1).triggered_at, Some(100.0));
        assert_eq!(p.state(1).trigger, Some(Trigger::After));
        let mut events = drain(&mut core);
        events.sort_by(|x, y| x.0.total_cmp(&y.0));
        assert_eq!(
            events,
            vec![
                (
                    110.0,
                    ProtocolEvent::Notify {
                        platform: A,
                        protocol: 0
                    }
                ),
                (
                    110.0,
                    ProtocolEvent::Notify {
                        platform: C,
                        protocol: 0
                    }
                ),
                (160.0, ProtocolEvent::Activate { protocol: 1 })
            ]
        );
        // Once: a second activation does nothing.
        assert!(!p.activate(&mut core, 0));
        p.after_activation(&mut core, 0);
        assert!(core.queue.is_empty());
        assert_eq!(p.state(1).triggered_at, Some(100.0));
    }

    #[test]
    fn an_after_naming_a_protocol_not_in_play_never_fires() {
        // chained names gifct, which this variant does not list.
        let (mut core, mut p) = play(&["ecp", "chained"]);
        assert_eq!(p.slot_of(1), None);
        assert!(!p.watches_detections());
        activate_now(&mut core, &mut p, 0);
        assert_eq!(phase(&p, 1), ProtocolPhase::Inactive);
        p.schedule_time_triggers(&mut core);
        assert!(core.queue.is_empty(), "no or_at either");
        let rows: Vec<ProtocolOutcome> = p.outcomes().collect();
        assert_eq!(&*rows[1].protocol, "chained");
        assert_eq!(
            (
                rows[1].triggered_min,
                rows[1].activated_min,
                rows[1].trigger
            ),
            (None, None, None)
        );
    }

    #[test]
    fn activation_notifies_its_members_only_and_the_posture_ramps() {
        let (mut core, mut p) = play(&["ecp"]);
        assert_eq!(p.notify(&mut core, A, 0), Notified::Stale, "not active yet");
        assert!(!p.in_crisis(A));
        core.now = 60.0;
        assert!(p.activate(&mut core, 0));
        assert!(!p.activate(&mut core, 0), "active already");
        assert!(p.any_active());
        assert_eq!(
            drain(&mut core),
            vec![
                (
                    90.0,
                    ProtocolEvent::Notify {
                        platform: A,
                        protocol: 0
                    }
                ),
                (
                    90.0,
                    ProtocolEvent::Notify {
                        platform: B,
                        protocol: 0
                    }
                )
            ]
        );
        core.now = 90.0;
        let Notified::Posture(posture) = p.notify(&mut core, A, 0) else {
            panic!("a has a crisis posture")
        };
        assert!(p.in_crisis(A));
        assert_eq!(p.notify(&mut core, B, 0), Notified::NoPosture);
        assert!(p.in_crisis(B));
        assert!(!p.in_crisis(C));
        let to = posture.reviewers.unwrap();
        assert_eq!(to, Capacity::Limited(6));
        p.ramp_reviewers(&mut core, A, Capacity::Limited(2), to, posture.ramp);
        let want: Vec<(Minutes, ProtocolEvent)> = (3..=6)
            .map(|n| {
                let at = 90.0 + 120.0 * f64::from(n - 2) / 4.0;
                let reviewers = Capacity::Limited(n);
                (
                    at,
                    ProtocolEvent::RampStep {
                        platform: A,
                        reviewers,
                    },
                )
            })
            .collect();
        assert_eq!(drain(&mut core), want);
        // Stood down: no activation again, and a late notification is stale.
        p.deactivate(&mut core, 0);
        assert!(!p.activate(&mut core, 0));
        assert_eq!(p.notify(&mut core, A, 0), Notified::Stale);
        assert!(core.queue.is_empty());
    }

    #[test]
    fn a_second_protocol_does_not_apply_the_posture_again_and_it_ends_with_the_last() {
        // a is a member of both; b of ecp only; c of gifct only.
        let (mut core, mut p) = play(&["ecp", "gifct"]);
        activate_now(&mut core, &mut p, 0);
        activate_now(&mut core, &mut p, 1);
        assert!(matches!(p.notify(&mut core, A, 1), Notified::Posture(_)));
        assert_eq!(p.notify(&mut core, A, 0), Notified::Applied);
        assert_eq!(p.notify(&mut core, B, 0), Notified::NoPosture);
        assert_eq!(p.notify(&mut core, C, 1), Notified::NoPosture);
        let notified: Vec<&str> = core
            .log
            .records
            .iter()
            .filter(|r| r.kind == EventKind::PlatformNotified)
            .map(|r| r.detail.as_str())
            .collect();
        assert_eq!(
            notified,
            vec![
                "notified under protocol gifct: crisis posture applies",
                "notified under protocol ecp: crisis posture already applies",
                "notified under protocol ecp (no crisis posture defined)",
                "notified under protocol gifct (no crisis posture defined)",
            ]
        );
        // gifct stands down: a stays in posture (ecp notified it and is active), c not.
        p.deactivate(&mut core, 1);
        assert!(!p.posture_ends(1, A));
        assert!(p.posture_ends(1, C));
        // ecp stands down: the posture ends on a and b.
        p.deactivate(&mut core, 0);
        assert!(p.posture_ends(0, A));
        assert!(p.posture_ends(0, B));
    }

    #[test]
    fn an_active_protocol_that_has_not_notified_yet_does_not_keep_the_posture() {
        let (mut core, mut p) = play(&["ecp", "gifct"]);
        activate_now(&mut core, &mut p, 0);
        activate_now(&mut core, &mut p, 1);
        assert!(matches!(p.notify(&mut core, A, 0), Notified::Posture(_)));
        p.deactivate(&mut core, 0);
        assert!(
            p.posture_ends(0, A),
            "gifct is active but has not notified a"
        );
        assert!(p.set_crisis(A, false));
        // gifct's notification arrives later: the posture applies again.
        assert!(matches!(p.notify(&mut core, A, 1), Notified::Posture(_)));
        assert!(p.in_crisis(A));
    }

    /// The delay of a submission by `from` reaching `to`, as the hash lists combine the
    /// protocols' crisis deliveries: the smallest among those having `to` as a member.
    fn hash_delay(p: &Protocols, from: u32, to: u32) -> Minutes {
        p.crisis_deliveries(from, NORMAL)
            .filter(|&(k, _)| p.is_member(k, to))
            .map(|(_, d)| d)
            .fold(NORMAL, f64::min)
    }

    #[test]
    fn the_crisis_hash_delay_is_the_smallest_among_active_protocols_with_both_members() {
        // ecp (a, b) 30m; gifct (a, c) 15m; chained (b, c) 8h, longer than the normal 6h.
        let (mut core, mut p) = play(&["ecp", "gifct", "chained"]);
        for from in [A, B, C] {
            assert_eq!(p.crisis_deliveries(from, NORMAL).count(), 0, "none active");
        }
        activate_now(&mut core, &mut p, 0);
        assert_eq!(
            p.crisis_deliveries(A, NORMAL).collect::<Vec<_>>(),
            [(0, 30.0)]
        );
        assert_eq!(p.crisis_deliveries(C, NORMAL).count(), 0, "c is no member");
        assert_eq!(hash_delay(&p, A, B), 30.0);
        assert_eq!(hash_delay(&p, A, C), NORMAL);
        // gifct activates, and chained after it.
        activate_now(&mut core, &mut p, 1);
        assert_eq!(phase(&p, 2), ProtocolPhase::Triggered);
        core.now = 200.0;
        activate_now(&mut core, &mut p, 2);
        assert_eq!(
            p.crisis_deliveries(A, NORMAL).collect::<Vec<_>>(),
            [(0, 30.0), (1, 15.0)]
        );
        assert_eq!(hash_delay(&p, A, B), 30.0);
        assert_eq!(hash_delay(&p, A, C), 15.0);
        assert_eq!(hash_delay(&p, C, A), 15.0);
        assert_eq!(
            hash_delay(&p, B, C),
            NORMAL,
            "only chained has both: 8h > 6h"
        );
        assert_eq!(
            p.crisis_deliveries(B, NORMAL).collect::<Vec<_>>(),
            [(0, 30.0)]
        );
        // Recomputed as they stand down.
        p.deactivate(&mut core, 1);
        assert_eq!(hash_delay(&p, A, C), NORMAL);
        assert_eq!(hash_delay(&p, A, B), 30.0);
        core.now = 300.0;
        p.deactivate(&mut core, 0);
        assert_eq!(p.state(0).deactivated_at, Some(300.0));
        for from in [A, B, C] {
            assert_eq!(p.crisis_deliveries(from, NORMAL).count(), 0);
        }
        assert!(p.any_active(), "chained is still active");
    }

    fn post_on(platform: u32, copy: CopyId, number: u64) -> crate::engine::posts::Post {
        use rand::SeedableRng;
        crate::engine::posts::Post {
            pending: crate::engine::copy::Pending::default(),
            life: 0,
            platform,
            link: 0,
            number,
            copy,
            ident: (1, 0, 0),
            linked: true,
            since: 0.0,
            view_rate: 0.0,
            views: 0.0,
            clicks: 0.0,
            click_through: 0.05,
            detection: crate::engine::rng::Stream::seed_from_u64(number),
            review: crate::engine::rng::Stream::seed_from_u64(number + 1),
        }
    }

    /// URL-sharing referrals scheduled, by time then slot.
    fn referrals(core: &mut Core<ProtocolEvent>) -> Vec<(Minutes, CopyId)> {
        let mut out: Vec<(Minutes, CopyId)> = drain(core)
            .into_iter()
            .map(|(t, e)| match e {
                ProtocolEvent::UrlShare { copy } => (t, copy),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        out.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.slot().cmp(&y.1.slot())));
        out
    }

    #[test]
    fn url_sharing_refers_live_relatives_on_other_members_once_per_protocol_while_active() {
        // ecp: a and b, after 10m; gifct: a and c, after 5m.
        let (mut core, mut p) = play(&["ecp", "gifct"]);
        let mut store = CopyStore::default();
        let mut posts = PostStore::default();
        let on = |platform: u32, n: u64| {
            let mut c = crate::engine::copy::test_copy(n);
            c.platform = platform;
            c
        };
        let removed = store.insert(on(A, 1));
        let parent = store.insert(on(B, 2));
        let same = store.insert(on(A, 3));
        let outside = store.insert(on(C, 4));
        let gone = store.insert(on(B, 5));
        store.remove(gone);
        let post_a = posts.insert(post_on(A, removed, 1));
        let post_c = posts.insert(post_on(C, removed, 2));
        let dead = posts.insert(post_on(B, removed, 3));
        posts.remove(dead);
        store.remove(removed);
        let children = [same, outside, gone, post_a, post_c, dead];
        p.share_urls(&mut core, (&store, &posts), A, Some(parent), &children);
        assert!(core.queue.is_empty(), "only while active");

        activate_now(&mut core, &mut p, 0);
        core.now = 100.0;
        p.share_urls(&mut core, (&store, &posts), A, Some(parent), &children);
        assert_eq!(
            referrals(&mut core),
            vec![(110.0, parent), (110.0, post_a)],
            "ecp: the parent on b and the post on a; c is no member"
        );

        activate_now(&mut core, &mut p, 1);
        p.share_urls(&mut core, (&store, &posts), A, Some(parent), &children);
        let mut want: Vec<(Minutes, CopyId)> = vec![
            (105.0, outside),
            (105.0, post_a),
            (105.0, post_c),
            (110.0, parent),
            (110.0, post_a),
        ];
        want.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.slot().cmp(&y.1.slot())));
        assert_eq!(referrals(&mut core), want, "each protocol refers once");

        // A removal on c reaches gifct's members only.
        p.share_urls(&mut core, (&store, &posts), C, Some(parent), &[same]);
        assert_eq!(referrals(&mut core), vec![(105.0, same)]);

        // ecp stands down: only gifct shares; then neither.
        p.deactivate(&mut core, 0);
        p.share_urls(&mut core, (&store, &posts), A, Some(parent), &children);
        let mut want: Vec<(Minutes, CopyId)> =
            vec![(105.0, outside), (105.0, post_a), (105.0, post_c)];
        want.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.slot().cmp(&y.1.slot())));
        assert_eq!(referrals(&mut core), want);
        p.deactivate(&mut core, 1);
        assert!(!p.url_sharing);
        p.share_urls(&mut core, (&store, &posts), A, Some(parent), &children);
        assert!(core.queue.is_empty());

        // The referral finds a copy only while it is live.
        assert!(p.url_share(&mut core, &store, parent));
        assert!(!p.url_share(&mut core, &store, gone));
        assert!(!p.url_share(&mut core, &store, removed));
    }

    #[test]
    fn authority_boosts_are_the_largest_among_active_protocols_reaching_them() {
        // ecp x2 (a, b); gifct x3 (a, c); chained x1.5 (b, c).
        let (mut core, mut p) = play(&["ecp", "gifct", "chained"]);
        assert_eq!(p.analyst_boost(&[0, 1, 2]), 1.0);
        assert_eq!(p.finds_boost(A), 1.0);
        activate_now(&mut core, &mut p, 0);
        assert_eq!(p.analyst_boost(&[0]), 2.0);
        assert_eq!(p.analyst_boost(&[2]), 1.0, "c is no member of ecp");
        assert_eq!(p.analyst_boost(&[]), 1.0, "monitors nothing");
        assert_eq!(
            [p.finds_boost(A), p.finds_boost(B), p.finds_boost(C)],
            [2.0, 2.0, 1.0]
        );
        activate_now(&mut core, &mut p, 1); // chained triggers
        assert_eq!(p.analyst_boost(&[0]), 3.0);
        assert_eq!(p.analyst_boost(&[1]), 2.0);
        assert_eq!(p.analyst_boost(&[1, 2]), 3.0);
        assert_eq!(
            [p.finds_boost(A), p.finds_boost(B), p.finds_boost(C)],
            [3.0, 2.0, 3.0]
        );
        activate_now(&mut core, &mut p, 2);
        assert_eq!(p.analyst_boost(&[1]), 2.0, "2 beats chained's 1.5");
        // Recomputed from those still active.
        p.deactivate(&mut core, 1);
        assert_eq!(p.analyst_boost(&[2]), 1.5);
        assert_eq!(p.analyst_boost(&[0]), 2.0);
        assert_eq!(
            [p.finds_boost(A), p.finds_boost(B), p.finds_boost(C)],
            [2.0, 2.0, 1.5]
        );
        p.deactivate(&mut core, 0);
        assert_eq!(p.analyst_boost(&[0]), 1.0);
        assert_eq!(p.analyst_boost(&[0, 1]), 1.5);
        assert_eq!(
            [p.finds_boost(A), p.finds_boost(B), p.finds_boost(C)],
            [1.0, 1.5, 1.5]
        );
    }

    #[test]
    fn it_stands_down_after_a_quiet_spell() {
        let (mut core, mut p) = play(&["ecp", "chained"]);
        core.now = 100.0;
        activate_now(&mut core, &mut p, 0);
        core.counts.last_publish = 50.0;
        p.schedule_quiet_check(&mut core, 0);
        // From now, as nothing was published since before the activation.
        let (t, e) = core.queue.pop().unwrap();
        assert_eq!((t, e), (460.0, ProtocolEvent::QuietCheck { protocol: 0 }));
        // A copy published meanwhile puts the check off.
        core.counts.last_publish = 300.0;
        core.now = t;
        assert!(!p.quiet_check(&mut core, 0));
        assert_eq!(
            drain(&mut core),
            vec![(660.0, ProtocolEvent::QuietCheck { protocol: 0 })]
        );
        core.now = 660.0;
        assert!(p.quiet_check(&mut core, 0));
        assert!(core.queue.is_empty());
        p.deactivate(&mut core, 0);
        assert_eq!(phase(&p, 0), ProtocolPhase::Deactivated);
        assert_eq!(p.state(0).deactivated_at, Some(660.0));
        assert!(!p.any_active());
        // Once stood down, a check left over does nothing.
        core.now = 900.0;
        assert!(!p.quiet_check(&mut core, 0));
        assert!(core.queue.is_empty());
        // A protocol without `deactivation` never checks.
        activate_now(&mut core, &mut p, 1);
        p.schedule_quiet_check(&mut core, 1);
        assert!(!p.quiet_check(&mut core, 1));
        assert!(core.queue.is_empty());
    }

    #[test]
    fn outcomes_record_each_protocols_times_and_trigger() {
        // gifct by detections; chained after it; timed at 3h; ecp never.
        let (mut core, mut p) = play(&["gifct", "chained", "ecp", "timed"]);
        p.schedule_time_triggers(&mut core);
        core.now = 10.0;
        p.after_detection(&mut core, A, CLIP);
        core.now = 30.0;
        p.after_detection(&mut core, C, CLIP);
        assert_eq!(p.earliest(), (Some(30.0), None));
        let handled = run(&mut core, &mut p);
        let times: Vec<Minutes> = handled.iter().map(|(t, _)| *t).collect();
        // Activate gifct 120, notify a and c 130, chained activates 180 (notifies b, c
        // at once), timed triggers 180 and activates 195 (notifies a, b at once), gifct's
        // quiet check at 240 (nothing published: 120 + 2h).
        assert_eq!(
            times,
            [
                120.0, 130.0, 130.0, 180.0, 180.0, 180.0, 180.0, 195.0, 195.0, 195.0, 240.0
            ]
        );
        let rows: Vec<ProtocolOutcome> = p.outcomes().collect();
        let row = |r: &ProtocolOutcome| {
            (
                r.protocol.to_string(),
                r.triggered_min,
                r.activated_min,
                r.deactivated_min,
                r.trigger,
            )
        };
        assert_eq!(
            rows.iter().map(row).collect::<Vec<_>>(),
            vec![
                (
                    "gifct".to_string(),
                    Some(30.0),
                    Some(120.0),
                    Some(240.0),
                    Some(Trigger::Detections)
                ),
                (
                    "chained".to_string(),
                    Some(120.0),
                    Some(180.0),
                    None,
                    Some(Trigger::After)
                ),
                ("ecp".to_string(), None, None, None, None),
                (
                    "timed".to_string(),
                    Some(180.0),
                    Some(195.0),
                    None,
                    Some(Trigger::OrAt)
                ),
            ]
        );
        assert_eq!(p.earliest(), (Some(30.0), Some(120.0)));
        // c was notified by gifct and chained: its posture outlives gifct; a by gifct
        // and timed.
        assert!(p.in_crisis(A) && p.in_crisis(B) && p.in_crisis(C));
    }

    #[test]
    fn the_watch_flags_turn_off_once_no_untriggered_protocol_needs_them() {
        let (mut core, mut p) = play(&["ecp", "gifct", "reach-any"]);
        assert!(p.watch_removals && p.watches_detections() && p.watches_publications());
        core.now = 5.0;
        p.after_publication(&mut core, A, CLIP);
        p.after_publication(&mut core, B, CLIP);
        assert!(!p.watches_publications());
        assert!(p.watch_removals && p.watches_detections());
        // Triggered by its time rather than its count: it no longer counts either.
        assert!(p.time_trigger(&mut core, 1));
        assert_eq!(p.state(1).trigger, Some(Trigger::OrAt));
        assert!(!p.watches_detections());
        assert!(p.watch_removals);
        core.counts.removed = 3;
        core.counts.platforms_with_removals = 2;
        p.after_removal(&mut core, A, CLIP);
        assert!(!p.watch_removals);
        assert!(!p.url_sharing, "none active yet");
        // Only chained, with an `after` but no count: nothing to watch.
        let (_, p) = play(&["chained"]);
        assert!(!p.watch_removals && !p.watches_detections() && !p.watches_publications());
        // In an exercise nothing triggers by itself.
        let mut core = test_core::<ProtocolEvent>(PROTOCOLS);
        let model = core.model.clone();
        let all: Vec<usize> = (0..model.protocols.len()).collect();
        let p = Protocols::new(&model, &all, None, true);
        assert!(!p.watch_removals && !p.watches_detections() && !p.watches_publications());
        p.schedule_time_triggers(&mut core);
        assert!(core.queue.is_empty());
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

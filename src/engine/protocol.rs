//! The crisis protocol in force for a variant: trigger, activation, notification of member
//! platforms (crisis posture), crisis hash-sharing delay, URL sharing, authority boost and
//! deactivation. Effects reach only platforms with `protocol_member: true`.

use crate::scenario::Capacity;
use crate::sink::EventKind;

use super::copies::Redraw;
use super::state::*;
use super::{Event, Simulation};

impl Simulation {
    /// After a removal: has the count trigger been reached?
    pub(super) fn check_trigger(&mut self) {
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
        if self.world.resource::<ProtocolState>().phase != ProtocolPhase::Inactive {
            return;
        }
        let c = &self.counters;
        if c.removed >= u64::from(needed) && c.platforms_with_removals >= platforms {
            let detail = format!(
                "{} removals on {} platforms reached the trigger ({needed} on {platforms})",
                c.removed, c.platforms_with_removals
            );
            self.trigger(detail);
        }
    }

    /// The `or_at` time trigger.
    pub(super) fn protocol_trigger(&mut self) -> bool {
        if self.world.resource::<ProtocolState>().phase != ProtocolPhase::Inactive {
            return false;
        }
        self.trigger("the scheduled trigger time was reached".to_string());
        true
    }

    fn trigger(&mut self, why: String) {
        let Some(protocol) = &self.protocol else {
            return;
        };
        let now = self.now();
        let decision = protocol.activation.decision_time;
        let id = protocol.id.clone();
        {
            let mut ps = self.world.resource_mut::<ProtocolState>();
            ps.phase = ProtocolPhase::Triggered;
            ps.triggered_at = Some(now);
        }
        self.schedule(now + decision, Event::ProtocolActivate);
        self.log(EventKind::ProtocolTriggered, None, None, |_| {
            format!("protocol {id} triggered: {why}; decision in {decision:.0} min")
        });
    }

    pub(super) fn protocol_activate(&mut self) {
        if self.protocol_active() {
            return;
        }
        let Some(protocol) = self.protocol.clone() else {
            return;
        };
        let now = self.now();
        {
            let mut ps = self.world.resource_mut::<ProtocolState>();
            ps.phase = ProtocolPhase::Active;
            ps.activated_at = Some(now);
        }
        self.log(EventKind::ProtocolActivated, None, None, |_| {
            format!("protocol {} active", protocol.id)
        });
        for p in 0..self.model.platforms.len() {
            // In an exercise, the players decide whom to notify.
            if self.model.platforms[p].protocol_member && !self.manual {
                self.schedule(
                    now + protocol.notify_time,
                    Event::Notify { platform: p as u32 },
                );
            }
        }
        self.apply_boost(protocol.authority_boost);
        if let Some(quiet) = protocol.deactivation_quiet_for {
            let last = self.counters.last_publish;
            self.schedule(last.max(now) + quiet, Event::QuietCheck);
        }
    }

    /// Multiply the analysts of authorities that monitor a member platform, and their
    /// finds on member platforms. An authority that works only on non-member platforms is
    /// outside the protocol's reach.
    fn apply_boost(&mut self, boost: f64) {
        if boost == 1.0 {
            return;
        }
        for (a, auth) in self.model.authorities.clone().iter().enumerate() {
            if !auth
                .monitors
                .iter()
                .any(|&p| self.model.platforms[p].protocol_member)
            {
                continue;
            }
            let analysts = match auth.analysts {
                Capacity::Limited(n) => {
                    Capacity::Limited((f64::from(n) * boost).round().min(f64::from(u32::MAX)) as u32)
                }
                Capacity::Unlimited => Capacity::Unlimited,
            };
            self.set_analysts(a as u32, analysts);
        }
        let finds = Redraw {
            finds: true,
            ..Redraw::default()
        };
        let mut boosted = Vec::new();
        for p in 0..self.model.platforms.len() {
            if self.model.platforms[p].protocol_member && !self.monitors[p].is_empty() {
                self.platform_mut(p as u32).finds_boost = boost;
                boosted.push((p as u32, finds));
            }
        }
        self.redraw_platforms(&boosted);
    }

    pub(super) fn notify(&mut self, platform: u32) -> bool {
        if !self.protocol_active() && !self.manual {
            return false;
        }
        {
            let mut ps = self.platform_mut(platform);
            ps.notified = true;
            ps.crisis = true;
        }
        let Some(posture) = self.model.platforms[platform as usize]
            .crisis_posture
            .clone()
        else {
            self.log(EventKind::PlatformNotified, Some(platform), None, |_| {
                "notified under the protocol (no crisis posture defined)".to_string()
            });
            return true;
        };
        self.log(EventKind::PlatformNotified, Some(platform), None, |_| {
            "notified under the protocol: crisis posture applies".to_string()
        });
        if let Some(proactive) = posture.proactive_per_min {
            self.platform_mut(platform).proactive_per_min = proactive;
            let detection = Redraw {
                detection: true,
                ..Redraw::default()
            };
            self.redraw_platforms(&[(platform, detection)]);
        }
        if let Some(surge) = posture.reviewers {
            let from = self.platform(platform).posture_capacity;
            self.ramp_reviewers(platform, from, surge, posture.ramp);
        }
        true
    }

    /// Move a platform's reviewers from `from` to `to` linearly over `ramp`, one reviewer
    /// at a time (at once if either is unlimited or the ramp is 0).
    pub(super) fn ramp_reviewers(
        &mut self,
        platform: u32,
        from: Capacity,
        to: Capacity,
        ramp: f64,
    ) {
        let now = self.now();
        match (from, to) {
            (Capacity::Limited(a), Capacity::Limited(b)) if ramp > 0.0 && a != b => {
                let steps = a.abs_diff(b);
                for k in 1..=steps {
                    let n = if b > a { a + k } else { a - k };
                    let at = now + ramp * f64::from(k) / f64::from(steps);
                    self.schedule(
                        at,
                        Event::RampStep {
                            platform,
                            reviewers: Capacity::Limited(n),
                        },
                    );
                }
            }
            _ => self.schedule(
                now + ramp,
                Event::RampStep {
                    platform,
                    reviewers: to,
                },
            ),
        }
    }

    pub(super) fn ramp_step(&mut self, platform: u32, reviewers: Capacity) -> bool {
        if !self.platform(platform).crisis {
            return false;
        }
        self.set_posture_capacity(platform, reviewers);
        true
    }

    pub(super) fn quiet_check(&mut self) {
        let Some(quiet) = self
            .protocol
            .as_ref()
            .and_then(|p| p.deactivation_quiet_for)
        else {
            return;
        };
        if !self.protocol_active() {
            return;
        }
        let now = self.now();
        let last = self.counters.last_publish;
        // Tolerance for the sum last + quiet rounding below now.
        if now - last + 1e-9 >= quiet {
            self.deactivate();
        } else {
            self.schedule(last + quiet, Event::QuietCheck);
        }
    }

    /// End the protocol: member platforms return to normal posture, authorities to
    /// normal strength.
    fn deactivate(&mut self) {
        let now = self.now();
        let id = self
            .protocol
            .as_ref()
            .map(|p| p.id.clone())
            .unwrap_or_default();
        {
            let mut ps = self.world.resource_mut::<ProtocolState>();
            ps.phase = ProtocolPhase::Deactivated;
            ps.deactivated_at = Some(now);
        }
        self.log(EventKind::ProtocolDeactivated, None, None, |_| {
            format!("protocol {id} deactivated: no copy published for a while")
        });
        for (a, auth) in self.model.authorities.clone().iter().enumerate() {
            self.set_analysts(a as u32, auth.analysts);
        }
        for p in 0..self.model.platforms.len() {
            let platform = &self.model.platforms[p];
            if !platform.protocol_member {
                continue;
            }
            let (normal_capacity, normal_proactive) =
                (platform.review.reviewers, platform.proactive_per_min);
            let (was_crisis, boosted) = {
                let mut ps = self.platform_mut(p as u32);
                let was = ps.crisis;
                ps.crisis = false;
                ps.proactive_per_min = normal_proactive;
                let boosted = ps.finds_boost != 1.0;
                ps.finds_boost = 1.0;
                (was, boosted)
            };
            if was_crisis {
                self.set_posture_capacity(p as u32, normal_capacity);
            }
            if was_crisis || boosted {
                let r = Redraw {
                    links: false,
                    detection: was_crisis,
                    finds: boosted,
                };
                self.redraw_platforms(&[(p as u32, r)]);
            }
        }
    }

    /// Under an active protocol, a member's removal refers the removed copy's live parent
    /// and children on other member platforms, after the URL-sharing delay.
    pub(super) fn share_urls(
        &mut self,
        platform: u32,
        parent: Option<CopyId>,
        children: &[CopyId],
    ) {
        let Some(delay) = self.protocol.as_ref().and_then(|p| p.url_sharing) else {
            return;
        };
        if !self.protocol_active() || !self.model.platforms[platform as usize].protocol_member {
            return;
        }
        let now = self.now();
        for &relative in parent.iter().chain(children) {
            let Some(c) = self.copies.get(relative) else {
                continue;
            };
            let target = c.platform;
            if target != platform && self.model.platforms[target as usize].protocol_member {
                self.schedule(now + delay, Event::UrlShare { copy: relative });
            }
        }
    }

    pub(super) fn url_share(&mut self, copy: CopyId) -> bool {
        if self.copies.get(copy).is_none() {
            return false;
        }
        let (platform, ident) = self.copy_ident(copy);
        self.log(EventKind::UrlShared, Some(platform), Some(ident), |_| {
            "referred by URL sharing from another member platform".to_string()
        });
        self.enqueue(copy, QueueClass::Referral);
        true
    }
}

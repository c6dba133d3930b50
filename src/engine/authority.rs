//! Authorities: finding copies on monitored platforms, analysts preparing referrals in a
//! FIFO queue, and referrals or removal orders sent to platforms.

use bevy_ecs::entity::Entity;
use rand::RngExt;
use rand_distr::{Distribution, Exp1};

use crate::scenario::{Capacity, Issues, Jurisdiction};
use crate::sink::EventKind;

use super::state::*;
use super::{Event, Simulation};

impl Simulation {
    /// Finds hazard of authority `a` on a copy on `platform`, with any protocol boost.
    fn find_rate(&self, a: u32, boost: f64) -> f64 {
        self.model.authorities[a as usize].finds_per_min * boost
    }

    /// Draw the copy's next find by an authority that has not found it yet (cancelling
    /// any pending one). Finds by different authorities are independent hazards; their
    /// sum is drawn once and the finder chosen when it fires.
    pub(super) fn schedule_find(&mut self, copy: Entity) {
        let now = self.now();
        let Some(platform) = self.world.get::<Copy>(copy).map(|c| c.platform) else {
            return;
        };
        if self.monitors[platform as usize].is_empty() {
            return;
        }
        let boost = self.platform(platform).finds_boost;
        let found_by = self
            .world
            .get::<Copy>(copy)
            .map(|c| &c.pending)
            .map_or(0, |p| p.found_by);
        let total: f64 = self.monitors[platform as usize]
            .iter()
            .filter(|&&a| found_by & (1 << a) == 0)
            .map(|&a| self.find_rate(a, boost))
            .sum();
        let mut entity = self.world.entity_mut(copy);
        let generation = {
            let mut p = entity
                .get_mut::<Copy>()
                .map(|c| c.map_unchanged(|c| &mut c.pending))
                .expect("live copy");
            p.finds = p.finds.wrapping_add(1);
            p.finds
        };
        if total <= 0.0 {
            return;
        }
        let e: f64 = Exp1.sample(
            &mut entity
                .get_mut::<Copy>()
                .map(|c| c.map_unchanged(|c| &mut c.streams))
                .expect("live copy")
                .authority,
        );
        let at = now + e / total;
        if at <= self.model.horizon {
            self.schedule(at, Event::Find { copy, generation });
        }
    }

    pub(super) fn find(&mut self, copy: Entity, generation: u32) -> bool {
        let Some(p) = self.world.get::<Copy>(copy).map(|c| &c.pending) else {
            return false;
        };
        if p.finds != generation {
            return false;
        }
        let found_by = p.found_by;
        let (platform, ident) = self.copy_ident(copy);
        let boost = self.platform(platform).finds_boost;
        let candidates: Vec<(u32, f64)> = self.monitors[platform as usize]
            .iter()
            .filter(|&&a| found_by & (1 << a) == 0)
            .map(|&a| (a, self.find_rate(a, boost)))
            .collect();
        let total: f64 = candidates.iter().map(|c| c.1).sum();
        let u: f64 = self
            .world
            .get_mut::<Copy>(copy)
            .map(|c| c.map_unchanged(|c| &mut c.streams))
            .expect("live copy")
            .authority
            .random();
        let mut x = u * total;
        let mut finder = candidates.last().map_or(0, |c| c.0);
        for &(a, r) in &candidates {
            if x < r {
                finder = a;
                break;
            }
            x -= r;
        }
        self.world
            .get_mut::<Copy>(copy)
            .map(|c| c.map_unchanged(|c| &mut c.pending))
            .expect("live copy")
            .found_by |= 1 << finder;
        let now = self.now();
        self.counters.first_detection.get_or_insert(now);
        self.log(EventKind::Found, Some(platform), Some(ident), |s| {
            format!("found by {}", s.model.authorities[finder as usize].id)
        });
        self.schedule_find(copy);
        let e = self.world.resource::<Registry>().authorities[finder as usize];
        self.world
            .get_mut::<AuthorityState>(e)
            .expect("authority entities live for the whole run")
            .waiting
            .push_back(copy);
        self.start_referrals(finder);
        true
    }

    /// Give waiting found copies to free analysts (skipping copies already removed).
    pub(super) fn start_referrals(&mut self, authority: u32) {
        let now = self.now();
        let e = self.world.resource::<Registry>().authorities[authority as usize];
        loop {
            let copy = {
                let mut a = self.world.get_mut::<AuthorityState>(e).expect("authority");
                if !a.analysts.has_room(a.busy) {
                    return;
                }
                match a.waiting.pop_front() {
                    Some(c) => c,
                    None => return,
                }
            };
            let Some(mut streams) = self
                .world
                .get_mut::<Copy>(copy)
                .map(|c| c.map_unchanged(|c| &mut c.streams))
            else {
                continue;
            };
            let time = self.model.authorities[authority as usize]
                .referral_time
                .sample(&mut streams.authority)
                .max(0.0);
            self.world
                .get_mut::<AuthorityState>(e)
                .expect("authority")
                .busy += 1;
            self.schedule(now + time, Event::ReferralReady { authority, copy });
        }
    }

    pub(super) fn referral_ready(&mut self, authority: u32, copy: Entity) {
        let e = self.world.resource::<Registry>().authorities[authority as usize];
        self.world
            .get_mut::<AuthorityState>(e)
            .expect("authority")
            .busy -= 1;
        if self.world.get::<Copy>(copy).is_some() {
            self.send_referral(authority, copy);
        }
        self.start_referrals(authority);
    }

    /// Send what the authority issues about a copy: a removal order to an `eu` platform
    /// (class 1, removed by the deadline if the platform complies), a referral otherwise.
    fn send_referral(&mut self, authority: u32, copy: Entity) {
        let platform = self.copy_ident(copy).0;
        let auth = &self.model.authorities[authority as usize];
        let from = auth.id.clone();
        if auth.issues == Issues::RemovalOrder
            && self.model.platforms[platform as usize].jurisdiction == Jurisdiction::Eu
        {
            let terms = (auth.removal_order.deadline, auth.removal_order.compliance);
            self.send_order(copy, terms, &from);
        } else {
            self.refer(copy, &from);
        }
    }

    /// A referral reaches the copy's platform: class 2 of its review queue.
    pub(super) fn refer(&mut self, copy: Entity, from: &str) {
        let (platform, ident) = self.copy_ident(copy);
        self.log(EventKind::Referral, Some(platform), Some(ident), |_| {
            format!("referral from {from}")
        });
        self.enqueue(copy, QueueClass::Referral);
    }

    /// A removal order reaches the copy's platform: class 1 of its review queue, and if
    /// the platform complies (probability `compliance`), removal by `deadline`.
    pub(super) fn send_order(
        &mut self,
        copy: Entity,
        (deadline, compliance): (f64, f64),
        from: &str,
    ) {
        let now = self.now();
        let (platform, ident) = self.copy_ident(copy);
        let u: f64 = {
            let mut entity = self.world.entity_mut(copy);
            entity
                .get_mut::<Copy>()
                .map(|c| c.map_unchanged(|c| &mut c.pending))
                .expect("live copy")
                .under_order = true;
            entity
                .get_mut::<Copy>()
                .map(|c| c.map_unchanged(|c| &mut c.streams))
                .expect("live copy")
                .fate
                .random()
        };
        let complies = u < compliance;
        if complies {
            self.schedule(now + deadline, Event::OrderDeadline { copy });
        }
        self.log(EventKind::RemovalOrder, Some(platform), Some(ident), |_| {
            format!(
                "removal order from {from} (deadline {deadline:.0} min{})",
                if complies {
                    ""
                } else {
                    "; the platform will not comply"
                }
            )
        });
        self.enqueue(copy, QueueClass::RemovalOrder);
    }

    /// Change an authority's analysts (protocol boost, or back).
    pub(super) fn set_analysts(&mut self, authority: u32, analysts: Capacity) {
        let e = self.world.resource::<Registry>().authorities[authority as usize];
        self.world
            .get_mut::<AuthorityState>(e)
            .expect("authority")
            .analysts = analysts;
        self.start_referrals(authority);
    }
}

//! Authorities: finding copies on monitored platforms, analysts preparing referrals in a
//! FIFO queue, and referrals or removal orders sent to platforms.

use rand::RngExt;
use rand_distr::{Distribution, Exp1};

use crate::scenario::{Capacity, Issues, Jurisdiction, Minutes, Model};
use crate::sink::EventKind;

use super::state::*;
use super::{Event, Simulation};

impl Simulation {
    /// The summed finds hazard, on a copy on `platform`, of the authorities monitoring it
    /// that have not found it yet (`found_by`: bit i for authority i), with any protocol
    /// boost. Finds by different authorities are independent hazards; their sum is drawn
    /// once and the finder chosen when it fires.
    pub(super) fn find_rate(&self, platform: u32, found_by: u64, boost: f64) -> f64 {
        let monitors = &self.monitors[platform as usize];
        unfound_rates(monitors, &self.model, found_by, boost)
            .map(|(_, rate)| rate)
            .sum()
    }

    /// Draw the copy's next find by an authority that has not found it yet (cancelling
    /// any pending one).
    pub(super) fn schedule_find(&mut self, copy: CopyId) {
        let Some((platform, found_by)) = self
            .copies
            .get(copy)
            .map(|c| (c.platform, c.pending.found_by))
        else {
            return;
        };
        let total = self.find_rate(platform, found_by, self.platform(platform).finds_boost);
        let (now, horizon) = (self.now, self.horizon);
        if let Some(Some((at, generation))) = self
            .copies
            .get_mut(copy)
            .map(|c| next_find(c, now, total, horizon))
        {
            self.queue.schedule(at, Event::Find { copy, generation });
        }
    }

    pub(super) fn find(&mut self, copy: CopyId, generation: u32) -> bool {
        let Some((platform, ident, found_by)) = self
            .copies
            .get(copy)
            .filter(|c| c.pending.finds == generation)
            .map(|c| (c.platform, c.ident(), c.pending.found_by))
        else {
            return false;
        };
        let boost = self.platform(platform).finds_boost;
        let (monitors, model) = (&self.monitors[platform as usize], &self.model);
        let Some(finder) = self.copies.get_mut(copy).map(|c| {
            let candidates = unfound_rates(monitors, model, found_by, boost);
            let total: f64 = candidates.clone().map(|c| c.1).sum();
            let u: f64 = c.streams.authority.random();
            let mut x = u * total;
            let mut finder = candidates.clone().next_back().map_or(0, |c| c.0);
            for (a, r) in candidates {
                if x < r {
                    finder = a;
                    break;
                }
                x -= r;
            }
            c.pending.found_by |= 1 << finder;
            finder
        }) else {
            return false;
        };
        let now = self.now;
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
            let referral_time = &self.model.authorities[authority as usize].referral_time;
            let Some(time) = self
                .copies
                .get_mut(copy)
                .map(|c| referral_time.sample(&mut c.streams.authority).max(0.0))
            else {
                continue;
            };
            self.world
                .get_mut::<AuthorityState>(e)
                .expect("authority")
                .busy += 1;
            self.schedule(now + time, Event::ReferralReady { authority, copy });
        }
    }

    pub(super) fn referral_ready(&mut self, authority: u32, copy: CopyId) {
        let e = self.world.resource::<Registry>().authorities[authority as usize];
        self.world
            .get_mut::<AuthorityState>(e)
            .expect("authority")
            .busy -= 1;
        if self.copies.get(copy).is_some() {
            self.send_referral(authority, copy);
        }
        self.start_referrals(authority);
    }

    /// Send what the authority issues about a copy: a removal order to an `eu` platform
    /// (class 1, removed by the deadline if the platform complies), a referral otherwise.
    fn send_referral(&mut self, authority: u32, copy: CopyId) {
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
    pub(super) fn refer(&mut self, copy: CopyId, from: &str) {
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
        copy: CopyId,
        (deadline, compliance): (f64, f64),
        from: &str,
    ) {
        let now = self.now();
        let (platform, ident) = self.copy_ident(copy);
        let Some(u) = self.copies.get_mut(copy).map(|c| {
            c.pending.under_order = true;
            c.streams.fate.random::<f64>()
        }) else {
            return;
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

/// (authority, finds hazard) of each of `monitors` that has not found the copy yet
/// (`found_by`: bit i for authority i), with the protocol boost `boost`.
fn unfound_rates<'a>(
    monitors: &'a [u32],
    model: &'a Model,
    found_by: u64,
    boost: f64,
) -> impl DoubleEndedIterator<Item = (u32, f64)> + Clone + 'a {
    monitors
        .iter()
        .filter(move |&&a| found_by & (1 << a) == 0)
        .map(move |&a| (a, model.authorities[a as usize].finds_per_min * boost))
}

/// Draw a copy's next find from `now` at summed hazard `total`, cancelling any pending
/// one: (time, generation) if it comes before the horizon.
pub(super) fn next_find(
    c: &mut Copy,
    now: Minutes,
    total: f64,
    horizon: Minutes,
) -> Option<(Minutes, u32)> {
    c.pending.finds = c.pending.finds.wrapping_add(1);
    if total <= 0.0 {
        return None;
    }
    let e: f64 = Exp1.sample(&mut c.streams.authority);
    let at = now + e / total;
    (at <= horizon).then_some((at, c.pending.finds))
}

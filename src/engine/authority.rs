//! Owns the authorities: finding copies on the platforms they monitor, their analysts
//! preparing referrals in a FIFO queue, what they send (a referral, or a removal order to
//! an EU platform) and the removal order's deadline; and each platform's finds boost
//! under a protocol.
//!
//! What is sent joins the platform's review queue: the dispatch carries it there.

use std::collections::VecDeque;

use rand::RngExt;
use rand_distr::{Distribution, Exp1};

use crate::scenario::{Capacity, Issues, Jurisdiction, Minutes, Model};
use crate::sink::EventKind;

use super::copy::Copy;
use super::copy::CopyStore;
use super::core::Core;
use super::store::CopyId;

/// The events authorities schedule and handle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AuthorityEvent {
    /// A copy's next find by an authority.
    Find { copy: CopyId, generation: u32 },
    /// An analyst has prepared a referral (or order) about a copy.
    ReferralReady { authority: u32, copy: CopyId },
    /// A complied-with removal order's deadline.
    OrderDeadline { copy: CopyId },
}

/// An authority's analysts and their queue of found copies.
#[derive(Debug, Clone)]
pub struct Analysts {
    pub analysts: Capacity,
    pub busy: u32,
    pub waiting: VecDeque<CopyId>,
}

/// What an authority sends about a copy once a referral is prepared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Issue {
    Referral,
    /// A removal order: (deadline, compliance).
    Order(Minutes, f64),
}

/// A copy detected by its platform or found by an authority: where, of what, and
/// whether it is the copy's first (a protocol's `detections` trigger counts each copy
/// once).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spotted {
    pub platform: u32,
    pub content: u32,
    pub first: bool,
}

/// The authorities of a run.
#[derive(Debug)]
pub struct Authorities {
    pub desks: Vec<Analysts>,
    /// Authorities monitoring each platform.
    monitors: Vec<Vec<u32>>,
    /// Each authority's analysts multiplier (the active protocols' boost).
    analyst_boost: Vec<f64>,
    /// Each platform's finds multiplier (the active protocols' boost).
    finds_boost: Vec<f64>,
    /// Each platform's summed finds hazard on a copy no authority has found yet (every
    /// new copy's), kept up to date with the boost so that publication needs no model.
    fresh_rate: Vec<f64>,
}

impl Authorities {
    pub fn new(model: &Model) -> Self {
        let mut monitors = vec![Vec::new(); model.platforms.len()];
        for (a, auth) in model.authorities.iter().enumerate() {
            for &p in &auth.monitors {
                if !monitors[p].contains(&(a as u32)) {
                    monitors[p].push(a as u32);
                }
            }
        }
        let mut authorities = Authorities {
            desks: model
                .authorities
                .iter()
                .map(|a| Analysts {
                    analysts: a.analysts,
                    busy: 0,
                    waiting: VecDeque::new(),
                })
                .collect(),
            monitors,
            analyst_boost: vec![1.0; model.authorities.len()],
            finds_boost: vec![1.0; model.platforms.len()],
            fresh_rate: vec![0.0; model.platforms.len()],
        };
        for p in 0..model.platforms.len() as u32 {
            authorities.fresh_rate[p as usize] = authorities.find_rate(model, p, 0);
        }
        authorities
    }

    /// Whether any authority monitors the platform.
    pub fn monitored(&self, platform: u32) -> bool {
        !self.monitors[platform as usize].is_empty()
    }

    /// Set a platform's finds multiplier; returns whether it changed (the dispatch then
    /// redraws the finds of its copies).
    pub fn set_finds_boost(&mut self, model: &Model, platform: u32, boost: f64) -> bool {
        let was = std::mem::replace(&mut self.finds_boost[platform as usize], boost);
        self.fresh_rate[platform as usize] = self.find_rate(model, platform, 0);
        was != boost
    }

    /// Multiply an authority's analysts by `boost` (rounded to whole analysts), if that
    /// changes its multiplier; returns whether it did.
    pub fn set_analyst_boost<E: From<AuthorityEvent>>(
        &mut self,
        core: &mut Core<E>,
        store: &mut CopyStore,
        authority: u32,
        boost: f64,
    ) -> bool {
        let a = authority as usize;
        if self.analyst_boost[a] == boost {
            return false;
        }
        self.analyst_boost[a] = boost;
        let analysts = match core.model.authorities[a].analysts {
            Capacity::Limited(n) if boost != 1.0 => {
                Capacity::Limited((f64::from(n) * boost).round().min(f64::from(u32::MAX)) as u32)
            }
            c => c,
        };
        self.set_analysts(core, store, authority, analysts);
        true
    }

    /// The summed finds hazard, on a copy on `platform`, of the authorities monitoring it
    /// that have not found it yet (`found_by`: bit i for authority i), with any protocol
    /// boost. Finds by different authorities are independent hazards; their sum is drawn
    /// once and the finder chosen when it fires.
    fn find_rate(&self, model: &Model, platform: u32, found_by: u64) -> f64 {
        let boost = self.finds_boost[platform as usize];
        unfound_rates(&self.monitors[platform as usize], model, found_by, boost)
            .map(|(_, rate)| rate)
            .sum()
    }

    /// Draw a new copy's first find (before it is stored; the caller schedules it).
    #[inline]
    pub fn first_find(
        &self,
        c: &mut Copy,
        now: Minutes,
        horizon: Minutes,
    ) -> Option<(Minutes, u32)> {
        next_find(c, now, self.fresh_rate[c.platform as usize], horizon)
    }

    /// Draw the copy's next find by an authority that has not found it yet (cancelling
    /// any pending one).
    pub fn schedule_find<E: From<AuthorityEvent>>(
        &self,
        core: &mut Core<E>,
        store: &mut CopyStore,
        copy: CopyId,
    ) {
        let Some((platform, found_by)) = store.get(copy).map(|c| (c.platform, c.pending.found_by))
        else {
            return;
        };
        let total = self.find_rate(&core.model, platform, found_by);
        let (now, horizon) = (core.now, core.horizon);
        if let Some(Some((at, generation))) = store
            .get_mut(copy)
            .map(|c| next_find(c, now, total, horizon))
        {
            core.schedule(at, AuthorityEvent::Find { copy, generation });
        }
    }

    /// A copy is found: by which authority (drawn in proportion to their hazards), which
    /// then prepares a referral about it; None if the event was stale.
    pub fn find<E: From<AuthorityEvent>>(
        &mut self,
        core: &mut Core<E>,
        store: &mut CopyStore,
        copy: CopyId,
        generation: u32,
    ) -> Option<Spotted> {
        let c = store
            .get_mut(copy)
            .filter(|c| c.pending.finds == generation)?;
        let (platform, ident, found_by) = (c.platform, c.ident(), c.pending.found_by);
        let boost = self.finds_boost[platform as usize];
        let candidates = unfound_rates(
            &self.monitors[platform as usize],
            &core.model,
            found_by,
            boost,
        );
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
        let spotted = Spotted {
            platform,
            content: c.content,
            first: !std::mem::replace(&mut c.pending.spotted, true),
        };
        core.counts.detection(platform, core.now);
        core.log(EventKind::Found, Some(platform), Some(ident), |names| {
            format!("found by {}", names.authorities[finder as usize])
        });
        self.schedule_find(core, store, copy);
        self.desks[finder as usize].waiting.push_back(copy);
        self.start_referrals(core, store, finder);
        Some(spotted)
    }

    /// Give waiting found copies to free analysts (skipping copies already removed).
    pub fn start_referrals<E: From<AuthorityEvent>>(
        &mut self,
        core: &mut Core<E>,
        store: &mut CopyStore,
        authority: u32,
    ) {
        let now = core.now;
        let desk = &mut self.desks[authority as usize];
        let referral_time = &core.model.authorities[authority as usize].referral_time;
        while desk.analysts.has_room(desk.busy) {
            let Some(copy) = desk.waiting.pop_front() else {
                return;
            };
            let Some(time) = store
                .get_mut(copy)
                .map(|c| referral_time.sample(&mut c.streams.authority).max(0.0))
            else {
                continue;
            };
            desk.busy += 1;
            let event = AuthorityEvent::ReferralReady { authority, copy };
            core.queue.schedule(now + time, event.into());
        }
    }

    /// An analyst has prepared a referral: the analyst is free, and, if the copy is still
    /// live, what the authority sends about it. The dispatch sends it, then
    /// [`Authorities::start_referrals`] again.
    pub fn referral_ready<E>(
        &mut self,
        core: &Core<E>,
        store: &CopyStore,
        authority: u32,
        copy: CopyId,
    ) -> Option<Issue> {
        self.desks[authority as usize].busy -= 1;
        let platform = store.get(copy)?.platform;
        let auth = &core.model.authorities[authority as usize];
        Some(
            if auth.issues == Issues::RemovalOrder
                && core.model.platforms[platform as usize].jurisdiction == Jurisdiction::Eu
            {
                Issue::Order(auth.removal_order.deadline, auth.removal_order.compliance)
            } else {
                Issue::Referral
            },
        )
    }

    /// A removal order reaches a live copy's platform: from now on its removal counts as
    /// by order, and if the platform complies (probability `compliance`) it is removed
    /// by `deadline`. The dispatch then queues it for review in class 1.
    pub fn order<E: From<AuthorityEvent>>(
        &self,
        core: &mut Core<E>,
        store: &mut CopyStore,
        copy: CopyId,
        (deadline, compliance): (Minutes, f64),
        from: &str,
    ) {
        let now = core.now;
        let Some(c) = store.get_mut(copy) else {
            return;
        };
        let (platform, ident) = (c.platform, c.ident());
        c.pending.under_order = true;
        let u: f64 = c.streams.fate.random();
        let complies = u < compliance;
        if complies {
            core.schedule(now + deadline, AuthorityEvent::OrderDeadline { copy });
        }
        core.log(EventKind::RemovalOrder, Some(platform), Some(ident), |_| {
            format!(
                "removal order from {from} (deadline {deadline:.0} min{})",
                if complies {
                    ""
                } else {
                    "; the platform will not comply"
                }
            )
        });
    }

    /// Change an authority's analysts (protocol boost, or back).
    pub fn set_analysts<E: From<AuthorityEvent>>(
        &mut self,
        core: &mut Core<E>,
        store: &mut CopyStore,
        authority: u32,
        analysts: Capacity,
    ) {
        self.desks[authority as usize].analysts = analysts;
        self.start_referrals(core, store, authority);
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
fn next_find(c: &mut Copy, now: Minutes, total: f64, horizon: Minutes) -> Option<(Minutes, u32)> {
    c.pending.finds = c.pending.finds.wrapping_add(1);
    if total <= 0.0 {
        return None;
    }
    let e: f64 = Exp1.sample(&mut c.streams.authority);
    let at = now + e / total;
    (at <= horizon).then_some((at, c.pending.finds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::copy::test_copy;
    use crate::engine::core::test_core;

    const SCENARIO: &str = r#"
name: authority test
horizon: 24h
platforms:
  - {id: eu-site, name: EU site, jurisdiction: eu, views_per_hour: 100, attention_half_life: 1h, review: {reviewers: 1, time: 10m}}
  - {id: other, name: Elsewhere, views_per_hour: 100, attention_half_life: 1h, review: {reviewers: 1, time: 10m}}
content:
  - id: clip
    kind: video
    origin: {platform: eu-site, at: 0m}
authorities:
  - id: iru
    name: Referral unit
    monitors: [eu-site, other]
    finds_per_hour: 1
    analysts: 2
    referral_time: 30m
    issues: removal_order
    removal_order: {deadline: 1h, compliance: 1}
"#;

    #[test]
    fn analysts_take_found_copies_first_come_first_served() {
        let mut core = test_core::<AuthorityEvent>(SCENARIO);
        let mut a = Authorities::new(&core.model);
        let mut store = CopyStore::default();
        let ids: Vec<CopyId> = (1..=5).map(|n| store.insert(test_copy(n))).collect();
        for (k, &id) in ids.iter().enumerate() {
            core.now = k as f64;
            a.desks[0].waiting.push_back(id);
            a.start_referrals(&mut core, &mut store, 0);
        }
        // Two analysts: the first two are being prepared, three wait in order.
        assert_eq!(a.desks[0].busy, 2);
        assert_eq!(
            a.desks[0].waiting,
            ids[2..].iter().copied().collect::<VecDeque<_>>()
        );
        // The third is removed while it waits: it is skipped.
        store.remove(ids[2]);
        let mut sent = Vec::new();
        while let Some((t, event)) = core.queue.pop() {
            core.now = t;
            let AuthorityEvent::ReferralReady { authority, copy } = event else {
                panic!("{event:?}")
            };
            sent.push((t, copy));
            assert_eq!(
                a.referral_ready(&core, &store, authority, copy),
                Some(Issue::Order(60.0, 1.0))
            );
            a.start_referrals(&mut core, &mut store, authority);
        }
        // 30 minutes each, two at a time, in the order they were found.
        assert_eq!(
            sent,
            vec![
                (30.0, ids[0]),
                (31.0, ids[1]),
                (60.0, ids[3]),
                (61.0, ids[4])
            ]
        );
    }

    #[test]
    fn an_order_binds_only_an_eu_platform_and_complied_orders_get_a_deadline() {
        let mut core = test_core::<AuthorityEvent>(SCENARIO);
        let mut a = Authorities::new(&core.model);
        let mut store = CopyStore::default();
        let eu = store.insert(test_copy(1));
        let mut other = test_copy(2);
        other.platform = 1;
        let other = store.insert(other);
        a.desks[0].busy = 2;
        assert_eq!(
            a.referral_ready(&core, &store, 0, other),
            Some(Issue::Referral)
        );
        assert_eq!(
            a.referral_ready(&core, &store, 0, eu),
            Some(Issue::Order(60.0, 1.0))
        );
        a.order(&mut core, &mut store, eu, (60.0, 1.0), "iru");
        assert!(store.get(eu).unwrap().pending.under_order);
        assert_eq!(
            core.queue.pop(),
            Some((60.0, AuthorityEvent::OrderDeadline { copy: eu }))
        );
    }

    #[test]
    fn each_authority_finds_a_copy_at_most_once() {
        let mut core = test_core::<AuthorityEvent>(SCENARIO);
        let mut a = Authorities::new(&core.model);
        let mut store = CopyStore::default();
        let id = store.insert(test_copy(1));
        a.schedule_find(&mut core, &mut store, id);
        let (t, AuthorityEvent::Find { copy, generation }) = core.queue.pop().unwrap() else {
            panic!()
        };
        core.now = t;
        assert!(
            a.find(&mut core, &mut store, copy, generation)
                .is_some_and(|s| s.first)
        );
        assert_eq!(store.get(id).unwrap().pending.found_by, 1);
        // The only monitor has found it: no further find is pending, only the referral.
        let rest: Vec<AuthorityEvent> = std::iter::from_fn(|| core.queue.pop())
            .map(|(_, e)| e)
            .collect();
        assert_eq!(
            rest,
            vec![AuthorityEvent::ReferralReady {
                authority: 0,
                copy: id
            }]
        );
        assert!(
            a.find(&mut core, &mut store, copy, generation).is_none(),
            "stale"
        );
    }
}

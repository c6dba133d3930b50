//! Owns the hash lists and the shared hash database: which variants each platform's list
//! holds, screening uploads against them and what a match does there (`on_match`, with
//! the crisis posture's in force), submissions to the shared database and their delivery
//! to the members (faster, to a protocol's members, while protocols are active), and hash
//! sweeps of the live copies of a newly listed variant.
//!
//! Which faster deliveries a submission gets is the protocols' to say; the dispatch asks
//! them and passes the answer in.

use rand::RngExt;
use rustc_hash::FxHashMap;

use crate::scenario::{Minutes, Model, OnMatch};
use crate::sink::EventKind;

use super::copy::CopyStore;
use super::core::Core;
use super::rng::Mechanism;
use super::store::CopyId;

/// The events hash lists schedule and handle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HashEvent {
    /// A shared-database submission reaches the members' lists: every member's
    /// ([`NORMAL`]), or, for a protocol's faster delivery, only that protocol's members'
    /// (`via`: the protocol's place among those in play).
    Arrival { variant: u32, via: u32 },
    /// A hash sweep removes a copy (if still live).
    Sweep { copy: CopyId },
}

/// The `via` of a submission's normal delivery, to every member.
pub const NORMAL: u32 = u32::MAX;

/// Every platform's hash list, the shared database and the live copies sweeps may take.
#[derive(Debug)]
pub struct HashLists {
    platforms: usize,
    /// Whether variant v is on platform p's list, at `v * platforms + p`.
    listed: Vec<bool>,
    listed_anywhere: Vec<bool>,
    submitted: Vec<bool>,
    /// Variants submitted to the shared database whose normal delivery is pending.
    pending: Vec<u32>,
    live: LiveIndex,
    /// What a match does on each platform now (its own rule, or its crisis posture's),
    /// and whether any sends matches to review.
    on_match: Vec<OnMatch>,
    any_review: bool,
    /// (variant, platform) listings not yet taken by [`HashLists::take_listings`], kept
    /// if `track_listings` (for the campaigns' blocked attempts counted in aggregate).
    pub track_listings: bool,
    listings: Vec<(u32, u32)>,
}

impl HashLists {
    pub fn new(model: &Model) -> Self {
        HashLists {
            platforms: model.platforms.len(),
            listed: Vec::new(),
            listed_anywhere: Vec::new(),
            submitted: Vec::new(),
            pending: Vec::new(),
            live: LiveIndex::new(model.hash_sharing.sweep),
            on_match: model.platforms.iter().map(|p| p.on_match).collect(),
            any_review: model
                .platforms
                .iter()
                .any(|p| p.on_match == OnMatch::Review),
            track_listings: false,
            listings: Vec::new(),
        }
    }

    /// Whether a listing has been made since the last [`HashLists::take_listings`].
    #[inline]
    pub fn has_new_listings(&self) -> bool {
        !self.listings.is_empty()
    }

    /// The (variant, platform) listings made since the last call, oldest first.
    pub fn take_listings(&mut self, into: &mut Vec<(u32, u32)>) {
        into.clear();
        std::mem::swap(into, &mut self.listings);
    }

    /// A new variant, on no list.
    pub fn add_variant(&mut self) {
        self.listed
            .extend(std::iter::repeat_n(false, self.platforms));
        self.listed_anywhere.push(false);
        self.submitted.push(false);
    }

    /// Whether a variant is on a platform's hash list.
    #[inline]
    pub fn is_listed(&self, variant: u32, platform: u32) -> bool {
        self.listed[variant as usize * self.platforms + platform as usize]
    }

    /// Whether an attempt of a listed variant is matched (probability `hash_recall`).
    #[inline]
    pub fn matched<E>(&self, core: &Core<E>, platform: u32, key: u64) -> bool {
        let recall = core.model.platforms[platform as usize].hash_recall;
        core.key.unit(key, Mechanism::Screening) < recall
    }

    /// What a match does on a platform now.
    #[inline]
    pub fn on_match(&self, platform: u32) -> OnMatch {
        if !self.any_review {
            return OnMatch::Block;
        }
        self.on_match[platform as usize]
    }

    /// Change what a match does on a platform (a crisis posture's rule, or back).
    pub fn set_on_match(&mut self, platform: u32, on_match: OnMatch) {
        self.on_match[platform as usize] = on_match;
        self.any_review = self.on_match.contains(&OnMatch::Review);
    }

    /// A copy was published of a variant not on its platform's list: a sweep may take it.
    pub fn track_live(&mut self, copy: CopyId, variant: u32, platform: u32) {
        self.live.insert(copy, variant, platform);
    }

    /// A copy was removed.
    pub fn untrack_live(&mut self, copy: CopyId, variant: u32, platform: u32) {
        if !self.is_listed(variant, platform) {
            self.live.remove(copy, variant, platform);
        }
    }

    /// Variants on some list.
    pub fn variants_listed(&self) -> u64 {
        self.listed_anywhere.iter().filter(|&&l| l).count() as u64
    }

    /// Platforms whose list holds the variant.
    pub fn lists_holding(&self, variant: u32) -> usize {
        let v = variant as usize * self.platforms;
        self.listed[v..v + self.platforms]
            .iter()
            .filter(|&&l| l)
            .count()
    }

    pub fn submitted(&self, variant: u32) -> bool {
        self.submitted[variant as usize]
    }

    /// Submissions whose normal delivery is pending.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Put a variant on a platform's list (by the platform's own removal, or from the
    /// shared database) and, if sweeps are on, schedule the sweep of its live copies
    /// there (each with probability `hash_recall`). False if it was listed already.
    pub fn list<E: From<HashEvent>>(
        &mut self,
        core: &mut Core<E>,
        store: &mut CopyStore,
        variant: u32,
        platform: u32,
        by_removal: bool,
    ) -> bool {
        let i = variant as usize * self.platforms + platform as usize;
        let already = std::mem::replace(&mut self.listed[i], true);
        self.listed_anywhere[variant as usize] = true;
        if already {
            return false;
        }
        if self.track_listings {
            self.listings.push((variant, platform));
        }
        let now = core.now;
        core.log(EventKind::HashListed, Some(platform), None, |names| {
            format!(
                "{} variant {} is now on this platform's hash list{}",
                names.contents[names.variant_content(variant) as usize],
                names.variant_number(variant),
                if by_removal {
                    ""
                } else {
                    " (from the shared database)"
                }
            )
        });
        let hs = &core.model.hash_sharing;
        if hs.sweep {
            let sweep_time = hs.sweep_time;
            let recall = core.model.platforms[platform as usize].hash_recall;
            for copy in self.live.take(variant, platform) {
                let Some(c) = store.get_mut(copy) else {
                    continue;
                };
                let u: f64 = c.streams.fate.random();
                if u < recall {
                    let (p, ident) = (c.platform, c.ident());
                    core.schedule(now + sweep_time, HashEvent::Sweep { copy });
                    core.log(EventKind::SweepScheduled, Some(p), Some(ident), |_| {
                        format!("hash sweep will remove this copy in {sweep_time:.0} min")
                    });
                }
            }
        }
        true
    }

    /// Submit a variant a platform has just listed by its own removal to the shared
    /// database, if the platform is a member: it reaches the other members after the
    /// database's delay, and each active protocol's members after the shorter delay of
    /// that protocol, if `crisis` (the protocols' answer) holds one for it.
    pub fn submit<E: From<HashEvent>>(
        &mut self,
        core: &mut Core<E>,
        variant: u32,
        platform: u32,
        crisis: impl Iterator<Item = (u32, Minutes)>,
    ) {
        if !core.model.platforms[platform as usize].hash_sharing_member {
            return;
        }
        let now = core.now;
        let delay = core.model.hash_sharing.delay;
        self.submitted[variant as usize] = true;
        self.pending.push(variant);
        let mut soonest = delay;
        for (via, d) in crisis {
            core.schedule(now + d, HashEvent::Arrival { variant, via });
            soonest = soonest.min(d);
        }
        core.schedule(
            now + delay,
            HashEvent::Arrival {
                variant,
                via: NORMAL,
            },
        );
        let delay = soonest;
        core.log(EventKind::HashSubmitted, Some(platform), None, |names| {
            format!(
                "{} variant {} submitted to the shared hash database; members receive it in {delay:.0} min",
                names.contents[names.variant_content(variant) as usize],
                names.variant_number(variant)
            )
        });
    }

    /// A submission reaches the members' lists (only those of `protocol`, the members of
    /// the protocol whose faster delivery it is, if given).
    pub fn arrival<E: From<HashEvent>>(
        &mut self,
        core: &mut Core<E>,
        store: &mut CopyStore,
        variant: u32,
        protocol: Option<&[bool]>,
    ) {
        if protocol.is_none()
            && let Some(i) = self.pending.iter().position(|&v| v == variant)
        {
            self.pending.remove(i);
        }
        for p in 0..self.platforms {
            let platform = &core.model.platforms[p];
            if platform.hash_sharing_member && protocol.is_none_or(|m| m[p]) {
                self.list(core, store, variant, p as u32, false);
            }
        }
    }

    /// Deliver every pending submission to the members now; returns how many.
    pub fn push_pending<E: From<HashEvent>>(
        &mut self,
        core: &mut Core<E>,
        store: &mut CopyStore,
    ) -> usize {
        let pending = std::mem::take(&mut self.pending);
        let n = pending.len();
        for v in pending {
            self.arrival(core, store, v, None);
        }
        n
    }
}

/// Live copies by (variant, platform), for hash sweeps.
///
/// A sweep happens once per (variant, platform), when the variant reaches the platform's
/// hash list; so only copies of variants not yet listed there are indexed, and a list is
/// handed over and dropped when its variant is listed. Each copy's position in its list is
/// kept here by slot, not in the copy's row: when a removal moves another copy into the
/// gap, only this small array is touched, not a random row of the store (a cache miss per
/// removal).
#[derive(Debug, Default)]
struct LiveIndex {
    enabled: bool,
    /// Keyed by (variant, platform); Fx rather than SipHash because it is looked up on
    /// every publication and removal (and nothing iterates it, so its order is moot).
    by_variant_platform: FxHashMap<(u32, u32), Vec<CopyId>>,
    slots: Vec<u32>,
}

impl LiveIndex {
    fn new(enabled: bool) -> Self {
        LiveIndex {
            enabled,
            ..Default::default()
        }
    }

    fn insert(&mut self, copy: CopyId, variant: u32, platform: u32) {
        if !self.enabled {
            return;
        }
        let list = self
            .by_variant_platform
            .entry((variant, platform))
            .or_default();
        let slot = list.len() as u32;
        list.push(copy);
        let i = copy.slot() as usize;
        if self.slots.len() <= i {
            self.slots.resize(i + 1, 0);
        }
        self.slots[i] = slot;
    }

    fn remove(&mut self, copy: CopyId, variant: u32, platform: u32) {
        if !self.enabled {
            return;
        }
        let Some(list) = self.by_variant_platform.get_mut(&(variant, platform)) else {
            return;
        };
        let slot = self.slots[copy.slot() as usize];
        list.swap_remove(slot as usize);
        if let Some(&moved) = list.get(slot as usize) {
            self.slots[moved.slot() as usize] = slot;
        }
        if list.is_empty() {
            self.by_variant_platform.remove(&(variant, platform));
        }
    }

    /// The live copies of a variant on a platform, in the order the index holds them,
    /// taken out of the index (the variant has just been listed there).
    fn take(&mut self, variant: u32, platform: u32) -> Vec<CopyId> {
        self.by_variant_platform
            .remove(&(variant, platform))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::copy::test_copy;
    use crate::engine::core::test_core;

    /// `crisis` and `member` are hash-sharing members, `crisis` also a protocol member;
    /// `outsider` is neither.
    const SCENARIO: &str = r#"
name: hash test
horizon: 24h
hash_sharing: {delay: 6h, sweep: true, sweep_time: 30m}
platforms:
  - {id: crisis, name: A, views_per_hour: 1, attention_half_life: 1h, review: {reviewers: 1, time: 10m}, hash_recall: 0.7,
     hash_sharing_member: true, protocol_member: true}
  - {id: member, name: B, views_per_hour: 1, attention_half_life: 1h, review: {reviewers: 1, time: 10m}, hash_recall: 0.7,
     hash_sharing_member: true}
  - {id: outsider, name: C, views_per_hour: 1, attention_half_life: 1h, review: {reviewers: 1, time: 10m}, hash_recall: 0.7}
content:
  - id: clip
    kind: video
    origin: {platform: crisis, at: 0m}
"#;

    fn setup() -> (Core<HashEvent>, HashLists, CopyStore) {
        let mut core = test_core::<HashEvent>(SCENARIO);
        let mut hashes = HashLists::new(&core.model);
        core.names.add_variant(0, 0);
        hashes.add_variant();
        (core, hashes, CopyStore::default())
    }

    #[test]
    fn a_submission_under_the_protocol_reaches_its_members_at_the_crisis_delay() {
        let (mut core, mut h, mut store) = setup();
        assert!(h.list(&mut core, &mut store, 0, 0, true));
        assert!(!h.list(&mut core, &mut store, 0, 0, true), "listed once");
        h.submit(&mut core, 0, 0, [(0, 30.0)].into_iter());
        assert_eq!(h.pending(), 1);
        let (t, event) = core.queue.pop().unwrap();
        assert_eq!(
            (t, event),
            (30.0, HashEvent::Arrival { variant: 0, via: 0 })
        );
        core.now = t;
        h.arrival(&mut core, &mut store, 0, Some(&[true, false, false]));
        // Only protocol members get the crisis delivery (the submitter has it already).
        assert!(h.is_listed(0, 0) && !h.is_listed(0, 1) && !h.is_listed(0, 2));
        assert_eq!(h.pending(), 1, "the normal delivery is still to come");
        let (t, event) = core.queue.pop().unwrap();
        assert_eq!(
            (t, event),
            (
                360.0,
                HashEvent::Arrival {
                    variant: 0,
                    via: NORMAL
                }
            )
        );
        core.now = t;
        h.arrival(&mut core, &mut store, 0, None);
        assert!(h.is_listed(0, 1) && !h.is_listed(0, 2));
        assert_eq!(h.pending(), 0);
        assert_eq!((h.lists_holding(0), h.variants_listed()), (2, 1));
    }

    #[test]
    fn without_a_protocol_a_submission_travels_at_the_database_delay_and_a_push_brings_it_now() {
        let (mut core, mut h, mut store) = setup();
        h.list(&mut core, &mut store, 0, 1, true);
        h.submit(&mut core, 0, 1, std::iter::empty());
        assert!(h.submitted(0));
        assert_eq!(core.queue.peek_time(), Some(360.0));
        assert_eq!(core.queue.len(), 1);
        assert_eq!(h.push_pending(&mut core, &mut store), 1);
        assert!(h.is_listed(0, 0) && h.is_listed(0, 1) && !h.is_listed(0, 2));
        // A non-member's removal is not submitted.
        h.add_variant();
        core.names.add_variant(0, 1);
        h.list(&mut core, &mut store, 1, 2, true);
        h.submit(&mut core, 1, 2, std::iter::empty());
        assert!(!h.submitted(1));
    }

    #[test]
    fn a_sweep_takes_about_hash_recall_of_the_live_copies() {
        let (mut core, mut h, mut store) = setup();
        let n = 4000;
        let mut ids = Vec::new();
        for k in 0..n {
            let id = store.insert(test_copy(k));
            h.track_live(id, 0, 0);
            ids.push(id);
        }
        // Copies removed before the listing are not swept.
        for &id in ids.iter().step_by(4) {
            h.untrack_live(id, 0, 0);
            store.remove(id);
        }
        let live = n - n / 4;
        core.now = 100.0;
        h.list(&mut core, &mut store, 0, 0, true);
        let swept: Vec<(Minutes, HashEvent)> = std::iter::from_fn(|| core.queue.pop()).collect();
        assert!(swept.iter().all(|&(t, e)| {
            t == 130.0 && matches!(e, HashEvent::Sweep { copy } if store.get(copy).is_some())
        }));
        // Binomial(3000, 0.7): sd 25; within 5 sd.
        let share = swept.len() as f64;
        assert!(
            (share - 0.7 * live as f64).abs() < 125.0,
            "{share} of {live}"
        );
        // Listed: later copies are not indexed, and a second listing sweeps nothing.
        assert!(!h.list(&mut core, &mut store, 0, 0, false));
        assert!(core.queue.is_empty());
    }

    #[test]
    fn live_index_keeps_lists_right_through_removals() {
        let mut store = CopyStore::default();
        let copies: Vec<CopyId> = (0..60).map(|n| store.insert(test_copy(n))).collect();
        let mut idx = LiveIndex::new(true);
        // Three (variant, platform) pairs, copies dealt round-robin.
        let pair = |i: usize| ((i % 3) as u32, 7);
        for (i, &c) in copies.iter().enumerate() {
            let (v, p) = pair(i);
            idx.insert(c, v, p);
        }
        // Remove from the front, so each removal moves a later copy into the gap, and
        // many of the moved copies are removed in their turn.
        let removed: Vec<usize> = (0..60).filter(|i| i % 2 == 0 || i % 7 == 0).collect();
        for &i in &removed {
            let (v, p) = pair(i);
            idx.remove(copies[i], v, p);
        }
        for v in 0..3 {
            let mut got = idx.take(v, 7);
            got.sort_unstable_by_key(|c| c.slot());
            let want: Vec<CopyId> = (0..60)
                .filter(|&i| pair(i).0 == v && !removed.contains(&i))
                .map(|i| copies[i])
                .collect();
            assert_eq!(got, want, "variant {v}");
            assert!(idx.take(v, 7).is_empty(), "a taken list is gone");
        }
        // Off when sweeps are off.
        let mut off = LiveIndex::new(false);
        off.insert(copies[1], 0, 7);
        assert!(off.take(0, 7).is_empty());
    }
}

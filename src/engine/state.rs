//! The simulation's world state: entities, components and resources.
//!
//! Platforms, authorities and content variants are entities of the `World`. Live copies,
//! made and removed by the million, are rows of the engine's [`CopyStore`]: a copy's slot
//! is freed when it is removed, so memory follows the live population; what outlives it
//! is only counts on its platform, variant and the run.

pub use super::store::{CopyId, CopyStore};

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use bevy_ecs::component::Component;
use bevy_ecs::entity::Entity;
use bevy_ecs::resource::Resource;

use crate::scenario::{Capacity, Minutes};

use super::rng::Stream;

/// Priority classes of a review queue, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum QueueClass {
    RemovalOrder = 0,
    Referral = 1,
    OwnDetection = 2,
}

impl QueueClass {
    pub fn as_str(self) -> &'static str {
        match self {
            QueueClass::RemovalOrder => "removal order",
            QueueClass::Referral => "referral",
            QueueClass::OwnDetection => "own detection",
        }
    }
}

/// Where a copy stands with its platform's reviewers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReviewStatus {
    #[default]
    NotQueued,
    Waiting {
        class: QueueClass,
        token: u32,
    },
    InReview,
}

/// How a copy came to be removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemovalCause {
    Review,
    Order,
    Sweep,
}

impl RemovalCause {
    pub fn as_str(self) -> &'static str {
        match self {
            RemovalCause::Review => "review",
            RemovalCause::Order => "removal order",
            RemovalCause::Sweep => "hash sweep",
        }
    }
}

/// One live copy: one published instance of one variant on one platform.
///
/// All of a copy's state is one row of the [`CopyStore`], so that the event that touches
/// a copy finds it in one place rather than in several columns. The row is laid out for
/// the cache (four 64-byte lines, aligned): the first line holds what nearly every event
/// about the copy reads (its slot's life, pending-event generations, review status and
/// platform), the second its attention curve, identity and relatives (all that its
/// removal reads besides the first), the last two its random streams, the one drawn
/// least (sweeps and orders) alone in the fourth.
#[derive(Debug)]
#[repr(C, align(64))]
pub struct Copy {
    pub pending: Pending,
    /// The store's life number of this row (see [`CopyId`]); set by the store.
    pub life: u32,
    pub platform: u32,
    pub content: u32,
    /// Global variant index (into [`Registry::variants`]).
    pub variant: u32,

    pub attention: Attention,
    /// Publication number within the run (1-based), for the event log.
    pub number: u64,
    /// Lineage key: the root of this copy's random streams.
    pub key: u64,
    pub parent: Option<CopyId>,
    /// Live children made by this copy's links (for URL sharing); most copies have none,
    /// so the list is boxed to keep it to one word of the second line.
    pub children: Option<Box<Vec<CopyId>>>,

    pub streams: CopyStreams,
}

// Four cache lines, the hot fields in the first; a field added to the first two costs a
// line per copy on many events.
const _: () = assert!(std::mem::size_of::<Copy>() == 256);
const _: () = assert!(std::mem::offset_of!(Copy, attention) == 64);
const _: () = assert!(std::mem::offset_of!(Copy, streams) == 128);

/// (number, content, variant): how the event log names a copy.
pub type CopyIdent = (u64, u32, u32);

impl Copy {
    /// (number, content, variant), as the event log names a copy.
    pub fn ident(&self) -> CopyIdent {
        (self.number, self.content, self.variant)
    }
}

/// A copy's attention curve: view rate and link rate at `since`, both halving every
/// half-life of the platform; views accrued up to `since`.
#[derive(Debug)]
pub struct Attention {
    pub since: Minutes,
    pub view_rate: f64,
    pub link_rate: f64,
    pub views: f64,
}

/// Generation counters: a pending event whose generation no longer matches is stale.
#[derive(Debug, Default)]
pub struct Pending {
    pub links: u32,
    /// Onward attempts made so far (part of each child's lineage key).
    pub attempts_made: u32,
    pub detection: u32,
    pub finds: u32,
    /// Authorities that have found this copy (bit i: authority i).
    pub found_by: u64,
    pub review: ReviewStatus,
    /// A referral or order that arrived during review, to queue if the review keeps it.
    pub escalation: Option<QueueClass>,
    /// Set once a removal order reached the copy: its removal counts as by order.
    pub under_order: bool,
    /// When it first joined the current queue stay (for waiting-time statistics).
    pub queued_at: Minutes,
}

/// A copy's random streams, one per mechanism, in this order (the last, drawn least, is
/// alone in the row's last cache line).
#[derive(Debug)]
#[repr(C)]
pub struct CopyStreams {
    pub links: Stream,
    pub detection: Stream,
    pub review: Stream,
    pub authority: Stream,
    pub fate: Stream,
}

#[derive(Debug, Clone, Copy)]
pub struct QueueEntry {
    pub copy: CopyId,
    pub token: u32,
}

/// A platform's mutable state: queue, capacity, attention aggregate and counts.
#[derive(Component, Debug)]
pub struct PlatformState {
    pub index: u32,
    /// Reviewers in normal or crisis posture (before any outage).
    pub posture_capacity: Capacity,
    /// An outage in force: (inject index, reviewers).
    pub outage: Option<(u32, u32)>,
    pub busy: u32,
    pub queues: [VecDeque<QueueEntry>; 3],
    /// Copies waiting (valid queue entries).
    pub waiting: u64,
    pub proactive_per_min: f64,
    /// Product of the virality factors of injects in force here.
    pub virality_factor: f64,
    pub crisis: bool,
    pub notified: bool,
    /// Finds multiplier of authorities on this platform (protocol boost).
    pub finds_boost: f64,

    // Sum of the live copies' view rates at `agg_since`, and views up to then.
    pub agg_since: Minutes,
    pub agg_view_rate: f64,
    pub views: f64,

    pub live: u64,
    pub attempts: u64,
    pub blocked: u64,
    pub published: u64,
    pub removed_review: u64,
    pub removed_order: u64,
    pub removed_sweep: u64,
    pub reviews: u64,
    pub reviews_started: u64,
    pub wait_total: f64,
    pub max_queue: u64,
    // Reviewer-time integrals, for utilization.
    pub util_since: Minutes,
    pub busy_area: f64,
    pub capacity_area: f64,
}

impl PlatformState {
    pub fn capacity(&self) -> Capacity {
        match self.outage {
            Some((_, n)) => Capacity::Limited(n),
            None => self.posture_capacity,
        }
    }

    pub fn removed(&self) -> u64 {
        self.removed_review + self.removed_order + self.removed_sweep
    }
}

/// An authority's analysts and their queue of found copies.
#[derive(Component, Debug)]
pub struct AuthorityState {
    pub index: u32,
    pub analysts: Capacity,
    pub busy: u32,
    pub waiting: VecDeque<CopyId>,
}

/// A visually distinct variant of a content item: what a hash matches.
#[derive(Component, Debug)]
pub struct VariantState {
    pub content: u32,
    /// Number within its content (0 is the original).
    pub number: u32,
    /// Platforms whose hash list holds it.
    pub listed: Vec<bool>,
    pub listed_anywhere: bool,
    /// Submitted to the shared database.
    pub submitted: bool,
}

/// Copies published so far per variant of one content item, as a Fenwick tree, to draw
/// an existing variant in proportion to its copies in O(log n).
#[derive(Debug, Default, Clone)]
pub struct VariantCounts {
    /// Global variant index of each variant number.
    pub variants: Vec<u32>,
    tree: Vec<u64>,
    pub total: u64,
}

impl VariantCounts {
    /// Add a variant with zero copies; returns its number.
    pub fn push(&mut self, global: u32) -> u32 {
        self.variants.push(global);
        let i = self.tree.len() + 1; // 1-based node index
        // Node i covers (i - lowbit(i), i]: its initial value is the sum of the covered
        // earlier nodes' range, i.e. prefix(i-1) - prefix(i - lowbit(i)).
        let low = i & i.wrapping_neg();
        let v = self.prefix(i - 1) - self.prefix(i - low);
        self.tree.push(v);
        (self.variants.len() - 1) as u32
    }

    pub fn add(&mut self, number: u32, n: u64) {
        let mut i = number as usize + 1;
        while i <= self.tree.len() {
            self.tree[i - 1] += n;
            i += i & i.wrapping_neg();
        }
        self.total += n;
    }

    /// Sum of counts of variant numbers < i.
    fn prefix(&self, mut i: usize) -> u64 {
        let mut s = 0;
        while i > 0 {
            s += self.tree[i - 1];
            i -= i & i.wrapping_neg();
        }
        s
    }

    /// The variant number whose cumulative range holds `target` (0 <= target < total).
    pub fn find(&self, mut target: u64) -> u32 {
        let n = self.tree.len();
        let mut pos = 0usize;
        let mut step = n.next_power_of_two();
        // Branch-free steps: which way each step goes is as good as random, and a
        // mispredicted branch per level cost more than the level's load (a content with
        // a thousand variants has ten levels).
        while step > 0 {
            let next = pos + step;
            let node = self
                .tree
                .get(next.wrapping_sub(1))
                .copied()
                .unwrap_or(u64::MAX);
            let take = node <= target;
            pos = std::hint::select_unpredictable(take, next, pos);
            target -= std::hint::select_unpredictable(take, node, 0);
            step >>= 1;
        }
        pos.min(n.saturating_sub(1)) as u32
    }
}

/// Entity handles of the run's fixed entities, and per-content variant counts.
#[derive(Resource, Debug, Default)]
pub struct Registry {
    pub platforms: Vec<Entity>,
    pub authorities: Vec<Entity>,
    pub variants: Vec<Entity>,
    pub content_variants: Vec<VariantCounts>,
}

/// Live copies by (variant, platform), for hash sweeps.
///
/// A sweep happens once per (variant, platform), when the variant reaches the platform's
/// hash list; so only copies of variants not yet listed there are indexed, and a list is
/// handed over and dropped when its variant is listed. Each copy's position in its list is
/// kept here by slot, not in the copy's row: when a removal moves another copy into the
/// gap, only this small array is touched, not a random row of the store (a cache miss per
/// removal).
#[derive(Resource, Debug, Default)]
pub struct LiveIndex {
    pub enabled: bool,
    /// Keyed by (variant, platform); Fx rather than SipHash because it is looked up on
    /// every publication and removal (and nothing iterates it, so its order is moot).
    by_variant_platform: FxHashMap<(u32, u32), Vec<CopyId>>,
    slots: Vec<u32>,
}

impl LiveIndex {
    pub fn new(enabled: bool) -> Self {
        LiveIndex {
            enabled,
            ..Default::default()
        }
    }

    pub fn insert(&mut self, copy: CopyId, variant: u32, platform: u32) {
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

    pub fn remove(&mut self, copy: CopyId, variant: u32, platform: u32) {
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
    pub fn take(&mut self, variant: u32, platform: u32) -> Vec<CopyId> {
        self.by_variant_platform
            .remove(&(variant, platform))
            .unwrap_or_default()
    }
}

/// Run-wide counts.
#[derive(Debug, Default, Clone)]
pub struct Counters {
    pub attempts: u64,
    pub blocked: u64,
    pub published: u64,
    pub removed: u64,
    pub live: u64,
    pub peak_live: u64,
    pub variants: u64,
    pub events: u64,
    pub first_detection: Option<Minutes>,
    /// When the live count last fell to zero (None while copies are live).
    pub last_zero: Option<Minutes>,
    pub last_publish: Minutes,
    /// Distinct platforms with at least one removal, and removals, for protocol triggers.
    pub platforms_with_removals: u32,
    pub campaign_attempts: Vec<u64>,
    /// Variants submitted to the shared database whose normal delivery is pending.
    pub pending_hashes: Vec<u32>,
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

#[derive(Resource, Debug, Default, Clone)]
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

/// A copy with number `number` and nothing else of note, for tests of the stores.
#[cfg(test)]
pub(crate) fn test_copy(number: u64) -> Copy {
    use rand::SeedableRng;
    let stream = || Stream::seed_from_u64(number);
    Copy {
        pending: Pending::default(),
        life: 0,
        platform: 0,
        content: 0,
        variant: 0,
        attention: Attention {
            since: 0.0,
            view_rate: 0.0,
            link_rate: 0.0,
            views: 0.0,
        },
        number,
        key: number,
        parent: None,
        children: None,
        streams: CopyStreams {
            links: stream(),
            detection: stream(),
            review: stream(),
            authority: stream(),
            fate: stream(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn fenwick_finds_in_proportion() {
        let mut c = VariantCounts::default();
        for g in 0..5 {
            c.push(g);
        }
        c.add(0, 3);
        c.add(2, 1);
        c.add(4, 2);
        let picks: Vec<u32> = (0..6).map(|t| c.find(t)).collect();
        assert_eq!(picks, vec![0, 0, 0, 2, 4, 4]);
        // Growing after counts exist keeps earlier sums right.
        for g in 5..13 {
            c.push(g);
        }
        c.add(11, 4);
        assert_eq!(c.total, 10);
        let picks: Vec<u32> = (0..10).map(|t| c.find(t)).collect();
        assert_eq!(picks, vec![0, 0, 0, 2, 4, 4, 11, 11, 11, 11]);
    }
}

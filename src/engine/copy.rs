//! One live copy as the copy store holds it: a row of four cache lines.
//!
//! The row is shared by the mechanisms that keep state per copy, each in its own fields:
//! the copies mechanism its identity, attention and onward sharing; review queues its
//! review status; authorities its finds; hash sweeps and removal orders its fate stream.
//! Keeping them in one row rather than in a table per mechanism means the event that
//! touches a copy finds all of it in one or two cache lines (README, "Performance").

use crate::scenario::Minutes;

use super::rng::Stream;
use super::store::{Arena, CopyId, Row};

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
    /// Waiting in `class`; the queue entry carrying `token` is the valid one (an entry
    /// left behind when the copy moved up a class carries an older token).
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

    /// Whether the removal puts the variant on the platform's hash list (sweeps do not).
    pub fn lists(self) -> bool {
        matches!(self, RemovalCause::Review | RemovalCause::Order)
    }
}

/// One live copy: one published instance of one variant on one platform.
///
/// All of a copy's state is one row of the [`CopyStore`](super::store::CopyStore), so
/// that the event that touches a copy finds it in one place rather than in several
/// columns. The row is laid out for the cache (four 64-byte lines, aligned): the first
/// line holds what nearly every event about the copy reads (its slot's life,
/// pending-event generations, review status and platform), the second its attention
/// curve, identity and relatives (all that its removal reads besides the first), the last
/// two its random streams, the one drawn least (sweeps and orders) alone in the fourth.
#[derive(Debug)]
#[repr(C, align(64))]
pub struct Copy {
    pub pending: Pending,
    /// The store's life number of this row (see [`CopyId`]); set by the store.
    pub life: u32,
    pub platform: u32,
    pub content: u32,
    /// Global variant index (in order of making, over all content items).
    pub variant: u32,

    pub attention: Attention,
    /// Publication number within the run (1-based), for the event log.
    pub number: u64,
    /// Lineage key: the root of this copy's random streams.
    pub key: u64,
    pub parent: Option<CopyId>,
    /// Live children made by this copy's links (for URL sharing); most copies have none,
    /// so the list is boxed to keep it to one word of the second line (a `Vec` is three).
    #[allow(clippy::box_collection)]
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
    /// Set at the copy's first detection by its platform or find by an authority (a
    /// protocol's `detections` trigger counts each copy once).
    pub spotted: bool,
    /// The origin of a livestream, in its live phase (contract section 17): its
    /// attention does not decay, and the live stream's rates apply.
    pub live: bool,
    /// The authority whose referral is behind the copy's stay in class 2 (or its review
    /// from there): its `acceptance` decides the review. None for URL sharing.
    pub referred_by: Option<u8>,
    /// The same for a referral that arrived during a review (see `escalation`).
    pub escalated_by: Option<u8>,
    /// When it first joined the current queue stay (for waiting-time statistics).
    pub queued_at: Minutes,
}

// The part II flags fit in what was padding: the first line still holds the row's
// pending state, life, platform, content and variant.
const _: () = assert!(std::mem::size_of::<Pending>() == 48);

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

/// The live copies' rows, with the free slots (see [`Arena`]).
pub type CopyStore = Arena<Copy, 0>;

impl Row for Copy {
    #[inline]
    fn life(&self) -> u32 {
        self.life
    }
    #[inline]
    fn set_life(&mut self, life: u32) {
        self.life = life;
    }
}

/// A copy with number `number` on platform 0 and nothing else of note, for the
/// mechanisms' unit tests.
#[cfg(test)]
pub(crate) fn test_copy(number: u64) -> Copy {
    use rand::SeedableRng;
    let stream = |m: u64| Stream::seed_from_u64(number.wrapping_mul(31).wrapping_add(m));
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
            links: stream(1),
            detection: stream(2),
            review: stream(3),
            authority: stream(4),
            fate: stream(5),
        },
    }
}

//! The future event list, generic over its event type, with deterministic tie-breaking.
//!
//! Events run in order of time, then priority (model events before samples), then the
//! order they were scheduled in. Scheduling order is itself deterministic, so the whole
//! run is.
//!
//! It is a calendar queue: the run's span is cut into equal buckets; an event goes into
//! the bucket of its time (an unsorted `Vec`, O(1)); the bucket being drained is a small
//! binary heap. A single binary heap over hundreds of thousands of pending events spends
//! most of its time in cache misses; a bucket's heap fits in cache. A bucket that holds
//! many events when its turn comes (a large incident puts hundreds in each) is first
//! split into finer sub-buckets, so the heap stays small and the cost per event stays
//! flat as the volume grows. The order of events is exactly that of one heap: every
//! event in a later bucket or sub-bucket is later in time.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use crate::scenario::Minutes;
use crate::sys::prefetch_lines;

/// Samples run after every model event at the same time, so they see its effects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    Model = 0,
    Sample = 1,
}

/// Priority and scheduling sequence share one word, so more entries fit in each cache
/// line the queue touches: with ttx's 16-byte events an entry is 32 bytes (checked where
/// the event type is defined, with [`entry_size`]).
#[derive(Debug, Clone)]
struct Entry<E> {
    time: Minutes,
    /// Priority in the top bit, scheduling sequence below: one comparison orders both.
    order: u64,
    event: E,
}

/// The size of one pending entry of events of type `E`, in bytes.
pub const fn entry_size<E>() -> usize {
    std::mem::size_of::<Entry<E>>()
}

impl<E> Entry<E> {
    fn new(time: Minutes, priority: Priority, seq: u64, event: E) -> Self {
        Entry {
            time,
            order: ((priority as u64) << 63) | (seq & !(1 << 63)),
            event,
        }
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    // Reversed: BinaryHeap is a max-heap and we want the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .time
            .total_cmp(&self.time)
            .then_with(|| other.order.cmp(&self.order))
    }
}

/// Buckets over the span; a run's events spread over them.
const BUCKETS: usize = 1 << 13;
const _: () = assert!(
    BUCKETS <= 1 << 16,
    "held entries name their bucket in a u16"
);

/// Sub-buckets a large bucket is split into when its turn comes.
const SUB_BUCKETS: usize = 64;

/// A bucket with more events than this is split before it is drained.
const SPLIT_ABOVE: usize = 64;

/// Far-future entries held back before they are put in their buckets (see
/// [`EventQueue::push`]).
const STAGE: usize = 16;

/// How many far-future entries after an entry's the end of its bucket is prefetched
/// (its bucket's header was prefetched when it was held).
const AHEAD: usize = 8;

/// Emptied buckets' allocations kept for buckets that fill later.
const SPARE: usize = 256;

/// No compaction below this many pending events: small queues are cheap anyway.
const MIN_COMPACTION: usize = 1 << 10;

/// Pending events of one run.
///
/// Cancelled events (a removed copy's next onward attempt, a redrawn detection) are left
/// in the queue and skipped when popped. So that they cannot pile up, the queue is
/// compacted whenever it has doubled since the last compaction: amortised O(1) per event,
/// and it stays within twice the live events.
#[derive(Debug)]
pub struct EventQueue<E> {
    /// Bucket width in minutes.
    width: f64,
    /// Buckets per minute (`1 / width`): a multiplication, not a division, files an
    /// event. Any monotone map of time to buckets keeps the order exact.
    per_minute: f64,
    /// Index of the bucket being drained (its events are in `active`, and in `subs` if
    /// it was split).
    current: usize,
    active: BinaryHeap<Entry<E>>,
    buckets: Vec<Vec<Entry<E>>>,
    /// Whether the current bucket was split into `subs`.
    split: bool,
    /// Start time of the current bucket's sub-buckets.
    sub_start: f64,
    /// Sub-buckets per minute (`1 / ` their width).
    sub_per_minute: f64,
    /// Index of the sub-bucket being drained.
    sub_current: usize,
    subs: Vec<Vec<Entry<E>>>,
    /// Events past the last bucket.
    overflow: BinaryHeap<Entry<E>>,
    /// Entries for buckets at least two past the current one, with their buckets, not
    /// yet put there, oldest first (see [`EventQueue::push`]).
    staged: VecDeque<(u16, Entry<E>)>,
    /// Allocations of emptied buckets and heaps, for buckets that start to fill.
    spare: Vec<Vec<Entry<E>>>,
    len: usize,
    seq: u64,
    compact_at: usize,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue::new(24.0 * 60.0)
    }
}

impl<E> EventQueue<E> {
    /// A queue for events between 0 and `span` minutes (later ones are handled too, less
    /// efficiently).
    pub fn new(span: Minutes) -> Self {
        let span = if span.is_finite() && span > 0.0 {
            span
        } else {
            1.0
        };
        EventQueue {
            width: span / BUCKETS as f64,
            per_minute: BUCKETS as f64 / span,
            current: 0,
            active: BinaryHeap::new(),
            buckets: std::iter::repeat_with(Vec::new).take(BUCKETS).collect(),
            split: false,
            sub_start: 0.0,
            sub_per_minute: 1.0 / (span / BUCKETS as f64 / SUB_BUCKETS as f64),
            sub_current: 0,
            subs: std::iter::repeat_with(Vec::new).take(SUB_BUCKETS).collect(),
            overflow: BinaryHeap::new(),
            staged: VecDeque::with_capacity(STAGE + 1),
            spare: Vec::new(),
            len: 0,
            seq: 0,
            compact_at: MIN_COMPACTION,
        }
    }

    fn bucket_of(&self, time: Minutes) -> usize {
        // Truncation is the floor for the values that reach the cast (0 <= b < BUCKETS),
        // and a cast is an instruction where `floor` is a library call on the baseline
        // x86-64 target.
        let b = time * self.per_minute;
        if b.is_nan() || b < 0.0 {
            0
        } else if b >= BUCKETS as f64 {
            BUCKETS
        } else {
            b as usize
        }
    }

    /// The sub-bucket of a time in the current bucket (monotone in time, so it keeps the
    /// order of events; rounding at the edges is clamped).
    fn sub_of(&self, time: Minutes) -> usize {
        // As in `bucket_of`: truncation is the floor where it is used.
        let s = (time - self.sub_start) * self.sub_per_minute;
        if s.is_nan() || s < 0.0 {
            0
        } else if s >= (SUB_BUCKETS - 1) as f64 {
            SUB_BUCKETS - 1
        } else {
            s as usize
        }
    }

    /// Add a model event (ahead of samples at the same time).
    pub fn schedule(&mut self, time: Minutes, event: E) {
        self.push(time, Priority::Model, event);
    }

    /// Add an event.
    ///
    /// An event for a bucket at least two past the current one is not put there at once
    /// but held while `STAGE` later ones are: in a large run a far bucket is rarely in
    /// cache, neither its header (where its end is) nor its end, and one at a time those
    /// misses came one after another (this was the largest cost that grew with the
    /// volume). So the processor is asked for the bucket's header when the entry is
    /// held, for the bucket's end `AHEAD` far-future entries later (the header has
    /// arrived by then), and the entry is filed `STAGE` entries after it was held (the
    /// end has arrived): the misses overlap the handling of the events in between. Held
    /// entries go to their buckets before the queue moves to another bucket, so none can
    /// be passed over; the order of events is unchanged (a bucket is unsorted anyway).
    pub fn push(&mut self, time: Minutes, priority: Priority, event: E) {
        debug_assert!(!time.is_nan());
        self.seq += 1;
        let entry = Entry::new(time, priority, self.seq, event);
        let b = self.bucket_of(time);
        if b >= self.current + 2 && b < BUCKETS {
            prefetch_lines(&raw const self.buckets[b], 1);
            self.staged.push_back((b as u16, entry));
            let held = self.staged.len();
            if held > AHEAD {
                let bucket = &self.buckets[self.staged[held - 1 - AHEAD].0 as usize];
                prefetch_lines(bucket.as_ptr().wrapping_add(bucket.len()), 1);
            }
            if held > STAGE
                && let Some((b, entry)) = self.staged.pop_front()
            {
                self.file(b as usize, entry);
            }
        } else if b < self.current || (b == self.current && !self.split) {
            self.active.push(entry);
        } else if b == self.current {
            let s = self.sub_of(time);
            if s <= self.sub_current {
                self.active.push(entry);
            } else {
                self.subs[s].push(entry);
            }
        } else if b < BUCKETS {
            self.buckets[b].push(entry);
        } else {
            self.overflow.push(entry);
        }
        self.len += 1;
        if self.active.is_empty() {
            self.refill();
        }
    }

    /// Put the held far-future entries in their buckets.
    fn put_staged(&mut self) {
        while let Some((b, entry)) = self.staged.pop_front() {
            self.file(b as usize, entry);
        }
    }

    /// Put an entry in a later bucket, which, if it had no allocation yet, takes a spare
    /// one.
    #[inline]
    fn file(&mut self, b: usize, entry: Entry<E>) {
        let bucket = &mut self.buckets[b];
        if bucket.capacity() == 0
            && let Some(spare) = self.spare.pop()
        {
            *bucket = spare;
        }
        bucket.push(entry);
    }

    /// Keep an emptied allocation for a bucket that fills later.
    #[inline]
    fn keep_spare(&mut self, v: Vec<Entry<E>>) {
        debug_assert!(v.is_empty());
        if v.capacity() > 0 && self.spare.len() < SPARE {
            self.spare.push(v);
        }
    }

    /// Make `active` hold the earliest (sub-)bucket with events, if any are pending.
    fn refill(&mut self) {
        while self.active.is_empty() && self.len > 0 {
            if self.split && self.sub_current + 1 < SUB_BUCKETS {
                self.sub_current += 1;
                let next = std::mem::take(&mut self.subs[self.sub_current]);
                if !next.is_empty() {
                    // The drained heap's allocation goes back to the sub-bucket for reuse.
                    let drained = std::mem::replace(&mut self.active, BinaryHeap::from(next));
                    self.subs[self.sub_current] = drained.into_vec();
                }
                continue;
            }
            self.split = false;
            // Held entries are for later buckets than the current one: put them in
            // before moving on.
            self.put_staged();
            if self.current + 1 < BUCKETS {
                self.current += 1;
                let mut bucket = std::mem::take(&mut self.buckets[self.current]);
                if bucket.len() > SPLIT_ABOVE {
                    self.split = true;
                    self.sub_start = self.current as f64 * self.width;
                    self.sub_current = 0;
                    for e in bucket.drain(..) {
                        let s = self.sub_of(e.time);
                        self.subs[s].push(e);
                    }
                    let first = std::mem::replace(&mut self.subs[0], bucket);
                    let drained = std::mem::replace(&mut self.active, BinaryHeap::from(first));
                    self.keep_spare(drained.into_vec());
                } else if !bucket.is_empty() {
                    let drained = std::mem::replace(&mut self.active, BinaryHeap::from(bucket));
                    self.keep_spare(drained.into_vec());
                } else {
                    self.keep_spare(bucket);
                }
            } else {
                // Past the last bucket: the overflow heap is all that is left.
                self.current = BUCKETS;
                self.active = std::mem::take(&mut self.overflow);
                return;
            }
        }
    }

    pub fn peek_time(&self) -> Option<Minutes> {
        self.active.peek().map(|e| e.time)
    }

    /// The next event, without taking it.
    pub fn peek(&self) -> Option<&E> {
        self.active.peek().map(|e| &e.event)
    }

    /// The event after the next one, if it is in the bucket being drained.
    pub fn peek_second(&self) -> Option<&E> {
        let heap = self.active.as_slice();
        let second = match (heap.get(1), heap.get(2)) {
            (Some(a), Some(b)) => a.max(b),
            (Some(a), None) => a,
            _ => return None,
        };
        Some(&second.event)
    }

    #[inline]
    pub fn pop(&mut self) -> Option<(Minutes, E)> {
        let e = self.active.pop()?;
        self.len -= 1;
        if self.active.is_empty() {
            self.refill();
        }
        Some((e.time, e.event))
    }

    /// Events pending, including ones that will turn out stale.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the queue has grown enough since the last compaction to be worth one.
    pub fn wants_compaction(&self) -> bool {
        self.len > self.compact_at
    }

    /// Drop the events `live` says are cancelled. The order of the rest is unchanged (it
    /// is a total order on time, priority and scheduling sequence).
    pub fn compact(&mut self, live: impl FnMut(&E) -> bool) {
        self.compact_prefetched(live, |_| {});
    }

    /// [`EventQueue::compact`], asking `prefetch` to start loading what `live` will read
    /// for an entry some entries before `live` is asked about it (in a large run, what
    /// `live` reads, a copy's row, is rarely in cache, and one miss after another made
    /// compaction a few percent of the run).
    pub fn compact_prefetched(&mut self, mut live: impl FnMut(&E) -> bool, prefetch: impl Fn(&E)) {
        self.put_staged();
        let mut keep = |v: &mut Vec<Entry<E>>| retain_ahead(v, &mut live, &prefetch);
        let mut active = std::mem::take(&mut self.active).into_vec();
        keep(&mut active);
        self.active = BinaryHeap::from(active);
        let mut overflow = std::mem::take(&mut self.overflow).into_vec();
        keep(&mut overflow);
        self.overflow = BinaryHeap::from(overflow);
        for b in &mut self.buckets[self.current.min(BUCKETS - 1)..] {
            keep(b);
        }
        for b in &mut self.subs {
            keep(b);
        }
        self.len = self.active.len()
            + self.overflow.len()
            + self.buckets.iter().map(Vec::len).sum::<usize>()
            + self.subs.iter().map(Vec::len).sum::<usize>();
        self.compact_at = (self.len * 2).max(MIN_COMPACTION);
        if self.active.is_empty() {
            self.refill();
        }
    }
}

/// Keep the entries whose event `live` accepts (in their order), with `prefetch` called
/// on each event [`AHEAD`] entries before `live`.
fn retain_ahead<E>(
    v: &mut Vec<Entry<E>>,
    live: &mut impl FnMut(&E) -> bool,
    prefetch: &impl Fn(&E),
) {
    for e in v.iter().take(AHEAD) {
        prefetch(&e.event);
    }
    let mut kept = 0;
    for i in 0..v.len() {
        if let Some(ahead) = v.get(i + AHEAD) {
            prefetch(&ahead.event);
        }
        if live(&v[i].event) {
            v.swap(kept, i);
            kept += 1;
        }
    }
    v.truncate(kept);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The queue knows nothing of ttx's events: a stand-in.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Event {
        Inject { index: u32 },
        Sample,
    }

    #[test]
    fn earliest_first_then_priority_then_fifo() {
        let mut q = EventQueue::new(10.0);
        q.push(5.0, Priority::Sample, Event::Sample);
        q.schedule(5.0, Event::Inject { index: 1 });
        q.schedule(1.0, Event::Inject { index: 2 });
        q.schedule(5.0, Event::Inject { index: 3 });
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order[0], (1.0, Event::Inject { index: 2 }));
        assert_eq!(order[1], (5.0, Event::Inject { index: 1 }));
        assert_eq!(order[2], (5.0, Event::Inject { index: 3 }));
        assert_eq!(order[3], (5.0, Event::Sample));
    }

    /// A pseudo-random schedule of pushes (some at the current time, some past the span)
    /// and pops against a plain BinaryHeap of the same entries; events land up to
    /// `spread` minutes ahead in a queue over `span` minutes, a share `far` of them past
    /// the span. Returns whether any bucket was split.
    fn check_against_one_heap(span: f64, spread: f64, far: f64, steps: u32) -> bool {
        let mut q = EventQueue::new(span);
        let mut reference = BinaryHeap::new();
        let mut seq = 0u64;
        let mut now = 0.0_f64;
        let mut x = 12345u64;
        let mut split = false;
        let mut rand = || {
            x = crate::engine::rng::splitmix(x);
            crate::engine::rng::unit(x)
        };
        for step in 0..steps {
            if rand() < 0.55 || reference.is_empty() {
                let r = rand();
                let t = if r < 0.1 {
                    now
                } else if r < 0.1 + far {
                    now + span * 2.0
                } else {
                    now + rand() * spread
                };
                let event = Event::Inject { index: step };
                q.schedule(t, event);
                seq += 1;
                reference.push(Entry::new(t, Priority::Model, seq, event));
            } else {
                let want = reference.pop().map(|e| (e.time, e.event));
                let got = q.pop();
                assert_eq!(got, want, "step {step}");
                now = got.unwrap().0;
            }
            assert_eq!(q.len(), reference.len());
            assert_eq!(q.peek_time(), reference.peek().map(|e| e.time));
            split |= q.split;
        }
        split
    }

    #[test]
    fn same_order_as_one_binary_heap_under_interleaved_use() {
        // Sparse: well under one event per bucket.
        assert!(!check_against_one_heap(100.0, 30.0, 0.02, 20_000));
    }

    #[test]
    fn same_order_as_one_binary_heap_when_buckets_are_split() {
        // Dense: thousands of events per bucket, so buckets are split into sub-buckets
        // and events are pushed into the sub-buckets of the bucket being drained.
        assert!(check_against_one_heap(8192.0, 3.0, 0.0, 200_000));
    }

    #[test]
    fn compaction_drops_only_cancelled_events() {
        let mut q = EventQueue::new(10.0);
        for i in 0..100u32 {
            q.schedule(f64::from(i) * 0.3, Event::Inject { index: i });
        }
        q.compact(|e| matches!(e, Event::Inject { index } if index % 3 == 0));
        assert_eq!(q.len(), 34);
        let order: Vec<u32> = std::iter::from_fn(|| q.pop())
            .map(|(_, e)| match e {
                Event::Inject { index } => index,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(order, (0..100).filter(|i| i % 3 == 0).collect::<Vec<_>>());
    }
}

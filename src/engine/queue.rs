//! The future event list: a binary heap of timed events with deterministic tie-breaking.
//!
//! Events at the same time run in order of priority (model events before samples), then
//! in the order they were scheduled. Scheduling order is itself deterministic, so the
//! whole run is.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use bevy_ecs::resource::Resource;

use crate::scenario::Minutes;

use super::Event;

/// Samples run after every model event at the same time, so they see its effects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    Model = 0,
    Sample = 1,
}

#[derive(Debug, Clone)]
struct Entry {
    time: Minutes,
    priority: Priority,
    seq: u64,
    event: Event,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    // Reversed: BinaryHeap is a max-heap and we want the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .time
            .total_cmp(&self.time)
            .then_with(|| other.priority.cmp(&self.priority))
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

/// Pending events of one run.
#[derive(Resource, Debug, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Entry>,
    seq: u64,
}

impl EventQueue {
    pub fn schedule(&mut self, time: Minutes, event: Event) {
        self.push(time, Priority::Model, event);
    }

    pub fn push(&mut self, time: Minutes, priority: Priority, event: Event) {
        debug_assert!(!time.is_nan());
        self.seq += 1;
        self.heap.push(Entry {
            time,
            priority,
            seq: self.seq,
            event,
        });
    }

    pub fn peek_time(&self) -> Option<Minutes> {
        self.heap.peek().map(|e| e.time)
    }

    pub fn pop(&mut self) -> Option<(Minutes, Event)> {
        self.heap.pop().map(|e| (e.time, e.event))
    }

    /// Events pending, including ones that will turn out stale.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_then_priority_then_fifo() {
        let mut q = EventQueue::default();
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
}

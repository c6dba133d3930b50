//! Owns the live copies' rows: an arena named by slot and life.
//!
//! Copies are the one part of the world made and destroyed by the million, and nearly
//! every event looks one up. As `bevy_ecs` entities, each look-up went through the entity
//! index and the sparse set's index before it reached the row, and each removal moved
//! another copy's row and rewrote its index entries: at scale, those are random accesses
//! to memory, and they were most of what made an event dearer as the live population grew
//! (README, "Performance"). Here a copy is named by a [`CopyId`], its slot and the slot's
//! life number, so a look-up is one computed address (which the event loop can prefetch
//! from the event alone), and a removal only frees the slot. The most recently freed slot
//! is reused first, while it is likely still in cache. Rows are kept in fixed chunks, so
//! that growing the store never copies the rows it has (a growing `Vec` copied them all,
//! and for a moment held them twice).
//!
//! Platforms, authorities and variants stay entities of the `World`: there are few of
//! them, and they live for the whole run.
//!
//! Link posts (contract section 18) live in an arena of their own of the same kind
//! ([`PostStore`](super::posts::PostStore)), so that copies' rows and the part I hot path
//! do not pay for them. A post's id is a [`CopyId`] with the post bit set in its slot: one
//! review queue holds both, a copy id never finds a post and a post id never a copy.

use std::num::NonZeroU32;

use crate::sys::prefetch_lines;

/// A row of an arena: it keeps the life number the arena gives it.
pub trait Row {
    fn life(&self) -> u32;
    fn set_life(&mut self, life: u32);
}

/// The bit of a slot that names a post rather than a copy.
pub const POST_BIT: u32 = 1 << 31;

/// A live copy's name: its slot in the [`CopyStore`](super::copy::CopyStore) and the slot's life number.
///
/// A slot's life is odd while a copy lives in it and is bumped when the copy is removed
/// and again when the slot is reused, so an id kept by a pending event, a queue or a
/// relative no longer finds anything once its copy is gone, even if the slot holds
/// another copy by then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CopyId {
    slot: u32,
    life: NonZeroU32,
}

impl CopyId {
    /// The slot, for side tables indexed by copy (unique among live copies).
    pub fn slot(self) -> u32 {
        self.slot
    }

    /// Whether this is a link post's id rather than a copy's.
    #[inline]
    pub fn is_post(self) -> bool {
        self.slot & POST_BIT != 0
    }
}

const PREFETCH_LINES: usize = 3;

/// Rows per chunk (256 KiB of rows).
const CHUNK_BITS: u32 = 10;
const CHUNK: usize = 1 << CHUNK_BITS;

/// Live rows of one kind, with the free slots; `TAG` is set in the slot of every id it
/// gives (0 for copies, [`POST_BIT`] for posts).
#[derive(Debug)]
pub struct Arena<T, const TAG: u32> {
    /// Slot s is row `s % CHUNK` of chunk `s / CHUNK`; every chunk but the last in use
    /// is full, and chunks past it are empty, kept from an earlier run.
    chunks: Vec<Vec<T>>,
    /// Slots in use, live or free.
    slots: usize,
    free: Vec<u32>,
}

impl<T, const TAG: u32> Default for Arena<T, TAG> {
    fn default() -> Self {
        Arena {
            chunks: Vec::new(),
            slots: 0,
            free: Vec::new(),
        }
    }
}

impl<T: Row, const TAG: u32> Arena<T, TAG> {
    /// Store a new row; returns its id.
    #[inline]
    pub fn insert(&mut self, mut row_data: T) -> CopyId {
        match self.free.pop() {
            Some(slot) => {
                let row = self.row_mut(slot).expect("a free slot has a row");
                row_data.set_life(row.life().wrapping_add(1));
                *row = row_data;
                CopyId {
                    slot,
                    life: live_life(row.life()),
                }
            }
            None => {
                let slot = u32::try_from(self.slots)
                    .ok()
                    .filter(|&s| s < POST_BIT)
                    .expect("fewer than 2^31 live rows");
                let chunk = self.slots >> CHUNK_BITS;
                if chunk == self.chunks.len() {
                    self.chunks.push(Vec::with_capacity(CHUNK));
                }
                row_data.set_life(1);
                self.chunks[chunk].push(row_data);
                self.slots += 1;
                CopyId {
                    slot: slot | TAG,
                    life: NonZeroU32::MIN,
                }
            }
        }
    }

    /// The row, if it is still live.
    #[inline]
    pub fn get(&self, id: CopyId) -> Option<&T> {
        self.row(id.slot).filter(|c| c.life() == id.life.get())
    }

    /// The row, if it is still live, to change in place.
    #[inline]
    pub fn get_mut(&mut self, id: CopyId) -> Option<&mut T> {
        self.row_mut(id.slot).filter(|c| c.life() == id.life.get())
    }

    /// The row in a slot (an id's, tag included: an id of the other kind finds nothing,
    /// its slot being far beyond any chunk).
    #[inline]
    fn row(&self, slot: u32) -> Option<&T> {
        let slot = (slot ^ TAG) as usize;
        self.chunks.get(slot >> CHUNK_BITS)?.get(slot & (CHUNK - 1))
    }

    #[inline]
    fn row_mut(&mut self, slot: u32) -> Option<&mut T> {
        let slot = (slot ^ TAG) as usize;
        self.chunks
            .get_mut(slot >> CHUNK_BITS)?
            .get_mut(slot & (CHUNK - 1))
    }

    /// Remove a live row; false if it was already gone. The row keeps its data until
    /// the slot is reused; nothing reads it, since every id of it is now stale.
    #[inline]
    pub fn remove(&mut self, id: CopyId) -> bool {
        let Some(c) = self.get_mut(id) else {
            return false;
        };
        c.set_life(c.life().wrapping_add(1));
        self.free.push(id.slot);
        true
    }

    /// The live rows, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (CopyId, &T)> {
        self.chunks
            .iter()
            .flatten()
            .enumerate()
            .filter(|(_, c)| is_live(c.life()))
            .map(|(slot, c)| {
                let id = CopyId {
                    slot: slot as u32 | TAG,
                    life: live_life(c.life()),
                };
                (id, c)
            })
    }

    /// The live rows, in slot order, to change in place.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.chunks
            .iter_mut()
            .flatten()
            .filter(|c| is_live(c.life()))
    }

    /// Live copies.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.slots - self.free.len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Slots allocated, live or free: what the store holds memory for.
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// Drop every copy, keeping the memory for the next run.
    pub fn clear(&mut self) {
        for chunk in &mut self.chunks {
            chunk.clear();
        }
        self.slots = 0;
        self.free.clear();
    }

    /// Hint the processor to load the first three cache lines of a row (of a copy: all
    /// that most events read; the fourth holds only the stream for sweeps and orders).
    /// Live or not: a hint never faults.
    #[inline]
    pub fn prefetch(&self, id: CopyId) {
        if let Some(row) = self.row(id.slot) {
            prefetch_lines(row, PREFETCH_LINES);
        }
    }
}

impl<T: Row, const TAG: u32> Arena<T, TAG> {
    /// Hint the processor to load a row's first cache line (a copy's life and pending
    /// events' generations: what tells whether an event about it is stale).
    #[inline]
    pub fn prefetch_line(&self, id: CopyId) {
        if let Some(row) = self.row(id.slot) {
            prefetch_lines(row, 1);
        }
    }
}

fn is_live(life: u32) -> bool {
    life & 1 == 1
}

/// A live slot's life as an id holds it (odd, so never zero).
fn live_life(life: u32) -> NonZeroU32 {
    debug_assert!(is_live(life));
    NonZeroU32::new(life).unwrap_or(NonZeroU32::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::copy::{CopyStore, test_copy};

    #[test]
    fn a_removed_copy_is_gone_even_when_its_slot_is_reused() {
        let mut store = CopyStore::default();
        let a = store.insert(test_copy(1));
        let b = store.insert(test_copy(2));
        assert_eq!(store.get(a).map(|c| c.number), Some(1));
        assert!(store.remove(a));
        assert!(!store.remove(a), "a second removal finds nothing");
        assert!(store.get(a).is_none());
        assert!(store.get_mut(a).is_none());
        // The freed slot is reused first; the old id still finds nothing.
        let c = store.insert(test_copy(3));
        assert_eq!(c.slot(), a.slot());
        assert_ne!(c, a);
        assert!(store.get(a).is_none());
        assert_eq!(store.get(c).map(|c| c.number), Some(3));
        assert_eq!(store.get(b).map(|c| c.number), Some(2));
        assert_eq!((store.len(), store.slots()), (2, 2));
    }

    #[test]
    fn slots_run_on_across_chunks_and_storage_is_kept_for_the_next_run() {
        let mut store = CopyStore::default();
        let n = 2 * CHUNK + 3;
        let ids: Vec<CopyId> = (0..n as u64).map(|k| store.insert(test_copy(k))).collect();
        assert_eq!(store.chunks.len(), 3);
        for (k, &id) in ids.iter().enumerate() {
            assert_eq!(id.slot() as usize, k);
            assert_eq!(store.get(id).map(|c| c.number), Some(k as u64));
        }
        let numbers: Vec<u64> = store.iter().map(|(_, c)| c.number).collect();
        assert_eq!(numbers, (0..n as u64).collect::<Vec<_>>());
        store.clear();
        assert!(ids.iter().all(|&id| store.get(id).is_none()));
        // The chunks stay allocated and fill again from the first.
        let again = store.insert(test_copy(7));
        assert_eq!((again.slot(), store.chunks.len()), (0, 3));
        assert!(store.chunks[0].capacity() >= CHUNK);
    }

    #[test]
    fn iteration_sees_live_copies_only() {
        let mut store = CopyStore::default();
        let ids: Vec<CopyId> = (0..10).map(|n| store.insert(test_copy(n))).collect();
        for &id in ids.iter().step_by(3) {
            store.remove(id);
        }
        let seen: Vec<(CopyId, u64)> = store.iter().map(|(id, c)| (id, c.number)).collect();
        let want: Vec<(CopyId, u64)> = (0..10)
            .filter(|n| n % 3 != 0)
            .map(|n| (ids[n as usize], n))
            .collect();
        assert_eq!(seen, want);
        assert_eq!(store.iter_mut().count(), 6);
        store.clear();
        assert!(store.is_empty());
        assert_eq!(store.iter().count(), 0);
    }
}

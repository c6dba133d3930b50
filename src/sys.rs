//! The crate's only `unsafe` code: processor prefetch hints and mimalloc's run-time
//! options.
//!
//! Everything else in the crate is `#![deny(unsafe_code)]` (see `lib.rs`); each function
//! here is a safe wrapper whose comment says why its one `unsafe` block is sound.

use std::os::raw::c_long;

/// Hint the processor to load `lines` cache lines from `p` on (into every cache level).
///
/// A hint only: it never faults and never reads into the program, whatever the address,
/// so any pointer will do, dangling or one past the end. The event loop prefetches the
/// rows of the copies the next events concern, and the queue the ends of far buckets.
#[inline]
pub fn prefetch_lines<T>(p: *const T, lines: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let p = p.cast::<i8>();
        for line in 0..lines {
            // SAFETY: a prefetch is only a hint; it never faults or reads into the program.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(64 * line)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (p, lines);
}

/// Set one of mimalloc's run-time options (`mi_option_set`).
pub fn mimalloc_option_set(option: libmimalloc_sys::mi_option_t, value: c_long) {
    // SAFETY: setting an option is a plain store into mimalloc's option table, valid at
    // any time and for any value (mimalloc clamps what it cannot use).
    unsafe { libmimalloc_sys::mi_option_set(option, value) };
}

/// Read one of mimalloc's run-time options (`mi_option_get`).
pub fn mimalloc_option_get(option: libmimalloc_sys::mi_option_t) -> c_long {
    // SAFETY: reading an option is a plain load from mimalloc's option table (it is
    // initialised on first use), valid at any time.
    unsafe { libmimalloc_sys::mi_option_get(option) }
}

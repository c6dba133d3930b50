//! The memory allocator of the `ttx` binary and the benchmarks: mimalloc, about 10%
//! faster than glibc's on large runs (copies' small vectors and the queue's buckets come
//! and go by the million), and the same allocator on every platform.
//!
//! The binary and the benchmarks install it with `#[global_allocator]` and call
//! [`configure`] first thing; the library itself does not depend on which allocator is in
//! use. The allocator's `GlobalAlloc` implementation is mimalloc's own; the one foreign
//! call made here goes through [`crate::sys`], the crate's only home of `unsafe` code.

pub use mimalloc::MiMalloc as Allocator;

use crate::sys;

/// mimalloc's `mi_option_purge_delay` (v3's `mimalloc.h`; the Rust bindings do not name
/// it). A unit test checks it against the option's documented default.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keep freed memory mapped for reuse instead of handing it back to the system.
///
/// By default mimalloc returns memory that has been free for a second. A large run frees
/// and reallocates the queue's buckets and the copies' small vectors all the time, and
/// the memory it handed back had to be faulted in and zeroed again when it was needed:
/// about a tenth of the time of the large benchmark, and none of the small one. A batch
/// keeps its peak memory until it ends instead (the large scenario's peak went from about
/// 110 MB to about 127 MB; the README's performance table has the figures).
pub fn configure() {
    // -1 is the documented value for "never purge".
    sys::mimalloc_option_set(MI_OPTION_PURGE_DELAY, -1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_option_is_the_one_named() {
        // v3's default purge delay is 1000 ms, and no other option defaults to 1000: if
        // the option's number changed in a new mimalloc, this fails instead of
        // `configure` silently setting some other option.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(sys::mimalloc_option_get(MI_OPTION_PURGE_DELAY), 1000);
        }
    }
}

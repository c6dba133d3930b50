//! The memory allocator of the `ttx` binary and the benchmarks: mimalloc, about 10%
//! faster than glibc's on large runs (copies' small vectors and the queue's buckets come
//! and go by the million), and the same allocator on every platform.
//!
//! The binary and the benchmarks install it with `#[global_allocator]` and call
//! [`configure`] first; the library itself does not depend on which allocator is in use.

pub use mimalloc::MiMalloc as Allocator;

/// mimalloc's `mi_option_purge_delay` (its index in the v3 headers that
/// libmimalloc-sys 0.1.49 builds; that crate gives it no name).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keep freed memory for reuse instead of returning it to the OS a second later. A
/// replication frees its copies at the end and the next one on the same thread needs as
/// much again; within a large replication, a table that grows frees its old block. Given
/// back and taken again, that memory costs page faults and the zeroing of every page
/// (about 5% of a large run on a virtual machine). Peak memory is what one replication
/// per thread needs either way.
pub fn configure() {
    // SAFETY: setting an option only changes when mimalloc purges; any value is valid.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purge_delay_is_the_option_we_mean() {
        // The purge delay's default in mimalloc v3 is 1000 ms (options.c), unless the
        // environment sets it; no neighbouring option has that default.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // SAFETY: reading an option has no side effects.
            assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, 1000);
        }
    }
}

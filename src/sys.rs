//! The crate's only `unsafe` code: processor prefetch hints, mimalloc's run-time
//! options, and the signal handler's installation and exit.
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

/// Install `handler` for each of `signals`, with interrupted system calls restarted.
#[cfg(unix)]
pub fn set_signal_handler(signals: &[libc::c_int], handler: extern "C" fn(libc::c_int)) {
    for &sig in signals {
        // SAFETY: a zeroed `sigaction` is a valid value to fill in, and the handler is a
        // plain `extern "C" fn`; the caller's handler does only async-signal-safe work.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = handler as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(sig, &action, std::ptr::null_mut());
        }
    }
}

/// End the process at once with `code`, without running destructors or flushing: what a
/// signal handler may do (`_exit` is async-signal-safe). Output files are atomic, so an
/// exit here leaves each complete or absent.
#[cfg(unix)]
pub fn exit_now(code: libc::c_int) -> ! {
    // SAFETY: `_exit` takes any code and never returns; it is async-signal-safe.
    unsafe { libc::_exit(code) }
}

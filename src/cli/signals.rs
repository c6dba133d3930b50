//! SIGINT, SIGTERM and SIGHUP, for every command.
//!
//! The handler is installed when `ttx` starts. Until a command arms it (it asks for its
//! interrupt flag, [`arm`], just before it writes outputs or opens the exercise prompt),
//! a signal ends the process at once with the conventional code 128 + the signal (130
//! for Ctrl-C, 143 for SIGTERM, 129 for a closed terminal). Once armed, a signal sets the
//! flag and the command stops in its own way (runs stop between events and leave the
//! outputs unchanged; an exercise asks, or ends with everything written); a third signal
//! that the command has not yet answered ends the process at once all the same. The exit
//! code names the signal.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

static ARMED: AtomicBool = AtomicBool::new(false);
static LAST: AtomicI32 = AtomicI32::new(0);
/// Signals received while the flag was still set (not yet taken by the command).
static PENDING: AtomicU32 = AtomicU32::new(0);
static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Ctrl-C.
pub const SIGINT: i32 = 2;

/// Only async-signal-safe work: atomics, and `_exit`.
#[cfg(unix)]
extern "C" fn on_signal(sig: libc::c_int) {
    let exit = || ttx::sys::exit_now(128 + sig);
    if !ARMED.load(Ordering::SeqCst) {
        exit();
    }
    LAST.store(sig, Ordering::SeqCst);
    if let Some(flag) = FLAG.get() {
        if !flag.swap(true, Ordering::SeqCst) {
            PENDING.store(0, Ordering::SeqCst);
        } else if PENDING.fetch_add(1, Ordering::SeqCst) >= 1 {
            // The third signal the command has not answered.
            exit();
        }
    }
}

/// Install the handler (once, at start).
pub fn install() {
    let _ = FLAG.get_or_init(|| Arc::new(AtomicBool::new(false)));
    #[cfg(unix)]
    ttx::sys::set_signal_handler(&[libc::SIGINT, libc::SIGTERM, libc::SIGHUP], on_signal);
}

/// From now on a signal sets the returned flag instead of ending the process.
pub fn arm() -> Arc<AtomicBool> {
    let flag = Arc::clone(FLAG.get_or_init(|| Arc::new(AtomicBool::new(false))));
    #[cfg(not(unix))]
    {
        let f = Arc::clone(&flag);
        let _ = ctrlc::set_handler(move || {
            LAST.store(SIGINT, Ordering::SeqCst);
            f.store(true, Ordering::SeqCst)
        });
    }
    ARMED.store(true, Ordering::SeqCst);
    flag
}

/// The last signal received while armed, if any.
pub fn last() -> Option<i32> {
    match LAST.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// The exit code of a command stopped by a signal: 128 + the signal (130 if unknown).
pub fn exit_code() -> u8 {
    u8::try_from(128 + last().unwrap_or(SIGINT)).unwrap_or(130)
}

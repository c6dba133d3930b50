//! Where a command prints: [`Report`] is its standard output, its standard error, its
//! progress display and the flag that interrupts it. The `ttx` binary reports to the
//! terminal; [`Captured`] keeps everything in memory, for tests and for callers that
//! want the text.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// The place a command prints to and learns from that it should stop.
pub trait Report {
    /// Results (standard output). `text` is written as is: lines end in `\n`.
    fn out(&mut self, text: &str);
    /// Warnings and notes (standard error); `line` has no final `\n`.
    fn note(&mut self, line: &str);
    /// A batch of `total` runs starts (not called with `--quiet`).
    fn progress_start(&mut self, total: u64) {
        self.progress_start_of(total, "runs");
    }
    /// Work of `total` steps of another kind starts (`unit`: what a step is, e.g. a
    /// calibration's "evaluations").
    fn progress_start_of(&mut self, _total: u64, _unit: &str) {}
    /// `done` runs of the batch are written.
    fn progress(&mut self, _done: u64) {}
    /// The batch is over (or failed).
    fn progress_end(&mut self) {}
    /// The flag that stops the runs when set (Ctrl-C at a terminal). A command asks for
    /// it just before it starts writing outputs.
    fn interrupt(&mut self) -> Arc<AtomicBool>;

    /// What the last interrupt asks for: at the exercise prompt, Ctrl-C asks first
    /// ([`Stop::Ask`]); a termination request (SIGTERM, a closed terminal) ends the
    /// session at once ([`Stop::Now`]), its files written.
    fn stop(&mut self) -> Stop {
        Stop::Ask
    }

    /// A line of results.
    fn line(&mut self, line: &str) {
        self.out(line);
        self.out("\n");
    }
}

/// What an interrupt asks for (see [`Report::stop`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Ctrl-C: ask before ending a session.
    Ask,
    /// A termination request: end now.
    Now,
}

/// A [`Report`] that keeps what is printed.
#[derive(Debug, Default)]
pub struct Captured {
    /// Everything printed to standard output.
    pub out: String,
    /// Every note, each ending in `\n`.
    pub err: String,
    /// Set it to interrupt the command.
    pub cancel: Arc<AtomicBool>,
    /// The totals of the batches started, in order.
    pub batches: Vec<u64>,
    /// Interrupts are termination requests ([`Stop::Now`]) rather than Ctrl-C.
    pub terminate: bool,
}

impl Report for Captured {
    fn out(&mut self, text: &str) {
        self.out.push_str(text);
    }
    fn note(&mut self, line: &str) {
        self.err.push_str(line);
        self.err.push('\n');
    }
    fn progress_start_of(&mut self, total: u64, _unit: &str) {
        self.batches.push(total);
    }
    fn interrupt(&mut self) -> Arc<AtomicBool> {
        Arc::clone(&self.cancel)
    }
    fn stop(&mut self) -> Stop {
        if self.terminate { Stop::Now } else { Stop::Ask }
    }
}

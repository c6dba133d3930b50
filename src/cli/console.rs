//! The terminal as the commands' [`Report`]: results to standard output (flushed as they
//! come, for the exercise prompt), notes to standard error, a progress bar on standard
//! error when it is a terminal, and Ctrl-C (or SIGTERM) as the interrupt.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use ttx::app::exercise::{Prompt, Typed, line_of};
use ttx::app::{Report, Stop};

use super::signals;

/// Write errors are ignored everywhere: a closed or full standard output (`| head`,
/// `>/dev/full`) must not stop a command that writes its files, nor make it panic.
#[derive(Default)]
pub struct Console {
    bar: Option<indicatif::ProgressBar>,
    interrupt: Option<Arc<AtomicBool>>,
}

/// Standard input as the exercise prompt: read on a thread of its own, so that an
/// interrupt is answered while the prompt waits for a line.
#[derive(Default)]
pub struct StdinPrompt {
    lines: Option<Receiver<Option<String>>>,
}

impl Prompt for StdinPrompt {
    fn next_line(&mut self, interrupt: &AtomicBool) -> Typed {
        let lines = self.lines.get_or_insert_with(|| {
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let mut input = std::io::stdin().lock();
                loop {
                    let mut bytes = Vec::new();
                    let line = match input.read_until(b'\n', &mut bytes) {
                        Ok(0) | Err(_) => None,
                        Ok(_) => Some(line_of(&bytes)),
                    };
                    let end = line.is_none();
                    if tx.send(line).is_err() || end {
                        break;
                    }
                }
            });
            rx
        });
        loop {
            if interrupt.load(Ordering::SeqCst) {
                return Typed::Interrupted;
            }
            match lines.recv_timeout(Duration::from_millis(50)) {
                Ok(Some(line)) => return Typed::Line(line),
                Ok(None) | Err(RecvTimeoutError::Disconnected) => return Typed::End,
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
    }
}

impl Report for Console {
    fn out(&mut self, text: &str) {
        let mut o = std::io::stdout().lock();
        let _ = o.write_all(text.as_bytes());
        let _ = o.flush();
    }

    fn line(&mut self, line: &str) {
        self.out(&format!("{line}\n"));
    }

    fn note(&mut self, line: &str) {
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }

    /// A bar, unless standard error is not a terminal.
    fn progress_start_of(&mut self, total: u64, unit: &str) {
        if !std::io::stderr().is_terminal() {
            return;
        }
        let bar = indicatif::ProgressBar::new(total);
        if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
            "{{bar:40}} {{pos}}/{{len}} {unit}  {{elapsed}} (about {{eta}} left)"
        )) {
            bar.set_style(style);
        }
        self.bar = Some(bar);
    }

    fn progress(&mut self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }

    fn progress_end(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    /// Ctrl-C, SIGTERM or SIGHUP sets the flag: runs stop between events, and nothing
    /// half-written is left behind. The handler is armed at the first call (until then,
    /// a signal ends the process at once: see [`signals`]).
    fn interrupt(&mut self) -> Arc<AtomicBool> {
        Arc::clone(self.interrupt.get_or_insert_with(signals::arm))
    }

    /// Ctrl-C asks; SIGTERM and SIGHUP end at once.
    fn stop(&mut self) -> Stop {
        match signals::last() {
            Some(signals::SIGINT) | None => Stop::Ask,
            Some(_) => Stop::Now,
        }
    }
}

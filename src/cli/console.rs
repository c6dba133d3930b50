//! The terminal as the commands' [`Report`]: results to standard output (flushed as they
//! come, for the exercise prompt), notes to standard error, a progress bar on standard
//! error when it is a terminal, and Ctrl-C (or SIGTERM) as the interrupt.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ttx::app::Report;

#[derive(Default)]
pub struct Console {
    bar: Option<indicatif::ProgressBar>,
    interrupt: Option<Arc<AtomicBool>>,
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
    fn progress_start(&mut self, total: u64) {
        if !std::io::stderr().is_terminal() {
            return;
        }
        let bar = indicatif::ProgressBar::new(total);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} runs  {elapsed} (about {eta} left)",
        ) {
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

    /// Ctrl-C or SIGTERM sets the flag: runs stop between events, and nothing
    /// half-written is left behind. The handler is installed at the first call (until
    /// then, Ctrl-C ends the process at once, as it should at a prompt).
    fn interrupt(&mut self) -> Arc<AtomicBool> {
        Arc::clone(self.interrupt.get_or_insert_with(|| {
            let cancel = Arc::new(AtomicBool::new(false));
            let flag = Arc::clone(&cancel);
            let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
            cancel
        }))
    }
}

//! The `ttx` command: flags parsed by clap and checked into typed requests ([`cli`]), the
//! command run by the library ([`ttx::app`]) reporting to the terminal, and its failure
//! turned into a message and an exit code ([`exit`]).
//!
//! Exit codes: 0 success, 1 a run that failed (or a target of `ttx targets` not
//! matched), 2 bad input (scenario or flags), 128 + the signal when a signal stopped it
//! (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).

#![deny(unsafe_code)]

/// mimalloc rather than the system allocator (see [`ttx::allocator`]): about 10% faster
/// on large runs, and the same on every platform.
#[global_allocator]
static GLOBAL: ttx::allocator::Allocator = ttx::allocator::Allocator;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use ttx::app::{self, Error};

mod cli;

use cli::{Cli, Command, Console, StdinPrompt, signals};

fn main() -> ExitCode {
    ttx::allocator::configure();
    signals::install();
    cli::tooling::complete_if_asked();
    let cli = Cli::parse();
    match dispatch(cli.command, &mut Console::default()) {
        Ok(Done::Complete) => ExitCode::SUCCESS,
        // `ttx targets` with a target that does not match: a check that failed.
        Ok(Done::Missed) => ExitCode::from(1),
        Ok(Done::Interrupted) => {
            say(
                "interrupted: the session ended early; its record, outcome files and debrief were written",
            );
            ExitCode::from(signals::exit_code())
        }
        Ok(Done::Stopped) => ExitCode::from(signals::exit_code()),
        Err(e) => exit(e),
    }
}

/// How a command that did not fail ended.
enum Done {
    Complete,
    /// Stopped by a signal, with everything written (an exercise).
    Interrupted,
    /// A check found what it checks for missing (a target not matched).
    Missed,
    /// A served session stopped by a signal, its record complete (to resume).
    Stopped,
}

/// A line on standard error; nothing if it cannot be written.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Run the command; what it prints goes to `console`.
fn dispatch(command: Command, console: &mut Console) -> Result<Done, Error> {
    let done = |()| Done::Complete;
    match command {
        Command::Validate { scenarios, format } => {
            app::validate::run_as(&scenarios, format.into(), console).map(done)
        }
        Command::Run(args) => {
            let (req, note) = args.request(cli::environment)?;
            shard_note(console, note, req.options.quiet);
            app::run::run(&req, console).map(drop).map(done)
        }
        Command::Merge(args) => app::merge::run(&args.request(), console)
            .map(drop)
            .map(done),
        Command::Compare(args) => {
            let (req, note) = args.request(cli::environment)?;
            shard_note(console, note, req.options.quiet);
            app::compare::run(&req, console).map(drop).map(done)
        }
        Command::Sweep(args) => {
            let (req, note) = args.request(cli::environment)?;
            shard_note(console, note, req.options.quiet);
            app::sweep::run(&req, console).map(drop).map(done)
        }
        Command::Protocols { scenario, variant } => {
            app::protocols::run(&scenario, variant.as_deref(), console)
                .map(drop)
                .map(done)
        }
        Command::Exercise(args) => {
            let req = args.request()?;
            let played = app::exercise::run(&req, &mut StdinPrompt::default(), console)?;
            Ok(if played.interrupted {
                Done::Interrupted
            } else {
                Done::Complete
            })
        }
        Command::Serve(args) => {
            let served = app::serve::run(&args.request()?, console)?;
            Ok(match served.stopped {
                ttx::serve::Stopped::Closed => Done::Complete,
                ttx::serve::Stopped::Interrupted => Done::Stopped,
            })
        }
        Command::Msel(args) => app::msel::run(&args.request(), console).map(drop).map(done),
        Command::Report(args) => app::html_report::run(&args.request(), console)
            .map(drop)
            .map(done),
        Command::Bench(args) => app::bench::run(&args.request()?, console)
            .map(drop)
            .map(done),
        Command::Targets(args) => app::targets::run(&args.request(), console).map(|fit| {
            if fit.all_match() {
                Done::Complete
            } else {
                Done::Missed
            }
        }),
        Command::Calibrate(args) => app::calibrate::run(&args.request(), console)
            .map(drop)
            .map(done),
        Command::Tooling(command) => cli::tooling::run(command, console).map(done),
    }
}

/// Say (unless quiet) that the shard run comes from the job scheduler's environment.
fn shard_note(console: &mut Console, note: Option<String>, quiet: bool) {
    use ttx::app::Report;
    if let Some(note) = note.filter(|_| !quiet) {
        console.note(&note);
    }
}

/// The one place a failure becomes what the user sees: its message on standard error,
/// and the exit code of its kind.
fn exit(e: Error) -> ExitCode {
    match e {
        Error::BadInput(e) => {
            say(&e.to_string());
            ExitCode::from(2)
        }
        Error::RunFailed(e) => {
            say(&format!("error: {e}"));
            ExitCode::from(1)
        }
        Error::Interrupted => {
            say("interrupted: no output files were changed");
            ExitCode::from(signals::exit_code())
        }
    }
}

//! The `ttx` command: flags parsed by clap and checked into typed requests ([`cli`]), the
//! command run by the library ([`ttx::app`]) reporting to the terminal, and its failure
//! turned into a message and an exit code ([`exit`]).
//!
//! Exit codes: 0 success, 1 a run that failed (or a target of `ttx targets` not
//! matched), 2 bad input (scenario or flags), 130 interrupted.

/// mimalloc rather than the system allocator (see [`ttx::allocator`]): about 10% faster
/// on large runs, and the same on every platform.
#[global_allocator]
static GLOBAL: ttx::allocator::Allocator = ttx::allocator::Allocator;

use std::process::ExitCode;

use clap::Parser;

use ttx::app::{self, Error};

mod cli;

use cli::{Cli, Command, Console};

fn main() -> ExitCode {
    ttx::allocator::configure();
    let cli = Cli::parse();
    match dispatch(cli.command, &mut Console::default()) {
        Ok(Done::Ok) => ExitCode::SUCCESS,
        // `ttx targets` with a target that does not match: a check that failed.
        Ok(Done::Missed) => ExitCode::from(1),
        Err(e) => exit(e),
    }
}

/// How a command that ran ended.
enum Done {
    Ok,
    /// A check found what it checks for missing (a target not matched).
    Missed,
}

/// Run the command; what it prints goes to `console`.
fn dispatch(command: Command, console: &mut Console) -> Result<Done, Error> {
    match command {
        Command::Validate { scenarios } => {
            app::validate::run(&scenarios, console).map(|_| Done::Ok)
        }
        Command::Run(args) => app::run::run(&args.request(), console).map(|_| Done::Ok),
        Command::Merge(args) => app::merge::run(&args.request(), console).map(|_| Done::Ok),
        Command::Compare(args) => app::compare::run(&args.request()?, console).map(|_| Done::Ok),
        Command::Protocols { scenario } => {
            app::protocols::run(&scenario, console).map(|_| Done::Ok)
        }
        Command::Exercise(args) => {
            let req = args.request()?;
            app::exercise::run(&req, &mut std::io::stdin().lock(), console).map(|_| Done::Ok)
        }
        Command::Msel(args) => app::msel::run(&args.request(), console).map(|_| Done::Ok),
        Command::Bench(args) => app::bench::run(&args.request()?, console).map(|_| Done::Ok),
        Command::Calibrate(args) => app::calibrate::run(&args.request(), console).map(|_| Done::Ok),
        Command::Targets(args) => app::targets::run(&args.request(), console).map(|fit| {
            if fit.all_match() {
                Done::Ok
            } else {
                Done::Missed
            }
        }),
    }
}

/// The one place a failure becomes what the user sees: its message on standard error,
/// and the exit code of its kind.
fn exit(e: Error) -> ExitCode {
    match e {
        Error::BadInput(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
        Error::RunFailed(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
        Error::Interrupted => {
            eprintln!("interrupted: no output files were changed");
            ExitCode::from(130)
        }
    }
}

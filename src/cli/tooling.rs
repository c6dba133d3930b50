//! The planners' tooling commands (`ttx schema`, `ttx new`, `ttx completions`, `ttx man`)
//! and the dynamic completion of names from the scenario on the command line.
//!
//! Shell completion: `ttx completions SHELL` prints a script that asks `ttx` itself for
//! candidates as you type (clap_complete's `COMPLETE=SHELL ttx` protocol, run from
//! `main` by [`complete_if_asked`]), so that `--variant` completes the variant names of
//! the scenario given earlier on the line and `calibrate --fit` the `platforms.ID.` paths
//! of its platforms; `--static` prints a script that needs no `ttx` at completion time
//! and completes subcommands, options and fixed values only.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory, Subcommand, ValueEnum};
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};
use clap_complete::env::Shells;
use clap_complete::{CompleteEnv, Shell};

use ttx::app::{self, Error, Report};
use ttx::schema::Kind;

use super::Cli;

#[derive(Subcommand, Debug)]
pub enum Tooling {
    /// Print the JSON Schema (draft 2020-12) of a scenario, targets or decisions file,
    /// for editors that check YAML as you type; or write all of them with --write.
    Schema(SchemaArgs),
    /// Write a commented starter scenario (small, valid, runs) to a new file; never
    /// overwrites one.
    New(NewArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
    /// Write man pages: ttx.1 and one per subcommand (ttx-run.1, ...).
    Man(ManArgs),
}

/// `ttx validate --format`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ValidateFormat {
    /// For people: `FILE: ok`, or each problem on a line.
    Text,
    /// One JSON document for the whole call: every file, and every problem with its
    /// file, line, column, field path, message, hint and severity.
    Json,
    /// GitHub Actions workflow annotations (`::error file=...,line=...::message`).
    Github,
}

impl From<ValidateFormat> for app::validate::Format {
    fn from(f: ValidateFormat) -> Self {
        match f {
            ValidateFormat::Text => app::validate::Format::Text,
            ValidateFormat::Json => app::validate::Format::Json,
            ValidateFormat::Github => app::validate::Format::Github,
        }
    }
}

#[derive(Args, Debug)]
pub struct SchemaArgs {
    /// Which file kind.
    #[arg(value_enum, default_value_t = SchemaKind::Scenario)]
    kind: SchemaKind,
    /// Write every kind's schema into this directory (scenario.schema.json,
    /// targets.schema.json, decisions.schema.json, roles.schema.json) instead of
    /// printing one.
    #[arg(long, value_name = "DIR")]
    write: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SchemaKind {
    /// A scenario file.
    Scenario,
    /// A targets file (NAME.targets.yaml).
    Targets,
    /// An exercise's decisions record (ttx exercise --record).
    Decisions,
    /// A scenario's roles: list (the seats of ttx serve).
    Roles,
}

#[derive(Args, Debug)]
pub struct NewArgs {
    /// The scenario file to create (YAML); it must not exist.
    scenario: PathBuf,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    shell: Shell,
    /// A script that completes subcommands, options and fixed values without calling
    /// ttx while you type (no variant names or platform ids).
    #[arg(long = "static")]
    static_: bool,
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// Where to write the pages (created if missing).
    #[arg(long, value_name = "DIR", default_value = "man")]
    dir: PathBuf,
}

pub fn run(command: Tooling, report: &mut dyn Report) -> Result<(), Error> {
    match command {
        Tooling::Schema(a) => match a.write {
            Some(dir) => app::schema::write(&dir, report),
            None => {
                app::schema::print(
                    match a.kind {
                        SchemaKind::Scenario => Kind::Scenario,
                        SchemaKind::Targets => Kind::Targets,
                        SchemaKind::Decisions => Kind::Decisions,
                        SchemaKind::Roles => Kind::Roles,
                    },
                    report,
                );
                Ok(())
            }
        },
        Tooling::New(a) => app::new_scenario::run(&a.scenario, report),
        Tooling::Completions(a) => {
            report.out(&completion_script(a.shell, a.static_));
            Ok(())
        }
        Tooling::Man(a) => write_man_pages(&a.dir, report),
    }
}

/// The completion script for `shell`: dynamic (asks `ttx` for candidates) or static.
pub fn completion_script(shell: Shell, static_: bool) -> String {
    let mut buf = Vec::new();
    if static_ {
        clap_complete::generate(shell, &mut Cli::command(), "ttx", &mut buf);
    } else {
        let name = shell.to_string();
        let shells = Shells::builtins();
        let completer = shells
            .completer(&name)
            .expect("clap_complete has every clap_complete::Shell");
        completer
            .write_registration("COMPLETE", "ttx", "ttx", "ttx", &mut buf)
            .expect("writing to memory");
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// Write `ttx.1` and a page per subcommand into `dir`.
fn write_man_pages(dir: &Path, report: &mut dyn Report) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    // Once built, each subcommand displays as `ttx-NAME`, which names its page.
    let mut pages = vec![clap_mangen::Man::new(cmd.clone())];
    pages.extend(cmd.get_subcommands().cloned().map(clap_mangen::Man::new));
    for man in pages {
        let path = dir.join(man.get_filename());
        let mut text = Vec::new();
        man.render(&mut text).map_err(|e| Error::write(&path, e))?;
        let mut file =
            ttx::output::AtomicFile::create(&path).map_err(|e| Error::write(&path, e))?;
        file.write_all(&text).map_err(|e| Error::write(&path, e))?;
        file.commit().map_err(|e| Error::write(&path, e))?;
        report.line(&format!("wrote {}", path.display()));
    }
    Ok(())
}

/// When a shell asks for completions (`COMPLETE=SHELL ttx -- WORDS`), print them and
/// exit; otherwise return at once.
pub fn complete_if_asked() {
    CompleteEnv::with_factory(completing_command).complete();
}

/// The command line as clap sees it, with the scenario-aware completers added to every
/// `--variant` and `--fit` option.
fn completing_command() -> clap::Command {
    fn add(cmd: clap::Command) -> clap::Command {
        let ids: Vec<(clap::Id, &'static str)> = cmd
            .get_arguments()
            .filter_map(|a| match a.get_long() {
                Some("variant") => Some((a.get_id().clone(), "variant")),
                Some("fit") => Some((a.get_id().clone(), "fit")),
                _ => None,
            })
            .collect();
        let mut cmd = cmd;
        for (id, long) in ids {
            cmd = cmd.mut_arg(id, |a| match long {
                "variant" => a.add(ArgValueCompleter::new(variant_names)),
                _ => a.add(ArgValueCompleter::new(fit_paths)),
            });
        }
        let subs: Vec<String> = cmd
            .get_subcommands()
            .map(|s| s.get_name().to_string())
            .collect();
        for name in subs {
            cmd = cmd.mut_subcommand(name, add);
        }
        cmd
    }
    add(Cli::command())
}

/// The scenario named on the command line being completed: the first word ending in
/// `.yaml` or `.yml` that is not a targets file and loads.
fn scenario_on_line() -> Option<ttx::scenario::Scenario> {
    std::env::args_os()
        .skip(1)
        .map(PathBuf::from)
        .filter(|p| {
            let name = p.file_name().and_then(OsStr::to_str).unwrap_or("");
            (name.ends_with(".yaml") || name.ends_with(".yml")) && !name.contains(".targets.")
        })
        .find_map(|p| ttx::scenario::load(&p).ok())
}

fn variant_names(current: &OsStr) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy();
    let Some(s) = scenario_on_line() else {
        return Vec::new();
    };
    s.variants
        .iter()
        .filter(|v| v.name.starts_with(current.as_ref()))
        .map(|v| CompletionCandidate::new(v.name.clone()))
        .collect()
}

fn fit_paths(current: &OsStr) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy();
    let Some(s) = scenario_on_line() else {
        return Vec::new();
    };
    s.base
        .platforms
        .iter()
        .map(|p| format!("platforms.{}.", p.id))
        .filter(|c| c.starts_with(current.as_ref()))
        .map(CompletionCandidate::new)
        .collect()
}

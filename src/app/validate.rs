//! `ttx validate`: scenario files checked, `ok` printed for each good one (with its size
//! warnings), and every problem of the bad ones reported together. A targets file
//! (`NAME.targets.yaml`) is checked as one, and against the scenario it names.
//!
//! Three forms ([`Format`]): text for people (the default), one JSON document for the
//! whole call, or GitHub workflow annotations. The exit status is the same in each: the
//! call fails (bad input) when any file has a problem.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::scenario::{self, LoadError, Problem};
use crate::targets;

use super::{Error, InputError, Report, warnings};

/// How `ttx validate` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// `FILE: ok`, or `FILE:LINE:COL: message (hint)`, one a line; errors on standard
    /// error.
    #[default]
    Text,
    /// One JSON document on standard output: `files` (each with `file`, `kind`, `ok`) and
    /// `problems` (each with `file`, `line`, `column`, `path`, `message`, `hint`,
    /// `severity`: `error` or `warning`; a place not known is `null`).
    Json,
    /// GitHub Actions workflow commands on standard output: `::error
    /// file=F,line=L,col=C,title=PATH::message (hint)` per problem, `::warning ...` per
    /// warning.
    Github,
}

/// Check every file; print `PATH: ok` for each good one and its warnings. The error holds
/// the problems of every bad file.
pub fn run(paths: &[PathBuf], report: &mut dyn Report) -> Result<(), Error> {
    run_as(paths, Format::Text, report)
}

/// What checking one file found.
struct Checked {
    path: PathBuf,
    kind: &'static str,
    /// The `PATH: ok ...` line, for a good file.
    ok: Option<String>,
    /// Warnings, each `PATH: warning: ...`.
    warnings: Vec<String>,
    error: Option<LoadError>,
}

fn check(path: &Path) -> Checked {
    let mut c = Checked {
        path: path.to_path_buf(),
        kind: "scenario",
        ok: None,
        warnings: Vec::new(),
        error: None,
    };
    if is_targets_file(path) {
        c.kind = "targets";
        match check_targets(path) {
            Ok(line) => c.ok = Some(line),
            Err(e) => c.error = Some(e),
        }
        return c;
    }
    match scenario::load(path) {
        Ok(s) => {
            c.ok = Some(format!("{}: ok", path.display()));
            for v in &s.variants {
                c.warnings
                    .extend(warnings::size_warnings(path, v, s.experiment.horizon));
            }
            c.warnings
                .extend(warnings::scenario_output_warnings(path, &s));
        }
        Err(e) => c.error = Some(e),
    }
    c
}

/// Check every file and report in `format`.
pub fn run_as(paths: &[PathBuf], format: Format, report: &mut dyn Report) -> Result<(), Error> {
    let checked: Vec<Checked> = paths.iter().map(|p| check(p)).collect();
    let bad = checked.iter().filter(|c| c.error.is_some()).count();
    match format {
        Format::Text => {
            let mut errors = Vec::new();
            for c in checked {
                if let Some(line) = &c.ok {
                    report.line(line);
                }
                for w in &c.warnings {
                    report.note(w);
                }
                errors.extend(c.error);
            }
            if errors.is_empty() {
                Ok(())
            } else {
                Err(InputError::Scenarios(errors).into())
            }
        }
        Format::Json => {
            report.out(&json_report(&checked));
            reported(bad, paths.len())
        }
        Format::Github => {
            for c in &checked {
                if let Some(line) = &c.ok {
                    report.line(line);
                }
                for w in &c.warnings {
                    report.line(&format!(
                        "::warning file={}::{}",
                        property(&c.path.display().to_string()),
                        data(warning_message(&c.path, w))
                    ));
                }
                if let Some(e) = &c.error {
                    for p in &e.problems {
                        report.line(&annotation(&e.source, p));
                    }
                }
            }
            reported(bad, paths.len())
        }
    }
}

/// The call's outcome once the problems are reported: bad input if any file had one.
fn reported(bad: usize, files: usize) -> Result<(), Error> {
    if bad == 0 {
        Ok(())
    } else {
        Err(InputError::Reported(format!(
            "{bad} of {files} file{} did not validate (problems reported above)",
            if files == 1 { "" } else { "s" }
        ))
        .into())
    }
}

/// A warning's text without the `PATH: warning: ` it starts with.
fn warning_message<'a>(path: &Path, w: &'a str) -> &'a str {
    let prefix = format!("{}: warning: ", path.display());
    w.strip_prefix(&prefix).unwrap_or(w)
}

/// The message and hint of a problem as one text: `message (hint)`.
fn message_with_hint(p: &Problem) -> String {
    match &p.hint {
        Some(h) => format!("{} ({h})", p.message),
        None => p.message.clone(),
    }
}

/// The JSON document of a whole call.
fn json_report(checked: &[Checked]) -> String {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for c in checked {
        let file = c.path.display().to_string();
        files.push(json!({"file": file, "kind": c.kind, "ok": c.error.is_none()}));
        for w in &c.warnings {
            problems.push(json!({
                "file": file,
                "line": null,
                "column": null,
                "path": null,
                "message": warning_message(&c.path, w),
                "hint": null,
                "severity": "warning",
            }));
        }
        if let Some(e) = &c.error {
            for p in &e.problems {
                let (line, column) = p.position().unzip();
                problems.push(json!({
                    "file": e.source,
                    "line": line,
                    "column": column,
                    "path": p.path(),
                    "message": p.message,
                    "hint": p.hint,
                    "severity": "error",
                }));
            }
        }
    }
    let errors = problems.iter().filter(|p| p["severity"] == "error").count();
    let doc = json!({
        "ok": errors == 0,
        "errors": errors,
        "warnings": problems.len() - errors,
        "files": files,
        "problems": problems,
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON values print");
    s.push('\n');
    s
}

/// One problem as a GitHub workflow annotation.
fn annotation(file: &str, p: &Problem) -> String {
    let mut props = vec![format!("file={}", property(file))];
    if let Some((line, column)) = p.position() {
        props.push(format!("line={line}"));
        props.push(format!("col={column}"));
    }
    props.push(format!(
        "title={}",
        property(p.path().unwrap_or("ttx validate"))
    ));
    format!(
        "::error {}::{}",
        props.join(","),
        data(&message_with_hint(p))
    )
}

/// A workflow command's message, escaped as GitHub reads it.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value, escaped as GitHub reads it.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Whether `path` is named as a targets file (`NAME.targets.yaml`), the shipped convention.
fn is_targets_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".targets.yaml") || n.ends_with(".targets.yml"))
}

/// A targets file checked on its own and, if it names its scenario, resolved against it
/// (its variant, platforms and metrics).
fn check_targets(path: &Path) -> Result<String, LoadError> {
    let t = targets::load(path)?;
    let against = match &t.scenario {
        Some(s) => {
            let scenario = scenario::load(s)?;
            t.resolve(&scenario)?;
            format!(", checked against {}", s.display())
        }
        None => String::new(),
    };
    Ok(format!(
        "{}: ok (targets file: {} targets{against})",
        path.display(),
        t.targets.len()
    ))
}

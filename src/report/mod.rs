//! `ttx report`: an HTML debrief of a results directory, with charts, that a planner can
//! present to people who will not open a CSV.
//!
//! - [`read`] finds what `run`, `compare`, `merge`, `sweep` and `exercise` wrote (each file
//!   optional) and replays the run files through the comparison's collector;
//! - [`model`] decides what the report shows, section by section, from what is there;
//! - [`charts`] draws each chart with `plotters` (usable on its own, from plain data);
//! - [`html`] writes the self-contained page.
//!
//! [`write_report`] writes the page and, beside it, each chart as an SVG file for slides;
//! all files appear complete or not at all.

pub mod after_action;
pub mod charts;
pub mod fit;
pub mod html;
pub mod model;
pub mod read;
pub mod sweep;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::output::{AtomicFile, RunMeta, sha256_hex};

pub use model::{Report, ScenarioInfo};
pub use read::Results;

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{dir}: no results to report: {message}")]
    NotResults { dir: PathBuf, message: String },
    #[error("{path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Scenario { path: PathBuf, message: String },
    #[error(transparent)]
    Chart(#[from] charts::ChartError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl ReportError {
    /// Whether the input was at fault (rather than writing the report).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, ReportError::Write { .. } | ReportError::Chart(_))
    }
}

/// What [`write_report`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub html: PathBuf,
    pub charts: Vec<PathBuf>,
    /// Remarks for the terminal (a scenario not found, sections left out).
    pub notes: Vec<String>,
}

/// Where `run.yaml`'s scenario path may be now: as written (from the current
/// directory), then from the results directory and the folders above it.
fn candidates(meta: &RunMeta, results: &Path) -> Vec<PathBuf> {
    let p = PathBuf::from(&meta.scenario);
    let mut out = vec![p.clone()];
    if p.is_relative() {
        let mut dir = std::path::absolute(results).ok();
        for _ in 0..4 {
            let Some(d) = dir else { break };
            out.push(d.join(&p));
            dir = d.parent().map(Path::to_path_buf);
        }
    }
    out
}

/// The scenario: `explicit` if given, else the one `run.yaml` names if it is found
/// unchanged. Remarks go to `notes`.
pub fn find_scenario(
    results: &Results,
    explicit: Option<&Path>,
    notes: &mut Vec<String>,
) -> Result<Option<ScenarioInfo>, ReportError> {
    let load = |path: &Path| {
        crate::scenario::load(path).map_err(|e| ReportError::Scenario {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    };
    let meta = results.meta.as_ref();
    if let Some(path) = explicit {
        let scenario = load(path)?;
        if let (Some(m), Ok(bytes)) = (meta, std::fs::read(path))
            && !m.scenario_sha256.is_empty()
            && sha256_hex(&bytes) != m.scenario_sha256
        {
            notes.push(format!(
                "{} is not the file these results were run with ({} had SHA-256 {}); its graph and injects are shown as they are now.",
                path.display(),
                m.scenario,
                m.scenario_sha256.get(..12).unwrap_or("")
            ));
        }
        return Ok(Some(ScenarioInfo {
            path: path.to_path_buf(),
            scenario,
        }));
    }
    let Some(m) = meta else {
        return Ok(None);
    };
    let mut changed = None;
    for path in candidates(m, &results.dir) {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        if sha256_hex(&bytes) != m.scenario_sha256 {
            changed = Some(path);
            continue;
        }
        return match load(&path) {
            Ok(scenario) => Ok(Some(ScenarioInfo { path, scenario })),
            Err(e) => {
                notes.push(e.to_string());
                Ok(None)
            }
        };
    }
    notes.push(match changed {
        Some(p) => format!(
            "The scenario file {} has changed since these results were run; pass it with --scenario FILE to draw its graph and injects anyway.",
            p.display()
        ),
        None => format!(
            "The scenario file {} was not found; pass it with --scenario FILE for the platform graph and the inject timeline.",
            m.scenario
        ),
    });
    Ok(None)
}

/// The charts folder beside `html`: `report.html` -> `report-charts/`.
pub fn charts_dir(html: &Path) -> PathBuf {
    let stem = html
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    html.with_file_name(format!("{stem}-charts"))
}

/// Read `results`, build the report and write it to `out` (default
/// `results/report.html`), with each chart as an SVG file in the folder beside it.
pub fn write_report(
    results: &Path,
    out: Option<&Path>,
    scenario: Option<&Path>,
) -> Result<Written, ReportError> {
    let r = Results::read(results)?;
    let mut notes = Vec::new();
    let info = find_scenario(&r, scenario, &mut notes)?;
    let mut report = model::build(&r, info.as_ref())?;
    // The terminal hears about a missing scenario once, from find_scenario.
    report
        .notes
        .retain(|n| !(info.is_none() && !notes.is_empty() && n.starts_with("No platform graph")));
    report.notes.extend(notes.iter().cloned());
    let html_path = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| results.join("report.html"));
    let dir = charts_dir(&html_path);
    let dir_name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let page = html::render(&report, &format!("{dir_name}/"));

    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ReportError::Write {
            path: path.clone(),
            source,
        }
    };
    if let Some(parent) = html_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(write_err(parent))?;
    }
    std::fs::create_dir_all(&dir).map_err(write_err(&dir))?;
    // Everything under temporary names first; renamed into place once all is written.
    let mut pending = Vec::new();
    for f in report.figures() {
        let path = dir.join(format!("{}.svg", f.svg.id));
        let mut file = AtomicFile::create(&path).map_err(write_err(&path))?;
        file.write_all(f.svg.markup.as_bytes())
            .and_then(|()| file.finish_writing())
            .map_err(write_err(&path))?;
        pending.push(file);
    }
    let mut page_file = AtomicFile::create(&html_path).map_err(write_err(&html_path))?;
    page_file
        .write_all(page.as_bytes())
        .and_then(|()| page_file.finish_writing())
        .map_err(write_err(&html_path))?;
    let charts: Vec<PathBuf> = pending
        .into_iter()
        .map(|f| {
            let path = f.target().to_path_buf();
            f.commit().map_err(write_err(&path))
        })
        .collect::<Result<_, _>>()?;
    let html = page_file.commit().map_err(write_err(&html_path))?;
    // Charts of an earlier report that this one no longer draws.
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "svg") && !charts.contains(&p) {
                let _ = std::fs::remove_file(&p);
            }
        }
    }
    Ok(Written {
        html,
        charts,
        notes: report.notes,
    })
}

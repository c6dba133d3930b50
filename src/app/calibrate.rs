//! `ttx calibrate SCENARIO --targets FILE --fit PATH=LOW..HIGH ...`: search the named
//! parameters for the values closest to the targets, writing the best so far as it goes
//! (so an interrupted calibration keeps it).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::calibrate::{self, Calibration, CalibrationError, Located, Outcome};
use crate::output::AtomicFile;
use crate::targets;

use super::{Error, InputError, Report, stem, threads};

/// What to calibrate.
#[derive(Debug, Clone)]
pub struct Request {
    pub scenario: PathBuf,
    pub targets: PathBuf,
    /// `PATH=LOW..HIGH`, as given.
    pub fits: Vec<String>,
    /// Model evaluations at most.
    pub budget: usize,
    /// Default `results/<scenario>-calibration/`.
    pub out: Option<PathBuf>,
    pub seed: Option<u64>,
    pub threads: Option<usize>,
    pub quiet: bool,
}

/// Evaluations when `--budget` is not given.
pub const DEFAULT_BUDGET: usize = 100;

/// Run the calibration; what it found is returned (and on disk in the output directory).
pub fn run(req: &Request, report: &mut dyn Report) -> Result<Outcome, Error> {
    let text = crate::scenario::read_file_text(&req.scenario)?;
    let source = req.scenario.display().to_string();
    let base = crate::scenario::parse(&text, &source)?;
    let t = targets::load(&req.targets)?;
    let plan = t.resolve(&base)?;
    let located = Located::new(&text).map_err(|e| {
        InputError::Calibration(calibrate::SetupError::Form(format!("{source}: {e}")))
    })?;
    let variant = &base.variants[plan.variant];
    let mut params = Vec::new();
    for spec in &req.fits {
        let p = calibrate::parse_param(spec, &located).map_err(InputError::Calibration)?;
        if params.iter().any(|q: &calibrate::Param| q.path == p.path) {
            return Err(InputError::Calibration(calibrate::SetupError::Twice(p.path)).into());
        }
        if variant.overrides.iter().any(|(path, _)| *path == p.path) {
            return Err(
                InputError::Calibration(calibrate::SetupError::SetByVariant {
                    path: p.path,
                    variant: variant.name.clone(),
                })
                .into(),
            );
        }
        params.push(p);
    }
    let dir = req.out.clone().unwrap_or_else(|| {
        Path::new("results").join(format!("{}-calibration", stem(&req.scenario)))
    });
    std::fs::create_dir_all(&dir).map_err(|e| Error::write(&dir, e))?;
    let cal = Calibration {
        text: &text,
        source: &source,
        params,
        targets: &t,
        seed: req.seed,
        threads: threads(req.threads),
        budget: req.budget,
    };
    if !req.quiet {
        report.line(&format!(
            "calibrating {} of {} against {} ({} targets), at most {} evaluations of {} replications each",
            cal.params
                .iter()
                .map(|p| format!("{} in [{}, {}]{}", p.path, p.render(p.low), p.render(p.high), if p.log { " (log scale)" } else { "" }))
                .collect::<Vec<_>>()
                .join(", "),
            base.base.name,
            t.name,
            plan.targets.len(),
            req.budget,
            plan.replications
        ));
        report.progress_start_of(req.budget as u64, "evaluations");
    }
    let stop = report.interrupt();
    let mut write_error: Option<Error> = None;
    let params = cal.params.clone();
    let mut candidates = Vec::new();
    let outcome = cal.run(&stop, &mut |c, best| {
        candidates.push(c.clone());
        let step = || -> Result<(), Error> {
            let rows = calibrate::candidates_csv(&params, &candidates)
                .map_err(|e| Error::write(&dir, e))?;
            write_file(&dir, "candidates.csv", &rows)?;
            if let Some((text, fit)) = best {
                write_file(&dir, "calibrated.yaml", text.as_bytes())?;
                let mut csv = Vec::new();
                targets::write_fit_csv(fit, &mut csv).map_err(|e| Error::write(&dir, e))?;
                write_file(&dir, "fit.csv", &csv)?;
            }
            Ok(())
        };
        if write_error.is_none()
            && let Err(e) = step()
        {
            write_error = Some(e);
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        if !req.quiet {
            report.progress(c.number as u64);
            if let Some((_, fit)) = best {
                report.note(&format!(
                    "evaluation {}: distance {:.3}, the best so far ({})",
                    c.number,
                    fit.distance,
                    c.values.join(", ")
                ));
            }
        }
    });
    if !req.quiet {
        report.progress_end();
    }
    if let Some(e) = write_error {
        return Err(e);
    }
    let outcome = outcome.map_err(|e| match e {
        CalibrationError::Setup(s) => Error::from(InputError::Calibration(s)),
        CalibrationError::Load(l) => Error::from(l),
        CalibrationError::Run(r) => Error::from(r),
    })?;
    if outcome.interrupted && outcome.best.is_none() {
        return Err(Error::Interrupted);
    }
    if !req.quiet {
        match &outcome.best {
            Some((n, _, fit)) => {
                let best = &outcome.candidates[n - 1];
                report.line(&format!(
                    "best of {} evaluations{}: evaluation {n}",
                    outcome.candidates.len(),
                    if outcome.interrupted {
                        " (interrupted)"
                    } else {
                        ""
                    }
                ));
                for (p, v) in outcome.params.iter().zip(&best.values) {
                    report.line(&format!("  {} = {v}", p.path));
                }
                report.out(&fit.table());
                // For a planning question (bounds): which values tried meet every target.
                let met: Vec<&calibrate::Candidate> =
                    outcome.candidates.iter().filter(|c| c.matches).collect();
                report.line(&format!(
                    "{} of {} candidates meet every target{}",
                    met.len(),
                    outcome.candidates.len(),
                    if met.is_empty() { "" } else { "; among them:" }
                ));
                for (i, p) in outcome.params.iter().enumerate() {
                    let vals: Vec<f64> = met
                        .iter()
                        .filter_map(|c| calibrate::numeric(p, &c.values[i]))
                        .collect();
                    if let (Some(lo), Some(hi)) = (
                        vals.iter().copied().reduce(f64::min),
                        vals.iter().copied().reduce(f64::max),
                    ) {
                        report.line(&format!(
                            "  {} from {} to {}",
                            p.path,
                            p.render(lo),
                            p.render(hi)
                        ));
                    }
                }
            }
            None => report.line("no candidate scenario loaded: check the ranges"),
        }
        for f in ["calibrated.yaml", "candidates.csv", "fit.csv"] {
            if dir.join(f).exists() {
                report.line(&format!("wrote {}", dir.join(f).display()));
            }
        }
    }
    Ok(outcome)
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), Error> {
    let w = |e| Error::write(dir, e);
    let mut f = AtomicFile::create(&dir.join(name)).map_err(w)?;
    f.write_all(bytes).map_err(w)?;
    f.commit().map_err(w)?;
    Ok(())
}

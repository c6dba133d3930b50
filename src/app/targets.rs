//! `ttx targets SCENARIO TARGETS`: how far a scenario's runs are from the published
//! figures in a targets file, target by target, and whether each matches.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::output::AtomicFile;
use crate::targets::{self, Fit};

use super::{Error, Report, load, stem, threads};

/// What to check.
#[derive(Debug, Clone)]
pub struct Request {
    pub scenario: PathBuf,
    pub targets: PathBuf,
    /// Where `fit.csv` goes (default `results/<scenario>/`).
    pub out: Option<PathBuf>,
    /// Base seed (default: the scenario's).
    pub seed: Option<u64>,
    pub threads: Option<usize>,
    /// Replications (default: the targets file's).
    pub replications: Option<u32>,
    pub quiet: bool,
}

/// Run the targets' variant and replications, print the table and write `fit.csv`. The
/// fit is returned; whether every target matched is [`Fit::all_match`] (the binary exits
/// 1 when one does not).
pub fn run(req: &Request, report: &mut dyn Report) -> Result<Fit, Error> {
    let scenario = load(&req.scenario)?;
    let t = targets::load(&req.targets)?;
    let mut plan = t.resolve(&scenario)?;
    if let Some(n) = req.replications {
        plan.replications = n;
    }
    let variant = &scenario.variants[plan.variant];
    if !req.quiet {
        report.line(&format!(
            "{}: {} targets against `{}` of {}, {} replications, seed {}",
            t.name,
            plan.targets.len(),
            variant.name,
            scenario.base.name,
            plan.replications,
            req.seed.unwrap_or(scenario.experiment.seed)
        ));
    }
    let obs = targets::observe(&scenario, variant, &plan, req.seed, threads(req.threads))?;
    let fit = Fit::of(&plan, &obs);
    let dir = req
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(stem(&req.scenario)));
    let path = write_fit(&fit, &dir)?;
    if !req.quiet {
        report.out(&fit.table());
        report.line(&format!("wrote {}", path.display()));
    }
    Ok(fit)
}

/// Write `fit.csv` into `dir`, completely or not at all.
pub fn write_fit(fit: &Fit, dir: &Path) -> Result<PathBuf, Error> {
    let write = |e| Error::write(dir, e);
    std::fs::create_dir_all(dir).map_err(write)?;
    let mut file = AtomicFile::create(&dir.join("fit.csv")).map_err(write)?;
    targets::write_fit_csv(fit, &mut file).map_err(write)?;
    file.flush().map_err(write)?;
    file.commit().map_err(write)
}

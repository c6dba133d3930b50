//! `ttx msel`: the Master Scenario Events List for the facilitator, as CSV: the
//! scenario's injects and the median milestones of each protocol of the reference
//! variant (the one played, if it runs protocols).

use std::path::{Path, PathBuf};

use crate::exercise::{self, msel};
use crate::scenario::Minutes;

use super::exercise::write_atomic;
use super::{Error, Report, load, stem, threads, variants};

/// What `ttx msel` is asked to write.
#[derive(Debug, Clone)]
pub struct Request {
    pub scenario: PathBuf,
    /// The CSV file (default: `results/<scenario>-msel.csv`).
    pub out: Option<PathBuf>,
    /// Replications for the protocol milestones' median times.
    pub replications: u32,
    /// The variant the exercise plays (`--variant`; default: the first): its injects, and
    /// the milestones of the protocol its debrief compares with.
    pub variant: Option<String>,
}

/// What `ttx msel` wrote.
pub struct Written {
    pub out: PathBuf,
    pub rows: usize,
}

/// Write the MSEL and say where, with how many rows.
pub fn run(req: &Request, report: &mut dyn Report) -> Result<Written, Error> {
    let scenario = load(&req.scenario)?;
    let variant = match &req.variant {
        Some(name) => Some(variants::pick_one(&scenario, Some(name), &req.scenario)?),
        None => None,
    };
    // The reference protocol: the variant's if it runs one (as the exercise's debrief
    // takes it), else the first variant that runs one.
    let mut milestones: Vec<(Minutes, String)> = Vec::new();
    let n = req.replications;
    let reference = exercise::debrief::reference_milestones(
        &scenario,
        variant,
        n,
        scenario.experiment.seed,
        threads(None),
    )?;
    if let Some(r) = reference {
        for p in &r.protocols {
            if let Some(t) = p.trigger {
                milestones.push((
                    t.median,
                    format!(
                        "`{}` protocol trigger (median over {n} runs of `{}`; triggered in {} of them)",
                        p.protocol, r.variant, t.runs
                    ),
                ));
            }
            if let Some(a) = p.activation {
                milestones.push((
                    a.median,
                    format!("`{}` protocol active (median over {n} runs)", p.protocol),
                ));
                milestones.push((
                    a.median + p.notify_time,
                    format!("`{}` member platforms notified (median)", p.protocol),
                ));
            }
            if let Some(d) = p.deactivation {
                milestones.push((
                    d.median,
                    format!(
                        "`{}` protocol stood down (median over the {} of {n} runs where it did)",
                        p.protocol, d.runs
                    ),
                ));
            }
        }
    }
    let model = variant.map_or(&scenario.base, |v| &scenario.variants[v].model);
    let rows = msel::rows_of(model, &milestones);
    let out = req
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(format!("{}-msel.csv", stem(&req.scenario))));
    let mut bytes = Vec::new();
    msel::write(&rows, &mut bytes).map_err(|e| Error::write(&out, e))?;
    write_atomic(&out, &bytes)?;
    report.line(&format!("wrote {} ({} rows)", out.display(), rows.len()));
    Ok(Written {
        out,
        rows: rows.len(),
    })
}

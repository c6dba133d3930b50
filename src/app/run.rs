//! `ttx run`: a scenario's variants (or a shard of their replications, or an exercise's
//! recorded decisions) run into the outcome CSVs, with a summary table.

use std::path::PathBuf;

use crate::output::select::Writer;
use crate::output::shard::{ShardManifest, ShardSpec};
use crate::sink::Tee;
use crate::summary::SummarySink;

use super::plan::{self, RunOptions};
use super::{Error, Report, exercise};

/// What `ttx run` is asked to run.
#[derive(Debug, Clone)]
pub struct Request {
    pub options: RunOptions,
    /// Replications per variant (default: the scenario's).
    pub replications: Option<u32>,
    pub mode: Mode,
}

/// Which runs.
#[derive(Debug, Clone, Default)]
pub enum Mode {
    /// The variants the options pick: every replication, or only a shard's.
    #[default]
    Variants,
    /// Shard K of N of the replications, with a manifest for `ttx merge`.
    Shard(ShardSpec),
    /// An exercise's recorded decisions (from `ttx exercise --record`) replayed in every
    /// replication, as variant `players`.
    Decisions(exercise::Decisions),
}

/// What `ttx run` wrote.
pub struct Ran {
    /// The output directory.
    pub out: PathBuf,
    /// The files written, in order.
    pub files: Vec<PathBuf>,
    /// The shard's manifest, for a shard.
    pub shard: Option<ShardManifest>,
    /// The summary table's values.
    pub summary: SummarySink,
}

/// Run the request, printing (unless quiet) the scenario's name, the summary table and the
/// files written.
pub fn run(req: &Request, report: &mut dyn Report) -> Result<Ran, Error> {
    let mut p = plan::prepare(&req.options, Writer::Run, report)?;
    if let Some(n) = req.replications {
        p.plan.replications = n;
    }
    let manifest = match &req.mode {
        Mode::Shard(spec) => Some(p.shard(*spec)?),
        _ => None,
    };
    if !matches!(req.mode, Mode::Decisions(_)) {
        p.warn_output_size(report, false);
    }
    let cancel = report.interrupt();
    let mut csv = p.open_outputs(manifest.as_ref(), report)?;
    let decisions = match &req.mode {
        Mode::Decisions(d) => Some(d.path.as_path()),
        _ => None,
    };
    let meta = p.meta("run", manifest.as_ref()).with_decisions(decisions);
    csv.add_meta(&meta).map_err(|e| Error::write(&p.out, e))?;
    let mut summary = SummarySink::default();
    match &req.mode {
        Mode::Decisions(d) => exercise::run_decisions(
            &p.scenario,
            d,
            &p.plan,
            &mut Tee(vec![&mut csv, &mut summary]),
            report,
        )?,
        Mode::Variants | Mode::Shard(_) => {
            p.progress_start(report, p.plan.total());
            let result = p.execute(
                &p.plan,
                &mut Tee(vec![&mut csv, &mut summary]),
                &cancel,
                report,
                &mut 0,
            );
            report.progress_end();
            result?;
        }
    }
    let files = p.commit(csv, report)?.written;
    if !p.quiet {
        report.line(&p.scenario.base.name);
        if let Some(m) = &manifest {
            report.line(&plan::shard_note(m));
        }
        report.out(&summary.table());
        for f in &files {
            report.line(&format!("wrote {}", f.display()));
        }
    }
    Ok(Ran {
        out: p.out,
        files,
        shard: manifest,
        summary,
    })
}

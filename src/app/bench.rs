//! `ttx bench`: the engine measured on a scenario (events per second against a bare event
//! loop, wall time per replication, peak memory) and, if asked, 2 threads against 1.

use std::path::PathBuf;

use crate::bench::{self, BenchReport, ThreadReport};

use super::{Error, InputError, Report, load, variants};

/// What `ttx bench` is asked to measure.
#[derive(Debug, Clone)]
pub struct Request {
    pub scenario: PathBuf,
    /// The variant to measure (default: the first).
    pub variant: Option<String>,
    /// Replications timed on one thread.
    pub replications: u32,
    /// Replications of every variant timed on 1 and then 2 threads (0: skip).
    pub threads_check: u32,
    /// The factor on the campaigns' upload rates (see [`check_volume`]).
    pub volume: f64,
}

/// The measurements.
pub struct Measured {
    pub report: BenchReport,
    pub threads: Option<ThreadReport>,
}

/// A volume factor (`--volume`): above 0.
pub fn check_volume(volume: f64) -> Result<f64, InputError> {
    if volume > 0.0 && volume.is_finite() {
        Ok(volume)
    } else {
        Err(InputError::Volume(volume))
    }
}

/// Measure, printing the heading and each report as it is done.
pub fn run(req: &Request, report: &mut dyn Report) -> Result<Measured, Error> {
    let mut scenario = load(&req.scenario)?;
    let volume = check_volume(req.volume)?;
    if volume != 1.0 {
        for v in &mut scenario.variants {
            *v = bench::scale_volume(v, volume);
        }
    }
    let variant = variants::pick_one(&scenario, req.variant.as_deref(), &req.scenario)?;
    let machine = std::thread::available_parallelism().map_or(1, |n| n.get());
    report.line(&format!(
        "{} ({}{}), variant `{}`, {} replication(s) on one thread; this machine has {machine} core(s)",
        scenario.base.name,
        req.scenario.display(),
        if volume == 1.0 {
            String::new()
        } else {
            format!(", upload volume x{volume}")
        },
        scenario.variants[variant].name,
        req.replications
    ));
    let measured = bench::bench_scenario(&scenario, variant, req.replications)?;
    report.line(&measured.to_string());
    let threads = if req.threads_check > 0 {
        let variants: Vec<usize> = (0..scenario.variants.len()).collect();
        let threads = bench::bench_threads(&scenario, &variants, req.threads_check, &[1, 2])?;
        report.line(&threads.to_string());
        Some(threads)
    } else {
        None
    };
    Ok(Measured {
        report: measured,
        threads,
    })
}

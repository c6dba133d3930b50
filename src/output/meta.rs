//! `run.yaml`: what produced the files of an output directory (which command, scenario
//! file and its checksum, scenario name and description, ttx version, seed,
//! replications, variants), for `ttx report` and for people.
//!
//! It holds no timestamp, so that the same inputs, seed and version give byte-identical
//! files; when the files were written is their modification time. It is committed with
//! the run files (a shard's says which shard; `ttx merge` writes the whole batch's, the
//! same bytes one unsharded run would have written).

use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::atomic::sha256_hex;
use super::files::RUN_META;
use crate::compare::Metric;
use crate::exercise::PLAYERS;
use crate::runner::RunPlan;
use crate::scenario::Scenario;
use crate::scenario::duration::format_minutes;

/// What `format` says in a file this version writes.
pub const FORMAT: &str = "ttx-run-1";

/// The contents of `run.yaml`. Readers ignore fields they do not know, so later versions
/// can add some.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    pub format: String,
    /// `run`, `compare` or `exercise`.
    pub command: String,
    pub ttx_version: String,
    /// The scenario file as given on the command line.
    pub scenario: String,
    /// SHA-256 of the scenario file's bytes (empty if it could not be read again).
    pub scenario_sha256: String,
    pub scenario_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario_description: Option<String>,
    /// The horizon, as a duration (`12h`).
    pub horizon: String,
    pub seed: u64,
    /// Replications per variant (of the whole batch, for a shard).
    pub replications: u32,
    /// Variants in output order (as the `variant` column names them); the first is the
    /// reference.
    pub variants: Vec<String>,
    /// Whether `events.csv` was written.
    pub events: bool,
    /// `compare`: the metrics summarised.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<String>,
    /// The decisions file replayed (`run --decisions`, `exercise --decisions`) or
    /// recorded (`exercise --record`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decisions: Option<String>,
    /// `exercise`: the variant played, and the length of a move.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub played: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// A shard's `K/N` (`ttx merge` leaves it out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// `sweep`: the swept paths and their values (`path=v1,v2`), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sweep: Vec<String>,
}

impl RunMeta {
    /// The metadata of `command` (`run`, `compare`) running `plan` on `scenario`, read
    /// from `scenario_path`.
    pub fn new(command: &str, scenario_path: &Path, scenario: &Scenario, plan: &RunPlan) -> Self {
        let sha = std::fs::read(scenario_path)
            .map(|b| sha256_hex(&b))
            .unwrap_or_default();
        RunMeta {
            format: FORMAT.into(),
            command: command.into(),
            ttx_version: env!("CARGO_PKG_VERSION").into(),
            scenario: scenario_path.display().to_string(),
            scenario_sha256: sha,
            scenario_name: scenario.base.name.clone(),
            scenario_description: scenario
                .base
                .description
                .as_deref()
                .map(|d| d.trim().to_string()),
            horizon: format_minutes(scenario.experiment.horizon),
            seed: plan.seed,
            replications: plan.replications,
            variants: plan
                .variants
                .iter()
                .map(|&v| scenario.variants[v].name.clone())
                .collect(),
            events: plan.events,
            metrics: Vec::new(),
            decisions: None,
            played: None,
            step: None,
            shard: None,
            sweep: Vec::new(),
        }
    }

    /// `sweep`: the grid swept (`path=v1,v2` per path).
    pub fn with_sweep(mut self, sweep: Vec<String>) -> Self {
        self.sweep = sweep;
        self
    }

    /// The live run of an exercise (variant `players`, one replication) on variant
    /// `played`, with moves of `step` minutes.
    pub fn exercise(
        scenario_path: &Path,
        scenario: &Scenario,
        played: &str,
        seed: u64,
        step: f64,
        decisions: Option<&Path>,
    ) -> Self {
        let mut plan = RunPlan::for_scenario(scenario);
        plan.variants = Vec::new();
        plan.seed = seed;
        plan.replications = 1;
        plan.events = true;
        let mut m = RunMeta::new("exercise", scenario_path, scenario, &plan);
        m.variants = vec![PLAYERS.into()];
        m.played = Some(played.into());
        m.step = Some(format_minutes(step));
        m.decisions = decisions.map(|d| d.display().to_string());
        m
    }

    /// For shard `shard` of `shards`: the whole batch's `replications`, and which shard
    /// this is.
    pub fn sharded(mut self, shard: u32, shards: u32, replications: u32) -> Self {
        self.replications = replications;
        self.shard = Some(format!("{shard}/{shards}"));
        self
    }

    /// `run --decisions FILE`: the players' schedule, as variant `players`.
    pub fn with_decisions(mut self, decisions: Option<&Path>) -> Self {
        if let Some(d) = decisions {
            self.variants = vec![PLAYERS.into()];
            self.decisions = Some(d.display().to_string());
        }
        self
    }

    /// `compare`: the metrics summarised.
    pub fn with_metrics(mut self, metrics: &[Metric]) -> Self {
        self.metrics = metrics.iter().map(|m| m.name().to_string()).collect();
        self
    }

    /// The replications actually run, where they were decided as the run went
    /// (`--replications auto`).
    pub fn with_replications(mut self, replications: Option<usize>) -> Self {
        if let Some(n) = replications {
            self.replications = u32::try_from(n).unwrap_or(u32::MAX);
        }
        self
    }

    pub fn to_yaml(&self) -> String {
        format!(
            "# Written by ttx: what produced the files in this directory (`ttx report` reads it).\n\
             # No timestamp: the files' modification times say when.\n{}",
            serde_yaml::to_string(self).expect("run metadata always serialises")
        )
    }

    pub fn parse(text: &str) -> Result<RunMeta, String> {
        let m: RunMeta = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
        if !m.format.starts_with("ttx-run-") {
            return Err(format!(
                "format `{}` is not one this ttx reads (`{FORMAT}`)",
                m.format
            ));
        }
        Ok(m)
    }

    /// The metadata in directory `dir`, if it has any.
    pub fn read(dir: &Path) -> io::Result<Option<RunMeta>> {
        let path = dir.join(RUN_META);
        match std::fs::read_to_string(&path) {
            Ok(text) => RunMeta::parse(&text)
                .map(Some)
                .map_err(|e| io::Error::other(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tutorial() -> (std::path::PathBuf, Scenario) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/tutorial.yaml");
        let s = crate::scenario::load(&path).unwrap();
        (path, s)
    }

    #[test]
    fn round_trips_and_holds_no_timestamp() {
        let (path, s) = tutorial();
        let plan = RunPlan::for_scenario(&s);
        let m = RunMeta::new("compare", &path, &s, &plan).with_metrics(&Metric::DEFAULT);
        let yaml = m.to_yaml();
        assert_eq!(RunMeta::parse(&yaml).unwrap(), m);
        assert_eq!(m.scenario_sha256.len(), 64);
        assert_eq!(m.variants, ["baseline", "ecp"]);
        assert_eq!(m.horizon, "12h");
        assert!(yaml.contains("scenario_name: 'Tutorial: a livestreamed attack in miniature'"));
        // Same inputs, same bytes: nothing in it depends on when or where it ran.
        let again = RunMeta::new("compare", &path, &s, &plan).with_metrics(&Metric::DEFAULT);
        assert_eq!(again.to_yaml(), yaml);
        assert!(!yaml.contains("time:") && !yaml.contains("date"), "{yaml}");
    }

    #[test]
    fn later_fields_are_ignored_and_other_formats_refused() {
        let (path, s) = tutorial();
        let m = RunMeta::new("run", &path, &s, &RunPlan::for_scenario(&s));
        let more = format!("{}later_field: 3\n", m.to_yaml());
        assert_eq!(RunMeta::parse(&more).unwrap(), m);
        let other = m.to_yaml().replace(FORMAT, "something-else");
        assert!(
            RunMeta::parse(&other)
                .unwrap_err()
                .contains("something-else")
        );
    }
}

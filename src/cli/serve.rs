//! `ttx serve`'s flags, and their check: `--step` and `--tick` durations above 0, and
//! with `--resume` the record's settings left to the record.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ttx::app::InputError;
use ttx::app::exercise::parse_step;
use ttx::app::serve::Request;

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Scenario file (YAML). Its `roles:` are the players' seats.
    scenario: PathBuf,
    /// The variant to play (default: the first): its protocols' parameters apply, but
    /// nothing triggers by itself: the players are the protocol.
    #[arg(long, value_name = "NAME")]
    variant: Option<String>,
    /// Where to listen. Only this machine can connect unless you give another address
    /// (e.g. 0.0.0.0:8080 for the room's network).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// The record: every decision and pause is appended as it happens (default:
    /// <out>/record.yaml). It replays at the terminal with `ttx exercise --decisions`.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// Continue the session this record holds, in the same state, with the same join
    /// links, and go on recording to it.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["variant", "record", "seed", "step"])]
    resume: Option<PathBuf>,
    /// With --resume: continue a record made on another scenario file.
    #[arg(long, requires = "resume")]
    allow_other_scenario: bool,
    /// Length of a move (default 30m). The clock also stops at every inject.
    #[arg(long, value_name = "DURATION")]
    step: Option<String>,
    /// Wall time per move while the facilitator runs the clock.
    #[arg(long, value_name = "DURATION", default_value = "20s")]
    tick: String,
    /// Seed (default: the scenario's).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Output directory (default: results/<scenario>-serve/).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replications for the debrief (default: the scenario's `replications`).
    #[arg(long, value_name = "N", value_parser = super::common::at_least_2)]
    replications: Option<u32>,
    /// Worker threads for the debrief (default: all cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..1025))]
    threads: Option<u32>,
}

/// A wall-clock duration: `20s`, `1m`, `500ms`, or a number of seconds.
fn parse_tick(text: &str) -> Result<Duration, InputError> {
    let t = text.trim();
    let (number, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else {
        (t, 1.0)
    };
    match number.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x * scale >= 0.05 && x * scale <= 3600.0 => {
            Ok(Duration::from_secs_f64(x * scale))
        }
        _ => Err(InputError::Tick(ttx::text::one_line(text).into_owned())),
    }
}

impl ServeArgs {
    pub fn request(self) -> Result<Request, InputError> {
        Ok(Request {
            scenario: self.scenario,
            variant: self.variant,
            step: self.step.as_deref().map(parse_step).transpose()?,
            seed: self.seed,
            bind: self.bind,
            record: self.record,
            resume: self.resume,
            out: self.out,
            tick: parse_tick(&self.tick)?,
            replications: self.replications,
            threads: self.threads.map(|t| t as usize),
            allow_other_scenario: self.allow_other_scenario,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_read_as_wall_time_and_silly_ones_are_refused() {
        assert_eq!(parse_tick("20s").unwrap(), Duration::from_secs(20));
        assert_eq!(parse_tick("1m").unwrap(), Duration::from_secs(60));
        assert_eq!(parse_tick("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_tick("3").unwrap(), Duration::from_secs(3));
        for bad in ["0s", "-1s", "2h", "fast", "10ms", "NaNs"] {
            assert!(parse_tick(bad).is_err(), "{bad}");
        }
    }
}

//! Warnings about a variant that may run away or run very long, printed before its runs
//! (and by `ttx validate`).

use std::path::Path;

use crate::analysis;
use crate::scenario::{Minutes, Variant};

/// The warnings for `variant` of the scenario at `path`, one line each.
pub fn size_warnings(path: &Path, variant: &Variant, horizon: Minutes) -> Vec<String> {
    let mut out = Vec::new();
    let r = analysis::expected_offspring(&variant.model);
    if r > 1.0 {
        out.push(format!(
            "{} (variant `{}`)",
            offspring_warning(path, r),
            variant.name
        ));
    }
    let attempts = analysis::expected_scripted_attempts(&variant.model, horizon);
    let limit = variant.model.limits.max_copies as f64;
    if attempts > limit {
        out.push(format!(
            "{}: warning: campaigns and injects are expected to make about {attempts:.0} upload attempts per replication in variant `{}`, more than limits.max_copies = {limit:.0}; blocked attempts do not count towards that limit, so a run may take very long (set limits.max_events to cap it)",
            path.display(),
            variant.name
        ));
    }
    out
}

fn offspring_warning(path: &Path, r: f64) -> String {
    format!(
        "{}: warning: each copy is expected to cause about {r:.2} onward copies (more than 1), \
         so the spread may grow until limits.max_copies stops the run; check the link rates \
         and attention half-lives",
        path.display()
    )
}

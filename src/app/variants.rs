//! Variants picked by name (`--variant`), with a suggestion for a misspelt one.

use std::path::Path;

use crate::scenario::Scenario;

use super::{Error, InputError};

/// Resolve variant names to indices into `scenario.variants`, in the order given (all
/// variants, in the scenario's order, when `names` is empty). A name given twice counts
/// once. `path` is the scenario file, for the message about an unknown name.
pub fn pick(scenario: &Scenario, names: &[String], path: &Path) -> Result<Vec<usize>, Error> {
    if names.is_empty() {
        return Ok((0..scenario.variants.len()).collect());
    }
    let known: Vec<&str> = scenario.variants.iter().map(|v| v.name.as_str()).collect();
    let mut picked: Vec<usize> = Vec::new();
    for name in names {
        let i = known
            .iter()
            .position(|k| k == name)
            .ok_or_else(|| InputError::UnknownVariant {
                path: path.to_path_buf(),
                name: name.clone(),
                suggestion: closest(name, &known).map(str::to_string),
                known: known.iter().map(|k| k.to_string()).collect(),
            })?;
        if !picked.contains(&i) {
            picked.push(i);
        }
    }
    Ok(picked)
}

/// One variant by name, or the first when none is given.
pub fn pick_one(scenario: &Scenario, name: Option<&str>, path: &Path) -> Result<usize, Error> {
    match name {
        Some(name) => Ok(pick(scenario, &[name.to_string()], path)?[0]),
        None => Ok(0),
    }
}

/// The candidate most like `name`, if it is alike enough to be a likely misspelling.
pub fn closest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(name, c), *c))
        .filter(|(s, _)| *s > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

//! `ttx protocols`: what each protocol of a scenario does, and when, in plain words.

use std::path::Path;

use super::{Error, Report, load};

/// Print the description of the scenario's protocols; it is also returned.
pub fn run(scenario: &Path, report: &mut dyn Report) -> Result<String, Error> {
    let s = load(scenario)?;
    let text = crate::describe::protocols(&s);
    report.out(&text);
    Ok(text)
}

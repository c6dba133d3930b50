//! `ttx protocols`: what each protocol of a scenario does, and when, in plain words, as
//! the variants run it (or as one variant runs it, with `--variant`).

use std::path::Path;

use super::{Error, Report, load, variants};

/// Print the description of the scenario's protocols (of `variant`'s protocol only, if
/// named); it is also returned.
pub fn run(
    scenario: &Path,
    variant: Option<&str>,
    report: &mut dyn Report,
) -> Result<String, Error> {
    let s = load(scenario)?;
    let text = match variant {
        Some(name) => {
            let v = variants::pick_one(&s, Some(name), scenario)?;
            crate::describe::variant_protocol(&s, v)
        }
        None => crate::describe::protocols(&s),
    };
    report.out(&text);
    Ok(text)
}

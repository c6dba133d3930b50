//! `ttx schema`: the JSON Schema of a file kind printed, or every kind's written into a
//! directory for editors (see [`crate::schema`], which owns the schemas).

use std::path::Path;

use crate::schema::{self, Kind};

use super::{Error, Report};

/// Print the schema of `kind` (pretty JSON).
pub fn print(kind: Kind, report: &mut dyn Report) {
    report.out(&schema::text(kind));
}

/// Write every kind's schema into `dir` (`scenario.schema.json`, `targets.schema.json`,
/// `decisions.schema.json`, `roles.schema.json`), saying what was written.
pub fn write(dir: &Path, report: &mut dyn Report) -> Result<(), Error> {
    let written = schema::write_all(dir).map_err(|e| Error::write(dir, e))?;
    for path in written {
        report.line(&format!("wrote {}", path.display()));
    }
    Ok(())
}

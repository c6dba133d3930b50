//! `ttx new`: a commented starter scenario written to a new file, never over an existing
//! one. The scenario is small, valid and runs in a second; its first line points editors
//! at the scenario schema, which is written beside it (`schema/scenario.schema.json`)
//! unless a file is already there.

use std::io::Write;
use std::path::Path;

use crate::schema::{self, Kind};

use super::{Error, InputError, Report};

/// The starter scenario, as written.
pub const STARTER: &str = include_str!("starter.yaml");

/// Where the starter's modeline looks for the schema, relative to the scenario.
pub const SCHEMA_DIR: &str = "schema";

/// Write the starter scenario to `path`; refuse if anything is there.
pub fn run(path: &Path, report: &mut dyn Report) -> Result<(), Error> {
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(InputError::Exists {
                path: path.to_path_buf(),
            }
            .into());
        }
        Err(e) => return Err(Error::write(path, e)),
    };
    file.write_all(STARTER.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::write(path, e))?;
    report.line(&format!("wrote {}", path.display()));

    // The schema the modeline names, for editors.
    let dir = path.parent().unwrap_or(Path::new("")).join(SCHEMA_DIR);
    let schema_path = dir.join(Kind::Scenario.file_name());
    let text = schema::text(Kind::Scenario);
    match std::fs::read_to_string(&schema_path) {
        Ok(old) if old == text => {}
        Ok(_) => report.note(&format!(
            "note: {} is from another version of ttx; `ttx schema --write {}` brings it up to date",
            schema_path.display(),
            dir.display()
        )),
        Err(_) => {
            let written = std::fs::create_dir_all(&dir)
                .and_then(|()| std::fs::write(&schema_path, text.as_bytes()));
            match written {
                Ok(()) => report.line(&format!(
                    "wrote {} (the schema the scenario's first line points editors to)",
                    schema_path.display()
                )),
                Err(e) => report.note(&format!(
                    "note: could not write the schema for editors to {}: {e}",
                    schema_path.display()
                )),
            }
        }
    }
    report.line(&format!(
        "next: `ttx validate {0}`, then `ttx run {0}`",
        path.display()
    ));
    Ok(())
}

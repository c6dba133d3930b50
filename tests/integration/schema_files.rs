//! Editor wiring: the schema files written by `ttx schema --write scenarios/schema` are
//! committed up to date, and every shipped scenario and targets file points editors at
//! its schema in its first line.

use std::path::Path;

use ttx::schema::{self, Kind};

use crate::common::yaml_files;

fn scenarios() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

#[test]
fn the_committed_schema_files_are_what_ttx_schema_prints() {
    for kind in Kind::ALL {
        let path = scenarios().join("schema").join(kind.file_name());
        let committed =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            committed == schema::text(kind),
            "{} is out of date: run `ttx schema --write scenarios/schema` and commit it",
            path.display()
        );
    }
}

#[test]
fn every_shipped_file_starts_with_the_modeline() {
    for f in yaml_files(&scenarios()) {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let kind = if name.contains(".targets.") {
            Kind::Targets
        } else {
            Kind::Scenario
        };
        let text = std::fs::read_to_string(&f).unwrap();
        let first = text.lines().next().unwrap_or("");
        let expected = format!(
            "# yaml-language-server: $schema=schema/{}",
            kind.file_name()
        );
        assert_eq!(first, expected, "{name}");
    }
}

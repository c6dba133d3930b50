//! A record names the scenario file it was made on by its SHA-256: replaying it on
//! another file is refused (naming both files and both checksums) unless
//! `--allow-other-scenario` is given, which says what differs; an old record without a
//! checksum replays with a note.

use std::fs;
use std::path::Path;
use std::time::Duration;

use crate::common::shipped;
use crate::spawn::run_within;

fn exercise(
    scenario: &Path,
    record: &Path,
    out: &Path,
    extra: &[&str],
) -> (Option<i32>, String, String) {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "exercise".as_ref(),
        scenario.as_os_str(),
        "--decisions".as_ref(),
        record.as_os_str(),
        "--replications".as_ref(),
        "2".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    let (status, o, e) = run_within(&args, Duration::from_secs(120));
    (status.code(), o, e)
}

fn run(scenario: &Path, record: &Path, out: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "run".as_ref(),
        scenario.as_os_str(),
        "--decisions".as_ref(),
        record.as_os_str(),
        "--replications".as_ref(),
        "2".as_ref(),
        "--quiet".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    let (status, _, e) = run_within(&args, Duration::from_secs(120));
    (status.code(), e)
}

/// A recorded session on a copy of the tutorial; and another file, changed by a comment.
fn setup(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let original = dir.join("tutorial.yaml");
    let text = fs::read_to_string(shipped("tutorial.yaml")).unwrap();
    fs::write(&original, &text).unwrap();
    let other = dir.join("other.yaml");
    fs::write(&other, format!("{text}\n# changed\n")).unwrap();
    let record = dir.join("record.yaml");
    let (status, _, err) = run_within(
        &[
            "exercise".as_ref(),
            original.as_os_str(),
            "--replications".as_ref(),
            "2".as_ref(),
            "--out".as_ref(),
            dir.join("live").as_os_str(),
            "--record".as_ref(),
            record.as_os_str(),
        ],
        Duration::from_secs(120),
    );
    assert!(status.success(), "{err}");
    (original, other, record)
}

#[test]
fn a_record_replayed_on_another_scenario_file_is_refused_naming_both_files_and_checksums() {
    let dir = tempfile::tempdir().unwrap();
    let (original, other, record) = setup(dir.path());
    let text = fs::read_to_string(&record).unwrap();
    assert!(text.contains("scenario_sha256: "), "{text}");

    let (code, out, err) = exercise(&other, &record, &dir.path().join("x"), &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("made on a different scenario file"), "{err}");
    assert!(err.contains(&original.display().to_string()), "{err}");
    assert!(err.contains(&other.display().to_string()), "{err}");
    assert_eq!(err.matches("SHA-256 ").count(), 2, "{err}");
    assert!(err.contains("--allow-other-scenario"), "{err}");
    assert!(!out.contains("== T+"), "{out}");
    let (code, err) = run(&other, &record, &dir.path().join("y"), &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("made on a different scenario file"), "{err}");

    // On its own file it replays without a word.
    let (code, _, err) = exercise(&original, &record, &dir.path().join("z"), &[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains("scenario"), "{err}");
}

#[test]
fn allow_other_scenario_replays_it_saying_what_differs() {
    let dir = tempfile::tempdir().unwrap();
    let (original, other, record) = setup(dir.path());
    for (code, err) in [
        {
            let (c, _, e) = exercise(
                &other,
                &record,
                &dir.path().join("x"),
                &["--allow-other-scenario"],
            );
            (c, e)
        },
        run(
            &other,
            &record,
            &dir.path().join("y"),
            &["--allow-other-scenario"],
        ),
    ] {
        assert_eq!(code, Some(0), "{err}");
        assert!(err.contains("made on a different scenario file"), "{err}");
        assert!(err.contains(&original.display().to_string()), "{err}");
        assert!(err.contains(&other.display().to_string()), "{err}");
    }
}

#[test]
fn an_old_record_without_a_checksum_still_replays_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("old.yaml");
    // As ttx wrote records before the checksum.
    fs::write(
        &record,
        "scenario: scenarios/tutorial.yaml\nvariant: baseline\nseed: 7\nstep: 30m\ndecisions:\n- at: 1h\n  decision: activate\n- at: 1h\n  role: europol\n  decision: refer videotube 3\n",
    )
    .unwrap();
    let (code, out, err) = exercise(
        &shipped("tutorial.yaml"),
        &record,
        &dir.path().join("x"),
        &[],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("no scenario_sha256"), "{err}");
    assert!(out.contains("T+01:00 > refer videotube 3"), "{out}");
    let (code, err) = run(
        &shipped("tutorial.yaml"),
        &record,
        &dir.path().join("y"),
        &[],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("no scenario_sha256"), "{err}");
}

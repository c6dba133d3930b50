//! `ttx completions SHELL` for every shell (dynamic and static scripts), the dynamic
//! completion of variant names and platform ids from the scenario on the line, and
//! `ttx man`: a page for ttx and for every subcommand.

use std::path::Path;

use clap::ValueEnum;
use clap_complete::Shell;

use crate::common::{shipped, ttx};

#[test]
fn a_script_for_every_shell() {
    for shell in Shell::value_variants() {
        let name = shell.to_string();
        for extra in [None, Some("--static")] {
            let mut cmd = ttx();
            cmd.args(["completions", &name]);
            if let Some(x) = extra {
                cmd.arg(x);
            }
            let out = cmd.assert().success();
            let script = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
            assert!(script.contains("ttx"), "{name} {extra:?}: {script}");
            if extra.is_some() {
                // The static script knows the subcommands by itself.
                assert!(
                    script.contains("validate") && script.contains("calibrate"),
                    "{name}"
                );
            } else {
                // The dynamic one asks ttx.
                assert!(script.contains("COMPLETE"), "{name}: {script}");
            }
        }
    }
}

/// What `ttx` offers for the last word of `words` (bash's protocol).
fn complete(words: &[&str]) -> Vec<String> {
    let index = (words.len() - 1).to_string();
    let out = ttx()
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", &index)
        .env("_CLAP_COMPLETE_COMP_TYPE", "9")
        .env("_CLAP_COMPLETE_SPACE", "true")
        .env("_CLAP_IFS", "\n")
        .arg("--")
        .args(words)
        .assert()
        .success();
    String::from_utf8_lossy(&out.get_output().stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn variant_names_and_platform_ids_complete_from_the_scenario() {
    let tutorial = shipped("tutorial.yaml");
    let t = tutorial.to_str().unwrap();
    assert_eq!(
        complete(&["ttx", "run", t, "--variant", ""]),
        ["baseline", "ecp"]
    );
    assert_eq!(complete(&["ttx", "compare", t, "--variant", "e"]), ["ecp"]);
    assert_eq!(
        complete(&["ttx", "msel", t, "--variant", "b"]),
        ["baseline"]
    );
    let fit = complete(&["ttx", "calibrate", t, "--fit", "platforms.v"]);
    assert_eq!(fit, ["platforms.videotube."]);
    // Subcommands complete too.
    assert!(complete(&["ttx", "val"]).iter().any(|c| c == "validate"));
}

#[test]
fn a_man_page_for_ttx_and_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    ttx()
        .args(["man", "--dir"])
        .arg(dir.path())
        .assert()
        .success();
    let page = |name: &str| {
        std::fs::read_to_string(dir.path().join(format!("{name}.1")))
            .unwrap_or_else(|e| panic!("{name}.1: {e}"))
    };
    assert!(page("ttx").contains(".TH ttx"));
    let subcommands = [
        "validate",
        "run",
        "merge",
        "compare",
        "protocols",
        "exercise",
        "msel",
        "report",
        "bench",
        "targets",
        "calibrate",
        "schema",
        "new",
        "completions",
        "man",
    ];
    for sub in subcommands {
        let text = page(&format!("ttx-{sub}"));
        assert!(text.contains(".SH NAME"), "ttx-{sub}.1");
        assert!(
            text.contains(&format!("ttx\\-{sub}")),
            "ttx-{sub}.1: {text}"
        );
    }
    // Only pages, and none for `help`.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            name == "ttx.1" || (name.starts_with("ttx-") && name.ends_with(".1")),
            "{name}"
        );
    }
    assert!(!Path::new(&dir.path().join("ttx-help.1")).exists());
}

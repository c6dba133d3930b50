//! `ttx protocols` describes each protocol as the variants that use it run it (their
//! `set` applied), and `--variant NAME` as that variant runs it; `ttx msel --variant`
//! takes the milestones of the variant the exercise plays. Once the description used the
//! scenario as written even where the only variant using a protocol changed its members,
//! and the MSEL always took the first protocol variant's milestones.

use std::fs;

use crate::common::shipped;

/// The tutorial with a second ECP variant in which videotube is not a member, and the
/// plain `ecp` variant removed: the only users of `ecp` change membership... and one
/// that keeps it.
fn scenario(dir: &std::path::Path, keep_plain: bool) -> std::path::PathBuf {
    let plain = if keep_plain {
        "  - {name: ecp, protocol: ecp}\n"
    } else {
        ""
    };
    let text = fs::read_to_string(shipped("tutorial.yaml")).unwrap().replace(
        "  - {name: ecp, protocol: ecp}         # same scenario, with the crisis protocol above\n",
        &format!(
            "{plain}  - name: ecp-no-videotube\n    protocol: ecp\n    set:\n      platforms.videotube.protocol_member: false\n      protocols.ecp.notify_time: 1h\n"
        ),
    );
    let path = dir.join(format!("s{keep_plain}.yaml"));
    fs::write(&path, text).unwrap();
    path
}

fn protocols(args: &[&std::ffi::OsStr]) -> String {
    let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("ttx"))
        .arg("protocols")
        .args(args)
        .assert()
        .success();
    String::from_utf8_lossy(&out.get_output().stdout).to_string()
}

#[test]
fn protocols_describes_a_protocol_as_the_variant_that_uses_it_runs_it() {
    let dir = tempfile::tempdir().unwrap();
    let only = scenario(dir.path(), false);
    let text = protocols(&[only.as_os_str()]);
    assert!(text.contains("Used by: `ecp-no-videotube`"), "{text}");
    assert!(text.contains("1h after activation"), "{text}");
    assert!(
        !text.contains("videotube:"),
        "videotube is not a member there:\n{text}"
    );

    let both = scenario(dir.path(), true);
    let text = protocols(&[both.as_os_str()]);
    assert!(text.contains("run differently by its variants"), "{text}");
    assert_eq!(text.matches("Protocol `ecp`").count(), 2, "{text}");

    let text = protocols(&[
        both.as_os_str(),
        "--variant".as_ref(),
        "ecp-no-videotube".as_ref(),
    ]);
    assert!(text.contains("variant `ecp-no-videotube`"), "{text}");
    assert!(text.contains("1h after activation"), "{text}");
    assert!(!text.contains("15m after activation"), "{text}");
    let text = protocols(&[both.as_os_str(), "--variant".as_ref(), "baseline".as_ref()]);
    assert!(text.contains("Protocol `none`"), "{text}");
    let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("ttx"))
        .arg("protocols")
        .arg(&both)
        .args(["--variant", "ecp-no-videotub"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("did you mean `ecp-no-videotube`"), "{err}");
}

#[test]
fn msel_takes_its_milestones_from_the_variant_given() {
    let dir = tempfile::tempdir().unwrap();
    let both = scenario(dir.path(), true);
    let msel = |variant: Option<&str>| {
        let out = dir.path().join(format!("{variant:?}.csv"));
        let mut cmd = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("ttx"));
        cmd.arg("msel")
            .arg(&both)
            .args(["--replications", "10", "--out"])
            .arg(&out);
        if let Some(v) = variant {
            cmd.args(["--variant", v]);
        }
        cmd.assert().success();
        fs::read_to_string(out).unwrap()
    };
    let first = msel(None);
    let other = msel(Some("ecp-no-videotube"));
    assert!(first.contains("runs of `ecp`"), "{first}");
    assert!(other.contains("runs of `ecp-no-videotube`"), "{other}");
    assert_ne!(first, other);
}

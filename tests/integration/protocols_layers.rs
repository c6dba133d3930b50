//! `ttx protocols` on the shipped scenarios that run several protocols at once: the
//! layers, the chain (`after`), each protocol's own members, the part II triggers and the
//! crisis posture's `on_match` and `views_factor` are put in words.

use crate::common::{part2_fixture, shipped, ttx};

fn protocols(args: &[&str], scenario: &std::path::Path) -> String {
    let out = ttx()
        .arg("protocols")
        .arg(scenario)
        .args(args)
        .assert()
        .success();
    String::from_utf8_lossy(&out.get_output().stdout).to_string()
}

#[test]
fn livestream_attack_layers_chain_and_members_are_described() {
    let path = shipped("christchurch-2019.yaml");
    let text = protocols(&[], &path);
    assert!(
        text.contains(
            "Variant `cip+ecp` runs 2 protocols at once, in layers: `gifct-cip` and `ecp`"
        ),
        "{text}"
    );
    assert!(
        text.contains("Chain in `cip-then-ecp`: `ecp` triggers when `gifct-cip` activates"),
        "{text}"
    );
    assert!(
        !text.contains("Chain in `cip+ecp`"),
        "the side-by-side variant is not chained:\n{text}"
    );
    // Each protocol has its own members: midvideo is an ECP signatory, not a GIFCT member.
    assert!(
        text.contains(
            "Members (listed in its `members`): livestream, social, videotube, microblog, clips, filelocker and pastesite."
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "Members (listed in its `members`): livestream, social, videotube, microblog, clips, midvideo, filelocker and pastesite."
        ),
        "{text}"
    );
    assert!(
        text.contains("once 5 copies of `attack-video` have been detected by a member platform"),
        "{text}"
    );
    assert!(
        text.contains("hash matches blocked at upload instead of sent to review"),
        "{text}"
    );
    assert!(text.contains("x0.7 (demotion)"), "{text}");

    let one = protocols(&["--variant", "cip-then-ecp"], &path);
    assert!(one.contains("runs 2 protocols at once"), "{one}");
    assert!(one.contains("Chain in `cip-then-ecp`"), "{one}");
    assert_eq!(one.matches("Protocol `").count(), 2, "{one}");
}

#[test]
fn the_part2_fixture_describes_every_trigger_and_acceptance() {
    let text = protocols(&[], &part2_fixture());
    assert!(
        text.contains("once 3 copies of `attack-stream` have been detected"),
        "{text}"
    );
    assert!(
        text.contains("once the content has been published on at least 4 distinct platforms"),
        "{text}"
    );
    assert!(
        text.contains("once 2 copies of `manifesto` have been removed on at least 2 platform(s)"),
        "{text}"
    );
    assert!(
        text.contains("Members: every platform marked protocol_member (social and videotube)."),
        "{text}"
    );
    assert!(
        text.contains("Referrals from eu-iru are accepted with probability 0.7"),
        "{text}"
    );
}

//! Reading an exercise's `after-action.md` back: its sections, tables and timeline, as
//! [`crate::exercise::Debrief::markdown`] writes them.

use crate::scenario::parse_duration;

/// A Markdown table: header and rows, cells as text (`\|` unescaped).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MdTable {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A reference protocol milestone the debrief's timeline states.
#[derive(Debug, Clone, PartialEq)]
pub struct RefMilestone {
    /// `trigger`, `active` or `members notified`.
    pub what: String,
    pub protocol: String,
    pub median: f64,
    /// The 5–95% range across the reference runs.
    pub range: Option<(f64, f64)>,
}

/// What the report uses of an after-action report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AfterAction {
    pub title: String,
    /// The paragraph under the title (variant played, seed, replications).
    pub intro: String,
    /// time, role, decision.
    pub decisions: MdTable,
    pub outcomes: MdTable,
    /// The timeline's lines, as written.
    pub timeline: Vec<String>,
    pub milestones: Vec<RefMilestone>,
    /// objective, rating, evidence.
    pub objectives: MdTable,
    /// Text of a section without a table (e.g. "The scenario declares no objectives.").
    pub objectives_text: String,
}

/// `T+hh:mm` as minutes.
pub fn parse_clock(s: &str) -> Option<f64> {
    let rest = s.trim().strip_prefix("T+")?;
    let (h, m) = rest.split_once(':')?;
    let m: String = m.chars().take_while(char::is_ascii_digit).collect();
    Some(h.parse::<f64>().ok()? * 60.0 + m.parse::<f64>().ok()?)
}

/// The clock times in `s`, in order.
fn clocks(s: &str) -> Vec<f64> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("T+") {
        if let Some(t) = parse_clock(&rest[i..]) {
            out.push(t);
        }
        rest = &rest[i + 2..];
    }
    out
}

/// The first `` `name` `` in `s`.
fn quoted(s: &str) -> Option<String> {
    let a = s.find('`')?;
    let b = s[a + 1..].find('`')?;
    Some(s[a + 1..a + 1 + b].to_string())
}

fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut out = Vec::new();
    let mut cell = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cell.push('|');
                chars.next();
            }
            '|' => out.push(std::mem::take(&mut cell).trim().to_string()),
            c => cell.push(c),
        }
    }
    out.push(cell.trim().to_string());
    out
}

fn table(lines: &[&str]) -> MdTable {
    let rows: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.trim_start().starts_with('|'))
        .collect();
    let mut t = MdTable::default();
    for (i, l) in rows.iter().enumerate() {
        if i == 1 && l.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ')) {
            continue;
        }
        if i == 0 {
            t.header = cells(l);
        } else {
            t.rows.push(cells(l));
        }
    }
    t
}

/// Markdown emphasis and code marks removed, for plain text.
pub fn plain(s: &str) -> String {
    s.replace("**", "").replace('`', "")
}

impl AfterAction {
    pub fn parse(text: &str) -> AfterAction {
        let mut a = AfterAction::default();
        let mut body: Vec<(String, Vec<&str>)> = vec![(String::new(), Vec::new())];
        for line in text.lines() {
            if let Some(t) = line.strip_prefix("# ") {
                a.title = t.trim().to_string();
            } else if let Some(t) = line.strip_prefix("## ") {
                body.push((t.trim().to_string(), Vec::new()));
            } else if let Some(last) = body.last_mut() {
                last.1.push(line);
            }
        }
        for (name, lines) in &body {
            let text = lines
                .iter()
                .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('|'))
                .map(|l| l.trim())
                .collect::<Vec<_>>()
                .join(" ");
            match name.as_str() {
                "" => a.intro = text,
                "Decisions" => a.decisions = table(lines),
                "Outcomes" => a.outcomes = table(lines),
                "Timeline" => {
                    a.timeline = lines
                        .iter()
                        .filter_map(|l| l.trim().strip_prefix("- "))
                        .map(str::to_string)
                        .collect();
                }
                "Objectives" => {
                    a.objectives = table(lines);
                    a.objectives_text = text;
                }
                _ => {}
            }
        }
        a.milestones = milestones(&a.timeline);
        a
    }

    /// The decisions as (minutes, role, decision).
    pub fn decision_times(&self) -> Vec<(f64, String, String)> {
        self.decisions
            .rows
            .iter()
            .filter_map(|r| {
                let at = parse_clock(r.first()?)?;
                Some((
                    at,
                    r.get(1).cloned().unwrap_or_default(),
                    r.get(2).cloned().unwrap_or_default(),
                ))
            })
            .collect()
    }
}

/// The reference milestones in the debrief's timeline lines: "... the `ecp` trigger
/// (variant `ecp`) fires at a median T+01:12 (5–95%: T+00:50–T+02:00, in 48 of 50 runs)",
/// "under `ecp` the protocol is active at a median ...", "`ecp` notifies members 30m
/// after activation".
fn milestones(lines: &[String]) -> Vec<RefMilestone> {
    let mut out: Vec<RefMilestone> = Vec::new();
    for line in lines {
        let at_median = |key: &str| -> Option<(f64, Option<(f64, f64)>)> {
            let i = line.find(key)?;
            let tail = &line[i..];
            let m = tail.find("a median")?;
            let t = clocks(&tail[m..]);
            let median = *t.first()?;
            let range = (t.len() >= 3).then(|| (t[1], t[2]));
            Some((median, range))
        };
        if let Some((median, range)) = at_median(" trigger") {
            let protocol = line
                .split("the `")
                .nth(1)
                .and_then(|s| s.split('`').next())
                .unwrap_or_default()
                .to_string();
            out.push(RefMilestone {
                what: "trigger".into(),
                protocol,
                median,
                range,
            });
        } else if let Some((median, range)) = at_median("is active") {
            out.push(RefMilestone {
                what: "active".into(),
                protocol: quoted(line).unwrap_or_default(),
                median,
                range,
            });
        } else if let Some(i) = line.find("notifies members ") {
            let rest = &line[i + "notifies members ".len()..];
            let dur = rest.split_whitespace().next().unwrap_or_default();
            // The protocol named just before "notifies members", whose activation it
            // follows (with several protocols, each has its own lines).
            let named = line[..i]
                .rsplit('`')
                .nth(1)
                .map(str::to_string)
                .unwrap_or_default();
            let active = out
                .iter()
                .rev()
                .find(|m| m.what == "active" && m.protocol == named)
                .or_else(|| out.iter().find(|m| m.what == "active"))
                .cloned();
            if let (Ok(d), Some(active)) = (parse_duration(dur), active) {
                out.push(RefMilestone {
                    what: "members notified".into(),
                    protocol: active.protocol.clone(),
                    median: active.median + d,
                    range: active.range.map(|(a, b)| (a + d, b + d)),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# After-action report: Tutorial\n\nVariant played: `baseline`; seed 7; replayed over 10 replications.\n\n## Decisions\n\n| time | role | decision |\n|---|---|---|\n| T+01:00 | | activate |\n| T+02:00 | europol | refer videotube 5 \\| now |\n\n## Outcomes\n\n| | exposure | peak | against |\n|---|---|---|---|\n| **your decisions** | 100 (90–110) | 5 (4–6) | reference |\n\n## Timeline\n\n- you activated the protocol at T+01:00; the `ecp` trigger (variant `ecp`) fires at a median T+01:12 (5–95%: T+00:50–T+02:00, in 9 of 10 runs)\n- under `ecp` the protocol is active at a median T+01:20 (5–95%: T+01:00–T+02:10, in 9 of 10 runs)\n- you notified member platforms at T+01:00; `ecp` notifies members 30m after activation\n\n## Objectives\n\nRatings: P ...\n\n| objective | rating | evidence |\n|---|---|---|\n| Activate within an hour | P | activated at T+01:00 (target: by T+01:00) |\n";

    #[test]
    fn reads_what_the_debrief_writes() {
        let a = AfterAction::parse(SAMPLE);
        assert_eq!(a.title, "After-action report: Tutorial");
        assert!(a.intro.starts_with("Variant played"));
        assert_eq!(
            a.decision_times(),
            [
                (60.0, String::new(), "activate".into()),
                (120.0, "europol".into(), "refer videotube 5 | now".into())
            ]
        );
        assert_eq!(a.outcomes.rows.len(), 1);
        assert_eq!(a.objectives.rows[0][1], "P");
        assert_eq!(a.milestones.len(), 3);
        assert_eq!(a.milestones[0].what, "trigger");
        assert_eq!(a.milestones[0].protocol, "ecp");
        assert_eq!(a.milestones[0].median, 72.0);
        assert_eq!(a.milestones[0].range, Some((50.0, 120.0)));
        assert_eq!(a.milestones[1].median, 80.0);
        assert_eq!(a.milestones[2].what, "members notified");
        assert_eq!(a.milestones[2].median, 110.0);
    }
}

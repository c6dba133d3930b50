//! Owns what each seat is shown: the snapshot cut down to what that seat would know,
//! as JSON for its page, and the situation board's charts, drawn by the report's chart
//! code (the host draws them once per change).

use serde::Serialize;

use crate::engine::{InjectState, clock};
use crate::report::charts::{
    BandChart, BandSeries, BarChart, BarGroup, Frame, band_lines, grouped_bars,
};
use crate::scenario::{Capacity, InjectKind, Minutes, Model};

use super::seats::Seat;
use super::snapshot::{Charts, FeedItem, Point, Snapshot};

/// Draw the board's charts of the session so far: live copies and exposure over time, and
/// each platform's review queue now.
pub fn draw_charts(model: &Model, history: &[Point], horizon: Minutes) -> Charts {
    let hours = |m: Minutes| m / 60.0;
    let line = |id: &str, title: &str, y: &str, value: &dyn Fn(&Point) -> f64| {
        let chart = BandChart {
            frame: Frame::new(id, title, "hours since the start", y)
                .described(format!("{title}, at every pause of the session so far")),
            series: vec![BandSeries {
                label: "this session".into(),
                points: history
                    .iter()
                    .map(|p| {
                        let v = value(p);
                        (hours(p.at), v, v, v)
                    })
                    .collect(),
                band: false,
            }],
            band_label: None,
            x_max: Some(hours(horizon)),
        };
        band_lines(&chart).map(|s| s.markup).unwrap_or_default()
    };
    let queues = history.last().map_or_else(String::new, |last| {
        let chart = BarChart {
            frame: Frame::new("queues", "Review queues now", "", "copies waiting")
                .described("Copies waiting for review on each platform, now"),
            categories: vec!["waiting for review".into()],
            groups: model
                .platforms
                .iter()
                .zip(&last.waiting)
                .map(|(p, &w)| BarGroup {
                    label: p.id.clone(),
                    values: vec![Some(w as f64)],
                })
                .collect(),
        };
        grouped_bars(&chart).map(|s| s.markup).unwrap_or_default()
    });
    Charts {
        live: line("live", "Live copies", "copies live", &|p| p.live as f64),
        exposure: line("exposure", "Exposure", "views of all copies", &|p| {
            p.exposure
        }),
        queues,
    }
}

#[derive(Serialize)]
struct Headline {
    live: u64,
    exposure: f64,
    published: u64,
    removed: u64,
    blocked: u64,
    variants: u64,
    pending_hashes: usize,
}

#[derive(Serialize)]
struct PlatformRow {
    id: String,
    name: String,
    live: u64,
    published: u64,
    removed: u64,
    /// `None` where the seat would not know (another's platform).
    blocked: Option<u64>,
    waiting: Option<u64>,
    in_review: Option<u32>,
    reviewers: Option<String>,
    posture: &'static str,
    /// Copies authorities have found there and not yet referred.
    found: u64,
    eu: bool,
}

#[derive(Serialize)]
struct ProtocolRow {
    id: String,
    phase: String,
}

#[derive(Serialize)]
struct InjectRow {
    number: usize,
    at: String,
    what: String,
    note: Option<String>,
    state: &'static str,
    from: Option<String>,
    to: Option<String>,
    expected_action: Option<String>,
}

#[derive(Serialize)]
struct FeedRow {
    at: String,
    who: String,
    text: String,
    accepted: bool,
    answer: String,
}

#[derive(Serialize)]
struct Message {
    at: String,
    text: String,
}

#[derive(Serialize)]
struct RoleInfo {
    id: String,
    name: String,
    decisions: Vec<&'static str>,
    /// Platforms its decisions may name.
    platforms: Vec<String>,
    /// Those of them that are EU platforms (removal orders).
    eu_platforms: Vec<String>,
    authorities: Vec<String>,
}

/// What one seat is shown.
#[derive(Serialize)]
pub struct View {
    seat: &'static str,
    version: u64,
    title: String,
    variant: String,
    clock: String,
    now: f64,
    horizon: f64,
    step: String,
    running: bool,
    finished: bool,
    ended: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    headline: Option<Headline>,
    protocols: Vec<ProtocolRow>,
    /// The protocols in play, for the forms.
    protocol_ids: Vec<String>,
    platforms: Vec<PlatformRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    injects: Option<Vec<InjectRow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_inject: Option<usize>,
    feed: Vec<FeedRow>,
    messages: Vec<Message>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<RoleInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    debrief: Option<String>,
    files: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<String>,
}

fn feed_row(model: &Model, f: &FeedItem) -> FeedRow {
    FeedRow {
        at: clock(f.at),
        who: match f.seat {
            Seat::Facilitator => "facilitator".into(),
            Seat::Board => "board".into(),
            Seat::Role(i) => model.roles[i].name.clone(),
        },
        text: f.text.clone(),
        accepted: f.answer.accepted,
        answer: f.answer.message.clone(),
    }
}

fn inject_row(model: &Model, i: usize, state: InjectState) -> InjectRow {
    let j = &model.injects[i];
    let what = match &j.kind {
        InjectKind::Message => "message".to_string(),
        InjectKind::Virality {
            platform, factor, ..
        } => format!(
            "virality x{factor} on {}",
            platform.map_or("every platform", |p| model.platforms[p].id.as_str())
        ),
        InjectKind::Upload {
            platform, count, ..
        } => format!("{count} uploads on {}", model.platforms[*platform].id),
        InjectKind::Outage {
            platform,
            reviewers,
            ..
        } => format!(
            "reviewers of {} cut to {reviewers}",
            model.platforms[*platform].id
        ),
    };
    InjectRow {
        number: i + 1,
        at: clock(j.at),
        what,
        note: j.note.clone(),
        state: match state {
            InjectState::Scheduled => "scheduled",
            InjectState::Held => "held",
            InjectState::Delivered => "delivered",
        },
        from: j.delivery.from.clone(),
        to: j.delivery.to.clone(),
        expected_action: j.delivery.expected_action.clone(),
    }
}

/// The view of `seat` of the snapshot.
pub fn view(snap: &Snapshot, seat: Seat) -> View {
    let model = &*snap.model;
    let s = &snap.situation;
    let all_rows: Vec<PlatformRow> = s
        .platforms
        .iter()
        .zip(&model.platforms)
        .map(|(p, m)| PlatformRow {
            id: p.id.clone(),
            name: m.name.clone(),
            live: p.live,
            published: p.published,
            removed: p.removed,
            blocked: Some(p.blocked),
            waiting: Some(p.waiting),
            in_review: Some(p.busy),
            reviewers: Some(match p.reviewers {
                Capacity::Limited(n) => n.to_string(),
                Capacity::Unlimited => "unlimited".into(),
            }),
            posture: if p.crisis_posture { "crisis" } else { "normal" },
            found: p.found_not_queued,
            eu: p.eu,
        })
        .collect();
    let protocols = s
        .protocols
        .iter()
        .map(|p| ProtocolRow {
            id: p.id.clone(),
            phase: match (p.activated_at, p.deactivated_at, p.triggered_at) {
                (_, Some(d), _) => format!("stood down {}", clock(d)),
                (Some(a), None, _) => format!("active since {}", clock(a)),
                (None, None, Some(t)) => format!("triggered {}", clock(t)),
                (None, None, None) => "inactive".into(),
            },
        })
        .collect();
    let messages = snap
        .messages
        .iter()
        .map(|(at, text)| Message {
            at: clock(*at),
            text: text.clone(),
        })
        .collect();
    let headline = || Headline {
        live: s.live,
        exposure: s.exposure,
        published: s.published,
        removed: s.removed,
        blocked: s.blocked,
        variants: s.variants,
        pending_hashes: s.pending_hashes,
    };
    let mut v = View {
        seat: "board",
        version: snap.version,
        title: model.name.clone(),
        variant: snap.variant.clone(),
        clock: clock(s.time),
        now: s.time,
        horizon: snap.horizon,
        step: crate::scenario::duration::format_minutes(snap.step),
        running: snap.running,
        finished: snap.finished,
        ended: snap.ended,
        headline: None,
        protocols,
        protocol_ids: s.protocols.iter().map(|p| p.id.clone()).collect(),
        platforms: Vec::new(),
        injects: None,
        next_inject: None,
        feed: Vec::new(),
        messages,
        role: None,
        debrief: None,
        files: Vec::new(),
        failure: snap.failure.clone(),
    };
    match seat {
        Seat::Facilitator => {
            v.seat = "facilitator";
            v.headline = Some(headline());
            v.platforms = all_rows;
            v.injects = Some(
                snap.injects
                    .iter()
                    .enumerate()
                    .map(|(i, &st)| inject_row(model, i, st))
                    .collect(),
            );
            v.next_inject = snap.next_inject.map(|i| i + 1);
            v.feed = snap.feed.iter().map(|f| feed_row(model, f)).collect();
            v.debrief = snap.debrief.clone();
            v.files = snap.files.clone();
        }
        Seat::Board => {
            v.headline = Some(headline());
            v.platforms = all_rows;
        }
        Seat::Role(i) => {
            let role = &model.roles[i];
            v.seat = "role";
            // A desk sees its own platforms in full; a referral unit the platforms its
            // authorities monitor, with what they have found there. Neither sees the
            // totals across platforms.
            let reach = role.reach(model);
            let own = |p: usize| role.platforms.contains(&p);
            let watched = |p: usize| {
                role.authorities
                    .iter()
                    .any(|&a| model.authorities[a].monitors.contains(&p))
            };
            v.platforms = all_rows
                .into_iter()
                .enumerate()
                .filter(|&(p, _)| own(p) || watched(p))
                .map(|(p, mut row)| {
                    if !own(p) {
                        // What a referral unit knows of another's platform: what is up,
                        // and what it found.
                        row.waiting = None;
                        row.in_review = None;
                        row.reviewers = None;
                        row.blocked = None;
                    }
                    row
                })
                .collect();
            v.feed = snap
                .feed
                .iter()
                .filter(|f| f.seat == seat)
                .map(|f| feed_row(model, f))
                .collect();
            let names = |ps: &[usize]| -> Vec<String> {
                ps.iter().map(|&p| model.platforms[p].id.clone()).collect()
            };
            let reach = reach.unwrap_or_else(|| (0..model.platforms.len()).collect());
            let eu: Vec<usize> = reach
                .iter()
                .copied()
                .filter(|&p| s.platforms[p].eu)
                .collect();
            v.role = Some(RoleInfo {
                id: role.id.clone(),
                name: role.name.clone(),
                decisions: role.decisions.iter().map(|d| d.word()).collect(),
                platforms: names(&reach),
                eu_platforms: names(&eu),
                authorities: role
                    .authorities
                    .iter()
                    .map(|&a| model.authorities[a].id.clone())
                    .collect(),
            });
        }
    }
    v
}

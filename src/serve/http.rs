//! Owns the HTTP side of `ttx serve`: the routes, the token check on every request,
//! live updates by server-sent events, and the pages (plain HTML and script, embedded
//! in the binary: no build step, nothing fetched from elsewhere).
//!
//! Every path starts with a seat's token, `/t/TOKEN/...`; a request without a known
//! token, or with a token whose seat may not do what it asks, gets 403.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::mpsc::Sender;

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tokio::sync::watch;
use tokio_stream::StreamExt as _;
use tokio_stream::wrappers::WatchStream;

use super::host::{Ask, ClockAction};
use super::seats::{Seat, Tokens};
use super::snapshot::{Answer, Snapshot};
use super::view::view;

/// The longest decision a seat may send, in bytes (the prompt's lines are short too).
pub const MAX_DECISION_BYTES: usize = 1000;

/// What every handler shares.
#[derive(Clone)]
pub struct App {
    pub tokens: Arc<Tokens>,
    pub asks: Sender<Ask>,
    pub snapshot: watch::Receiver<Arc<Snapshot>>,
}

const PAGE_FACILITATOR: &str = include_str!("page/facilitator.html");
const PAGE_BOARD: &str = include_str!("page/board.html");
const PAGE_SEAT: &str = include_str!("page/seat.html");
const SCRIPT: &str = include_str!("page/ttx.js");
const STYLE: &str = include_str!("page/ttx.css");

fn forbidden(why: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("403 Forbidden: {why}\n"),
    )
        .into_response()
}

/// The seat of a token, or the 403 to answer.
#[allow(clippy::result_large_err)] // handlers return the error as their response at once
fn seat(app: &App, token: &str) -> Result<Seat, Response> {
    app.tokens.seat(token).ok_or_else(|| {
        forbidden("this link's token opens no seat of this session; use a join link printed when `ttx serve` started")
    })
}

/// The routes.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/t/{token}/", get(page))
        .route("/t/{token}", get(to_page))
        .route("/t/{token}/ttx.js", get(script))
        .route("/t/{token}/ttx.css", get(style))
        .route("/t/{token}/state", get(state))
        .route("/t/{token}/events", get(events))
        .route("/t/{token}/links", get(links))
        .route("/t/{token}/chart/{name}", get(chart))
        .route("/t/{token}/decide", post(decide))
        .route("/t/{token}/clock", post(clock))
        .fallback(|| async { forbidden("open the join link printed when `ttx serve` started") })
        .layer(DefaultBodyLimit::max(4096))
        .layer(axum::middleware::map_response(secure))
        .with_state(app)
}

/// Headers on every answer: no caching (the pages carry tokens), no referrer (the
/// tokens are in the path), scripts and styles from this server only.
async fn secure(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
        ),
    );
    res
}

async fn page(State(app): State<App>, Path(token): Path<String>) -> Response {
    match seat(&app, &token) {
        Err(r) => r,
        Ok(Seat::Facilitator) => Html(PAGE_FACILITATOR).into_response(),
        Ok(Seat::Board) => Html(PAGE_BOARD).into_response(),
        Ok(Seat::Role(_)) => Html(PAGE_SEAT).into_response(),
    }
}

/// The page's own address ends in `/`, so that its relative paths stay under the token.
async fn to_page(State(app): State<App>, Path(token): Path<String>) -> Response {
    match seat(&app, &token) {
        Err(r) => r,
        Ok(_) => axum::response::Redirect::permanent(&format!("/t/{token}/")).into_response(),
    }
}

async fn script(State(app): State<App>, Path(token): Path<String>) -> Response {
    match seat(&app, &token) {
        Err(r) => r,
        Ok(_) => (
            [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
            SCRIPT,
        )
            .into_response(),
    }
}

async fn style(State(app): State<App>, Path(token): Path<String>) -> Response {
    match seat(&app, &token) {
        Err(r) => r,
        Ok(_) => ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response(),
    }
}

async fn state(State(app): State<App>, Path(token): Path<String>) -> Response {
    match seat(&app, &token) {
        Err(r) => r,
        Ok(s) => {
            let snap = Arc::clone(&app.snapshot.borrow());
            Json(view(&snap, s)).into_response()
        }
    }
}

/// Server-sent events: `version` with the snapshot's version each time it changes (the
/// page then fetches its view).
async fn events(State(app): State<App>, Path(token): Path<String>) -> Response {
    if let Err(r) = seat(&app, &token) {
        return r;
    }
    let stream = WatchStream::new(app.snapshot.clone()).map(|snap| {
        Ok::<_, Infallible>(
            Event::default()
                .event("version")
                .data(snap.version.to_string()),
        )
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// Every seat's join path (the facilitator's page lists them).
async fn links(State(app): State<App>, Path(token): Path<String>) -> Response {
    match seat(&app, &token) {
        Err(r) => r,
        Ok(Seat::Facilitator) => {
            let snap = Arc::clone(&app.snapshot.borrow());
            let t = &app.tokens;
            let mut out = vec![
                serde_json::json!({"seat": "facilitator", "name": "Facilitator", "path": format!("/t/{}/", t.facilitator)}),
                serde_json::json!({"seat": "board", "name": "Situation board", "path": format!("/t/{}/", t.board)}),
            ];
            for (r, tok) in snap.model.roles.iter().zip(&t.roles) {
                out.push(
                    serde_json::json!({"seat": r.id, "name": r.name, "path": format!("/t/{tok}/")}),
                );
            }
            Json(out).into_response()
        }
        Ok(_) => forbidden("only the facilitator's link lists the seats"),
    }
}

async fn chart(State(app): State<App>, Path((token, name)): Path<(String, String)>) -> Response {
    match seat(&app, &token) {
        Err(r) => r,
        Ok(Seat::Role(_)) => forbidden("the charts are the board's and the facilitator's"),
        Ok(_) => {
            let snap = Arc::clone(&app.snapshot.borrow());
            let name = name.strip_suffix(".svg").unwrap_or(&name);
            match snap.charts.get(name) {
                Some(svg) => {
                    ([(header::CONTENT_TYPE, "image/svg+xml")], svg.to_string()).into_response()
                }
                None => (StatusCode::NOT_FOUND, "no such chart\n").into_response(),
            }
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DecideBody {
    text: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockBody {
    action: ClockAction,
}

/// Pass a request to the session and wait for its answer.
async fn ask(app: &App, make: impl FnOnce(super::host::Reply) -> Ask) -> Response {
    let (tx, rx) = tokio::sync::oneshot::channel();
    if app.asks.send(make(tx)).is_err() {
        return (StatusCode::SERVICE_UNAVAILABLE, "the session has stopped\n").into_response();
    }
    match rx.await {
        Ok(answer) => Json::<Answer>(answer).into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "the session has stopped\n").into_response(),
    }
}

fn bad_request(why: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(Answer {
            accepted: false,
            message: why,
            forbidden: false,
        }),
    )
        .into_response()
}

async fn decide(
    State(app): State<App>,
    Path(token): Path<String>,
    body: Result<Json<DecideBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let seat = match seat(&app, &token) {
        Err(r) => return r,
        Ok(Seat::Board) => return forbidden("the situation board takes no decisions"),
        Ok(s) => s,
    };
    let text = match body {
        Ok(Json(b)) => b.text,
        Err(e) => {
            return bad_request(format!(
                "expected a JSON body {{\"text\": \"DECISION\"}}: {}",
                e.body_text()
            ));
        }
    };
    if text.len() > MAX_DECISION_BYTES {
        return bad_request(format!(
            "expected a decision of at most {MAX_DECISION_BYTES} bytes, found {}",
            text.len()
        ));
    }
    ask(&app, |reply| Ask::Decide { seat, text, reply }).await
}

async fn clock(
    State(app): State<App>,
    Path(token): Path<String>,
    body: Result<Json<ClockBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    match seat(&app, &token) {
        Err(r) => return r,
        Ok(Seat::Facilitator) => {}
        Ok(_) => return forbidden("only the facilitator moves the clock"),
    }
    let action = match body {
        Ok(Json(b)) => b.action,
        Err(e) => {
            return bad_request(format!(
                "expected a JSON body {{\"action\": \"start|pause|step|next-inject|end|close\"}}: {}",
                e.body_text()
            ));
        }
    };
    ask(&app, |reply| Ask::Clock { action, reply }).await
}

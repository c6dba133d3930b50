//! Headless Chromium for tests that look at pages as a person would: open a page,
//! collect what its console and network did, take a screenshot, read pixels.
//!
//! Chromium is driven through its DevTools protocol (`chromiumoxide`), started as
//! `chromium --headless --no-sandbox --disable-gpu --disable-background-networking
//! --disable-component-update --disable-sync --no-first-run` with a fresh
//! `--user-data-dir`. Without Chromium, [`Browser::launch`] panics saying so: a browser
//! test never passes without a browser. `TTX_CHROMIUM` names another binary.
//!
//! One [`Browser`] can open many pages ([`Browser::open`]), for tests that walk through
//! several.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chromiumoxide::browser::{Browser as Chrome, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::log::{
    EnableParams as LogEnable, EventEntryAdded, LogEntryLevel,
};
use chromiumoxide::cdp::browser_protocol::network::{
    EnableParams as NetworkEnable, EventRequestWillBeSent,
};
use chromiumoxide::cdp::js_protocol::runtime::{
    ConsoleApiCalledType, EventConsoleApiCalled, EventExceptionThrown,
};
use chromiumoxide::handler::viewport::Viewport;
use chromiumoxide::page::ScreenshotParams;
use futures::StreamExt;

/// What the page said on its console, or what went wrong in it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsoleMessage {
    /// `error`, `warning`, `log`, ... (console calls), `exception`, or a log entry's level.
    pub level: String,
    pub text: String,
}

impl ConsoleMessage {
    pub fn is_error(&self) -> bool {
        matches!(self.level.as_str(), "error" | "assert" | "exception")
    }
}

/// A running headless Chromium with its own fresh profile.
pub struct Browser {
    runtime: tokio::runtime::Runtime,
    chrome: Option<Chrome>,
    handler: Option<tokio::task::JoinHandle<()>>,
    _profile: tempfile::TempDir,
}

/// The Chromium binary: `TTX_CHROMIUM`, or `chromium` (Debian), `chromium-browser` or
/// `google-chrome` on the PATH.
pub fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TTX_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// A `file://` URL for a local file.
pub fn file_url(path: &Path) -> String {
    let abs = std::path::absolute(path).expect("an absolute path");
    let mut url = String::from("file://");
    for b in abs.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                url.push(char::from(b))
            }
            b => url.push_str(&format!("%{b:02X}")),
        }
    }
    url
}

impl Browser {
    /// Start headless Chromium (a 1200x900 viewport at scale 1). Panics, plainly, if it is not installed
    /// or does not start.
    pub fn launch() -> Browser {
        let Some(exe) = chromium() else {
            panic!(
                "chromium is not installed: this test opens the report in a real browser. \
                 Install it with `apt-get install -y chromium chromium-driver` (as .ci/run does), \
                 or set TTX_CHROMIUM to a Chromium binary."
            );
        };
        let profile = tempfile::tempdir().expect("a temporary profile directory");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let config = BrowserConfig::builder()
            .chrome_executable(&exe)
            .disable_default_args()
            .with_head() // `--headless` is among the arguments below
            .no_sandbox()
            .args([
                "headless",
                "disable-gpu",
                "disable-background-networking",
                "disable-component-update",
                "disable-sync",
                "no-first-run",
                "hide-scrollbars",
                "mute-audio",
                "force-device-scale-factor=1",
            ])
            .user_data_dir(profile.path())
            .window_size(1200, 900)
            .viewport(Viewport {
                width: 1200,
                height: 900,
                device_scale_factor: Some(1.0),
                emulating_mobile: false,
                is_landscape: true,
                has_touch: false,
            })
            .launch_timeout(Duration::from_secs(60))
            .build()
            .expect("a browser configuration");
        let (chrome, mut events) = runtime
            .block_on(Chrome::launch(config))
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
        let handler = runtime.spawn(async move { while events.next().await.is_some() {} });
        Browser {
            runtime,
            chrome: Some(chrome),
            handler: Some(handler),
            _profile: profile,
        }
    }

    /// Open `url` in a new tab, recording console messages, errors and requests from
    /// before the page starts loading; returns once it has loaded.
    pub fn open(&self, url: &str) -> Page<'_> {
        let chrome = self.chrome.as_ref().expect("a running browser");
        self.runtime.block_on(async {
            let page = chrome.new_page("about:blank").await.expect("a new tab");
            let console = Arc::new(Mutex::new(Vec::new()));
            let requests = Arc::new(Mutex::new(Vec::new()));
            page.execute(LogEnable::default())
                .await
                .expect("Log.enable");
            page.execute(NetworkEnable::default())
                .await
                .expect("Network.enable");
            let mut calls = page
                .event_listener::<EventConsoleApiCalled>()
                .await
                .expect("console listener");
            let mut thrown = page
                .event_listener::<EventExceptionThrown>()
                .await
                .expect("exception listener");
            let mut entries = page
                .event_listener::<EventEntryAdded>()
                .await
                .expect("log listener");
            let mut sent = page
                .event_listener::<EventRequestWillBeSent>()
                .await
                .expect("network listener");
            let c = Arc::clone(&console);
            tokio::spawn(async move {
                while let Some(e) = calls.next().await {
                    let text = e
                        .args
                        .iter()
                        .map(|a| {
                            a.value
                                .as_ref()
                                .map(|v| v.to_string())
                                .or_else(|| a.description.clone())
                                .unwrap_or_default()
                        })
                        .collect::<Vec<_>>()
                        .join(" ");
                    let level = match e.r#type {
                        ConsoleApiCalledType::Error => "error",
                        ConsoleApiCalledType::Assert => "assert",
                        ConsoleApiCalledType::Warning => "warning",
                        _ => "log",
                    };
                    c.lock().unwrap().push(ConsoleMessage {
                        level: level.into(),
                        text,
                    });
                }
            });
            let c = Arc::clone(&console);
            tokio::spawn(async move {
                while let Some(e) = thrown.next().await {
                    let d = &e.exception_details;
                    let text = d
                        .exception
                        .as_ref()
                        .and_then(|x| x.description.clone())
                        .unwrap_or_else(|| d.text.clone());
                    c.lock().unwrap().push(ConsoleMessage {
                        level: "exception".into(),
                        text,
                    });
                }
            });
            let c = Arc::clone(&console);
            tokio::spawn(async move {
                while let Some(e) = entries.next().await {
                    let level = match e.entry.level {
                        LogEntryLevel::Error => "error",
                        LogEntryLevel::Warning => "warning",
                        _ => "log",
                    };
                    c.lock().unwrap().push(ConsoleMessage {
                        level: level.into(),
                        text: format!(
                            "{} {}",
                            e.entry.text,
                            e.entry.url.clone().unwrap_or_default()
                        ),
                    });
                }
            });
            let r = Arc::clone(&requests);
            tokio::spawn(async move {
                while let Some(e) = sent.next().await {
                    r.lock().unwrap().push(e.request.url.clone());
                }
            });
            page.goto(url)
                .await
                .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
            page.wait_for_navigation().await.expect("the page loads");
            // Let late console messages and events arrive.
            tokio::time::sleep(Duration::from_millis(300)).await;
            Page {
                browser: self,
                page,
                console,
                requests,
            }
        })
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(mut chrome) = self.chrome.take() {
            self.runtime.block_on(async {
                let _ = chrome.close().await;
                let _ = chrome.wait().await;
            });
        }
        if let Some(h) = self.handler.take() {
            h.abort();
        }
    }
}

/// An open tab.
pub struct Page<'b> {
    browser: &'b Browser,
    page: chromiumoxide::Page,
    console: Arc<Mutex<Vec<ConsoleMessage>>>,
    requests: Arc<Mutex<Vec<String>>>,
}

/// A decoded screenshot, RGBA.
pub struct Screenshot {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
    pub png: Vec<u8>,
}

/// A rectangle in CSS pixels of the page (the screenshot's pixels at scale 1).
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Screenshot {
    fn decode(png_bytes: Vec<u8>) -> Screenshot {
        let decoder = png::Decoder::new(std::io::Cursor::new(&png_bytes));
        let mut reader = decoder.read_info().expect("a PNG screenshot");
        let mut buf = vec![0; reader.output_buffer_size().expect("a sized PNG")];
        let info = reader
            .next_frame(&mut buf)
            .expect("the screenshot's pixels");
        let channels = info.color_type.samples();
        let rgba = buf[..info.buffer_size()]
            .chunks(channels)
            .flat_map(|px| match channels {
                4 => [px[0], px[1], px[2], px[3]],
                3 => [px[0], px[1], px[2], 255],
                _ => [px[0], px[0], px[0], 255],
            })
            .collect();
        Screenshot {
            width: info.width,
            height: info.height,
            rgba,
            png: png_bytes,
        }
    }

    /// The share of pixels inside `r` (less a `margin` on every side) that are not
    /// near-white.
    pub fn ink(&self, r: Rect, margin: f64) -> f64 {
        let x0 = (r.x + margin).max(0.0) as u32;
        let y0 = (r.y + margin).max(0.0) as u32;
        let x1 = ((r.x + r.width - margin) as u32).min(self.width);
        let y1 = ((r.y + r.height - margin) as u32).min(self.height);
        let (mut inked, mut all) = (0u64, 0u64);
        for y in y0..y1 {
            for x in x0..x1 {
                let i = ((y * self.width + x) * 4) as usize;
                let px = &self.rgba[i..i + 3];
                all += 1;
                if px.iter().any(|&c| c < 235) {
                    inked += 1;
                }
            }
        }
        if all == 0 {
            0.0
        } else {
            inked as f64 / all as f64
        }
    }
}

impl Page<'_> {
    /// Evaluate a JavaScript expression and deserialise its value.
    pub fn eval<T: serde::de::DeserializeOwned>(&self, js: &str) -> T {
        self.browser.runtime.block_on(async {
            self.page
                .evaluate(js)
                .await
                .unwrap_or_else(|e| panic!("cannot evaluate `{js}`: {e}"))
                .into_value()
                .unwrap_or_else(|e| panic!("`{js}` gave an unexpected value: {e}"))
        })
    }

    /// The page rectangles of the elements matching a CSS selector, in document order.
    pub fn rects(&self, selector: &str) -> Vec<Rect> {
        let js = format!(
            "Array.from(document.querySelectorAll({selector:?})).map(e => {{ const r = e.getBoundingClientRect(); return {{x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height}}; }})"
        );
        self.eval(&js)
    }

    /// A screenshot of the whole page (not only the window).
    pub fn screenshot(&self) -> Screenshot {
        let png = self.browser.runtime.block_on(async {
            self.page
                .screenshot(ScreenshotParams::builder().full_page(true).build())
                .await
                .expect("a screenshot")
        });
        Screenshot::decode(png)
    }

    /// Everything the console said, and errors thrown, so far.
    pub fn console(&self) -> Vec<ConsoleMessage> {
        self.console.lock().unwrap().clone()
    }

    pub fn console_errors(&self) -> Vec<ConsoleMessage> {
        self.console()
            .into_iter()
            .filter(ConsoleMessage::is_error)
            .collect()
    }

    /// The URLs the page requested (itself included).
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// The harness itself: a page's console error, exception and failed load are seen (so a
/// clean report is clean because it is, not because nothing listens).
#[test]
fn the_browser_harness_sees_console_errors_and_requests() {
    let dir = tempfile::tempdir().unwrap();
    let page_path = dir.path().join("bad page.html");
    std::fs::write(
        &page_path,
        "<!DOCTYPE html><html><body><h1 style=\"display:inline-block\">Drawn heading</h1><img src=\"missing.png\" alt=\"\"><script>console.error('boom'); undefinedThing.call();</script></body></html>",
    )
    .unwrap();
    let browser = Browser::launch();
    let page = browser.open(&file_url(&page_path));
    let errors = page.console_errors();
    assert!(
        errors
            .iter()
            .any(|m| m.level == "error" && m.text.contains("boom")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|m| m.level == "exception" && m.text.contains("undefinedThing")),
        "{errors:?}"
    );
    assert!(
        page.requests().iter().any(|u| u.ends_with("missing.png")),
        "{:?}",
        page.requests()
    );
    let title: String = page.eval("document.querySelector('h1').textContent");
    assert_eq!(title, "Drawn heading");
    let shot = page.screenshot();
    assert!(
        shot.width >= 1000 && shot.height >= 100,
        "{}x{}",
        shot.width,
        shot.height
    );
    let h1 = page.rects("h1")[0];
    assert!(shot.ink(h1, 0.0) > 0.05, "the heading is drawn");
    // A blank part of the page has no ink.
    let blank = Rect {
        x: 600.0,
        y: 400.0,
        width: 300.0,
        height: 100.0,
    };
    assert_eq!(shot.ink(blank, 0.0), 0.0);
}

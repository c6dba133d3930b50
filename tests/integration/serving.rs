//! A `ttx serve` process for tests: started on a free port of 127.0.0.1, its join links
//! read from what it prints, and a plain HTTP/1.1 client (one connection per request)
//! to talk to it as a browser would.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The tutorial, which has three roles.
pub fn tutorial() -> std::path::PathBuf {
    crate::common::shipped("tutorial.yaml")
}

/// A running `ttx serve`.
pub struct Served {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// Seat name (`facilitator`, `board`, a role id) to its path `/t/TOKEN/`.
    pub links: BTreeMap<String, String>,
    /// What it printed before serving.
    pub banner: String,
    lines: mpsc::Receiver<String>,
}

impl Served {
    /// Start `ttx serve ARGS --bind 127.0.0.1:0` in `dir`, and wait until it serves.
    pub fn start<S: AsRef<std::ffi::OsStr>>(dir: &Path, args: &[S]) -> Served {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ttx"));
        cmd.arg("serve")
            .args(args)
            .args(["--bind", "127.0.0.1:0"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for name in ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"] {
            cmd.env_remove(name);
        }
        let mut child = cmd.spawn().expect("ttx serve starts");
        let stdout = child.stdout.take().expect("its standard output");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut banner = String::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) => {
                    banner.push_str(&line);
                    banner.push('\n');
                    if line.contains("Ctrl-C stops the server") {
                        break;
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    panic!("ttx serve did not start serving; it printed:\n{banner}");
                }
            }
        }
        let base = banner
            .split_whitespace()
            .find(|w| w.starts_with("http://") && !w.contains("/t/"))
            .expect("the address")
            .to_string();
        let mut links = BTreeMap::new();
        for line in banner.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            if let Some(url) = words.last().filter(|u| u.contains("/t/")) {
                let name = match words[0] {
                    "situation" => "board".to_string(),
                    w => w.to_string(),
                };
                links.insert(name, url.trim_start_matches(&base).to_string());
            }
        }
        Served {
            child: Some(child),
            base,
            links,
            banner,
            lines,
        }
    }

    /// The path of a seat's page.
    pub fn seat(&self, name: &str) -> &str {
        self.links
            .get(name)
            .unwrap_or_else(|| panic!("no seat `{name}` in {:?}", self.links))
    }

    /// The full URL of a seat's page.
    pub fn url(&self, name: &str) -> String {
        format!("{}{}", self.base, self.seat(name))
    }

    /// One request; returns the status and the body.
    pub fn request(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        request(&self.base, method, path, body)
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        self.request("GET", path, None)
    }

    /// A seat's view.
    pub fn state(&self, seat: &str) -> Value {
        let (status, body) = self.get(&format!("{}state", self.seat(seat)));
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("JSON")
    }

    /// A decision from a seat: the answer (`accepted`, `message`).
    pub fn decide(&self, seat: &str, text: &str) -> Value {
        let body = serde_json::json!({ "text": text }).to_string();
        let (status, answer) =
            self.request("POST", &format!("{}decide", self.seat(seat)), Some(&body));
        assert_eq!(status, 200, "{answer}");
        serde_json::from_str(&answer).expect("JSON")
    }

    /// A decision that must be accepted.
    pub fn decided(&self, seat: &str, text: &str) -> String {
        let a = self.decide(seat, text);
        assert_eq!(a["accepted"], true, "{seat}: {text}: {a}");
        a["message"].as_str().unwrap_or_default().to_string()
    }

    /// The facilitator's clock control.
    pub fn clock(&self, action: &str) -> Value {
        let body = serde_json::json!({ "action": action }).to_string();
        let (status, answer) = self.request(
            "POST",
            &format!("{}clock", self.seat("facilitator")),
            Some(&body),
        );
        assert_eq!(status, 200, "{answer}");
        let a: Value = serde_json::from_str(&answer).expect("JSON");
        assert_eq!(a["accepted"], true, "{action}: {a}");
        a
    }

    /// End the session, then close the server; waits for it to exit.
    pub fn end_and_close(mut self) -> ExitStatus {
        self.clock("end");
        self.clock("close");
        self.wait()
    }

    /// Wait for the process to exit (at most a minute).
    pub fn wait(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("a running server");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = child.try_wait().expect("its status") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("ttx serve did not exit");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What it printed since it started serving.
    pub fn printed(&self) -> String {
        self.lines.try_iter().collect::<Vec<_>>().join("\n")
    }

    /// Kill it at once (SIGKILL): nothing it could do at the end is done.
    pub fn kill(mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The process id (for signals).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// One HTTP/1.1 request on a connection of its own.
pub fn request(base: &str, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let body = body.unwrap_or("");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("a response");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status: u16 = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// An event stream (`/t/TOKEN/events`) held open, counting the events it receives.
pub struct Listener {
    pub events: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Listener {
    pub fn open(base: &str, path: &str) -> Listener {
        let host = base.trim_start_matches("http://").to_string();
        let mut stream = TcpStream::connect(&host).expect("connect");
        let head =
            format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        let events = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = std::sync::Arc::clone(&events);
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                if line.starts_with("event: version") {
                    count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                line.clear();
            }
        });
        Listener { events }
    }

    pub fn received(&self) -> usize {
        self.events.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// The outcome files of a session, by name (run.yaml left out: it names paths).
pub fn outcome_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    [
        "runs.csv",
        "platforms.csv",
        "protocols.csv",
        "timeseries.csv",
        "events.csv",
    ]
    .iter()
    .map(|f| {
        let bytes =
            std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(f).display()));
        (f.to_string(), bytes)
    })
    .collect()
}

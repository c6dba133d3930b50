//! A `ttx` process run in the background, for the tests that type at its prompt, send
//! it signals or kill it: its standard output read as it comes.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin!("ttx").to_path_buf()
}

pub struct Live {
    pub child: Child,
    stdin: Option<ChildStdin>,
    out: Arc<Mutex<Vec<u8>>>,
    err: Arc<Mutex<Vec<u8>>>,
}

fn pump(mut from: impl Read + Send + 'static, to: Arc<Mutex<Vec<u8>>>) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            to.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
}

impl Live {
    /// `ttx ARGS`, its standard input kept open until [`close_input`](Self::close_input).
    pub fn spawn<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Live {
        let mut child = std::process::Command::new(bin())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ttx starts");
        let out = Arc::new(Mutex::new(Vec::new()));
        let err = Arc::new(Mutex::new(Vec::new()));
        pump(child.stdout.take().unwrap(), Arc::clone(&out));
        pump(child.stderr.take().unwrap(), Arc::clone(&err));
        let stdin = child.stdin.take();
        Live {
            child,
            stdin,
            out,
            err,
        }
    }

    pub fn type_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("input open");
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    pub fn close_input(&mut self) {
        self.stdin.take();
    }

    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().unwrap()).into_owned()
    }

    pub fn err(&self) -> String {
        String::from_utf8_lossy(&self.err.lock().unwrap()).into_owned()
    }

    /// Wait until standard output holds `text` `times` times (panics after 60 s).
    pub fn wait_for_n(&self, text: &str, times: usize) {
        let start = Instant::now();
        while self.out().matches(text).count() < times {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no `{text}` (x{times}) in:\n{}\nstderr:\n{}",
                self.out(),
                self.err()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn wait_for(&self, text: &str) {
        self.wait_for_n(text, 1);
    }

    /// Send a signal by name (`INT`, `TERM`, `KILL`).
    pub fn signal(&self, name: &str) {
        let ok = std::process::Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name}");
    }

    /// Wait for the process to end (killed after 120 s, and the test fails).
    pub fn finish(&mut self) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the readers take the last output.
                std::thread::sleep(Duration::from_millis(100));
                return status;
            }
            if start.elapsed() > Duration::from_secs(120) {
                let _ = self.child.kill();
                panic!("ttx did not end:\n{}\nstderr:\n{}", self.out(), self.err());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Run `ttx ARGS` to its end with no input, killed after `limit` (and the test fails):
/// (status, stdout, stderr).
pub fn run_within<S: AsRef<std::ffi::OsStr>>(
    args: &[S],
    limit: Duration,
) -> (ExitStatus, String, String) {
    let mut live = Live::spawn(args);
    live.close_input();
    let start = Instant::now();
    loop {
        if let Some(status) = live.child.try_wait().unwrap() {
            std::thread::sleep(Duration::from_millis(100));
            return (status, live.out(), live.err());
        }
        if start.elapsed() > limit {
            let _ = live.child.kill();
            panic!("ttx waited for more than {limit:?}:\n{}", live.err());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

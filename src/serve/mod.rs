//! `ttx serve`'s training session in the browser: a facilitator's page, a situation
//! board and one seat per role, over HTTP on the exercise's own machine.
//!
//! The layout: [`host`] runs the session (the same [`Session`](crate::exercise::Session)
//! as `ttx exercise`) on the calling thread and publishes a snapshot after each change;
//! [`http`] answers the browsers on a small async runtime and passes their requests to
//! the host through a channel; [`snapshot`] is what the host publishes; [`view`] cuts
//! it down to what each seat may know; [`seats`] holds the join tokens.

pub mod host;
pub mod http;
pub mod seats;
pub mod snapshot;
pub mod view;

use std::net::SocketAddr;
use std::time::Duration;

pub use host::{Ask, ClockAction, Host, Stopped};
pub use seats::{Seat, Tokens};
pub use snapshot::{Answer, Snapshot};

/// The web side, running on its own threads.
pub struct Listening {
    runtime: tokio::runtime::Runtime,
    /// Where it listens (the port is known once bound, also for port 0).
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl Listening {
    /// Bind `addr` and serve `app` on two worker threads. Binding happens here, so a
    /// port in use is reported before anything else.
    pub fn start(addr: SocketAddr, app: http::App) -> std::io::Result<Listening> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ttx-serve")
            .enable_all()
            .build()?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind(addr))?;
        let addr = listener.local_addr()?;
        let router = http::router(app);
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = runtime.spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Listening {
            runtime,
            addr,
            shutdown: Some(shutdown),
            server: Some(server),
        })
    }

    /// Stop serving: no new connections; the answers under way (the facilitator's
    /// "close") are finished, for at most two seconds, then open connections are
    /// dropped. The pages' event streams end when the session's snapshots stop.
    pub fn stop(mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = self
                .runtime
                .block_on(async { tokio::time::timeout(Duration::from_secs(2), server).await });
        }
        self.runtime.shutdown_timeout(Duration::from_millis(200));
    }
}

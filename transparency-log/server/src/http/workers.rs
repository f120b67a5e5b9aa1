//! Serving a log (or any axum service) on worker threads, each with its own single-threaded runtime.
//!
//! A lookup or tile request costs the server a few microseconds of its own work and about as
//! much again in the kernel; on tokio's work-stealing runtime a good share of what is left goes
//! to waking and parking sibling workers for every ready socket. A log server has no long
//! requests to balance (the slow ones, batched lookups and appends, go to blocking threads),
//! so [`serve_on_workers`] gives every connection to one worker for its whole life instead:
//! one acceptor hands accepted sockets to the workers in turn, and each worker runs a
//! current-thread runtime that serves its connections with a clone of the same service (a
//! [`super::LogService`], or any axum [`Router`](axum::Router)). Measured in
//! `benchmarks/server.md` ("worker threads and a bare service").
//!
//! What this gives up: a connection never moves. An HTTP/1.1 connection is served one request
//! at a time on any runtime, so no single client loses anything, but a worker that holds more
//! busy connections than the others is not relieved by its idle siblings, and a handler that
//! blocks (a tile read from a cold disk; page-cache hits in practice) delays only, but all of,
//! its own worker's connections.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::num::NonZeroUsize;

use axum::ServiceExt as _;
use axum::extract::Request;
use axum::response::Response;
use axum::serve::Listener;
use tokio::sync::{mpsc, watch};
use tower_service::Service;

use crate::Error;

/// Serves `service` on `listener` with `workers` worker threads until `shutdown` completes,
/// then shuts every worker down gracefully (no new connections, in-flight requests answered)
/// and returns once all have stopped.
///
/// Must be called on a tokio runtime; that runtime only accepts connections (and runs whatever
/// background tasks the service's builder spawned on it). Each connection is served to its end
/// by one worker, connections being dealt to the workers in turn. Handlers may use
/// `tokio::task::spawn_blocking` and timers as usual; they must not use
/// `tokio::task::block_in_place`, which a current-thread runtime refuses.
///
/// # Errors
/// [`Error::Io`] if a worker thread or its runtime cannot be started, or a worker fails; the
/// others are then shut down too.
pub async fn serve_on_workers<S>(
    service: S,
    mut listener: tokio::net::TcpListener,
    workers: NonZeroUsize,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), Error>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("serve: local address", "", e))?;
    let (stop, stopped) = watch::channel(false);
    let mut senders = Vec::with_capacity(workers.get());
    let mut threads = Vec::with_capacity(workers.get());
    for i in 0..workers.get() {
        let (tx, rx) = mpsc::unbounded_channel();
        let worker = Worker {
            service: service.clone(),
            connections: Connections { rx, addr },
            stopped: stopped.clone(),
        };
        let thread = std::thread::Builder::new()
            .name(format!("lockproof-http-{i}"))
            .spawn(move || worker.run())
            .map_err(|e| Error::io("serve: starting a worker thread", "", e))?;
        senders.push(tx);
        threads.push(thread);
    }
    drop(service);

    tokio::pin!(shutdown);
    let mut next = 0;
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            (stream, peer) = Listener::accept(&mut listener) => {
                // A stream that cannot leave this runtime is dropped, which closes it.
                if let Ok(stream) = stream.into_std() {
                    // A worker whose channel is closed has stopped (it could not start its
                    // runtime, or it panicked): stop them all and report why, rather than
                    // close every Nth connection from now on.
                    if senders[next].send((stream, peer)).is_err() {
                        break;
                    }
                    next = (next + 1) % senders.len();
                }
            }
        }
    }
    drop(listener);
    let _ = stop.send(true);
    let mut first_error = None;
    for thread in threads {
        let result = tokio::task::spawn_blocking(move || thread.join())
            .await
            .map_err(|e| e.to_string())
            .and_then(|joined| joined.map_err(|_| "a worker thread panicked".to_owned()))
            .and_then(|served| served.map_err(|e| e.to_string()));
        if let Err(e) = result {
            first_error.get_or_insert(e);
        }
    }
    match first_error {
        None => Ok(()),
        Some(e) => Err(Error::io("serve", "", std::io::Error::other(e))),
    }
}

/// One worker: its share of the connections and the signal to stop.
struct Worker<S> {
    service: S,
    connections: Connections,
    stopped: watch::Receiver<bool>,
}

impl<S> Worker<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    fn run(self) -> std::io::Result<()> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let mut stopped = self.stopped;
        runtime.block_on(async move {
            axum::serve(self.connections, self.service.into_make_service())
                .with_graceful_shutdown(async move {
                    // An error means the sender is gone, which also means stop.
                    let _ = stopped.wait_for(|stop| *stop).await;
                })
                .await
        })
    }
}

/// The sockets the acceptor deals to one worker, as an axum [`Listener`].
struct Connections {
    rx: mpsc::UnboundedReceiver<(std::net::TcpStream, SocketAddr)>,
    addr: SocketAddr,
}

impl Listener for Connections {
    type Io = tokio::net::TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Some((stream, peer)) = self.rx.recv().await else {
                // The acceptor has stopped: no more connections; shutdown ends the serving.
                return std::future::pending().await;
            };
            // Answers go out in one write each; Nagle's algorithm would only delay them.
            let _ = stream.set_nodelay(true);
            // Registering with this worker's reactor fails only if it is out of resources;
            // the connection is then dropped (closed) and the next one taken.
            if let Ok(stream) = tokio::net::TcpStream::from_std(stream) {
                return (stream, peer);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.addr)
    }
}

//! The sync supervisor: one worker per enabled, unpaused connection, each an owned task with a
//! stop signal. A worker pulls, waits its interval (longer after failures, longest while the
//! circuit is open) and pulls again. The supervisor looks at the connections every few seconds,
//! so adding, pausing, resuming, disabling or removing one takes effect without a restart.
//!
//! Stopping is clean: a worker that is between pages stops at once; one in the middle of a
//! page is dropped at an await point, where every database write is either a committed
//! transaction or one rolled back — the page comes again on the next run and changes nothing.

use crate::Api;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How often workers pull and how long they wait after failures.
#[derive(Debug, Clone)]
pub struct SupervisorTiming {
    /// Between successful runs.
    pub interval: Duration,
    /// After a failed run.
    pub retry: Duration,
    /// After a failed run while the circuit is open.
    pub open_circuit: Duration,
    /// How often the supervisor looks at the connections.
    pub reconcile: Duration,
    /// How often the outbox dispatcher turns stock changes into rows and sends due rows (and
    /// due customer e-mail; tracking is asked about every five minutes in the same loop).
    pub outbox: Duration,
}

impl Default for SupervisorTiming {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(300),
            retry: Duration::from_secs(60),
            open_circuit: Duration::from_secs(900),
            reconcile: Duration::from_secs(5),
            outbox: Duration::from_secs(15),
        }
    }
}

/// Where the workers' progress goes.
pub type Sink = Arc<dyn Fn(crate::Progress) + Send + Sync>;

struct Worker {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// The running supervisor; `stop` ends it and every worker.
pub struct SyncSupervisor {
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
    workers: Arc<Mutex<HashMap<i64, Worker>>>,
    /// Runs finished, per connection (for tests and the UI's refresh).
    runs: Arc<Mutex<HashMap<i64, u64>>>,
    /// The outbox dispatcher.
    dispatcher: Mutex<Option<JoinHandle<()>>>,
    /// Outbox passes finished.
    passes: Arc<std::sync::atomic::AtomicU64>,
}

impl SyncSupervisor {
    /// Starts the supervisor on the current tokio runtime.
    pub fn start(api: Api, timing: SupervisorTiming) -> Arc<Self> {
        Self::start_with_progress(api, timing, Arc::new(|_| {}))
    }

    /// Starts it with a sink for the workers' progress (the desktop app shows a background
    /// run that brings orders; a run with nothing new says nothing).
    pub fn start_with_progress(api: Api, timing: SupervisorTiming, progress: Sink) -> Arc<Self> {
        let (stop, mut stopped) = watch::channel(false);
        let workers: Arc<Mutex<HashMap<i64, Worker>>> = Arc::default();
        let runs: Arc<Mutex<HashMap<i64, u64>>> = Arc::default();
        let (w, r) = (workers.clone(), runs.clone());
        let passes: Arc<std::sync::atomic::AtomicU64> = Arc::default();
        let dispatcher = {
            let (api, mut stopped, every, passes) =
                (api.clone(), stop.subscribe(), timing.outbox, passes.clone());
            tokio::spawn(async move {
                let mut pruned_at: Option<tokio::time::Instant> = None;
                let mut tracked_at: Option<tokio::time::Instant> = None;
                loop {
                    // A failing pass (a locked database, a broken row) is tried again next
                    // time; each connection's rows record their own errors.
                    let _ = api.dispatch_all().await;
                    // Customer e-mail queued by shipments, deliveries and new orders.
                    let _ = api.dispatch_mail().await;
                    // Every five minutes: parcels not asked about for an hour.
                    if tracked_at.is_none_or(|t| t.elapsed() >= Duration::from_secs(300)) {
                        let _ = api.poll_tracking(false).await;
                        tracked_at = Some(tokio::time::Instant::now());
                    }
                    // Once an hour: old inbox payloads go (the newest of each order stays).
                    if pruned_at.is_none_or(|t| t.elapsed() >= Duration::from_secs(3600)) {
                        let _ = api.prune_inbox(crate::sync::INBOX_KEEP_DAYS).await;
                        pruned_at = Some(tokio::time::Instant::now());
                    }
                    passes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tokio::select! {
                        _ = stopped.changed() => break,
                        _ = tokio::time::sleep(every) => {}
                    }
                }
            })
        };
        let task = tokio::spawn(async move {
            loop {
                reconcile(&api, &timing, &w, &r, &progress).await;
                tokio::select! {
                    _ = stopped.changed() => break,
                    _ = tokio::time::sleep(timing.reconcile) => {}
                }
            }
        });
        Arc::new(Self {
            stop,
            task: Mutex::new(Some(task)),
            workers,
            runs,
            dispatcher: Mutex::new(Some(dispatcher)),
            passes,
        })
    }

    /// Outbox passes finished since the supervisor started.
    pub fn outbox_passes(&self) -> u64 {
        self.passes.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Connections with a running worker.
    pub fn running(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .workers
            .lock()
            .map(|w| w.keys().copied().collect())
            .unwrap_or_default();
        ids.sort_unstable();
        ids
    }

    /// Runs finished (successful or not) for a connection since the supervisor started.
    pub fn runs(&self, connection_id: i64) -> u64 {
        self.runs
            .lock()
            .ok()
            .and_then(|r| r.get(&connection_id).copied())
            .unwrap_or(0)
    }

    /// Stops every worker and the supervisor, waiting for them (at most `wait`).
    pub async fn stop(&self, wait: Duration) {
        let _ = self.stop.send(true);
        let task = self.task.lock().ok().and_then(|mut t| t.take());
        if let Some(t) = task {
            let _ = tokio::time::timeout(wait, t).await;
        }
        let dispatcher = self.dispatcher.lock().ok().and_then(|mut t| t.take());
        if let Some(t) = dispatcher {
            // Between rows every write is committed; a row cut off mid-request is sent again
            // (each push looks at the channel first).
            let _ = tokio::time::timeout(wait, t).await;
        }
        let workers: Vec<Worker> = self
            .workers
            .lock()
            .map(|mut w| w.drain().map(|(_, v)| v).collect())
            .unwrap_or_default();
        for w in &workers {
            let _ = w.stop.send(true);
        }
        for w in workers {
            if tokio::time::timeout(wait, w.task).await.is_err() {
                // Still inside a request after `wait`: abandoned; its page comes again.
            }
        }
    }
}

/// Starts workers for connections that should run and stops those that should not.
async fn reconcile(
    api: &Api,
    timing: &SupervisorTiming,
    workers: &Arc<Mutex<HashMap<i64, Worker>>>,
    runs: &Arc<Mutex<HashMap<i64, u64>>>,
    progress: &Sink,
) {
    let Ok(conns) = api.list_sync_connections().await else {
        return;
    };
    let wanted: Vec<i64> = conns
        .iter()
        .filter(|c| c.enabled && !c.paused && !c.credentials.is_empty())
        .map(|c| c.id)
        .collect();
    let Ok(mut w) = workers.lock() else {
        return;
    };
    // Stopped: paused, disabled, removed — or a worker that ended on its own.
    let gone: Vec<i64> = w
        .iter()
        .filter(|(id, worker)| !wanted.contains(id) || worker.task.is_finished())
        .map(|(id, _)| *id)
        .collect();
    for id in gone {
        if let Some(worker) = w.remove(&id) {
            let _ = worker.stop.send(true);
        }
    }
    for id in wanted {
        if w.contains_key(&id) {
            continue;
        }
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(work(
            api.clone(),
            id,
            timing.clone(),
            stopped,
            runs.clone(),
            progress.clone(),
        ));
        w.insert(id, Worker { stop, task });
    }
}

/// One connection's loop: pull, wait, pull again, until told to stop.
async fn work(
    api: Api,
    id: i64,
    timing: SupervisorTiming,
    mut stopped: watch::Receiver<bool>,
    runs: Arc<Mutex<HashMap<i64, u64>>>,
    progress: Sink,
) {
    loop {
        let show = |p: crate::Progress| {
            if p.done > 0 {
                progress(p)
            }
        };
        let run = api.sync_connection(id, &show);
        let result = tokio::select! {
            _ = stopped.changed() => return,
            r = run => r,
        };
        if let Ok(mut r) = runs.lock() {
            *r.entry(id).or_default() += 1;
        }
        let wait = match result {
            Ok(_) => timing.interval,
            Err(_) => match api.connection(id).await {
                Ok(c) if c.circuit == "open" => timing.open_circuit,
                Ok(_) => timing.retry,
                // Removed meanwhile.
                Err(_) => return,
            },
        };
        tokio::select! {
            _ = stopped.changed() => return,
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

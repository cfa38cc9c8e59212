//! The one context every handler shares: the options, a few open store connections, the jobs in
//! flight and the runs' customer indexes.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use custseg_engine::Monitor;
use custseg_engine::store::Store;

use crate::error::ApiResult;
use crate::index::Indexes;

/// What `custseg serve` was started with.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to listen.
    pub addr: SocketAddr,
    /// The SQLite store (run history, accounts, audit, jobs).
    pub store: PathBuf,
    /// Where uploads and run outputs are kept.
    pub data: PathBuf,
    /// The largest upload accepted, in bytes.
    pub max_upload: u64,
    /// Worker threads of a run (0: all cores).
    pub threads: usize,
}

/// The handlers' shared context (cheap to clone).
#[derive(Debug, Clone)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    /// The options.
    pub options: Options,
    /// Open connections, reused; one is opened when none is free.
    pool: Mutex<Vec<Store>>,
    /// Running and queued jobs, by job id.
    pub jobs: Mutex<HashMap<i64, Monitor>>,
    /// The runs' customer indexes.
    pub indexes: Indexes,
    /// Set once shutdown began: no new job starts.
    pub stopping: AtomicBool,
    /// Runs go one at a time.
    pub queue: crate::jobs::Queue,
    /// Done runs read so far.
    pub runs: Mutex<crate::runs::RunCache>,
    /// Done runs' contexts, by store run id.
    pub contexts: Mutex<HashMap<i64, Arc<crate::runs::RunContext>>>,
}

/// Connections kept open for reuse (more are opened under load and closed after).
const POOL: usize = 8;

impl std::ops::Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Opens the store (creating and migrating it) and the data directory.
    ///
    /// # Errors
    /// When the store cannot be opened or the data directory made.
    pub fn open(options: Options) -> Result<AppState, custseg_engine::EngineError> {
        let store = Store::open(&options.store)?;
        for dir in ["uploads", "runs"] {
            let path = options.data.join(dir);
            std::fs::create_dir_all(&path).map_err(|e| custseg_engine::EngineError::Store {
                path: path.clone(),
                message: format!("cannot create the data directory: {e}"),
            })?;
        }
        Ok(AppState(Arc::new(Inner {
            options,
            pool: Mutex::new(vec![store]),
            jobs: Mutex::new(HashMap::new()),
            indexes: Indexes::default(),
            stopping: AtomicBool::new(false),
            queue: crate::jobs::Queue::default(),
            runs: Mutex::new(crate::runs::RunCache::default()),
            contexts: Mutex::new(HashMap::new()),
        })))
    }

    /// Runs `work` on a store connection on a blocking thread.
    ///
    /// # Errors
    /// What `work` returns, as an [`ApiError`].
    pub async fn db<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> custseg_engine::Result<T> + Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || state.db_now(work)).await?
    }

    /// [`AppState::db`] on the calling thread (for code already on a blocking thread).
    ///
    /// # Errors
    /// What `work` returns, as an [`ApiError`].
    pub fn db_now<T>(&self, work: impl FnOnce(&mut Store) -> custseg_engine::Result<T>) -> ApiResult<T> {
        let taken = lock(&self.pool).pop();
        let mut store = match taken {
            Some(s) => s,
            None => Store::open(&self.options.store)?,
        };
        let result = work(&mut store);
        let mut pool = lock(&self.pool);
        if pool.len() < POOL {
            pool.push(store);
        }
        Ok(result?)
    }

    /// Whether shutdown began.
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }
}

/// Locks a mutex, taking it over from a thread that panicked while holding it (the data behind
/// these mutexes is a cache or a list, valid at every step).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

//! Items of work taken in turn by threads of our own that end with the work ([`in_turn`]).
//!
//! Why not tasks on tokio's pool: the process keeps the memory it frees for reuse (the CLI sets
//! mimalloc's purge delay to never), and freed memory is reused at once only from the pages of a
//! thread that has ended. What a stage's threads allocate (the kept rows of a scan, the results
//! of the feature aggregation) is freed later by other threads; pages owned by a pool thread that
//! stays parked waited for it to allocate again, so the later stages took fresh memory (the
//! kernel clearing each page: 200-300 MB more at the 11.9M-row bench's peak).

use crate::error::{DataError, Result};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Runs `work(runtime, item)` for every item of `items` on up to `threads` threads of its own,
/// each taking the next item not yet taken (so no thread waits on a slow one) and each with a
/// single-threaded tokio runtime for async work (DataFusion); the results in the items' order.
/// An item is moved to its thread and dropped there when done. The first failure stops the
/// other threads at their next item and is returned. `what` names the work in errors.
///
/// # Errors
/// The first item's error; [`DataError::Stopped`] if a runtime cannot start or a thread panics.
pub(crate) fn in_turn<I: Send, T: Send>(
    threads: usize,
    items: Vec<I>,
    what: &str,
    work: impl Fn(&tokio::runtime::Runtime, I) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    let n = items.len();
    let queue: Mutex<Vec<Option<I>>> = Mutex::new(items.into_iter().map(Some).collect());
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let take = |k: usize| queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner)[k].take();
    let run = || -> Result<Vec<(usize, T)>> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| DataError::Stopped(format!("cannot start a thread for {what}: {e}")))?;
        let mut done = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = (k < n).then(|| take(k)).flatten() else { break };
            match work(&rt, item) {
                Ok(t) => done.push((k, t)),
                Err(e) => {
                    failed.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
        }
        Ok(done)
    };
    let finished: Vec<Result<Vec<(usize, T)>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.clamp(1, n.max(1))).map(|_| scope.spawn(run)).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(DataError::Stopped(format!("a thread for {what} failed")))))
            .collect()
    });
    let mut results: Vec<Option<T>> = (0..n).map(|_| None).collect();
    for r in finished {
        for (k, t) in r? {
            results[k] = Some(t);
        }
    }
    results.into_iter().map(|t| t.ok_or_else(|| DataError::Stopped(format!("{what}: an item was not done")))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every item done once, results in item order whatever thread did it, with async work on
    /// the thread's runtime; a failure is returned as it is.
    #[test]
    fn items_in_order_and_the_first_failure() {
        let items: Vec<usize> = (0..10).collect();
        let done = in_turn(3, items.clone(), "test", |rt, k| Ok(rt.block_on(async move { k * k })))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(done, (0..10).map(|k| k * k).collect::<Vec<_>>());
        let none: Vec<usize> = in_turn(2, Vec::new(), "test", |_, k: usize| Ok(k)).unwrap_or_else(|e| panic!("{e}"));
        assert!(none.is_empty());
        let failed =
            in_turn(2, items, "test", |_, k| if k == 4 { Err(DataError::Stopped("item 4".into())) } else { Ok(k) });
        assert_eq!(failed.map_err(|e| e.to_string()), Err("item 4".to_string()));
    }
}

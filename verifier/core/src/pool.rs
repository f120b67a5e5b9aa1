//! A bounded pool of scoped threads mapping a function over items.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Apply `f` to every item using at most `max_threads` threads; results keep item order.
pub(crate) fn pool_map<T: Sync, R: Send>(
    items: &[T],
    max_threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    if items.len() <= 1 || max_threads <= 1 {
        return items.iter().map(&f).collect();
    }
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..max_threads.min(items.len()) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    if let Some(slot) = slots.get(i)
                        && let Ok(mut g) = slot.lock()
                    {
                        *g = Some(r);
                    }
                }
            });
        }
    });
    // Every index below items.len() was claimed by exactly one worker, which filled its slot;
    // a worker panic would have propagated out of `scope` above.
    slots
        .into_iter()
        .filter_map(|m| m.into_inner().ok().flatten())
        .collect()
}

//! One pace for all replies, admins first.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::Priority;

/// A token bucket of `rate` messages per second with bursts of at most
/// [`BURST`] (so at most `rate + BURST` in any one second), where a
/// non-admin waits while any admin is waiting.
#[derive(Debug)]
pub(crate) struct Pacer {
    rate: f64,
    burst: f64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    tokens: f64,
    last: Instant,
    admins_waiting: usize,
}

/// The most messages sent back to back.
pub(crate) const BURST: u32 = 4;

/// Counts an admin as waiting until dropped (also when the wait is cancelled).
struct Waiting<'a>(&'a Pacer);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.lock().admins_waiting -= 1;
    }
}

impl Pacer {
    /// `rate` messages per second.
    pub(crate) fn new(rate: u32) -> Pacer {
        let rate = f64::from(rate.max(1));
        let burst = f64::from(BURST);
        Pacer {
            rate,
            burst,
            state: Mutex::new(State {
                tokens: burst,
                last: Instant::now(),
                admins_waiting: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for a slot.
    pub(crate) async fn acquire(&self, priority: Priority) {
        let mut waiting = None;
        loop {
            let wait = {
                let mut state = self.lock();
                let now = Instant::now();
                let refill = now.duration_since(state.last).as_secs_f64() * self.rate;
                state.tokens = (state.tokens + refill).min(self.burst);
                state.last = now;
                let admins_ahead = state.admins_waiting - usize::from(waiting.is_some());
                let may = priority == Priority::Admin || admins_ahead == 0;
                if may && state.tokens >= 1.0 {
                    state.tokens -= 1.0;
                    drop(state);
                    drop(waiting);
                    return;
                }
                if priority == Priority::Admin && waiting.is_none() {
                    state.admins_waiting += 1;
                    waiting = Some(Waiting(self));
                }
                Duration::from_secs_f64(((1.0 - state.tokens).max(0.0) / self.rate).max(0.001))
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn an_admin_overtakes_waiting_non_admins() {
        let pacer = std::sync::Arc::new(Pacer::new(2));
        // Use up the burst.
        for _ in 0..BURST {
            pacer.acquire(Priority::Other).await;
        }
        let order = std::sync::Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for i in 0..3 {
            let (pacer, order) = (pacer.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                pacer.acquire(Priority::Other).await;
                order.lock().unwrap().push(format!("other{i}"));
            }));
        }
        tokio::task::yield_now().await;
        let (p, o) = (pacer.clone(), order.clone());
        tasks.push(tokio::spawn(async move {
            p.acquire(Priority::Admin).await;
            o.lock().unwrap().push("admin".to_owned());
        }));
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(order.lock().unwrap()[0], "admin");
        assert_eq!(pacer.lock().admins_waiting, 0);
    }
}

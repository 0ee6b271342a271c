//! progenitor panics on some specs; `quietly` catches that panic without
//! printing it. One process-wide hook, installed once, stays silent only on
//! the thread inside `quietly`: nothing is swapped per call, so parallel
//! callers (tests) never lose or leak each other's panic reports.

use std::cell::Cell;
use std::panic::{self, PanicHookInfo, UnwindSafe};
use std::sync::Once;

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

type Hook = Box<dyn Fn(&PanicHookInfo<'_>) + Send + Sync + 'static>;

/// A hook that reports through `previous` unless the panicking thread is
/// inside [`quietly`].
fn quiet_on_flagged_threads(previous: Hook) -> Hook {
    Box::new(move |info| {
        if !QUIET.with(Cell::get) {
            previous(info);
        }
    })
}

/// Runs `f`, catching a panic without printing it.
pub(super) fn quietly<T>(f: impl FnOnce() -> T + UnwindSafe) -> std::thread::Result<T> {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| panic::set_hook(quiet_on_flagged_threads(panic::take_hook())));
    let was = QUIET.with(|quiet| quiet.replace(true));
    let result = panic::catch_unwind(f);
    QUIET.with(|quiet| quiet.set(was));
    result
}

#[cfg(test)]
mod tests {
    use std::panic::AssertUnwindSafe;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};

    use super::*;

    #[test]
    fn panics_elsewhere_are_still_reported_while_one_thread_is_quiet() {
        // Every panic not inside `quietly` reaches the hook installed before
        // ours; with a per-call swap, panics on other threads during the
        // swap window went to the silent hook (and a racing restore could
        // leave the silent hook installed for good).
        let reported = Arc::new(AtomicUsize::new(0));
        let counter = reported.clone();
        let _ = quietly(|| ()); // the process-wide hook exists from here on
        let original = panic::take_hook();
        panic::set_hook(quiet_on_flagged_threads(Box::new(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        })));
        // Each loud panic happens while the other thread is inside
        // `quietly`, its own panic still to come.
        const ROUNDS: usize = 50;
        let (inside, loud_done) = (Arc::new(Barrier::new(2)), Arc::new(Barrier::new(2)));
        let (inside2, loud_done2) = (inside.clone(), loud_done.clone());
        let quiet = std::thread::spawn(move || {
            for _ in 0..ROUNDS {
                let result = quietly(AssertUnwindSafe(|| {
                    inside.wait();
                    loud_done.wait();
                    panic!("quiet")
                }));
                assert!(result.is_err());
            }
        });
        let loud = std::thread::spawn(move || {
            for _ in 0..ROUNDS {
                inside2.wait();
                assert!(panic::catch_unwind(|| panic!("loud")).is_err());
                loud_done2.wait();
            }
        });
        let joined = (quiet.join(), loud.join());
        panic::set_hook(original);
        assert!(joined.0.is_ok() && joined.1.is_ok());
        // Exactly the loud ones: none lost, none of the quiet ones printed.
        assert_eq!(reported.load(Ordering::SeqCst), ROUNDS);
    }
}

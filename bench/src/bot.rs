//! The bot end to end: the `wawp-bot` binary, started as its own process in
//! sandbox mode (`--sandbox`: an in-process fake Wawp), against the test
//! kit's fake Bot API on 127.0.0.1 in this process. Measured: start-up
//! (spawn → first `getUpdates`), the bot's resident set once idle, then
//! admins' `/send` commands — each admin sends its next once answered —
//! timed from the first `getUpdates` answer carrying a command to the
//! `sendMessage` answering it, and the bot's peak resident set.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use wawp_bench_report::{BotRun, Summary};
use wawp_testkit::updates::{From, private_message};
use wawp_testkit::{FakeTelegram, HandedOut, Sent};

use crate::memory::memory_kib;

/// The first admin's Telegram user id; the others follow.
const FIRST_ADMIN: u64 = 1001;

/// How long the bot sits idle after its first `getUpdates` before its
/// resident set is read.
const SETTLE: Duration = Duration::from_millis(500);

/// The closed loop: commands still to send per admin, and the count of
/// replies so far.
struct Load {
    remaining: Mutex<HashMap<i64, usize>>,
    next_phone: AtomicU64,
    replies: AtomicUsize,
    expected: usize,
    finished: Notify,
}

impl Load {
    /// Queues the next command of `admin`, if it has one left.
    fn next(&self, fake: &FakeTelegram, admin: i64) {
        let mut remaining = self.remaining.lock().unwrap();
        let Some(left) = remaining.get_mut(&admin).filter(|l| **l > 0) else {
            return;
        };
        *left -= 1;
        drop(remaining);
        let phone = self.next_phone.fetch_add(1, Ordering::Relaxed);
        let text = format!("/send +2010{phone:08} en");
        fake.push(private_message(From::new(admin as u64, "admin"), &text));
    }
}

/// Starts the fake and the bot, runs `commands` spread over `admins`.
pub async fn run(binary: &Path, commands: usize, admins: usize) -> anyhow::Result<BotRun> {
    let fake = FakeTelegram::builder()
        .max_poll_wait(Duration::from_millis(500))
        .start()
        .await;
    let load = Arc::new(Load {
        remaining: Mutex::new(
            (0..admins)
                .map(|a| {
                    let share = commands / admins + usize::from(a < commands % admins);
                    ((FIRST_ADMIN + a as u64) as i64, share)
                })
                .collect(),
        ),
        next_phone: AtomicU64::new(1),
        replies: AtomicUsize::new(0),
        expected: commands,
        finished: Notify::new(),
    });
    {
        let load = load.clone();
        let loop_fake = fake.clone();
        fake.on_send(move |sent: &Sent| {
            if load.replies.fetch_add(1, Ordering::Relaxed) + 1 >= load.expected {
                load.finished.notify_one();
            }
            load.next(&loop_fake, sent.chat_id);
        });
    }
    let dir = tempfile::tempdir()?;
    let fsync_p50_us = fsync_p50(dir.path())?;
    let log_path = dir.path().join("bot.log");
    let admin_ids: Vec<String> = (0..admins)
        .map(|a| (FIRST_ADMIN + a as u64).to_string())
        .collect();
    let spawned = Instant::now();
    let mut child = Command::new(binary)
        .env_clear()
        .env("TELEGRAM_BOT_TOKEN", wawp_testkit::BOT_TOKEN)
        .args(["--sandbox", "--telegram-api-url", &fake.url()])
        .args(["--admins", &admin_ids.join(",")])
        .arg("--db")
        .arg(dir.path().join("audit.sqlite3"))
        .args(["--send-limit", "10000", "--reply-rate", "1000"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path)?)
        .spawn()
        .map_err(|e| anyhow::anyhow!("cannot start {}: {e}", binary.display()))?;
    let result = measure(&fake, &load, &mut child, spawned)
        .await
        .map(|run| BotRun {
            fsync_p50_us,
            ..run
        });
    let _ = child.kill();
    let _ = child.wait();
    result.map_err(|e| {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = &lines[lines.len().saturating_sub(10)..];
        anyhow::anyhow!("{e}; the bot's last log lines:\n{}", tail.join("\n"))
    })
}

async fn measure(
    fake: &FakeTelegram,
    load: &Load,
    child: &mut Child,
    spawned: Instant,
) -> anyhow::Result<BotRun> {
    let pid = child.id();
    let deadline = spawned + Duration::from_secs(60);
    let first_poll = loop {
        if let Some(call) = fake.calls_to("getUpdates").first() {
            break call.at;
        }
        if let Some(status) = child.try_wait()? {
            anyhow::bail!("the bot exited before its first getUpdates: {status}");
        }
        if Instant::now() > deadline {
            anyhow::bail!("no getUpdates from the bot within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    let startup = first_poll - spawned;
    tokio::time::sleep(SETTLE).await;
    let idle_rss_kib = memory_kib(pid).map(|m| m.1).unwrap_or(0);

    let start = Instant::now();
    let admins: Vec<i64> = load.remaining.lock().unwrap().keys().copied().collect();
    for &admin in &admins {
        load.next(fake, admin);
    }
    let outcome = tokio::time::timeout(Duration::from_secs(120), load.finished.notified()).await;
    let elapsed = start.elapsed();
    let peak_rss_kib = memory_kib(pid).map(|m| m.0).unwrap_or(0);
    if let Some(status) = child.try_wait()? {
        anyhow::bail!("the bot exited during the run: {status}");
    }
    let (latencies, unmatched) = latencies(&fake.handed_out(), &fake.sent());
    let unanswered = if outcome.is_err() {
        load.expected.saturating_sub(latencies.len())
    } else {
        0
    };
    Ok(BotRun {
        admins: admins.len(),
        summary: Summary::new(
            latencies,
            unmatched + unanswered + fake.rejected().len(),
            elapsed,
        ),
        startup_ms: startup.as_secs_f64() * 1e3,
        idle_rss_kib,
        peak_rss_kib,
        fsync_p50_us: 0.0,
    })
}

/// The median time of a 4 KiB write + fsync in `dir`, over 50 tries, µs.
fn fsync_p50(dir: &Path) -> anyhow::Result<f64> {
    use std::io::Write as _;
    let mut file = std::fs::File::create(dir.join("fsync-probe"))?;
    let block = [0u8; 4096];
    let mut times = Vec::with_capacity(50);
    for _ in 0..50 {
        let t = Instant::now();
        file.write_all(&block)?;
        file.sync_data()?;
        times.push(t.elapsed());
    }
    Ok(Summary::new(times, 0, Duration::from_secs(1)).p50_us)
}

/// Pairs each chat's replies, in order, with the first hand-out of each of
/// its updates, in order (an update handed out again is timed from its
/// first hand-out). Returns the latencies and the replies that matched no
/// command.
fn latencies(handed_out: &[HandedOut], sent: &[Sent]) -> (Vec<Duration>, usize) {
    let mut firsts: HashMap<i64, Vec<Instant>> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for h in handed_out {
        if let Some(chat) = h.chat_id
            && seen.insert(h.update_id)
        {
            firsts.entry(chat).or_default().push(h.at);
        }
    }
    crate::pairing::pair(&firsts, sent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pairing::sent;

    fn handed(update_id: i64, chat: i64, at: Instant) -> HandedOut {
        HandedOut {
            update_id,
            chat_id: Some(chat),
            at,
        }
    }

    #[test]
    fn replies_pair_with_the_first_hand_out_of_their_chats_commands() {
        let t = Instant::now();
        let ms = |n| t + Duration::from_millis(n);
        let handed_out = [
            handed(1, 7, ms(0)),
            handed(2, 8, ms(1)),
            handed(1, 7, ms(5)), // handed out again: timed from the first
            handed(3, 7, ms(20)),
        ];
        let replies = [
            sent(7, ms(10)),
            sent(8, ms(4)),
            sent(7, ms(22)),
            sent(9, ms(30)),
        ];
        let (latencies, unmatched) = latencies(&handed_out, &replies);
        assert_eq!(
            latencies,
            [
                Duration::from_millis(10),
                Duration::from_millis(3),
                Duration::from_millis(2)
            ]
        );
        assert_eq!(unmatched, 1, "the reply to chat 9 answers no command");
    }
}

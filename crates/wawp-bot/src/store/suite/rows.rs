//! Audit rows, claims, history, pending rows, retention, export, schema.

use std::collections::BTreeSet;
use std::time::Duration;

use super::fixture::{caller, fixtures, raw_sql};
use crate::store::{Action, Claim, NewEntry, Outcome, StoreError, write_csv};

fn pending_send(update: u32, admin: u64) -> NewEntry {
    let mut entry = NewEntry::new(Some(update), caller(admin), Action::Send, Outcome::Pending);
    entry.recipient = Some("+201234567890".parse().unwrap());
    entry.lang = Some(wawp::Lang::Ar);
    entry
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_claim_and_the_pending_row_commit_together_once() {
    for f in fixtures().await {
        let store = f.open().await;
        let Claim::First { row } = store
            .claim_with_pending(1, 100, pending_send(100, 42))
            .await
            .unwrap()
        else {
            panic!("{}: the first delivery must win", store.kind());
        };
        assert_eq!(
            store
                .claim_with_pending(1, 100, pending_send(100, 42))
                .await
                .unwrap(),
            Claim::Repeat
        );
        assert!(
            !store.claim_update(1, 100).await.unwrap(),
            "one claim table"
        );
        assert!(
            store.claim_update(2, 100).await.unwrap(),
            "another bot's ids are its own"
        );
        let rows = store.recent_audit(10).await.unwrap();
        assert_eq!(rows.len(), 1, "{}: a repeat writes nothing", store.kind());
        assert_eq!(rows[0].id, row);
        assert_eq!(rows[0].outcome, "pending");
        assert_eq!(rows[0].recipient.as_deref(), Some("+20•••••7890"));
        assert_eq!(rows[0].lang.as_deref(), Some("ar"));

        store
            .finish_audit(row, Outcome::Sent, Some("send_1".into()), None)
            .await
            .unwrap();
        store.mark_reply_undelivered(row).await.unwrap();
        let rows = store.recent_audit(10).await.unwrap();
        assert_eq!(rows[0].outcome, "sent");
        assert_eq!(rows[0].job_id.as_deref(), Some("send_1"));
        assert!(!rows[0].reply_delivered);
        store.close().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_claim_raced_by_two_handles_has_one_winner() {
    for f in fixtures().await {
        let (a, b) = (f.open().await, f.open().await);
        for update in 0..20u32 {
            let tasks: Vec<_> = (0..6)
                .map(|i| {
                    let store = if i % 2 == 0 { a.clone() } else { b.clone() };
                    tokio::spawn(async move {
                        store
                            .claim_with_pending(7, update, pending_send(update, 42))
                            .await
                            .unwrap()
                    })
                })
                .collect();
            let mut winners = 0;
            for task in tasks {
                winners += matches!(task.await.unwrap(), Claim::First { .. }) as usize;
            }
            assert_eq!(winners, 1, "{}: update {update}", a.kind());
        }
        assert_eq!(a.recent_audit(100).await.unwrap().len(), 20);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn admins_history_survives_a_flood_of_non_admins() {
    for f in fixtures().await {
        let store = f.open().await;
        let admins = BTreeSet::from([1, 2]);
        store
            .audit(NewEntry::new(
                Some(1),
                caller(1),
                Action::Send,
                Outcome::Sent,
            ))
            .await
            .unwrap();
        for user in 100..160 {
            store
                .audit(
                    NewEntry::new(None, caller(user), Action::Send, Outcome::Refused)
                        .error_kind("not_admin"),
                )
                .await
                .unwrap();
        }
        store
            .audit(NewEntry::new(
                Some(2),
                caller(2),
                Action::Verify,
                Outcome::Verified,
            ))
            .await
            .unwrap();
        let history = store.admin_history(&admins, 10).await.unwrap();
        let who: Vec<u64> = history.iter().map(|e| e.caller.id).collect();
        assert_eq!(who, [2, 1], "{}", store.kind());
        assert_eq!(store.recent_audit(10).await.unwrap().len(), 10);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pending_rows_are_counted_with_their_ids() {
    for f in fixtures().await {
        let store = f.open().await;
        assert_eq!(store.pending().await.unwrap().count, 0);
        let mut ids = Vec::new();
        for update in 0..3 {
            if let Claim::First { row } = store
                .claim_with_pending(1, update, pending_send(update, 9))
                .await
                .unwrap()
            {
                ids.push(row);
            }
        }
        store
            .finish_audit(ids[1], Outcome::Failed, None, Some("timeout".into()))
            .await
            .unwrap();
        // A restart: a new handle sees what the old one left pending.
        drop(store);
        let report = f.open().await.pending().await.unwrap();
        assert_eq!(report.count, 2);
        assert_eq!(report.ids, [ids[0], ids[2]]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn retention_prunes_old_rows_and_export_writes_csv() {
    for f in fixtures().await {
        let store = f.open().await;
        store
            .audit(NewEntry::new(None, caller(1), Action::Send, Outcome::Sent))
            .await
            .unwrap();
        let start = crate::store::Clock::now(&*f.clock);
        f.clock.advance(Duration::from_secs(40 * 86_400));
        let mut entry = pending_send(5, 2);
        entry.outcome = Outcome::Sent;
        entry.job_id = Some("job,\"quoted\"".into());
        store.audit(entry).await.unwrap();

        let all = store.audit_since(start).await.unwrap();
        assert_eq!(all.len(), 2);
        let recent = store
            .audit_since(start + chrono::Duration::days(1))
            .await
            .unwrap();
        assert_eq!(recent.len(), 1);
        let mut out = Vec::new();
        write_csv(&recent, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            r#""id","at","update_id","admin_id","admin_username","action","recipient","lang","outcome","job_id","error_kind","repeat_count","reply_delivered","dry_run""#
        );
        assert!(
            lines[1]
                .ends_with(r#","5","2","user2","send","'+20•••••7890","ar","sent","job,""quoted""","","1","true","false""#),
            "{}",
            lines[1]
        );

        assert_eq!(
            store
                .prune_audit(Duration::from_secs(30 * 86_400))
                .await
                .unwrap(),
            1
        );
        let left = store.recent_audit(10).await.unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].caller.id, 2);
        store.check_writable().await.unwrap();
        assert!(store.remember_admin_menu(1, 2).await.unwrap());
        assert!(!store.remember_admin_menu(1, 2).await.unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn several_processes_starting_on_a_fresh_database_migrate_once() {
    // Several fresh databases: the race between openers is narrow.
    for _round in 0..8 {
        for f in fixtures().await {
            let openers: Vec<_> = (0..6)
                .map(|_| {
                    let target = f.target.clone();
                    tokio::spawn(async move { crate::store::Store::open(&target).await })
                })
                .collect();
            for opener in openers {
                let store = opener.await.unwrap().unwrap_or_else(|e| panic!("{e}"));
                store.check_writable().await.unwrap();
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_foreign_database_is_one_clear_line() {
    for f in fixtures().await {
        raw_sql(
            &f,
            "CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT);",
        )
        .await;
        let err = crate::store::Store::open(&f.target).await.unwrap_err();
        assert!(matches!(err, StoreError::Foreign { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.contains("is not a wawp-bot database")
                && message.contains("audit")
                && message.contains("WAWP_BOT_DB"),
            "{message}"
        );
        assert!(
            !message.contains('\n') && !message.contains("CREATE"),
            "{message}"
        );
        assert!(!message.contains("password"), "{message}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn backup_copies_sqlite_and_points_postgres_to_pg_dump() {
    for f in fixtures().await {
        let store = f.open().await;
        store
            .audit(NewEntry::new(None, caller(3), Action::Send, Outcome::Sent))
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("copy.sqlite3");
        let result = store.backup(&copy).await;
        if f.is_postgres() {
            let message = result.unwrap_err().to_string();
            assert!(message.contains("pg_dump"), "{message}");
            continue;
        }
        result.unwrap();
        let copied =
            crate::store::Store::open_existing(&crate::store::StoreTarget::Sqlite(copy.clone()))
                .await
                .unwrap();
        let rows = copied.recent_audit(10).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].caller.id, 3);
        let again = store.backup(&copy).await.unwrap_err().to_string();
        assert!(again.contains("already exists"), "{again}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dry_run_store_marks_every_row_it_writes_and_only_those() {
    for f in fixtures().await {
        let real = f.open().await;
        let dry = crate::store::Store::open_as(&f.target, crate::store::Runs::DryRun)
            .await
            .unwrap()
            .with_clock(f.clock.clone());
        real.audit(NewEntry::new(None, caller(1), Action::Send, Outcome::Sent))
            .await
            .unwrap();
        dry.claim_with_pending(9, 1, pending_send(1, 2))
            .await
            .unwrap();
        dry.note_refusal(
            NewEntry::new(None, caller(3), Action::Send, Outcome::Refused),
            Duration::from_secs(60),
        )
        .await
        .unwrap();
        let marks: Vec<(u64, bool)> = real
            .recent_audit(10)
            .await
            .unwrap()
            .iter()
            .map(|e| (e.caller.id, e.dry_run))
            .collect();
        assert_eq!(marks, [(3, true), (2, true), (1, false)], "{}", f.target);
        dry.close().unwrap();
        real.close().unwrap();
    }
}

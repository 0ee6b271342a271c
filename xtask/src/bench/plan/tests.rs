//! The plan's scenarios and their arguments.

use super::*;

#[test]
fn every_count_of_the_plan_becomes_a_scenario() {
    let plan = Plan::full();
    let scenarios = plan.scenarios();
    assert_eq!(
        scenarios.len(),
        plan.in_flight.len() * CLIENT_ROWS.len()
            + plan.connections.len()
            + plan.admins.len()
            + plan.webhook_admins.len() * WEBHOOK_ROWS.len()
    );
    assert!(plan.admins.contains(&TARGET_ADMINS));
    let bins = Binaries {
        bench: "b".into(),
        sandbox: "s".into(),
        bot: "w".into(),
    };
    let quiet = Scenario::Client {
        variant: Variant::Wawp,
        in_flight: 64,
        subscriber: false,
    };
    assert_eq!(
        quiet.args(&plan, &bins),
        [
            "client",
            "--variant=wawp",
            "--requests=20000",
            "--in-flight=64",
            "--no-subscriber"
        ]
    );
    assert_eq!(quiet.label(), "client/wawp-quiet/64");
    assert!(scenarios.contains(&quiet));
}

#[test]
fn every_webhook_row_runs_at_ten_and_fifty_admins_with_its_own_arguments() {
    let plan = Plan::full();
    assert_eq!(plan.webhook_commands, 1_000);
    let webhook: Vec<Scenario> = plan
        .scenarios()
        .into_iter()
        .filter(|s| matches!(s, Scenario::Webhook { .. }))
        .collect();
    for admins in [TARGET_ADMINS, 50] {
        for (store, replicas) in [
            (Store::Sqlite, 1),
            (Store::Postgres, 1),
            (Store::Postgres, 3),
        ] {
            let row = Scenario::Webhook {
                store,
                replicas,
                admins,
            };
            assert!(webhook.contains(&row), "{} is missing", row.label());
        }
    }
    assert_eq!(webhook.len(), 6);
    let bins = Binaries {
        bench: "b".into(),
        sandbox: "s".into(),
        bot: "w".into(),
    };
    let three = Scenario::Webhook {
        store: Store::Postgres,
        replicas: 3,
        admins: 50,
    };
    assert_eq!(
        three.args(&plan, &bins),
        [
            "webhook",
            "--binary=w",
            "--commands=1000",
            "--admins=50",
            "--replicas=3",
            "--store=postgres"
        ]
    );
    assert_eq!(three.label(), "webhook/postgres/3x/50");
    assert!(three.needs_postgres());
    let sqlite = Scenario::Webhook {
        store: Store::Sqlite,
        replicas: 1,
        admins: 10,
    };
    assert!(!sqlite.needs_postgres() && !Scenario::Bot { admins: 10 }.needs_postgres());
    let smoke = Plan::smoke();
    assert!(smoke.webhook_commands < 100 && smoke.webhook_admins == plan.webhook_admins);
}

#[test]
fn a_webhook_report_answers_only_its_own_row() {
    let runs = super::super::results::sample(Plan::smoke())
        .rounds
        .remove(0);
    let row = |store, replicas, admins| Scenario::Webhook {
        store,
        replicas,
        admins,
    };
    for (store, replicas, admins) in [(Store::Postgres, 3, 50), (Store::Sqlite, 1, 10)] {
        let answering: Vec<&Report> = runs
            .iter()
            .filter(|r| row(store, replicas, admins).answered_by(r))
            .collect();
        assert!(
            matches!(answering[..], [Report::Webhook(w)]
                if w.store == store && w.replicas == replicas && w.admins == admins),
            "{answering:?}"
        );
    }
}

#[test]
fn the_open_loop_rows_run_on_postgres_with_their_own_arguments() {
    let plan = Plan::full();
    let bins = Binaries {
        bench: "b".into(),
        sandbox: "s".into(),
        bot: "w".into(),
    };
    let rows = plan.open_loop();
    assert_eq!(rows, [Scenario::Kill { kills: 3 }, Scenario::Pace]);
    assert!(rows.iter().all(Scenario::needs_postgres));
    assert!(
        rows.iter().all(|r| !plan.scenarios().contains(r)),
        "only --mode takeover (and figures, after its rounds) runs them"
    );
    assert_eq!(
        rows[0].args(&plan, &bins),
        [
            "kill",
            "--binary=w",
            "--commands=900",
            "--per-second=30",
            "--replicas=3",
            "--kills=3"
        ]
    );
    assert_eq!(
        rows[1].args(&plan, &bins),
        [
            "pace",
            "--binary=w",
            "--commands=600",
            "--per-second=30",
            "--replicas=3"
        ]
    );
    assert_eq!(Plan::smoke().open_loop()[0], Scenario::Kill { kills: 1 });
}

#[test]
fn results_saved_before_the_webhook_scenario_still_read() {
    let mut old = serde_json::to_value(Plan::full()).unwrap();
    let fields = old.as_object_mut().unwrap();
    for field in [
        "webhook_commands",
        "webhook_admins",
        "kill_commands",
        "kills",
        "pace_commands",
        "open_per_second",
    ] {
        fields.remove(field);
    }
    let plan: Plan = serde_json::from_value(old).unwrap();
    assert!(plan.webhook_admins.is_empty());
    assert!(plan.open_loop().is_empty());
    assert!(
        plan.scenarios()
            .iter()
            .all(|s| !matches!(s, Scenario::Webhook { .. }))
    );
}

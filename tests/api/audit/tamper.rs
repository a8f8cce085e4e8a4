//! Someone with database access rewrites the trail behind the service's back: the keyed MAC and
//! the checkpoints kept outside the database name what they did. And the chains of two counties
//! are two, each verified, neither waiting on the other.

use actix_web::http::Method;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::{json, Value};

use huimin::db::schema::{audit_chains, audit_events};
use huimin::db::DbConnection;
use huimin::domain::roles::Role;
use huimin::domain::units::UnitKind;
use huimin::store::audit::{self, chain, AuditKeys, AuditRow};
use huimin::store::{self, Actor};

use crate::backend_tests;
use crate::helpers::{audit_keys, Backend, TestApp};

backend_tests!(
    an_edit_with_its_hash_recomputed_is_named,
    a_deleted_tail_is_named_against_the_checkpoint,
    writes_of_two_counties_land_in_two_chains_that_do_not_wait_on_each_other,
    exports_of_personal_data_are_events,
    a_legacy_trail_is_sealed_by_the_key,
);

/// Lifts the append-only guard, as an attacker with database access would.
fn lift_guard(conn: &mut DbConnection, backend: Backend) {
    let sql = match backend {
        Backend::Sqlite => {
            "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete"
        }
        Backend::Postgres => "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update",
    };
    conn.batch_execute(sql).expect("lift the guard");
}

fn events_of(conn: &mut DbConnection, chain_id: i64) -> Vec<AuditRow> {
    audit_events::table
        .filter(audit_events::chain_id.eq(chain_id))
        .order(audit_events::chain_seq.asc())
        .select(AuditRow::as_select())
        .load(conn)
        .expect("events")
}

/// Edits event `seq` of a chain and recomputes every link from there to the head with `link`,
/// moving the head too: a rewrite that leaves no broken link for an unkeyed check.
fn rewrite_from(
    conn: &mut DbConnection,
    chain_id: i64,
    seq: i64,
    edit: impl Fn(&mut AuditRow),
    link: impl Fn(&AuditRow) -> String,
) {
    let rows = events_of(conn, chain_id);
    let mut prev = rows[(seq - 2) as usize].hash.clone();
    for mut row in rows.into_iter().filter(|r| r.chain_seq >= seq) {
        if row.chain_seq == seq {
            edit(&mut row);
        }
        row.prev_hash = prev.clone();
        row.hash = link(&row);
        diesel::update(audit_events::table.filter(audit_events::id.eq(row.id)))
            .set((
                audit_events::actor.eq(&row.actor),
                audit_events::prev_hash.eq(&row.prev_hash),
                audit_events::hash.eq(&row.hash),
            ))
            .execute(conn)
            .expect("rewrite");
        prev = row.hash;
    }
    diesel::update(audit_chains::table.filter(audit_chains::id.eq(chain_id)))
        .set(audit_chains::last_hash.eq(&prev))
        .execute(conn)
        .expect("move the head");
}

/// A few audited writes by the county's admin.
async fn county_writes(app: &TestApp, n: usize) {
    let id = app.unit_id("140521-SFS-JF");
    for i in 0..n {
        let res = app
            .send_json(
                Method::PATCH,
                &format!("/api/v1/units/{id}"),
                "admin",
                &json!({"opening_hours": format!("周一至周五 第{i}版")}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    }
}

fn chain_report(report: &Value, chain_id: i64) -> &Value {
    report["chains"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["chain_id"] == chain_id))
        .unwrap_or_else(|| panic!("chain {chain_id} in {report}"))
}

async fn an_edit_with_its_hash_recomputed_is_named(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    county_writes(&app, 5).await;
    let county = app.unit_id("140521");
    let mut conn = app.pool.get().expect("connection");
    lift_guard(&mut conn, backend);
    let target = events_of(&mut conn, county)
        .into_iter()
        .find(|r| r.chain_seq == 3)
        .expect("event 3");

    // The old unkeyed SHA-256 link, recomputed from the edit to the head.
    rewrite_from(
        &mut conn,
        county,
        3,
        |r| r.actor = "mallory".into(),
        audit::chain_hash,
    );
    let report = app
        .get("/api/v1/audit-events/verify", "auditor")
        .await
        .json();
    assert_eq!(report["intact"], false, "{report}");
    assert_eq!(report["first_broken_id"], target.id);
    let chain = chain_report(&report, county);
    assert_eq!(chain["first_broken_seq"], 3);
    assert_eq!(chain["checked"], 2);
    assert!(
        chain["reason"]
            .as_str()
            .is_some_and(|r| r.contains("does not match its MAC")),
        "{chain}"
    );

    // A MAC under a wrong key, recomputed the same way, is named too.
    let wrong = AuditKeys::new(b"a-wrong-key-a-wrong-key-a-wrong-key!!", &[]).expect("keys");
    rewrite_from(
        &mut conn,
        county,
        3,
        |r| r.actor = "mallory".into(),
        |r| chain::seal(&wrong, r),
    );
    let report = app.get("/api/v1/audit-events/verify", "admin").await.json();
    assert_eq!(report["intact"], false);
    assert_eq!(report["first_broken_id"], target.id);
    assert_eq!(chain_report(&report, county)["first_broken_seq"], 3);

    // Only the key itself makes a rewrite that verifies: it never sits in the database.
    rewrite_from(
        &mut conn,
        county,
        3,
        |r| r.actor = "admin".into(),
        |r| chain::seal(&audit_keys(), r),
    );
    let report = app.get("/api/v1/audit-events/verify", "admin").await.json();
    assert_eq!(report["intact"], true, "{report}");
}

async fn a_deleted_tail_is_named_against_the_checkpoint(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    county_writes(&app, 6).await;
    let county = app.unit_id("140521");
    let checkpoint = {
        let mut conn = app.pool.get().expect("connection");
        audit::checkpoint(&mut conn, &audit_keys(), chrono::Utc::now()).expect("checkpoint")
    };
    let checkpoint = serde_json::to_value(&checkpoint).expect("json");
    let last = checkpoint["chains"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["chain_id"] == county))
        .and_then(|c| c["last_seq"].as_i64())
        .expect("the county's head");
    let intact = app
        .post("/api/v1/audit-events/verify", "auditor", &checkpoint)
        .await;
    assert_eq!(
        intact.status,
        200,
        "{}",
        String::from_utf8_lossy(&intact.body)
    );
    assert_eq!(intact.json()["intact"], true);

    // Delete the last three events of the county's chain and roll its head back.
    {
        let mut conn = app.pool.get().expect("connection");
        let c: &mut DbConnection = &mut conn;
        lift_guard(c, backend);
        let rows = events_of(c, county);
        let keep = &rows[rows.len() - 4];
        diesel::delete(
            audit_events::table
                .filter(audit_events::chain_id.eq(county))
                .filter(audit_events::chain_seq.gt(keep.chain_seq)),
        )
        .execute(c)
        .expect("delete the tail");
        diesel::update(audit_chains::table.filter(audit_chains::id.eq(county)))
            .set((
                audit_chains::last_seq.eq(keep.chain_seq),
                audit_chains::last_hash.eq(&keep.hash),
            ))
            .execute(c)
            .expect("roll the head back");
    }
    // Without a checkpoint the shortened chain is consistent in itself…
    let alone = app
        .get("/api/v1/audit-events/verify", "auditor")
        .await
        .json();
    assert_eq!(alone["intact"], true, "{alone}");
    // …against the last checkpoint the gap is named: which chain, which events.
    let res = app
        .post("/api/v1/audit-events/verify", "auditor", &checkpoint)
        .await;
    assert_eq!(res.status, 200);
    let report = res.json();
    assert_eq!(report["intact"], false, "{report}");
    let chain = chain_report(&report, county);
    assert_eq!(chain["missing"], json!({"from": last - 2, "to": last}));
    assert_eq!(chain["first_broken_seq"], last - 2);
    let reason = report["reason"].as_str().expect("reason");
    assert!(
        reason.contains(&format!("chain {county}"))
            && reason.contains(&format!("events {} to {last} are missing", last - 2)),
        "{reason}"
    );
    assert_eq!(chain_report(&report, 0)["intact"], true);

    // A checkpoint altered to hide the gap no longer carries a valid signature.
    let mut forged = checkpoint.clone();
    for c in forged["chains"].as_array_mut().expect("chains") {
        if c["chain_id"] == county {
            c["last_seq"] = json!(last - 3);
        }
    }
    app.post("/api/v1/audit-events/verify", "auditor", &forged)
        .await
        .assert_problem(422);
}

/// A second county (a root of its own) with an admin, created as the command line would.
pub(crate) fn second_county(app: &TestApp) -> (i64, i64) {
    let mut conn = app.pool.get().expect("connection");
    let actor = Actor::system("test", &audit_keys());
    audit::write(&mut conn, &actor, |tx, log| {
        let county = store::units::insert_unchecked(
            tx,
            log,
            None,
            UnitKind::CountyBureau,
            "140522",
            "阳城县司法局",
            None,
            None,
        )?;
        let township = store::units::insert_unchecked(
            tx,
            log,
            Some(&county),
            UnitKind::JudicialOffice,
            "140522-SFS-FC",
            "凤城镇司法所",
            None,
            None,
        )?;
        let hash = huimin::auth::password::hash_password(crate::helpers::PASSWORD)
            .map_err(huimin::error::ApiError::Internal)?;
        store::users::insert(
            tx,
            log,
            "admin.yc",
            &hash,
            "阳城县局",
            Role::Admin,
            county.id,
        )?;
        store::users::insert(
            tx,
            log,
            "admin.fc",
            &hash,
            "凤城镇所",
            Role::Admin,
            township.id,
        )?;
        Ok((county.id, township.id))
    })
    .expect("second county")
}

async fn writes_of_two_counties_land_in_two_chains_that_do_not_wait_on_each_other(
    backend: Backend,
) {
    let app = crate::helpers::spawn_app(backend).await;
    let (qinshui, (yangcheng, fengcheng)) = (app.unit_id("140521"), second_county(&app));
    let patch = |unit: i64, user: &'static str, rid: &'static str| {
        app.call(
            app.req(Method::PATCH, &format!("/api/v1/units/{unit}"), Some(user))
                .insert_header(("X-Request-Id", rid))
                .set_json(json!({"opening_hours": "周一至周五"})),
        )
    };
    assert_eq!(patch(qinshui, "admin", "two-chains-qs").await.status, 200);
    assert_eq!(
        patch(fengcheng, "admin.yc", "two-chains-yc").await.status,
        200
    );
    for (user, rid, chain) in [
        ("admin", "two-chains-qs", qinshui),
        ("admin.yc", "two-chains-yc", yangcheng),
    ] {
        let trail = app
            .get(&format!("/api/v1/audit-events?request_id={rid}"), user)
            .await
            .json();
        assert_eq!(trail["items"][0]["chain_id"], chain, "{trail}");
    }

    // Each county's admin verifies its own chain (and the service's chain 0, being at the root
    // of its tree), intact; neither sees the other's.
    for (user, own, other) in [
        ("admin", qinshui, yangcheng),
        ("admin.yc", yangcheng, qinshui),
    ] {
        let report = app.get("/api/v1/audit-events/verify", user).await.json();
        assert_eq!(report["intact"], true, "{report}");
        let chains: Vec<i64> = report["chains"]
            .as_array()
            .expect("chains")
            .iter()
            .filter_map(|c| c["chain_id"].as_i64())
            .collect();
        assert_eq!(chains, vec![0, own], "{report}");
        assert!(!chains.contains(&other));
        assert!(chain_report(&report, own)["checked"].as_i64() >= Some(1));
    }
    // A township admin roots no chain: verifying is not its business.
    app.get("/api/v1/audit-events/verify", "admin.fc")
        .await
        .assert_problem(403);
    app.post(
        "/api/v1/audit-events/verify",
        "admin.fc",
        &serde_json::to_value(
            audit::checkpoint(
                &mut app.pool.get().expect("connection"),
                &audit_keys(),
                chrono::Utc::now(),
            )
            .expect("checkpoint"),
        )
        .expect("json"),
    )
    .await
    .assert_problem(403);

    // Another session holds Qinshui's chain (a stuck transaction): Yangcheng writes go on.
    if backend == Backend::Postgres {
        let mut holder = app.pool.get().expect("connection");
        holder
            .batch_execute(&format!(
                "BEGIN; SELECT last_seq FROM audit_chains WHERE id = {qinshui} FOR UPDATE;"
            ))
            .expect("hold the chain");
        assert_eq!(patch(fengcheng, "admin.yc", "while-held").await.status, 200);
        holder.batch_execute("ROLLBACK").expect("release");
    }
}

async fn exports_of_personal_data_are_events(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let res = app
        .call(
            app.req(
                Method::GET,
                "/api/v1/consultations/export?format=csv&q=%E5%BC%A0%E4%B8%89",
                Some("staff.longgang"),
            )
            .insert_header(("X-Request-Id", "export-1")),
        )
        .await;
    assert_eq!(res.status, 200);
    let trail = app
        .get("/api/v1/audit-events?request_id=export-1", "admin")
        .await
        .json();
    let e = &trail["items"][0];
    assert_eq!(e["action"], "export", "{trail}");
    assert_eq!(e["entity"], "consultation_ledger");
    assert_eq!(e["actor"], "staff.longgang");
    assert_eq!(e["unit_id"], app.unit_id("140521-SFS-LG"));
    assert_eq!(e["after"]["format"], "csv");
    // The filter is recorded; free search text is withheld.
    assert_eq!(e["after"]["filter"]["q"], "(withheld)");
}

/// A trail carried over from before the keys (unkeyed SHA-256 links in the service's chain) is
/// sealed at start-up by one keyed event: from then on, legacy events recomputed with plain
/// SHA-256 are named, as keyed ones are.
async fn a_legacy_trail_is_sealed_by_the_key(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let mut conn = app.pool.get().expect("connection");
    lift_guard(&mut conn, backend);
    // Make the service's chain what the migration leaves of an old trail: unkeyed links.
    let legacy = |conn: &mut DbConnection, from_seq: i64, edit: &dyn Fn(&mut AuditRow)| {
        let rows = events_of(conn, chain::SERVICE_CHAIN);
        let mut prev = rows
            .iter()
            .find(|r| r.chain_seq == from_seq - 1)
            .map_or(audit::GENESIS_HASH.to_owned(), |r| r.hash.clone());
        for mut row in rows.into_iter().filter(|r| r.chain_seq >= from_seq) {
            if row.action == "seal" {
                break;
            }
            if row.chain_seq == from_seq {
                edit(&mut row);
            }
            row.key_id = "legacy".into();
            row.prev_hash = prev.clone();
            row.hash = audit::chain_hash(&row);
            diesel::update(audit_events::table.filter(audit_events::id.eq(row.id)))
                .set((
                    audit_events::actor.eq(&row.actor),
                    audit_events::key_id.eq(&row.key_id),
                    audit_events::prev_hash.eq(&row.prev_hash),
                    audit_events::hash.eq(&row.hash),
                ))
                .execute(conn)
                .expect("rewrite");
            prev = row.hash;
        }
        prev
    };
    let last = legacy(&mut conn, 1, &|_| {});
    diesel::update(audit_chains::table.filter(audit_chains::id.eq(chain::SERVICE_CHAIN)))
        .set(audit_chains::last_hash.eq(&last))
        .execute(&mut **conn)
        .expect("move the head");
    let verify = |conn: &mut DbConnection| {
        audit::verify::verify(conn, &audit_keys(), audit::verify::VerifyScope::All, None)
            .expect("verify")
    };
    assert!(verify(&mut conn).intact, "a legacy trail verifies as it is");

    let actor = Actor::system("startup", &audit_keys());
    assert!(audit::seal_legacy(&mut conn, &actor).expect("seal"));
    assert!(!audit::seal_legacy(&mut conn, &actor).expect("seal once"));
    let sealed = verify(&mut conn);
    assert!(sealed.intact, "{sealed:?}");

    // Rewriting a legacy event and recomputing every unkeyed link after it no longer goes unseen:
    // the seal's MAC binds the last legacy link.
    legacy(&mut conn, 3, &|r| r.actor = "mallory".into());
    let report = verify(&mut conn);
    assert!(!report.intact, "{report:?}");
    let seal_id: i64 = audit_events::table
        .filter(audit_events::action.eq("seal"))
        .select(audit_events::id)
        .first(&mut **conn)
        .expect("the seal");
    assert_eq!(report.first_broken_id, Some(seal_id), "{report:?}");
}

//! The demo's follow-up calls (追踪回访): every Monday the county plans follow-ups for its share
//! of the last week's consultations whose person agreed to be called back (the store's own
//! `plan`, a fair sample), due on Thursday; a closed aid case gets its follow-up from the
//! workflow itself. On each working day at 15:00 the staff call whoever is due: most are reached
//! and satisfied, a few are not (each unit its own share, so that some fall short of 95%), the
//! unreached are called again on the next working days until the third failure; a few calls are
//! never made, so the overdue list is not empty.

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use super::rng::Rng;
use super::year::{at, Story};
use crate::db::schema::follow_ups;
use crate::db::DbConnection;
use crate::domain::follow_up::{FollowUpStatus, Satisfaction};
use crate::error::ApiError;
use crate::precondition::IfMatch;
use crate::store::audit;
use crate::store::follow_ups::{self as store, AttemptInput, PlanInput};

/// Chance that a call reaches the person.
const REACHED: f64 = 0.86;
/// Share of follow-ups nobody gets round to (they stay open, overdue).
const FORGOTTEN: f64 = 0.03;

/// Plans the follow-ups of last week's consultations (Monday, 16:00), due on Thursday.
pub fn plan_week(
    tx: &mut DbConnection,
    story: &mut Story,
    monday: NaiveDate,
) -> Result<(), ApiError> {
    let county = story.county;
    let plan = PlanInput {
        unit: county,
        from: at(monday - Duration::days(7), 0, 0),
        to: at(monday, 0, 0),
        percent: crate::config::Settings::default().follow_up_share_percent,
        due_on: monday + Duration::days(3),
    };
    store::plan(tx, story.actor, county, &plan)?;
    Ok(())
}

/// The day's calls (15:00): every open follow-up due by today, in one write.
pub fn calls(tx: &mut DbConnection, story: &mut Story, day: NaiveDate) -> Result<(), ApiError> {
    let due: Vec<(i64, i64, i32)> = follow_ups::table
        .filter(follow_ups::status.eq(FollowUpStatus::Open))
        .filter(follow_ups::due_on.le(day))
        .order(follow_ups::id.asc())
        .select((
            follow_ups::id,
            follow_ups::unit_id,
            follow_ups::failed_attempts,
        ))
        .load(tx)?;
    let rng = story.rng.fork(0x4341_4C4C);
    let calls: Vec<(i64, AttemptInput)> = due
        .into_iter()
        .filter(|(id, _, _)| !rng.fork(*id as u64).chance(FORGOTTEN))
        .map(|(id, unit, failed)| {
            let mut r = rng.fork((id as u64) << 8 | failed as u64 | 0x80);
            (id, attempt(&mut r, unit, day))
        })
        .collect();
    if calls.is_empty() {
        return Ok(());
    }
    let (actor, county) = (story.actor, story.county);
    let any = IfMatch::any();
    audit::write(tx, actor, |tx, log| {
        for (id, input) in &calls {
            store::record_attempt_within(tx, log, actor, county, *id, &any, input)?;
        }
        Ok(())
    })?;
    story.summary.follow_up_calls += calls.len();
    Ok(())
}

fn attempt(r: &mut Rng, unit: i64, day: NaiveDate) -> AttemptInput {
    if !r.chance(REACHED) {
        return AttemptInput {
            attempted_at: None,
            reached: false,
            satisfaction: None,
            comments: None,
            problem: None,
            rectification_due: None,
            note: Some("电话无人接听".into()),
        };
    }
    // Each unit its own share of unsatisfied answers: 1% to 8%.
    let unsatisfied = 0.01 + (unit % 8) as f64 * 0.01;
    let satisfaction = if r.chance(unsatisfied) {
        Satisfaction::Unsatisfied
    } else {
        r.weighted(&[
            (Satisfaction::VerySatisfied, 58),
            (Satisfaction::Satisfied, 32),
            (Satisfaction::BasicallySatisfied, 10),
        ])
    };
    let unhappy = satisfaction == Satisfaction::Unsatisfied;
    AttemptInput {
        attempted_at: None,
        reached: true,
        satisfaction: Some(satisfaction),
        comments: Some(
            match unhappy {
                true => "认为答复不够具体，希望进一步跟进",
                false => "对服务表示认可",
            }
            .into(),
        ),
        problem: unhappy.then(|| "答复未结合当事人具体情况".to_owned()),
        rectification_due: unhappy.then(|| day + Duration::days(15)),
        note: None,
    }
}

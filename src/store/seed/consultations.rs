//! The demo's consultations: each unit's annual target spread over the year's days — working
//! days at full weight, weekends and holidays a trickle of calls, a township's market days
//! (逢三逢八 and the like, on the solar calendar for simplicity) adding a mobile station — with a
//! pace of its own (some units ahead of their target, some behind); the topics, channels, sites
//! and special groups of the code tables in rural proportions, more wage claims before the
//! Spring Festival. A day's register is one write at 17:30; the reviewer approves (or now and
//! then returns) what is two days old at 18:00.

use chrono::{Datelike, Duration, NaiveDate};

use super::rng::{person, Rng};
use super::roster::Roster;
use super::texts::texts;
use super::year::{at, Story};
use crate::db::DbConnection;
use crate::domain::calendar::BusinessCalendar;
use crate::domain::codes::encode_code_list;
use crate::domain::consultation::{
    age_group, with_age_groups, Channel, Outcome, ReviewDecision, ReviewState, Site, SpecialGroup,
    Topic,
};
use crate::domain::duty::DutyPeriod;
use crate::domain::id_card::{age_on, Sex};
use crate::error::ApiError;
use crate::precondition::IfMatch;
use crate::store::audit;
use crate::store::consultations::{self as store, ConsultationRow, Reader};
use crate::store::scope::Reach;

/// Paces of the units against their targets (1.0: exactly pro rata), in the order centre, then
/// the townships of [`super::TOWNSHIPS`]: some ahead, some behind.
const PACES: [f64; 13] = [
    1.04, 1.12, 0.86, 1.0, 0.78, 1.08, 0.95, 1.15, 0.9, 1.02, 0.82, 1.1, 0.97,
];
/// Weight of a weekend or holiday against a working day (calls to the hotline, a few walk-ins).
const REST_DAY_WEIGHT: f64 = 0.08;
/// Extra weight of a township's market day (its mobile station).
const MARKET_DAY_WEIGHT: f64 = 0.9;

/// One unit that registers consultations.
struct Desk {
    unit_id: i64,
    place: String,
    /// Staff who answer at the desk.
    staff: Vec<i64>,
    /// Expected consultations per unit of day weight.
    per_weight: f64,
    /// Market days fall on these days of each ten (1..=10), for townships.
    market: Option<(u32, u32)>,
    town: Option<String>,
}

/// The year's register.
pub struct Register {
    desks: Vec<Desk>,
    calendar: BusinessCalendar,
    rng: Rng,
}

impl Register {
    /// The register of the units of `roster` for the year from `first`.
    pub fn new(roster: &Roster, calendar: &BusinessCalendar, first: NaiveDate, rng: &Rng) -> Self {
        let mut desks = vec![Desk {
            unit_id: roster.centre.id,
            place: "县公共法律服务中心大厅".into(),
            staff: roster.lawyers.clone(),
            per_weight: f64::from(super::CENTRE_CONSULTATIONS) * PACES[0],
            market: None,
            town: None,
        }];
        for (i, (office, (_, _, target))) in roster.offices.iter().zip(super::TOWNSHIPS).enumerate()
        {
            let d = (i as u32 % 5) + 1;
            desks.push(Desk {
                unit_id: office.unit.id,
                place: format!("{}司法所", office.town),
                staff: vec![office.head, office.worker],
                per_weight: f64::from(target) * PACES[(i + 1) % PACES.len()],
                market: Some((d, d + 5)),
                town: Some(office.town.clone()),
            });
        }
        let mut register = Register {
            desks,
            calendar: calendar.clone(),
            rng: rng.clone(),
        };
        // Normalise: the weights of a year's days sum to one target.
        let days: Vec<NaiveDate> = first.iter_days().take(super::year::DAYS as usize).collect();
        for i in 0..register.desks.len() {
            let total: f64 = days.iter().map(|d| register.weight(i, *d)).sum();
            register.desks[i].per_weight /= total.max(1.0);
        }
        register
    }

    fn is_market_day(&self, desk: &Desk, day: NaiveDate) -> bool {
        desk.market.is_some_and(|(a, b)| {
            let d = (day.day() - 1) % 10 + 1;
            d == a || d == b
        })
    }

    fn weight(&self, desk: usize, day: NaiveDate) -> f64 {
        let d = &self.desks[desk];
        let base = if self.calendar.is_working_day(day) {
            1.0
        } else {
            REST_DAY_WEIGHT
        };
        base + if self.is_market_day(d, day) {
            MARKET_DAY_WEIGHT
        } else {
            0.0
        }
    }

    /// Registers the day's consultations of every unit in one write at 17:30.
    pub fn day(
        &self,
        tx: &mut DbConnection,
        story: &mut Story,
        day: NaiveDate,
    ) -> Result<(), ApiError> {
        let mut rng = self
            .rng
            .fork(u64::from(day.num_days_from_ce().unsigned_abs()));
        let mut rows = Vec::new();
        for (i, desk) in self.desks.iter().enumerate() {
            let n = rng.count(desk.per_weight * self.weight(i, day));
            let market = self.is_market_day(desk, day);
            for k in 0..n {
                rows.push(self.draft(&mut rng, story, desk, day, market && k % 2 == 0));
            }
        }
        if rows.is_empty() {
            return Ok(());
        }
        rows.sort_by_key(|r| (r.received_at, r.unit_id));
        let root = story.county;
        let actor = story.actor;
        let stored = audit::write(tx, actor, |tx, log| {
            let now = log.at();
            rows.iter_mut()
                .map(|row| {
                    row.registered_by = actor.name.clone();
                    row.created_at = now;
                    row.updated_at = now;
                    row.review_requested_at = now;
                    store::insert(tx, log, root, row)
                })
                .collect::<Result<Vec<_>, _>>()
        })?;
        story.summary.consultations += stored.len();
        story
            .pending_review
            .extend(stored.iter().map(|r| (r.id, day)));
        Ok(())
    }

    /// One consultation at a desk on a day (`mobile`: at the market-day mobile station).
    fn draft(
        &self,
        rng: &mut Rng,
        story: &Story,
        desk: &Desk,
        day: NaiveDate,
        mobile: bool,
    ) -> ConsultationRow {
        let working = self.calendar.is_working_day(day);
        let channel = if !working && !mobile {
            rng.weighted(&[
                (Channel::Hotline12348, 5),
                (Channel::Phone, 3),
                (Channel::Online, 2),
            ])
        } else if mobile {
            Channel::WalkIn
        } else {
            rng.weighted(&[
                (Channel::WalkIn, 55),
                (Channel::Phone, 17),
                (Channel::Hotline12348, 8),
                (Channel::Online, 9),
                (Channel::HomeVisit, 8),
                (Channel::Letter, 3),
            ])
        };
        // Working hours: 8:30-12:00 and 14:30-17:30.
        let minute = rng.range(0, 6 * 60 + 29);
        let (hour, min) = if minute < 210 {
            (8 + (30 + minute) / 60, (30 + minute) % 60)
        } else {
            let m = minute - 210;
            (14 + (30 + m) / 60, (30 + m) % 60)
        };
        let received_at = at(day, hour as u32, min as u32);
        let half = if hour < 12 {
            DutyPeriod::Morning
        } else {
            DutyPeriod::Afternoon
        };
        let shift = story.shifts.get(&(desk.unit_id, day)).and_then(|shifts| {
            shifts
                .iter()
                .find(|s| s.period.covers(half) || s.period == half)
        });
        let village_visit = shift.is_some_and(|s| s.period == DutyPeriod::Afternoon);
        let town = desk.town.as_deref().unwrap_or("县城");
        let (site, place) = match channel {
            Channel::Phone | Channel::Hotline12348 | Channel::Online | Channel::Letter => {
                (Site::Remote, None)
            }
            Channel::HomeVisit => (Site::Home, Some("当事人家中".to_owned())),
            Channel::WalkIn if mobile => {
                (Site::MobileStation, Some(format!("{town}集市流动服务站")))
            }
            Channel::WalkIn if village_visit && channel == Channel::WalkIn => {
                match rng.chance(0.3) {
                    true => (Site::Enterprise, Some(format!("{town}辖区企业"))),
                    false => (Site::Village, Some(format!("{town}辖区村委会"))),
                }
            }
            Channel::WalkIn => (Site::FixedStation, Some(desk.place.clone())),
        };
        let staff_id = match shift {
            Some(s) => s.staff_ids.first().copied(),
            None => Some(*rng.pick(&desk.staff)),
        };
        // Topics: the county's mix, wage claims before the Spring Festival.
        let wages = if matches!(day.month(), 12 | 1) {
            30
        } else {
            12
        };
        let topic_weights = [
            (Topic::LandRights, 14),
            (Topic::LandAcquisitionDemolition, 6),
            (Topic::MarriageFamily, 18),
            (Topic::SupportMaintenance, 10),
            (Topic::LabourWages, wages),
            (Topic::SocialSecurity, 7),
            (Topic::SchoolingMedical, 4),
            (Topic::Contracts, 9),
            (Topic::TrafficAccidents, 5),
            (Topic::NeighbourDisputes, 9),
            (Topic::Other, 4),
        ];
        let mut topics = vec![rng.weighted(&topic_weights)];
        if rng.chance(0.18) {
            topics.push(rng.weighted(&topic_weights));
        }
        topics.sort();
        topics.dedup();
        let main = topics[0];
        let age = rng.weighted(&[(12i64, 3), (30, 20), (45, 30), (62, 28), (75, 16), (85, 3)])
            + rng.range(0, 9)
            - 4;
        let female = match main {
            Topic::MarriageFamily => rng.chance(0.7),
            _ => rng.chance(0.45),
        };
        let p = person(rng, age, female, day);
        let with_id = channel == Channel::WalkIn && rng.chance(0.6)
            || channel == Channel::HomeVisit && rng.chance(0.8);
        let with_phone = with_id || rng.chance(0.65);
        let named = with_id || rng.chance(0.75);
        let mut groups = Vec::new();
        if main == Topic::LabourWages && age < 60 && rng.chance(0.7) {
            groups.push(SpecialGroup::MigrantWorker);
        }
        if female && matches!(main, Topic::MarriageFamily | Topic::SupportMaintenance) {
            groups.push(SpecialGroup::Women);
        }
        if rng.chance(0.05) {
            groups.push(SpecialGroup::Disabled);
        }
        if rng.chance(0.03) {
            groups.push(SpecialGroup::Veteran);
        }
        if rng.chance(0.08) {
            groups.push(SpecialGroup::LowIncome);
        }
        let age = age_on(p.birth_date, day);
        let group = age_group(age);
        let outcome = rng.weighted(&[
            (Outcome::Answered, 80),
            (Outcome::ReferredMediation, 8),
            (Outcome::ReferredLegalAid, 4),
            (Outcome::PetitionResolved, 2),
            (Outcome::ReferredOtherAgency, 4),
            (Outcome::Pending, 2),
        ]);
        let (question, answer) = texts(main, rng);
        let matters_count = topics.len() as i32 + i32::from(rng.chance(0.04));
        ConsultationRow {
            id: 0,
            unit_id: desk.unit_id,
            staff_id,
            duty_shift_id: shift.map(|s| s.id),
            received_at,
            channel,
            site,
            place,
            person_name: named.then(|| p.name.clone()),
            sex: Some(if female { Sex::Female } else { Sex::Male }),
            age: Some(age),
            age_group: Some(group),
            birth_date: with_id.then_some(p.birth_date),
            id_number: with_id.then(|| p.id_number.clone()),
            phone: with_phone.then(|| p.phone.clone()),
            special_groups: encode_code_list(&with_age_groups(&groups, Some(group))),
            topics: encode_code_list(&topics),
            question: question.to_owned(),
            answer: (outcome != Outcome::Pending).then(|| answer.to_owned()),
            outcome,
            matters_count,
            callback_consent: with_phone && rng.chance(0.75),
            review_state: ReviewState::Pending,
            review_comment: None,
            reviewed_by: None,
            reviewed_at: None,
            review_requested_at: received_at,
            registered_by: String::new(),
            version: 1,
            created_at: received_at,
            updated_at: received_at,
        }
    }
}

/// The reviewer's round at 18:00 on a working day: every pending consultation received two or
/// more days ago is approved, about one in fifty returned for a fuller answer; all in one write.
pub fn review_round(
    tx: &mut DbConnection,
    story: &mut Story,
    day: NaiveDate,
) -> Result<(), ApiError> {
    let due = day - Duration::days(2);
    let (ready, waiting): (Vec<_>, Vec<_>) =
        story.pending_review.iter().partition(|(_, on)| *on <= due);
    story.pending_review = waiting;
    if ready.is_empty() {
        return Ok(());
    }
    let reader = Reader {
        root: story.county,
        reach: Reach::Subtree(story.county),
    };
    let rng = story.rng.fork(0x5245_5649_4557);
    let actor = story.actor;
    audit::write(tx, actor, |tx, log| {
        for (id, _) in &ready {
            let returned = rng.fork(*id as u64).chance(0.02);
            let (decision, comment) = match returned {
                true => (
                    ReviewDecision::Return,
                    Some("答复依据不够具体，请补充法律依据后重新提交"),
                ),
                false => (ReviewDecision::Approve, None),
            };
            store::review_within(
                tx,
                log,
                actor,
                reader,
                *id,
                &IfMatch::any(),
                decision,
                comment,
            )?;
        }
        Ok(())
    })
}

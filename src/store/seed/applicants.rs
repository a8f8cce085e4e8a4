//! The demo's aid applicants: fictional people in the situations that bring special groups to
//! legal aid in a rural county, each with the matter, hardship check and ground the law gives
//! them (so that the green channel follows from the applicant, as at intake).

use chrono::{NaiveDate, NaiveDateTime};

use super::rng::{person, Rng};
use super::roster::Roster;
use crate::domain::aid::{
    self, AidChannel, HardshipCheck as H, HardshipGround as G, MatterCategory as M, UrgentGround,
};
use crate::domain::codes::encode_code_list;
use crate::domain::consultation::{age_group, SpecialGroup};
use crate::domain::id_card::{age_on, Sex};
use crate::store::aid::{AidRow, ApplicantRow};

/// A situation that brings someone to legal aid.
struct Profile {
    weight: u32,
    matter: M,
    case_type: &'static str,
    groups: &'static [SpecialGroup],
    check: H,
    ground: Option<G>,
    ages: (i64, i64),
    female_share: f64,
    opposing_party: Option<&'static str>,
    /// Wage and injury claims near a limitation deadline are sometimes urgent.
    may_be_urgent: bool,
    safe_contact: bool,
}

#[allow(clippy::too_many_arguments)]
const fn profile(
    weight: u32,
    matter: M,
    case_type: &'static str,
    groups: &'static [SpecialGroup],
    (check, ground): (H, Option<G>),
    ages: (i64, i64),
    female_share: f64,
    opposing_party: Option<&'static str>,
) -> Profile {
    Profile {
        weight,
        matter,
        case_type,
        groups,
        check,
        ground,
        ages,
        female_share,
        opposing_party,
        may_be_urgent: matches!(matter, M::LabourWages | M::WorkInjury)
            && matches!(ground, Some(G::MigrantWorkerWages)),
        safe_contact: matches!(ground, Some(G::DomesticViolenceVictim)),
    }
}

const MIGRANT: &[SpecialGroup] = &[SpecialGroup::MigrantWorker];

const PROFILES: &[Profile] = &[
    profile(
        30,
        M::LabourWages,
        "追索劳动报酬纠纷",
        MIGRANT,
        (H::Exempt, Some(G::MigrantWorkerWages)),
        (22, 58),
        0.2,
        Some("沁水县某建筑劳务有限公司（演示）"),
    ),
    profile(
        15,
        M::SupportPayments,
        "赡养纠纷",
        &[],
        (H::Exempt, Some(G::NoFixedIncome)),
        (66, 88),
        0.6,
        None,
    ),
    profile(
        6,
        M::SupportPayments,
        "抚养费纠纷",
        &[],
        (H::Exempt, Some(G::NoFixedIncome)),
        (6, 16),
        0.5,
        None,
    ),
    profile(
        10,
        M::WorkInjury,
        "工伤赔偿纠纷",
        MIGRANT,
        (H::Exempt, Some(G::MigrantWorkerWages)),
        (28, 57),
        0.0,
        Some("沁水县某煤业有限公司（演示）"),
    ),
    profile(
        6,
        M::OtherCivil,
        "离婚纠纷（家庭暴力）",
        &[SpecialGroup::Women],
        (H::NotRequired, Some(G::DomesticViolenceVictim)),
        (26, 50),
        1.0,
        None,
    ),
    profile(
        12,
        M::PersonalInjury,
        "机动车交通事故责任纠纷",
        &[],
        (H::Pledge, None),
        (20, 60),
        0.4,
        Some("某财产保险股份有限公司晋城中心支公司（演示）"),
    ),
    profile(
        8,
        M::SocialInsuranceAssistance,
        "社会保险待遇纠纷",
        &[SpecialGroup::LowIncome],
        (H::Proof, None),
        (45, 59),
        0.5,
        None,
    ),
    profile(
        5,
        M::Pension,
        "抚恤金纠纷",
        &[SpecialGroup::Disabled],
        (H::Pledge, None),
        (35, 58),
        0.5,
        None,
    ),
    profile(
        8,
        M::LabourWages,
        "确认劳动关系纠纷",
        &[],
        (H::Pledge, None),
        (24, 50),
        0.4,
        Some("沁水县某商贸有限公司（演示）"),
    ),
];

/// A fictional application received on `day`, with its applicant (the times are the story's).
pub fn application(r: &mut Rng, roster: &Roster, day: NaiveDate) -> (AidRow, ApplicantRow) {
    let weights: Vec<(usize, u32)> = PROFILES
        .iter()
        .enumerate()
        .map(|(i, p)| (i, p.weight))
        .collect();
    let p = &PROFILES[r.weighted(&weights)];
    let (matter, case_type, ground) = (p.matter, p.case_type, p.ground);
    let groups = p.groups.to_vec();
    let female = r.chance(p.female_share);
    let age = r.range(p.ages.0, p.ages.1);
    let someone = person(r, age, female, day);
    let age = age_on(someone.birth_date, day);
    let disabled = groups.contains(&SpecialGroup::Disabled);
    let reasons = aid::green_reasons(&aid::Applicant {
        age_group: Some(age_group(age)),
        disabled,
        special_groups: &groups,
        hardship_ground: ground,
        matter: Some(matter),
    });
    let on_behalf = r.chance(0.35);
    let office = r.pick(&roster.offices);
    let channel = if on_behalf {
        AidChannel::TownshipOnBehalf
    } else if age >= 65 && r.chance(0.4) {
        AidChannel::HomeVisit
    } else {
        r.weighted(&[
            (AidChannel::WalkIn, 60),
            (AidChannel::PhoneBooking, 15),
            (AidChannel::Mail, 5),
            (AidChannel::Online, 10),
        ])
    };
    let urgent = p.may_be_urgent && r.chance(0.12);
    let minor = age < 18;
    let guardian = person(r, i64::from(age) + 28, !female, day);
    let row = AidRow {
        unit_id: if on_behalf {
            office.unit.id
        } else {
            roster.aid.id
        },
        consultation_id: None,
        case_type: Some(case_type.to_owned()),
        opposing_party: p.opposing_party.map(str::to_owned),
        facts: format!(
            "{case_type}：申请人（演示数据）请求法律援助，已提交身份证明及相关证据材料。"
        ),
        hardship_ground: ground,
        urgent,
        urgent_ground: urgent.then_some(UrgentGround::DeadlineWithinSevenDays),
        safe_contact: p.safe_contact,
        green_channel: !reasons.is_empty(),
        green_reasons: encode_code_list(&reasons),
        ..AidRow::submitted(
            matter,
            channel,
            p.check,
            NaiveDateTime::default(),
            NaiveDateTime::default(),
        )
    };
    let applicant = ApplicantRow {
        application_id: 0,
        name: someone.name.clone(),
        id_number: someone.id_number.clone(),
        birth_date: someone.birth_date,
        sex: if female { Sex::Female } else { Sex::Male },
        age,
        phone: (!minor).then(|| someone.phone.clone()),
        address: Some(format!("山西省晋城市沁水县{}（演示地址）", office.town)),
        special_groups: encode_code_list(&groups),
        disabled,
        guardian_name: minor.then(|| guardian.name.clone()),
        guardian_relation: minor.then(|| "母亲或父亲".to_owned()),
        guardian_phone: minor.then(|| guardian.phone.clone()),
        safe_contact_means: p
            .safe_contact
            .then(|| "经县妇联联络员转达，工作日上午联系".to_owned()),
        safe_contact_phone: p.safe_contact.then(|| "0356-5023999".to_owned()),
    };
    (row, applicant)
}

use super::*;
use crate::domain::codes::assert_codes_match_serde;
use chrono::TimeZone;

#[test]
fn codes_are_the_serde_names() {
    assert_codes_match_serde::<MatterCategory>();
    assert_codes_match_serde::<AidChannel>();
    assert_codes_match_serde::<HardshipCheck>();
    assert_codes_match_serde::<HardshipGround>();
    assert_codes_match_serde::<GreenReason>();
    assert_codes_match_serde::<UrgentGround>();
    assert_codes_match_serde::<TerminationGround>();
    assert_codes_match_serde::<AidState>();
    assert_codes_match_serde::<AidAction>();
    assert_codes_match_serde::<DeadlineKind>();
    assert_codes_match_serde::<VerificationMethod>();
    assert_codes_match_serde::<VerificationResult>();
}

#[test]
fn every_state_and_action_pair_is_decided_by_the_table() {
    for state in AidState::ALL {
        for action in AidAction::ALL {
            for urgent in [false, true] {
                let listed = TRANSITIONS
                    .iter()
                    .find(|(f, a, _)| f == state && a == action);
                let result = transition(*state, *action, urgent);
                let provisional = *state == AidState::Accepted && *action == AidAction::Assign;
                match (listed, result) {
                    (Some((_, _, to)), Ok(got)) => {
                        assert_eq!(got, *to);
                        assert!(
                            urgent || !provisional,
                            "provisional assignment needs urgency"
                        );
                    }
                    (Some(_), Err(e)) => assert!(provisional && !urgent, "{e:?}"),
                    (None, Ok(_)) => panic!("{state:?} --{action:?}--> allowed but not listed"),
                    (None, Err(e)) => {
                        assert!(!e.allowed.contains(action));
                        assert_eq!(e.allowed, allowed_actions(*state, urgent));
                    }
                }
            }
        }
    }
}

#[test]
fn the_full_path_and_final_states() {
    use AidAction as A;
    let path = [
        A::Accept,
        A::RequestMaterials,
        A::ReceiveMaterials,
        A::Approve,
        A::Assign,
        A::SignAgreement,
        A::Start,
        A::Close,
    ];
    let mut s = AidState::Submitted;
    for a in path {
        s = transition(s, a, false).unwrap();
    }
    assert_eq!(s, AidState::Closed);
    for end in [
        AidState::Closed,
        AidState::Withdrawn,
        AidState::ObjectionDismissed,
    ] {
        assert!(allowed_actions(end, true).is_empty(), "{end:?} is final");
    }
    // A second materials request while one is open is refused.
    assert!(transition(AidState::MaterialsRequested, A::RequestMaterials, false).is_err());
    // Terminated only from assigned onwards; withdrawn only before assignment.
    assert!(transition(AidState::Approved, A::Terminate, false).is_err());
    assert!(transition(AidState::Assigned, A::Withdraw, false).is_err());
}

#[test]
fn deadlines_follow_the_law_and_pause_for_materials() {
    // 10:00 in China on day `d` of March 2023.
    let t = |d: u32| Utc.with_ymd_and_hms(2023, 3, d, 2, 0, 0).unwrap();
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2023, 3, d).unwrap();
    let cal = BusinessCalendar::published();
    let due = |c: &Clocks| current_deadline(c, &cal).map(|(k, due)| (k, due.unwrap().date));
    let mut c = Clocks {
        state: AidState::Accepted,
        received_at: t(1),
        state_entered_at: t(1),
        review_paused_days: 0,
        materials_due_at: None,
    };
    // Received Wed 03-01: 03-02 … 03-08 (Wed).
    assert_eq!(due(&c), Some((DeadlineKind::Review, day(8))));
    // Four days still: 03-12, a Sunday, moves to Mon 03-13.
    c.review_paused_days = 4;
    assert_eq!(due(&c), Some((DeadlineKind::Review, day(13))));
    // Approved Fri 03-10: 3 days end Mon 03-13.
    c.state = AidState::Approved;
    c.state_entered_at = t(10);
    assert_eq!(due(&c), Some((DeadlineKind::Assignment, day(13))));
    // Assigned Fri 03-10: 5 days end Wed 03-15.
    c.state = AidState::Assigned;
    assert_eq!(due(&c), Some((DeadlineKind::Agreement, day(15))));
    // Closed Fri 03-10: 30 days end Sun 04-09, so Mon 04-10.
    c.state = AidState::Closed;
    assert_eq!(
        due(&c),
        Some((
            DeadlineKind::Filing,
            chrono::NaiveDate::from_ymd_opt(2023, 4, 10).unwrap()
        ))
    );
    c.state = AidState::InProgress;
    assert_eq!(due(&c), None);
}

#[test]
fn green_channel_reasons() {
    let elderly = Applicant {
        age_group: Some(AgeGroup::Elderly),
        ..Default::default()
    };
    assert_eq!(green_reasons(&elderly), vec![GreenReason::Elderly]);
    let adult = Applicant {
        age_group: Some(AgeGroup::Adult),
        ..Default::default()
    };
    assert!(green_reasons(&adult).is_empty());
    let groups = [SpecialGroup::MigrantWorker];
    let worker = Applicant {
        special_groups: &groups,
        matter: Some(MatterCategory::LabourWages),
        ..Default::default()
    };
    assert_eq!(
        green_reasons(&worker),
        vec![GreenReason::MigrantWorkerWages]
    );
    let dv = Applicant {
        hardship_ground: Some(HardshipGround::DomesticViolenceVictim),
        ..Default::default()
    };
    assert_eq!(green_reasons(&dv), vec![GreenReason::Article32]);
    assert!(check_hardship(
        HardshipCheck::Exempt,
        Some(HardshipGround::DomesticViolenceVictim)
    )
    .is_err());
    assert!(check_hardship(
        HardshipCheck::NotRequired,
        Some(HardshipGround::DomesticViolenceVictim)
    )
    .is_ok());
    assert!(check_hardship(HardshipCheck::Exempt, None).is_err());
}

#[test]
fn green_target_is_the_next_working_day() {
    let cal = BusinessCalendar::default();
    let fri = NaiveDate::from_ymd_opt(2023, 3, 10).unwrap();
    assert_eq!(
        green_target(AidState::Submitted, fri, &cal),
        NaiveDate::from_ymd_opt(2023, 3, 13)
    );
    assert_eq!(green_target(AidState::InProgress, fri, &cal), None);
}

#[test]
fn the_rejection_notice_names_the_right_to_object_and_where() {
    let n = rejection_notice(
        "张某",
        "1. 不属于法律援助事项范围。",
        "沁水县法律援助中心",
        "沁水县司法局",
    );
    assert!(
        n.contains("异议")
            && n.contains("沁水县司法局")
            && n.contains("十五日")
            && n.contains("不属于法律援助事项范围")
    );
}

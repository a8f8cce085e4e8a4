use super::*;
use crate::domain::calendar::BusinessCalendar;
use crate::domain::codes::{assert_codes_match_serde, CodeTable};
use chrono::{NaiveDate, TimeZone, Utc};

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

fn standing(state: AidState) -> Standing {
    let at = Utc.with_ymd_and_hms(2023, 3, 1, 2, 0, 0).unwrap();
    Standing {
        state,
        urgent: false,
        notice: false,
        decided: false,
        materials_asked: false,
        reviewed: false,
        resume: None,
        received_at: at,
        state_entered_at: at,
        review_paused_days: 0,
        materials_due_at: None,
    }
}

/// Every combination of the conditions the guards look at.
fn situations(state: AidState) -> Vec<Standing> {
    let mut out = Vec::new();
    for bits in 0..32u8 {
        let mut s = standing(state);
        s.urgent = bits & 1 != 0;
        s.notice = bits & 2 != 0;
        s.decided = bits & 4 != 0;
        s.materials_asked = bits & 8 != 0;
        s.reviewed = bits & 16 != 0;
        out.push(s);
    }
    out
}

#[test]
fn every_state_and_action_pair_is_decided_by_the_table() {
    for state in AidState::ALL {
        for s in situations(*state) {
            for action in AidAction::ALL {
                let rows: Vec<_> = TRANSITIONS
                    .iter()
                    .filter(|(f, a, _, _)| f == state && a == action)
                    .collect();
                let holding = rows.iter().find(|(_, _, _, g)| g.holds(&s));
                match (holding, transition(&s, *action)) {
                    (Some((_, _, to, _)), Ok(got)) => {
                        assert_eq!(got, *to);
                        assert!(allowed_actions(&s).contains(action));
                    }
                    (None, Err(e)) => {
                        assert!(!e.allowed.contains(action), "{s:?} {action:?}");
                        assert_eq!(e.allowed, allowed_actions(&s));
                    }
                    (h, r) => panic!("{s:?} --{action:?}--> {h:?} vs {r:?}"),
                }
            }
        }
    }
}

#[test]
fn the_paths_of_the_law() {
    use AidAction as A;
    let walk = |mut s: Standing, path: &[A]| {
        for a in path {
            s.state = transition(&s, *a).unwrap_or_else(|e| panic!("{a:?}: {e:?}"));
            match a {
                A::Approve | A::Reject | A::UpholdObjection => s.decided = true,
                A::Assign if s.notice => s.decided = true,
                A::RequestMaterials => s.materials_asked = true,
                _ => {}
            }
        }
        s
    };
    // A civil case, with one materials notice, ends filed.
    let s = walk(
        standing(AidState::Submitted),
        &[
            A::Accept,
            A::RequestMaterials,
            A::ReceiveMaterials,
            A::Approve,
            A::Assign,
            A::SignAgreement,
            A::Start,
            A::Close,
            A::File,
            A::Review,
        ],
    );
    assert_eq!(s.state, AidState::Filed);
    let mut reviewed = s;
    reviewed.reviewed = true;
    assert!(allowed_actions(&reviewed).is_empty(), "reviewed once");
    for end in [AidState::Withdrawn, AidState::ObjectionDismissed] {
        for s in situations(end) {
            assert!(allowed_actions(&s).is_empty(), "{end:?} is final");
        }
    }
    // One materials notice per application: after the reply, no second one.
    let mut asked = standing(AidState::Accepted);
    asked.materials_asked = true;
    let e = transition(&asked, A::RequestMaterials).unwrap_err();
    assert!(e.reason.text(false).contains("once"), "{e:?}");
    // An official notice is assigned on the notice: no acceptance, no review.
    let mut notice = standing(AidState::Submitted);
    notice.notice = true;
    assert_eq!(allowed_actions(&notice), vec![A::Assign, A::Withdraw]);
    assert!(transition(&notice, A::Accept).is_err());
    assert_eq!(
        walk(notice, &[A::Assign, A::SignAgreement, A::Start, A::Close]).state,
        AidState::Closed
    );
    // Urgent aid: assigned before review, then decided; refused afterwards, it ends.
    let mut urgent = standing(AidState::Submitted);
    urgent.urgent = true;
    let assigned = walk(urgent, &[A::Accept, A::Assign, A::SignAgreement, A::Start]);
    assert!(transition(&assigned, A::Close).is_err(), "decided first");
    assert_eq!(
        transition(&assigned, A::Approve).unwrap(),
        AidState::InProgress
    );
    assert_eq!(
        transition(&assigned, A::Reject).unwrap(),
        AidState::Terminated
    );
    let decided = walk(assigned, &[A::Approve]);
    assert!(transition(&decided, A::Approve).is_err(), "decided once");
    assert_eq!(walk(decided, &[A::Close]).state, AidState::Closed);
    // An objection to a termination, upheld, resumes aid where it stood.
    let mut terminated = standing(AidState::Objection);
    terminated.resume = Some(AidState::InProgress);
    assert_eq!(
        transition(&terminated, A::UpholdObjection).unwrap(),
        AidState::InProgress
    );
    assert_eq!(
        transition(&standing(AidState::Objection), A::UpholdObjection).unwrap(),
        AidState::Approved
    );
    // Terminated only from assigned onwards; withdrawn only before assignment.
    assert!(transition(&standing(AidState::Approved), A::Terminate).is_err());
    assert!(transition(&standing(AidState::Assigned), A::Withdraw).is_err());
}

#[test]
fn a_late_reply_and_a_late_objection_are_refused() {
    let cal = BusinessCalendar::published();
    // Asked Thu 2023-03-02 for 10 days: due 24:00 Mon 03-13 (03-12 a Sunday).
    let mut s = standing(AidState::MaterialsRequested);
    let due = crate::domain::periods::due_after(
        Utc.with_ymd_and_hms(2023, 3, 2, 2, 0, 0).unwrap(),
        10,
        0,
        &cal,
    )
    .unwrap();
    s.materials_due_at = Some(due.at);
    let on = |d: u32, h: u32| Utc.with_ymd_and_hms(2023, 3, d, h, 0, 0).unwrap();
    // 23:00 on Mon 03-13 in China is 15:00 UTC: in time; 00:00 on Tue 03-14 is not.
    assert!(check_timing(&s, AidAction::ReceiveMaterials, on(13, 15), None, &cal).is_ok());
    assert!(check_timing(&s, AidAction::ReceiveMaterials, on(13, 16), None, &cal).is_err());
    // What the application offers follows: the reply while in time, only the withdrawal after.
    assert!(allowed_actions_at(&s, on(13, 15)).contains(&AidAction::ReceiveMaterials));
    let late = allowed_actions_at(&s, on(13, 16));
    assert!(!late.contains(&AidAction::ReceiveMaterials), "{late:?}");
    assert!(late.contains(&AidAction::Withdraw), "{late:?}");
    // Refused Fri 2023-09-15, served the same day: 15 days end Sat 09-30, in the National Day
    // holiday (09-29 … 10-06), so the window runs to 24:00 on Sat 10-07, an adjusted working day.
    let served = NaiveDate::from_ymd_opt(2023, 9, 15).unwrap();
    let rejected = standing(AidState::Rejected);
    let window = objection_window(served, OBJECTION_DAYS, &cal).unwrap();
    assert_eq!(window.date, NaiveDate::from_ymd_opt(2023, 10, 7).unwrap());
    let at = |m: u32, d: u32, h: u32| Utc.with_ymd_and_hms(2023, m, d, h, 0, 0).unwrap();
    let object = |now| {
        check_timing(
            &rejected,
            AidAction::Object,
            now,
            Some((served, OBJECTION_DAYS)),
            &cal,
        )
    };
    assert!(object(at(10, 7, 15)).is_ok());
    assert!(object(at(10, 7, 16)).is_err());
}

#[test]
fn deadlines_follow_the_law_and_pause_for_materials() {
    // 10:00 in China on day `d` of March 2023.
    let t = |d: u32| Utc.with_ymd_and_hms(2023, 3, d, 2, 0, 0).unwrap();
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2023, 3, d).unwrap();
    let cal = BusinessCalendar::published();
    let due = |c: &Standing| current_deadline(c, &cal).map(|(k, due)| (k, due.unwrap().date));
    let mut c = standing(AidState::Accepted);
    c.received_at = t(1);
    c.state_entered_at = t(1);
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
    // Filed Fri 03-10: the review's 30 days end Sun 04-09, so Mon 04-10; reviewed, nothing.
    c.state = AidState::Filed;
    assert_eq!(
        due(&c),
        Some((
            DeadlineKind::ClosingReview,
            chrono::NaiveDate::from_ymd_opt(2023, 4, 10).unwrap()
        ))
    );
    c.reviewed = true;
    assert_eq!(due(&c), None);
    // An official notice received Fri 03-10: assigned by Mon 03-13 (3 days, Art. 36).
    let mut n = standing(AidState::Submitted);
    n.notice = true;
    n.received_at = t(10);
    assert_eq!(due(&n), Some((DeadlineKind::NoticeAssignment, day(13))));
    // Urgent aid received Wed 03-01, assigned Thu 03-02 and not yet decided: two periods run,
    // the decision's (review: 7 days from receipt, Wed 03-08) and the agreement's (5 days from
    // assignment, Tue 03-07); the earlier shows.
    let mut u = standing(AidState::Assigned);
    u.urgent = true;
    u.received_at = t(1);
    u.state_entered_at = t(2);
    assert_eq!(due(&u), Some((DeadlineKind::Agreement, day(7))));
    // Once the agreement is signed, the decision is the deadline left.
    u.state = AidState::AgreementSigned;
    assert_eq!(due(&u), Some((DeadlineKind::Review, day(8))));
    u.decided = true;
    assert_eq!(due(&u), None);
}

#[test]
fn a_step_keeps_the_period_it_completes_or_misses_it() {
    // 10:00 in China on day `d` of March 2023; 23:59:59 in China on day `d`.
    let t = |d: u32| Utc.with_ymd_and_hms(2023, 3, d, 2, 0, 0).unwrap();
    let last_second = |d: u32| Utc.with_ymd_and_hms(2023, 3, d, 15, 59, 59).unwrap();
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2023, 3, d).unwrap();
    let cal = BusinessCalendar::published();
    // Received Wed 03-01: the review ends with Wed 03-08.
    let mut c = standing(AidState::Accepted);
    c.received_at = t(1);
    let kept = |c: &Standing, a: AidAction, at| period_kept(c, a, at, &cal);
    let approved = kept(&c, AidAction::Approve, last_second(8)).unwrap();
    assert_eq!(approved.kind, DeadlineKind::Review);
    assert_eq!(approved.due.as_ref().unwrap().date, day(8));
    assert_eq!(approved.met, Some(true));
    // At 00:00 of Thu 03-09 it is one second late.
    let late = kept(
        &c,
        AidAction::Reject,
        last_second(8) + chrono::Duration::seconds(1),
    );
    assert_eq!(late.unwrap().met, Some(false));
    // A materials notice pauses the review; it completes nothing.
    assert_eq!(kept(&c, AidAction::RequestMaterials, t(2)), None);
    assert_eq!(kept(&c, AidAction::Withdraw, t(2)), None);
    // Approved Fri 03-10: assigned Mon 03-13 (3 days end Mon 03-13) is in time.
    c.state = AidState::Approved;
    c.state_entered_at = t(10);
    let assigned = kept(&c, AidAction::Assign, t(13)).unwrap();
    assert_eq!(
        (assigned.kind, assigned.met),
        (DeadlineKind::Assignment, Some(true))
    );
    // Urgent aid assigned Thu 03-02 before its decision: signing completes the agreement's
    // period (ends Tue 03-07), approving completes the review's (ends Wed 03-08), each its own.
    let mut u = standing(AidState::Assigned);
    u.urgent = true;
    u.received_at = t(1);
    u.state_entered_at = t(2);
    let signed = kept(&u, AidAction::SignAgreement, t(8)).unwrap();
    assert_eq!(
        (signed.kind, signed.met),
        (DeadlineKind::Agreement, Some(false))
    );
    let decided = kept(&u, AidAction::Approve, t(8)).unwrap();
    assert_eq!(
        (decided.kind, decided.met),
        (DeadlineKind::Review, Some(true))
    );
    // Closed Fri 03-10: filed by Mon 04-10 (30 days end Sun 04-09, moved) is in time.
    let mut f = standing(AidState::Closed);
    f.state_entered_at = t(10);
    let filed = kept(
        &f,
        AidAction::File,
        Utc.with_ymd_and_hms(2023, 4, 10, 9, 0, 0).unwrap(),
    )
    .unwrap();
    assert_eq!((filed.kind, filed.met), (DeadlineKind::Filing, Some(true)));
    // A period that reaches a year without a calendar: completed, but whether in time is not
    // known.
    let mut far = standing(AidState::Closed);
    far.state_entered_at = Utc.with_ymd_and_hms(2040, 3, 1, 2, 0, 0).unwrap();
    let unknown = kept(&far, AidAction::File, far.state_entered_at).unwrap();
    assert!(unknown.due.is_err());
    assert_eq!(unknown.met, None);
    // Every kind of deadline has the step that completes it.
    for kind in DeadlineKind::ALL {
        assert!(
            COMPLETED_BY
                .iter()
                .any(|(k, actions)| k == kind && !actions.is_empty()),
            "{kind:?}"
        );
    }
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
    // Veterans are on the green channel; a migrant worker's traffic injury is not Art. 42(3).
    let vet = [SpecialGroup::Veteran];
    assert_eq!(
        green_reasons(&Applicant {
            special_groups: &vet,
            ..Default::default()
        }),
        vec![GreenReason::Veteran]
    );
    assert!(green_reasons(&Applicant {
        special_groups: &groups,
        matter: Some(MatterCategory::PersonalInjury),
        ..Default::default()
    })
    .is_empty());
    assert_eq!(
        green_reasons(&Applicant {
            special_groups: &groups,
            matter: Some(MatterCategory::WorkInjury),
            ..Default::default()
        }),
        vec![GreenReason::MigrantWorkerWages]
    );
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
fn intake_joins_the_fields_the_law_joins() {
    use HardshipCheck as H;
    use HardshipGround as G;
    let base = Intake {
        channel: AidChannel::WalkIn,
        matter: MatterCategory::SupportPayments,
        hardship_check: H::Pledge,
        hardship_ground: None,
        minor: false,
        guardian: false,
    };
    let field = |i: Intake| check_intake(&i).err().map(|e| e.field);
    assert_eq!(field(base), None);
    let with = |check, ground| Intake {
        hardship_check: check,
        hardship_ground: ground,
        ..base
    };
    assert_eq!(field(with(H::Exempt, Some(G::NoFixedIncome))), None);
    assert_eq!(
        field(with(H::Exempt, Some(G::DomesticViolenceVictim))),
        Some("hardship_ground")
    );
    assert_eq!(
        field(with(H::NotRequired, Some(G::OtherUnconditional))),
        None
    );
    assert_eq!(field(with(H::Exempt, Some(G::OtherExempt))), None);
    assert_eq!(field(with(H::Exempt, None)), Some("hardship_ground"));
    // A ground frees the applicant from the check: a pledge or proof with one is refused.
    assert_eq!(
        field(with(H::Pledge, Some(G::NoFixedIncome))),
        Some("hardship_ground")
    );
    // Art. 42(3) is for wages and work injuries.
    assert_eq!(
        field(with(H::Exempt, Some(G::MigrantWorkerWages))),
        Some("hardship_ground")
    );
    // A minor applies through a guardian.
    assert_eq!(
        field(Intake {
            minor: true,
            ..base
        }),
        Some("applicant.guardian_name")
    );
    assert_eq!(
        field(Intake {
            minor: true,
            guardian: true,
            ..base
        }),
        None
    );
    // An official notice is a criminal defence without a means test.
    let notice = Intake {
        channel: AidChannel::OfficialNotice,
        matter: MatterCategory::CriminalDefence,
        hardship_check: H::NotRequired,
        ..base
    };
    assert_eq!(field(notice), None);
    assert_eq!(
        field(Intake {
            hardship_check: H::Pledge,
            ..notice
        }),
        Some("hardship_check")
    );
    assert_eq!(
        field(Intake {
            matter: MatterCategory::LabourWages,
            ..notice
        }),
        Some("matter_category")
    );
}

#[test]
fn the_notices_name_the_remedies_of_article_49() {
    let p = NoticeParties {
        applicant: "张某",
        centre: "沁水县法律援助中心",
        bureau: "沁水县司法局",
        objection_days: 15,
    };
    let n = rejection_notice(&p, "1. 不属于法律援助事项范围。");
    assert!(
        n.starts_with("张某：")
            && n.contains("异议")
            && n.contains("沁水县司法局")
            && n.contains("15日内")
            && n.contains("五日内")
            && n.contains("行政复议")
            && n.contains("行政诉讼")
            && n.contains("不属于法律援助事项范围"),
        "{n}"
    );
    let t = termination_notice(&p, TerminationGround::OwnLawyer, Some("受援人书面告知。"));
    assert!(
        t.contains("终止对你的法律援助")
            && t.contains("自行委托律师")
            && t.contains("第四十八条")
            && t.contains("行政诉讼")
            && t.contains("受援人书面告知"),
        "{t}"
    );
    let u = termination_notice(&p, TerminationGround::NotEligible, None);
    assert!(u.contains("第四十四条"), "{u}");
}

#[test]
fn papers_carry_a_reference_and_the_law_s_time_limits() {
    assert_eq!(
        reference("沁水县法律援助中心", false, 2023, 12),
        "沁援〔2023〕12号"
    );
    assert_eq!(
        reference("沁水县司法局", true, 2023, 3),
        "沁司援〔2023〕3号"
    );
    let p = NoticeParties {
        applicant: "张某",
        centre: "沁水县法律援助中心",
        bureau: "沁水县司法局",
        objection_days: 15,
    };
    let m = materials_notice(
        &p,
        &["户口簿复印件".to_owned(), "经济困难状况说明表".to_owned()],
        NaiveDate::from_ymd_opt(2023, 3, 13).unwrap(),
    );
    assert!(
        m.contains("2023年3月13日前")
            && m.contains("2. 经济困难状况说明表")
            && m.contains("视为撤回"),
        "{m}"
    );
    let g = grant_decision(&p, "请求给付赡养费", Some("赡养纠纷"));
    assert!(g.contains("三日内指派"), "{g}");
    let a = assignment_notice(&p, "某律师事务所", "王律师", "刑事辩护", true);
    assert!(a.contains("第三十六条") && a.contains("五日内"), "{a}");
    let d = objection_decision(&p, false, "");
    assert!(d.contains("维持") && d.contains("行政诉讼"), "{d}");
    let u = objection_decision(&p, true, "");
    assert!(u.contains("责令沁水县法律援助中心改正"), "{u}");
}

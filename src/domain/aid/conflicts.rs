//! The conflict-of-interest check of an assignment: a provider, or another provider of its
//! organisation, who acts or acted for the other side of the case (the classic clash: 张三 v 李四
//! and 李四 v 张三 in one lawyer's or one firm's hands). Open cases count, and closed ones for a
//! configured number of years.

/// Another case of the provider or its organisation, as the check sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherCase {
    /// Its id.
    pub id: i64,
    /// Its applicant's name.
    pub applicant: String,
    /// Its opposing party.
    pub opposing_party: Option<String>,
    /// Whether the provider itself has it (otherwise a colleague of its organisation).
    pub same_provider: bool,
}

/// A conflict found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The other case.
    pub case_id: i64,
    /// What clashes, in Chinese (for the assignment note and the refusal).
    pub why: String,
}

fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    !a.is_empty() && a == b
}

/// The cases among `others` that put the provider (or its organisation) on the other side of a
/// case of `applicant` against `opposing_party`: the other case's opposing party is this
/// applicant, or its applicant is this opposing party.
pub fn conflicts(
    applicant: &str,
    opposing_party: Option<&str>,
    others: &[OtherCase],
) -> Vec<Conflict> {
    others
        .iter()
        .filter_map(|o| {
            let who = if o.same_provider {
                "该承办人员"
            } else {
                "该承办人员所在机构"
            };
            let against_applicant = o
                .opposing_party
                .as_deref()
                .is_some_and(|p| same(p, applicant));
            let for_opponent = opposing_party.is_some_and(|p| same(&o.applicant, p));
            let why = match (against_applicant, for_opponent) {
                (true, true) => format!("{who}承办的案件 {} 中双方当事人与本案互为对方", o.id),
                (true, false) => format!(
                    "{who}承办的案件 {} 以本案申请人“{}”为对方当事人",
                    o.id,
                    applicant.trim()
                ),
                (false, true) => format!(
                    "{who}承办的案件 {} 的受援人是本案对方当事人“{}”",
                    o.id,
                    o.applicant.trim()
                ),
                (false, false) => return None,
            };
            Some(Conflict { case_id: o.id, why })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(id: i64, applicant: &str, opposing: &str, same_provider: bool) -> OtherCase {
        OtherCase {
            id,
            applicant: applicant.into(),
            opposing_party: Some(opposing.into()),
            same_provider,
        }
    }

    #[test]
    fn either_party_on_the_other_side_is_a_conflict() {
        let others = [
            case(1, "李四", "张三", true),
            case(2, "王五", "张三", false),
            case(3, "李四", "赵六", false),
            case(4, "孙七", "李四", true),
            case(5, "张三", "某公司", true),
        ];
        let found = conflicts(" 张三 ", Some("李四"), &others);
        let ids: Vec<i64> = found.iter().map(|c| c.case_id).collect();
        // 1: the reverse case; 2: the firm acts against 张三; 3: the firm acts for 李四.
        // 4 shares the opponent (not a conflict); 5 is the same client.
        assert_eq!(ids, vec![1, 2, 3]);
        assert!(found[0].why.contains("互为对方"), "{:?}", found[0]);
        assert!(found[1].why.contains("所在机构"), "{:?}", found[1]);
        assert!(conflicts("张三", None, &[case(9, "李四", "王五", true)]).is_empty());
        assert!(conflicts("", Some(""), &[case(9, "", "", true)]).is_empty());
    }
}

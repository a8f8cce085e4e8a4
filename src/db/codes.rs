//! Code tables stored as `TEXT` (the column's `CHECK` lists the codes): rows carry the domain's
//! enums, not strings, so nothing parses a stored code by hand. One macro maps each table to
//! and from its column on each backend (and the connection enum over both).

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::internal::derives::as_expression::Bound;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, Text};

use crate::domain::codes::CodeTable;

macro_rules! text_codes {
    ($($table:ty),+ $(,)?) => {$(
        impl<DB: Backend> ToSql<Text, DB> for $table
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <str as ToSql<Text, DB>>::to_sql(CodeTable::code(*self), out)
            }
        }

        impl<DB: Backend> ToSql<Nullable<Text>, DB> for $table
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <str as ToSql<Text, DB>>::to_sql(CodeTable::code(*self), out)
            }
        }

        impl<DB: Backend> FromSql<Text, DB> for $table
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let code = <String as FromSql<Text, DB>>::from_sql(bytes)?;
                Ok(code.parse::<$table>()?)
            }
        }

        impl<DB: Backend> Queryable<Text, DB> for $table
        where
            Self: FromSql<Text, DB>,
        {
            type Row = Self;
            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl AsExpression<Text> for $table {
            type Expression = Bound<Text, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Text> for &'a $table {
            type Expression = Bound<Text, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl AsExpression<Nullable<Text>> for $table {
            type Expression = Bound<Nullable<Text>, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Nullable<Text>> for &'a $table {
            type Expression = Bound<Nullable<Text>, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }
    )+};
}

text_codes!(
    crate::domain::consultation::Channel,
    crate::domain::consultation::Site,
    crate::domain::consultation::Outcome,
    crate::domain::consultation::ReviewState,
    crate::domain::consultation::AgeGroup,
    crate::domain::id_card::Sex,
    crate::domain::aid::MatterCategory,
    crate::domain::aid::AidChannel,
    crate::domain::aid::HardshipCheck,
    crate::domain::aid::HardshipGround,
    crate::domain::aid::UrgentGround,
    crate::domain::aid::AidState,
    crate::domain::aid::AidAction,
    crate::domain::aid::TerminationGround,
    crate::domain::aid::DeadlineKind,
    crate::domain::aid::ClosingOutcome,
    crate::domain::aid::QualityGrade,
    crate::domain::aid::WorkKind,
    crate::domain::aid::PaperKind,
    crate::domain::aid::VerificationMethod,
    crate::domain::aid::VerificationResult,
    crate::domain::follow_up::FollowUpMethod,
    crate::domain::follow_up::FollowUpStatus,
    crate::domain::follow_up::Satisfaction,
    crate::domain::follow_up::SubjectKind,
    crate::domain::duty::DutyPeriod,
    crate::domain::duty::DutyKind,
    crate::domain::calendar::DayKind,
    crate::domain::units::UnitKind,
    crate::domain::roles::Role,
    crate::domain::duty::StaffKind,
    crate::domain::activity::ActivityKind,
    crate::domain::inspections::InspectionKind,
    crate::domain::inspections::ChecklistItem,
    crate::domain::recognitions::RecognitionKind,
);

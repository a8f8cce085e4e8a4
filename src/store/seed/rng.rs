//! The demo's own deterministic generator (SplitMix64: the same seed gives the same year on
//! every machine and backend) and its clearly fictional people: names made of a family name and
//! 演示/示例, ID numbers with a valid check digit (GB 11643-1999) in Qinshui's area code, and
//! mobile numbers of the reserved-looking form 1990000xxxx.

use chrono::{Datelike, Duration, NaiveDate};

/// SplitMix64 (Steele, Lea, Flood 2014): small, fast, and good enough for test data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// A generator for one thing (a day, a unit, a record) derived from this one's seed, so that
    /// one part's draws do not shift another's.
    pub fn fork(&self, salt: u64) -> Rng {
        let mut r = Rng(self.0 ^ salt.wrapping_mul(0xA24B_AED4_963E_E407));
        r.next_u64();
        r
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }

    /// One of `items`, uniformly (the first when empty is impossible: callers pass constants).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = self.range(0, items.len().saturating_sub(1) as i64) as usize;
        &items[i.min(items.len().saturating_sub(1))]
    }

    /// One of `items` by weight.
    pub fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|i| i.1).sum();
        let mut x = (self.next_u64() % u64::from(total.max(1))) as u32;
        for (item, w) in items {
            if x < *w {
                return *item;
            }
            x -= w;
        }
        items[items.len() - 1].0
    }

    /// A whole count whose expectation is `mean` (its floor, plus one with the remainder's
    /// probability): totals over many days land on their expectation.
    pub fn count(&mut self, mean: f64) -> u32 {
        let floor = mean.max(0.0).floor();
        floor as u32 + u32::from(self.chance(mean - floor))
    }
}

/// The seed of the demo year that ends on `today`.
pub fn seed_of(today: NaiveDate) -> u64 {
    0x6875_696D_696E_0000 ^ u64::from(today.num_days_from_ce().unsigned_abs())
}

/// Qinshui County's administrative area code (GB/T 2260).
pub const AREA_CODE: &str = "140521";

const FAMILY_NAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋",
];

const GIVEN_MARKERS: [&str; 2] = ["演示", "示例"];

/// A fictional person.
#[derive(Debug, Clone)]
pub struct Person {
    /// Family name and 演示/示例: never a real name.
    pub name: String,
    /// A valid 18-digit ID number (correct check digit).
    pub id_number: String,
    /// The birth date it encodes.
    pub birth_date: NaiveDate,
    /// A valid mobile number, 1990000xxxx.
    pub phone: String,
}

/// A fictional person aged `age` on `on`.
pub fn person(rng: &mut Rng, age: i64, female: bool, on: NaiveDate) -> Person {
    // `age + 1` years before `on` (up to three days earlier, for month ends and 29 February);
    // a birthday within the next year gives `age` on `on`.
    let anchor = NaiveDate::from_ymd_opt(on.year() - age as i32 - 1, on.month(), on.day().min(28))
        .unwrap_or(on);
    let birth_date = anchor + Duration::days(rng.range(4, 363));
    let sequence = rng.range(0, 49) * 2 + if female { 0 } else { 1 } + 900;
    let body = format!("{AREA_CODE}{}{sequence:03}", birth_date.format("%Y%m%d"));
    Person {
        name: format!("{}{}", rng.pick(&FAMILY_NAMES), rng.pick(&GIVEN_MARKERS)),
        id_number: format!("{body}{}", check_digit(&body)),
        birth_date,
        phone: format!("1990000{:04}", rng.range(0, 9999)),
    }
}

/// The check character of the first 17 digits of an ID number (GB 11643-1999).
pub fn check_digit(body: &str) -> char {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(c, w)| u32::from(c.wrapping_sub(b'0')) * w)
        .sum();
    char::from(CHECK[(sum % 11) as usize])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::id_card::{age_on, IdCardNumber, Sex};
    use crate::domain::phone::PhoneNumber;

    #[test]
    fn the_same_seed_gives_the_same_draws() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(
            Rng::new(7).fork(1).next_u64(),
            Rng::new(7).fork(2).next_u64()
        );
    }

    #[test]
    fn each_day_has_its_own_seed() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
        assert_eq!(seed_of(day), seed_of(day));
        assert_ne!(seed_of(day), seed_of(day - Duration::days(1)));
    }

    #[test]
    fn check_digits_match_the_published_samples() {
        assert_eq!(check_digit("11010519491231002"), 'X');
        assert_eq!(check_digit("44052418800101001"), '4');
    }

    #[test]
    fn fictional_people_are_valid_and_of_the_age_asked() {
        let on = NaiveDate::from_ymd_opt(2026, 3, 15).expect("date");
        let mut rng = Rng::new(42);
        for age in [3, 17, 18, 45, 59, 60, 88] {
            for female in [false, true] {
                let p = person(&mut rng, age, female, on);
                let card = IdCardNumber::parse(&p.id_number, on).expect("valid ID number");
                assert_eq!(i64::from(age_on(card.birth_date(), on)), age, "{p:?}");
                assert_eq!(card.sex() == Sex::Female, female);
                assert!(PhoneNumber::parse(&p.phone).is_ok());
                assert!(p.name.contains("演示") || p.name.contains("示例"));
            }
        }
    }
}

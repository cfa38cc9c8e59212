//! Text-to-value conversions used by cleaning: dates (several layouts, detected or given) and
//! amounts. A value that does not convert is a counted reject, never a crash.

use serde::Serialize;

use crate::error::{DataError, Result};
use crate::number_format::NumberFormat;

/// Days since 1970-01-01 of a proleptic Gregorian date, `None` if the date does not exist (or
/// its year is outside 1000-9999).
///
/// Counted with unsigned arithmetic over the supported years: the days of the years before
/// `y` (a year is 365 days, plus the leap days: every 4th year, but not every 100th, but every
/// 400th), of the months before `m`, and `d`. Each division is by a constant (a multiply and a
/// shift); the leap-year remainders by 100 and 400 are only taken in years divisible by 4.
/// Checked against [`civil_from_days`] for every day of those years.
pub fn days_from_civil(y: i32, m: u32, d: u32) -> Option<i32> {
    /// Days of the year before each month's first, in a common year.
    const BEFORE: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    /// Days in each month of a common year.
    const LENGTH: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    /// `days_from_civil(1970, 1, 1)` in days since 0000-12-31 (as counted below).
    const EPOCH: u32 = 719_162;
    if !(1..=12).contains(&m) || d == 0 || !(1000..=9999).contains(&y) {
        return None;
    }
    let y = y as u32;
    let leap = y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400));
    let k = (m - 1) as usize;
    let february_29 = u32::from(leap && m == 2);
    if d > LENGTH[k] + february_29 {
        return None;
    }
    let before = y - 1;
    let years = before * 365 + before / 4 - before / 100 + before / 400;
    let months = BEFORE[k] + u32::from(leap && m > 2);
    Some((years + months + d - 1) as i32 - EPOCH as i32)
}

/// `(year, month, day)` of days since 1970-01-01.
pub fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = (z - era * 146_097) as u32;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe as i32 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// ISO `YYYY-MM-DD` text of days since 1970-01-01.
pub fn format_day(day: i32) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// An as-of date: the day a classification is made for, `YYYY-MM-DD` in text (config, command
/// line, run.json) and days since 1970-01-01 inside. Parsed once where it enters (TOML or an
/// argument); nothing downstream reads the text again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AsOf(i32);

impl AsOf {
    /// The date `day` days after 1970-01-01.
    pub const fn from_day(day: i32) -> AsOf {
        AsOf(day)
    }

    /// Days since 1970-01-01.
    pub const fn day(self) -> i32 {
        self.0
    }
}

impl std::str::FromStr for AsOf {
    type Err = String;

    /// Exactly `YYYY-MM-DD` (a real calendar day); anything else is refused with the text.
    fn from_str(s: &str) -> std::result::Result<AsOf, String> {
        DateFormat::Iso
            .parse(s)
            .filter(|_| s.trim().len() <= 10)
            .map(AsOf)
            .ok_or_else(|| format!("as-of date must be YYYY-MM-DD, got `{s}`"))
    }
}

impl std::fmt::Display for AsOf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_day(self.0))
    }
}

impl Serialize for AsOf {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for AsOf {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<AsOf, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// How a date column is written. Anything after the date (a time, a zone) is ignored: custseg
/// works in whole days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateFormat {
    /// `2024-03-05`, `2024-03-05 10:20:00`, `2024-03-05T10:20:00Z`, also `2024-3-5`.
    Iso,
    /// `20240305` (the CDNOW layout).
    Compact,
    /// `2024/03/05` or `2024.03.05`.
    YearFirstSlash,
    /// `2024年3月5日`.
    Chinese,
    /// `05/03/2024`, `05.03.2024`, `05-03-2024` (day first).
    DayFirst,
    /// `03/05/2024`, `3/5/2024 8:26` (month first, as in the UCI Online Retail export).
    MonthFirst,
    /// A column that mixes the year-first layouts above (`2024-01-09` among `2024/1/9`), each
    /// value read in the layout it is written in.
    Mixed,
    /// [`DateFormat::Mixed`], and day-first `d/m/y` values (the column proves the order).
    MixedDayFirst,
    /// [`DateFormat::Mixed`], and month-first `m/d/y` values (the column proves the order).
    MixedMonthFirst,
    /// A chrono `strftime` pattern given with `--date-format`.
    Pattern(String),
}

impl DateFormat {
    /// Parses a `--date-format` value: a preset name (`iso`, `yyyymmdd`, `ymd`, `chinese`,
    /// `dmy`, `mdy`) or a chrono pattern containing `%`.
    ///
    /// # Errors
    /// [`DataError::BadDateFormat`] for anything else, or a pattern without year, month and day.
    pub fn from_user(s: &str) -> Result<DateFormat> {
        let preset = match s.to_ascii_lowercase().as_str() {
            "iso" | "yyyy-mm-dd" => Some(DateFormat::Iso),
            "yyyymmdd" | "compact" => Some(DateFormat::Compact),
            "ymd" | "yyyy/mm/dd" => Some(DateFormat::YearFirstSlash),
            "chinese" | "yyyy年mm月dd日" => Some(DateFormat::Chinese),
            "dmy" | "dd/mm/yyyy" => Some(DateFormat::DayFirst),
            "mdy" | "mm/dd/yyyy" => Some(DateFormat::MonthFirst),
            _ => None,
        };
        if let Some(p) = preset {
            return Ok(p);
        }
        let has = |spec: &[&str]| spec.iter().any(|x| s.contains(x));
        if has(&["%Y", "%y"]) && has(&["%m", "%b", "%B"]) && has(&["%d", "%e"]) {
            Ok(DateFormat::Pattern(s.to_string()))
        } else {
            Err(DataError::BadDateFormat {
                format: s.to_string(),
                message: "expected iso, yyyymmdd, ymd, chinese, dmy, mdy, or a chrono pattern with year, month and day such as %d/%m/%Y".into(),
            })
        }
    }

    /// Days since 1970-01-01, or `None` when the text is not a valid date in this format.
    pub fn parse(&self, s: &str) -> Option<i32> {
        // the common exact layouts without splitting; anything else (or an invalid date) takes
        // the general path below, which gives the same answer for these
        if let Some(day) = self.parse_exact(s.as_bytes()) {
            return Some(day);
        }
        let s = s.trim();
        match self {
            DateFormat::Iso => {
                let [y, m, d] = split3(date_part(s), &['-'])?;
                (y.len() == 4).then_some(())?;
                days_from_civil(num(y)?, num(m)? as u32, num(d)? as u32)
            }
            DateFormat::Compact => {
                let t = date_part(s);
                if t.len() != 8 || !t.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                days_from_civil(num(&t[0..4])?, num(&t[4..6])? as u32, num(&t[6..8])? as u32)
            }
            DateFormat::YearFirstSlash => {
                let [y, m, d] = split3(date_part(s), &['/', '.'])?;
                (y.len() == 4).then_some(())?;
                days_from_civil(num(y)?, num(m)? as u32, num(d)? as u32)
            }
            DateFormat::Chinese => {
                let (y, rest) = s.split_once('年')?;
                let (m, rest) = rest.split_once('月')?;
                let d = rest.split_once('日').map_or(rest, |(d, _)| d);
                days_from_civil(num(y.trim())?, num(m.trim())? as u32, num(d.trim())? as u32)
            }
            DateFormat::DayFirst | DateFormat::MonthFirst => {
                let [a, b, y] = split3(date_part(s), &['/', '.', '-'])?;
                (y.len() == 4).then_some(())?;
                let (d, m) = if *self == DateFormat::DayFirst { (a, b) } else { (b, a) };
                days_from_civil(num(y)?, num(m)? as u32, num(d)? as u32)
            }
            DateFormat::Mixed | DateFormat::MixedDayFirst | DateFormat::MixedMonthFirst => {
                let year_first = DateFormat::unambiguous().iter().find_map(|f| f.parse(s));
                year_first.or_else(|| match self {
                    DateFormat::MixedDayFirst => DateFormat::DayFirst.parse(s),
                    DateFormat::MixedMonthFirst => DateFormat::MonthFirst.parse(s),
                    _ => None,
                })
            }
            DateFormat::Pattern(p) => {
                let (date, _) = chrono::NaiveDate::parse_and_remainder(s, p).ok()?;
                use chrono::Datelike;
                days_from_civil(date.year(), date.month(), date.day())
            }
        }
    }

    /// `YYYY-MM-DD` (ISO) or `YYYYMMDD` (compact), optionally followed by a space or `T` and
    /// anything, read byte by byte; `None` for any other text.
    fn parse_exact(&self, b: &[u8]) -> Option<i32> {
        let ends_at = |n: usize| b.len() == n || (b.len() > n && (b[n] == b' ' || b[n] == b'T'));
        match self {
            DateFormat::Iso if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' && ends_at(10) => {
                // the eight digits checked together (no branch per digit): a byte is a digit
                // when its value minus '0' is below 10, so below 16 after adding 6
                let v = |i: usize| u32::from(b[i].wrapping_sub(b'0'));
                let [y0, y1, y2, y3, m0, m1, d0, d1] = [v(0), v(1), v(2), v(3), v(5), v(6), v(8), v(9)];
                let not_digits = [y0, y1, y2, y3, m0, m1, d0, d1].iter().fold(0, |acc, &x| acc | (x + 6)) > 15;
                if not_digits {
                    return None;
                }
                days_from_civil((y0 * 1000 + y1 * 100 + y2 * 10 + y3) as i32, m0 * 10 + m1, d0 * 10 + d1)
            }
            DateFormat::Compact if b.len() >= 8 && ends_at(8) => {
                days_from_civil(digits(&b[0..4])? as i32, digits(&b[4..6])?, digits(&b[6..8])?)
            }
            _ => None,
        }
    }

    /// The formats tried when none is given, in order. Day-first and month-first are tried
    /// last and only one of them may fit (see [`detect_date_format`]).
    fn unambiguous() -> [DateFormat; 4] {
        [DateFormat::Iso, DateFormat::Compact, DateFormat::YearFirstSlash, DateFormat::Chinese]
    }
}

fn date_part(s: &str) -> &str {
    s.split([' ', 'T']).next().unwrap_or(s)
}

fn split3<'a>(s: &'a str, seps: &[char]) -> Option<[&'a str; 3]> {
    let mut it = s.split(|c| seps.contains(&c));
    let parts = [it.next()?, it.next()?, it.next()?];
    if it.next().is_some() || parts.iter().any(|p| p.is_empty() || p.len() > 4) {
        return None;
    }
    Some(parts)
}

/// The value of a run of ASCII digits (at most 9).
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
}

fn num(s: &str) -> Option<i32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Detects the date format from sample values (non-empty ones).
///
/// Each value is read in the layout it is written in: a single year-first layout (ISO,
/// `YYYYMMDD`, `YYYY/MM/DD`, Chinese) when it reads every value, else all of them together
/// ([`DateFormat::Mixed`]). Values written day and month first (`09/01/2024`) need the column to
/// prove the order: a value whose first number is above 12 proves day-first, one whose second is,
/// month-first. Values with day and month both 12 or below and nothing proving the order, or
/// proofs of both orders, are an error, not a guess. At least 95% of the values must read.
///
/// # Errors
/// [`DataError::DateFormat`] with examples and a hint naming `--date-format`.
pub fn detect_date_format(samples: &[&str], path: &std::path::Path, column: &str) -> Result<DateFormat> {
    let samples: Vec<&str> = samples.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
    let show = |v: &[&str]| v.iter().take(3).map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ");
    if samples.is_empty() {
        return Ok(DateFormat::Iso);
    }
    if let Some(f) = DateFormat::unambiguous().into_iter().find(|f| samples.iter().all(|s| f.parse(s).is_some())) {
        return Ok(f);
    }
    let year_first = |s: &&str| DateFormat::Mixed.parse(s).is_some();
    let (mut day_first, mut month_first, mut either, mut unread) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for s in samples.iter().filter(|s| !year_first(s)) {
        match (DateFormat::DayFirst.parse(s).is_some(), DateFormat::MonthFirst.parse(s).is_some()) {
            (true, true) => either.push(*s),
            (true, false) => day_first.push(*s),
            (false, true) => month_first.push(*s),
            (false, false) => unread.push(*s),
        }
    }
    let error = |examples: String, hint: &str| DataError::DateFormat {
        path: path.to_path_buf(),
        column: column.to_string(),
        examples,
        hint: hint.into(),
    };
    if unread.len() as f64 > 0.05 * samples.len() as f64 {
        return Err(error(show(&unread), "hint: give the layout with --date-format, e.g. --date-format %d.%m.%Y"));
    }
    let has_dm = !(day_first.is_empty() && month_first.is_empty() && either.is_empty());
    if !has_dm {
        // year-first values in several layouts (and a few unreadable ones, rejected later)
        return Ok(DateFormat::unambiguous()
            .into_iter()
            .find(|f| samples.iter().filter(|s| year_first(s)).all(|s| f.parse(s).is_some()))
            .unwrap_or(DateFormat::Mixed));
    }
    // the order the column proves; the other order's proofs may be a few typos (rejected later)
    let (n_day, n_month) = (day_first.len() as f64, month_first.len() as f64);
    let day_order = if n_day > 0.0 && n_month <= 0.05 * n_day {
        true
    } else if n_month > 0.0 && n_day <= 0.05 * n_month {
        false
    } else if n_day > 0.0 {
        let examples = format!("{} (day first) and {} (month first)", show(&day_first), show(&month_first));
        return Err(error(
            examples,
            "hint: the values prove both orders; say which with --date-format dmy or --date-format mdy",
        ));
    } else {
        return Err(error(
            show(&either),
            "hint: these read as day/month and as month/day; say which with --date-format dmy or --date-format mdy",
        ));
    };
    let only_dm = samples.iter().all(|s| !year_first(s));
    Ok(match (only_dm, day_order) {
        (true, true) => DateFormat::DayFirst,
        (true, false) => DateFormat::MonthFirst,
        (false, true) => DateFormat::MixedDayFirst,
        (false, false) => DateFormat::MixedMonthFirst,
    })
}

/// Why an amount did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    /// Not a number.
    Unparseable,
    /// NaN, infinite, or too large to add up exactly (|x| >= 1e14).
    NonFinite,
}

/// Money is held as integer units of 1/10,000 of the currency unit so that sums are exact and
/// independent of the order rows are added in (the output bytes must not depend on threads).
pub const MONEY_SCALE: f64 = 10_000.0;

/// Parses a number as written with a decimal point (see [`NumberFormat::parse`]): `1,234.50`,
/// `$12`, `(12.50)`; `12,50` is not a number here, since it may be a decimal comma.
///
/// # Errors
/// As [`NumberFormat::parse`].
pub fn parse_number(s: &str) -> Result<f64, AmountError> {
    NumberFormat::Point.parse(s)
}

/// Whether a discount-column value marks the line as discounted: any value but an empty one, a
/// number equal to zero (`0`, `0.00`, `0%`, `$0`) and the usual "no" words (`false`, `no`, `n`,
/// `f`, `none`, `null`, `否`, `无`, `没有`, `-`). So a discount amount, a rate, a `yes`/`1` flag
/// and a promotion code all count. A discount value is never a reason to reject a row.
pub fn is_discounted(v: &str) -> bool {
    let t = v.trim();
    if t.is_empty() {
        return false;
    }
    let number = t.strip_suffix('%').unwrap_or(t);
    if let Ok(x) = parse_number(number) {
        return x != 0.0;
    }
    !matches!(
        t.to_lowercase().as_str(),
        "false" | "no" | "n" | "f" | "none" | "null" | "nan" | "-" | "否" | "无" | "没有" | "不是"
    )
}

/// A plain decimal (`-`, 1 to 11 integer digits, optionally `.` and at most 4 decimals, nothing
/// else) in money units, read exactly; `None` for any other text, which then takes
/// [`parse_number`] and [`to_money_units`]. For such text both give the same units: the units
/// are below 2^53, so the float path's relative error (under 3e-16) cannot move the rounding.
pub fn money_units_exact(s: &str) -> Option<i64> {
    /// Units per `10^-k` of money, for `k` decimals written.
    const PER_DECIMALS: [i64; 5] = [10_000, 1_000, 100, 10, 1];
    let b = s.as_bytes();
    let (negative, b) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    // 11 digits, a point and 4 decimals at most: then the digits read as one integer fit an
    // i64 whatever they are (checked below), in one pass without a branch per kind of digit
    if b.len() > 16 {
        return None;
    }
    let mut value = 0i64;
    let mut point = None;
    for (k, &c) in b.iter().enumerate() {
        let digit = c.wrapping_sub(b'0');
        if digit < 10 {
            value = value * 10 + i64::from(digit);
        } else if c == b'.' && point.is_none() {
            point = Some(k);
        } else {
            return None;
        }
    }
    let (int_len, decimals) = point.map_or((b.len(), 0), |p| (p, b.len() - p - 1));
    if int_len == 0 || int_len > 11 || decimals > 4 {
        return None;
    }
    let units = value * PER_DECIMALS[decimals];
    Some(if negative { -units } else { units })
}

/// A number in money units (see [`MONEY_SCALE`]), rounded half away from zero.
pub fn to_money_units(v: f64) -> Result<i64, AmountError> {
    let u = (v * MONEY_SCALE).round();
    if !u.is_finite() || u.abs() >= 1e18 {
        return Err(AmountError::NonFinite);
    }
    Ok(u as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn discount_values() {
        for yes in ["5", "0.2", "20%", "$1.50", "-3", "yes", "Y", "true", "1", "是", "SPRING10", "满减"] {
            assert!(is_discounted(yes), "{yes}");
        }
        for no in ["", "  ", "0", "0.00", "0%", "$0", "no", "N", "FALSE", "f", "none", "NULL", "-", "否", "无"] {
            assert!(!is_discounted(no), "{no:?}");
        }
    }

    #[test]
    fn exact_paths_agree_with_the_general_ones() {
        // plain decimals take the exact path and agree with the general one; anything else is
        // left to the general path
        let exact = [
            "0",
            "-0",
            "-0.00",
            "15.22",
            "15.2",
            "15.",
            "7",
            "-3.5",
            "0.0001",
            "12345678901.9999",
            "99999999999",
            "-0.005",
        ];
        let general_only =
            ["1.23456", "123456789012", ".5", "1e3", "+5", " 5", "5 ", "1,234.5", "$5", "-", "", "1.2.3"];
        for m in exact {
            let general = parse_number(m).ok().and_then(|v| to_money_units(v).ok());
            assert_eq!(money_units_exact(m), general, "{m:?}");
            assert!(general.is_some(), "{m:?}");
        }
        for m in general_only {
            assert_eq!(money_units_exact(m), None, "{m:?}");
        }
        let mut seed = 7u64;
        for _ in 0..20_000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let int = (seed >> 20) % 100_000_000_000;
            let dec = (seed >> 5) % 10_000;
            for text in [format!("{int}.{dec:04}"), format!("-{int}.{:02}", dec % 100), format!("{}", int % 1000)] {
                let general = parse_number(&text).ok().and_then(|v| to_money_units(v).ok());
                assert_eq!(money_units_exact(&text), general, "{text}");
            }
        }
        for (f, texts) in [
            (DateFormat::Iso, &["2024-06-03", "2024-06-03T10:00", "2024-06-03 10:00", "2024-13-01", "2024-02-30"][..]),
            (DateFormat::Compact, &["19970101", "19970101 0000", "19971301", "1997-01-01"][..]),
        ] {
            for t in texts {
                let general = {
                    let s = t.trim();
                    let d = date_part(s);
                    match f {
                        DateFormat::Iso => split3(d, &['-'])
                            .and_then(|[y, m, dd]| days_from_civil(num(y)?, num(m)? as u32, num(dd)? as u32)),
                        _ => (d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()))
                            .then(|| days_from_civil(num(&d[0..4])?, num(&d[4..6])? as u32, num(&d[6..8])? as u32))
                            .flatten(),
                    }
                };
                assert_eq!(f.parse(t), general, "{t}");
            }
        }
        assert_eq!(DateFormat::Iso.parse("2024-06-03"), days_from_civil(2024, 6, 3));
        assert_eq!(DateFormat::Compact.parse("19970101"), Some(9862));
    }

    #[test]
    fn civil_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), Some(0));
        assert_eq!(days_from_civil(1997, 1, 1), Some(9862));
        assert_eq!(days_from_civil(2024, 2, 29), Some(19782));
        assert_eq!(days_from_civil(2023, 2, 29), None);
        for z in [-1000, 0, 9862, 19782, 30000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), Some(z));
        }
        assert_eq!(format_day(9862), "1997-01-01");
        // every day of the supported years, and the days that do not exist
        let first = days_from_civil(1000, 1, 1).unwrap_or_else(|| panic!("year 1000"));
        let last = days_from_civil(9999, 12, 31).unwrap_or_else(|| panic!("year 9999"));
        for z in first..=last {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), Some(z), "{y}-{m}-{d}");
        }
        // 9000 years of 365 days and their leap days: 2250 years divisible by 4, less the 90
        // divisible by 100, plus the 22 divisible by 400
        assert_eq!(last - first + 1, 9000 * 365 + 2250 - 90 + 22);
        for (y, m, d) in [(1900, 2, 29), (2100, 2, 29), (2023, 4, 31), (2023, 12, 32), (999, 12, 31), (10_000, 1, 1)] {
            assert_eq!(days_from_civil(y, m, d), None, "{y}-{m}-{d}");
        }
        assert_eq!(days_from_civil(2000, 2, 29), Some(11_016));
        assert_eq!(DateFormat::Iso.parse("2024-0a-05"), None);
        assert_eq!(DateFormat::Iso.parse("2024-1/-05"), None);
        assert_eq!(DateFormat::Iso.parse("2024-02-30"), None);
    }

    #[test]
    fn every_layout_parses() {
        let d = days_from_civil(2024, 3, 5);
        assert_eq!(DateFormat::Iso.parse("2024-03-05"), d);
        assert_eq!(DateFormat::Iso.parse("2024-3-5 10:20:00"), d);
        assert_eq!(DateFormat::Iso.parse("2024-03-05T10:20:00Z"), d);
        assert_eq!(DateFormat::Compact.parse("20240305"), d);
        assert_eq!(DateFormat::YearFirstSlash.parse("2024/03/05"), d);
        assert_eq!(DateFormat::Chinese.parse("2024年3月5日"), d);
        assert_eq!(DateFormat::DayFirst.parse("05/03/2024"), d);
        assert_eq!(DateFormat::MonthFirst.parse("3/5/2024 8:26"), d);
        assert_eq!(DateFormat::from_user("%d.%m.%Y").ok().and_then(|f| f.parse("05.03.2024 x")), d);
        assert_eq!(DateFormat::Iso.parse("2024-13-05"), None);
        assert_eq!(DateFormat::Compact.parse("2024035"), None);
        assert!(DateFormat::from_user("%H:%M").is_err());
    }

    #[test]
    fn detection_refuses_to_guess() {
        let p = Path::new("x.csv");
        assert_eq!(detect_date_format(&["19970101", "19970118"], p, "d").ok(), Some(DateFormat::Compact));
        assert_eq!(
            detect_date_format(&["12/1/2010 8:26", "12/13/2010 9:00"], p, "d").ok(),
            Some(DateFormat::MonthFirst)
        );
        assert_eq!(detect_date_format(&["13/01/2024", "01/02/2024"], p, "d").ok(), Some(DateFormat::DayFirst));
        let err = detect_date_format(&["03/04/2024", "05/06/2024"], p, "d");
        assert!(matches!(err, Err(DataError::DateFormat { ref hint, .. }) if hint.contains("dmy")));
        assert!(matches!(detect_date_format(&["yesterday"], p, "d"), Err(DataError::DateFormat { .. })));
    }

    #[test]
    fn each_unambiguous_value_reads_in_its_own_layout() {
        let p = Path::new("x.csv");
        // one `2024/1/9` among ISO dates used to fail the run
        let mut iso: Vec<&str> = vec!["2024-01-02"; 30];
        iso.push("2024/1/9");
        assert_eq!(detect_date_format(&iso, p, "d").ok(), Some(DateFormat::Mixed));
        assert_eq!(DateFormat::Mixed.parse("2024/1/9"), days_from_civil(2024, 1, 9));
        assert_eq!(DateFormat::Mixed.parse("2024-01-02 10:00"), days_from_civil(2024, 1, 2));
        assert_eq!(DateFormat::Mixed.parse("2024年1月9日"), days_from_civil(2024, 1, 9));
        assert_eq!(DateFormat::Mixed.parse("09/01/2024"), None);
        // ISO values and day-first ones proven by a day above 12
        let f = detect_date_format(&["2024-01-02", "13/01/2024", "09/01/2024"], p, "d");
        assert_eq!(f.ok(), Some(DateFormat::MixedDayFirst));
        assert_eq!(DateFormat::MixedDayFirst.parse("09/01/2024"), days_from_civil(2024, 1, 9));
        assert_eq!(DateFormat::MixedMonthFirst.parse("09/01/2024"), days_from_civil(2024, 9, 1));
        // nothing proves the order: ask
        let err = detect_date_format(&["2024-01-02", "09/01/2024"], p, "d");
        assert!(matches!(err, Err(DataError::DateFormat { ref hint, .. }) if hint.contains("mdy")), "{err:?}");
        // both orders proven as often: ask
        let err = detect_date_format(&["13/01/2024", "01/13/2024"], p, "d");
        assert!(matches!(err, Err(DataError::DateFormat { ref hint, .. }) if hint.contains("both")), "{err:?}");
        // a single layout that reads every value is kept
        assert_eq!(detect_date_format(&["2024/01/02", "2024/1/9"], p, "d").ok(), Some(DateFormat::YearFirstSlash));
    }

    #[test]
    fn numbers_as_exported() {
        assert_eq!(parse_number(" 29.33 "), Ok(29.33));
        assert_eq!(parse_number("$1,234.50"), Ok(1234.5));
        assert_eq!(parse_number("¥-12"), Ok(-12.0));
        assert_eq!(parse_number("(12.50)"), Ok(-12.5));
        assert_eq!(parse_number("-5"), Ok(-5.0));
        assert_eq!(parse_number("12,50"), Err(AmountError::Unparseable));
        assert_eq!(parse_number("abc"), Err(AmountError::Unparseable));
        assert_eq!(parse_number("NaN"), Err(AmountError::NonFinite));
        assert_eq!(parse_number("1e300"), Err(AmountError::NonFinite));
        assert_eq!(parse_number(""), Err(AmountError::Unparseable));
        assert_eq!(to_money_units(29.33), Ok(293_300));
    }
}

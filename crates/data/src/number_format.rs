//! How a number column writes its decimal mark: `1,234.50` (a decimal point, commas grouping
//! thousands) or `1.234,50` (a decimal comma, points or spaces grouping), decided per column from
//! the values that prove one or the other, or given with `--decimal`.
//!
//! A value is read only in the column's format: under a decimal point, `12,50` is not a number
//! (rejected, never 1250), and under a decimal comma `3.5` is not one either. So a value is never
//! read in a way the rest of its column contradicts.

use serde::Serialize;

use crate::error::{DataError, Result};
use crate::parse::AmountError;

/// A column's decimal mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum NumberFormat {
    /// `1,234.50`: a point before the decimals, commas between thousands (the default).
    #[default]
    Point,
    /// `1.234,50`, `1 234,50`: a comma before the decimals, points or spaces between thousands.
    Comma,
}

/// What one value says about its column's decimal mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Evidence {
    /// Reads the same either way, or not a number at all.
    None,
    /// Only a decimal point reads it (`3.5`, `1,234.50`, `1,234,567`).
    Point,
    /// Only a decimal comma reads it (`12,50`, `1.234,50`, `1.234.567`).
    Comma,
}

impl NumberFormat {
    /// Parses a `--decimal` value: `.` (or `point`) or `,` (or `comma`).
    ///
    /// # Errors
    /// [`DataError::Stopped`] naming the value and the choices.
    pub fn from_user(s: &str) -> Result<NumberFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "." | "point" | "dot" => Ok(NumberFormat::Point),
            "," | "comma" => Ok(NumberFormat::Comma),
            _ => Err(DataError::Stopped(format!("invalid --decimal `{s}`: expected `.` (point) or `,` (comma)"))),
        }
    }

    /// The decimal mark and the grouping marks of this format.
    fn marks(self) -> (char, &'static [char]) {
        match self {
            NumberFormat::Point => ('.', &[',']),
            NumberFormat::Comma => (',', &['.', ' ', '\u{a0}', '\u{202f}']),
        }
    }

    /// Parses a number as written in exports in this format: surrounding spaces, one leading
    /// currency sign (`$ ¥ ￥ € £`), a sign or accounting parentheses `(12.50)`, grouping marks
    /// only between groups of three digits before the decimal mark.
    ///
    /// # Errors
    /// [`AmountError::Unparseable`] for text that is not a number in this format,
    /// [`AmountError::NonFinite`] for NaN, infinities and magnitudes of 1e14 or more.
    pub fn parse(self, s: &str) -> Result<f64, AmountError> {
        let (negative, t) = strip_sign(s);
        let plain = self.plain(t).ok_or_else(|| match t.to_ascii_lowercase().as_str() {
            "nan" | "inf" | "infinity" => AmountError::NonFinite,
            _ => AmountError::Unparseable,
        })?;
        let v: f64 = plain.parse().map_err(|_| AmountError::Unparseable)?;
        if !v.is_finite() || v.abs() >= 1e14 {
            return Err(AmountError::NonFinite);
        }
        Ok(if negative { -v } else { v })
    }

    /// The digits of `t` (sign and currency already stripped) with the grouping marks taken out
    /// and the decimal mark as `.`, or `None` when `t` is not a number in this format.
    fn plain(self, t: &str) -> Option<String> {
        let (decimal, grouping) = self.marks();
        let (int_part, frac) = match t.split_once(decimal) {
            Some((i, f)) => (i, Some(f)),
            None => (t, None),
        };
        let mut out = String::with_capacity(t.len());
        if int_part.contains(grouping) {
            let groups: Vec<&str> = int_part.split(grouping).collect();
            let first_ok = (1..=3).contains(&groups[0].len());
            if !first_ok || groups[1..].iter().any(|g| g.len() != 3) {
                return None;
            }
            groups.iter().for_each(|g| out.push_str(g));
        } else {
            out.push_str(int_part);
        }
        // the integer part: digits (an exponent is allowed only without grouping or decimals
        // written in the other style)
        if let Some(f) = frac {
            out.push('.');
            out.push_str(f);
        }
        let ok = !out.is_empty()
            && out.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
            && out.bytes().any(|b| b.is_ascii_digit());
        ok.then_some(out)
    }

    /// What `s` proves about its column's decimal mark.
    fn evidence(s: &str) -> Evidence {
        let (_, t) = strip_sign(s);
        match (NumberFormat::Point.plain(t).is_some(), NumberFormat::Comma.plain(t).is_some()) {
            (true, false) => Evidence::Point,
            (false, true) => Evidence::Comma,
            _ => Evidence::None,
        }
    }
}

/// `(negative, rest)` of a number's text: spaces, accounting parentheses, a sign and one
/// currency sign taken off.
fn strip_sign(s: &str) -> (bool, &str) {
    let mut t = s.trim();
    let mut negative = false;
    if let Some(inner) = t.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        negative = true;
        t = inner.trim();
    }
    if let Some(rest) = t.strip_prefix('-') {
        negative = !negative;
        t = rest.trim_start();
    } else if let Some(rest) = t.strip_prefix('+') {
        t = rest.trim_start();
    }
    for sign in ['$', '¥', '￥', '€', '£'] {
        if let Some(rest) = t.strip_prefix(sign) {
            t = rest.trim_start();
            break;
        }
    }
    if let Some(rest) = t.strip_prefix('-')
        && !negative
    {
        // "$-12"
        negative = true;
        t = rest;
    }
    for sign in ['€', '元'] {
        if let Some(rest) = t.strip_suffix(sign) {
            t = rest.trim_end();
            break;
        }
    }
    (negative, t)
}

/// Decides a column's decimal mark from sample values. A value proves a decimal point when only
/// a point reads it (`3.5`, `1,234.50`), a decimal comma when only a comma does (`12,50`,
/// `1.234,50`); values such as `12` or `1,234` prove nothing. No proof either way: a decimal
/// point. Both proven: the mark more values prove, unless as many prove each, which is an error
/// (the values that disagree are rejected as unparseable amounts either way).
///
/// # Errors
/// [`DataError::NumberFormat`] when as many values prove each mark.
pub fn detect_number_format(samples: &[&str], path: &std::path::Path, column: &str) -> Result<NumberFormat> {
    let (mut point, mut comma) = (Vec::new(), Vec::new());
    for s in samples {
        match NumberFormat::evidence(s) {
            Evidence::Point => point.push(*s),
            Evidence::Comma => comma.push(*s),
            Evidence::None => {}
        }
    }
    if comma.len() > point.len() {
        Ok(NumberFormat::Comma)
    } else if comma.is_empty() || point.len() > comma.len() {
        Ok(NumberFormat::Point)
    } else {
        let show = |v: &[&str]| v.iter().take(3).map(|s| format!("`{}`", s.trim())).collect::<Vec<_>>().join(", ");
        Err(DataError::NumberFormat {
            path: path.to_path_buf(),
            column: column.to_string(),
            point: show(&point),
            comma: show(&comma),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn each_format_reads_only_its_own_numbers() {
        let p = NumberFormat::Point;
        let c = NumberFormat::Comma;
        assert_eq!(p.parse("1,234.50"), Ok(1234.5));
        assert_eq!(p.parse("$1,234,567"), Ok(1_234_567.0));
        assert_eq!(p.parse("3.5"), Ok(3.5));
        assert_eq!(p.parse("(12.50)"), Ok(-12.5));
        // the point format never reads a decimal comma, nor a comma after the point
        assert_eq!(p.parse("12,50"), Err(AmountError::Unparseable));
        assert_eq!(p.parse("1.234,50"), Err(AmountError::Unparseable));
        assert_eq!(p.parse("1,23"), Err(AmountError::Unparseable));
        assert_eq!(c.parse("1.234,50"), Ok(1234.5));
        assert_eq!(c.parse("12,00"), Ok(12.0));
        assert_eq!(c.parse("3,5"), Ok(3.5));
        assert_eq!(c.parse("-1 234,5 €"), Ok(-1234.5));
        assert_eq!(c.parse("1.234.567"), Ok(1_234_567.0));
        assert_eq!(c.parse("1.234"), Ok(1234.0));
        assert_eq!(c.parse("3.5"), Err(AmountError::Unparseable));
        assert_eq!(c.parse("1,234.50"), Err(AmountError::Unparseable));
        assert_eq!(c.parse("NaN"), Err(AmountError::NonFinite));
        assert_eq!(c.parse(""), Err(AmountError::Unparseable));
        assert_eq!(c.parse(","), Err(AmountError::Unparseable));
        assert_eq!(p.parse("1e300"), Err(AmountError::NonFinite));
    }

    #[test]
    fn the_values_decide_the_mark() {
        let path = Path::new("x.csv");
        let detect = |v: &[&str]| detect_number_format(v, path, "amount");
        // the published failure: `1.234,50` was read as 1.2345
        assert_eq!(detect(&["1.234,50", "12,00", "3,5", "7"]).ok(), Some(NumberFormat::Comma));
        assert_eq!(detect(&["1,234.50", "12.00", "7"]).ok(), Some(NumberFormat::Point));
        // nothing proves a comma: the point, as before
        assert_eq!(detect(&["12", "1,234", "7"]).ok(), Some(NumberFormat::Point));
        assert_eq!(detect(&["1.234", "12"]).ok(), Some(NumberFormat::Point));
        // a stray value of the other kind is outvoted (and then rejected when read)
        assert_eq!(detect(&["12,50", "3,25", "4,10", "3.5"]).ok(), Some(NumberFormat::Comma));
        let tie = detect(&["12,50", "3.5"]);
        assert!(matches!(tie, Err(DataError::NumberFormat { ref comma, .. }) if comma.contains("12,50")), "{tie:?}");
        assert_eq!(NumberFormat::from_user(",").ok(), Some(NumberFormat::Comma));
        assert!(NumberFormat::from_user("x").is_err());
    }
}

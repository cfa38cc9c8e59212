//! Linear scales with "nice" ticks (1, 2, 2.5 or 5 × a power of ten) and their axes.

use super::plot::{FONT, Plot};
use super::{Format, fit};

/// A linear map from data values to pixels.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// Data domain.
    pub lo: f64,
    /// Data domain.
    pub hi: f64,
    /// Pixel range (may run backwards, as the y axis does).
    pub from: f64,
    /// Pixel range.
    pub to: f64,
}

impl Scale {
    /// Pixel position of `v`.
    pub fn at(&self, v: f64) -> f64 {
        let span = self.hi - self.lo;
        if span.abs() < f64::EPSILON || !v.is_finite() {
            return self.from;
        }
        self.from + (v - self.lo) / span * (self.to - self.from)
    }
}

/// A domain covering `lo..=hi` widened to nice tick values, and those ticks (about `n`).
pub fn nice(lo: f64, hi: f64, n: usize) -> (f64, f64, Vec<f64>) {
    let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() { (lo.min(hi), lo.max(hi)) } else { (0.0, 1.0) };
    if (hi - lo).abs() < 1e-12 {
        if lo == 0.0 {
            hi = 1.0;
        } else {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
            if lo == hi {
                hi = lo + 1.0;
            }
        }
    }
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    let start = (lo / step).floor() * step;
    let end = (hi / step).ceil() * step;
    let count = ((end - start) / step).round() as usize;
    let ticks =
        (0..=count).map(|k| start + k as f64 * step).map(|t| if t.abs() < step * 1e-9 { 0.0 } else { t }).collect();
    (start, end, ticks)
}

/// [`nice`] for counts: whole-number ticks only (a step of at least 1).
pub fn nice_counts(lo: f64, hi: f64, n: usize) -> (f64, f64, Vec<f64>) {
    let (a, b, ticks) = nice(lo, hi, n);
    if ticks.len() < 2 || ticks[1] - ticks[0] >= 1.0 {
        return (a, b, ticks);
    }
    let (a, b) = (a.floor(), b.ceil().max(a.floor() + 1.0));
    (a, b, (a as i64..=b as i64).map(|t| t as f64).collect())
}

/// Draws a bottom axis with ticks and grid lines up to `top`, and its name centred below.
pub fn bottom(p: &mut Plot, x: &Scale, ticks: &[f64], y: f64, top: f64, format: Format, name: &str) {
    p.line(x.from.min(x.to), y, x.from.max(x.to), y, "#666", false);
    for &t in ticks {
        let px = x.at(t);
        p.line(px, top, px, y, "#e3e3e3", false);
        p.line(px, y, px, y + 4.0, "#666", false);
        p.text(px, y + 16.0, "middle", FONT - 1.0, "#444", &format.short(t));
    }
    if !name.is_empty() {
        p.text((x.from + x.to) / 2.0, y + 32.0, "middle", FONT, "#333", name);
    }
}

/// Draws a left axis with ticks and grid lines across to `right`, and its name turned upright.
pub fn left(p: &mut Plot, y: &Scale, ticks: &[f64], x: f64, right: f64, format: Format, name: &str) {
    p.line(x, y.from.min(y.to), x, y.from.max(y.to), "#666", false);
    for &t in ticks {
        let py = y.at(t);
        p.line(x, py, right, py, "#e3e3e3", false);
        p.line(x - 4.0, py, x, py, "#666", false);
        p.text(x - 6.0, py + 4.0, "end", FONT - 1.0, "#444", &format.short(t));
    }
    if !name.is_empty() {
        p.vertical(x - 44.0, (y.from + y.to) / 2.0, name);
    }
}

/// Category labels left of bands starting at `top`, each `band` px high, cut to `max_px`.
pub fn categories_left(p: &mut Plot, labels: &[String], x: f64, top: f64, band: f64, max_px: f64) {
    for (k, l) in labels.iter().enumerate() {
        let y = top + band * k as f64 + band / 2.0 + 4.0;
        p.text(x, y, "end", FONT, "#222", &fit(l, FONT, max_px));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ticks_cover_the_domain_with_round_steps() {
        let (lo, hi, t) = nice(0.0, 0.93, 5);
        assert_eq!((lo, hi), (0.0, 1.0));
        assert_eq!(t, vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]);
        let (lo, hi, t) = nice(3.0, 2357.0, 5);
        assert_eq!((lo, hi), (0.0, 2500.0));
        assert_eq!(t.len(), 6);
        let (lo, hi, _) = nice(-3.2, 1.1, 4);
        assert!(lo <= -3.2 && hi >= 1.1, "{lo} {hi}");
        // a constant domain still gets a usable axis
        let (lo, hi, t) = nice(5.0, 5.0, 4);
        assert!(lo <= 0.0 && hi >= 5.0 && t.len() >= 2);
        let (lo, hi, _) = nice(0.0, 0.0, 4);
        assert_eq!((lo, hi), (0.0, 1.0));
    }

    #[test]
    fn count_axes_have_whole_ticks() {
        assert_eq!(nice_counts(0.0, 1.0, 5).2, vec![0.0, 1.0]);
        assert_eq!(nice_counts(0.0, 3.0, 5).2, vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(nice_counts(0.0, 2357.0, 5).2.len(), 6);
    }

    #[test]
    fn scales_map_ends_and_reverse() {
        let s = Scale { lo: 0.0, hi: 10.0, from: 100.0, to: 0.0 };
        assert_eq!(s.at(0.0), 100.0);
        assert_eq!(s.at(10.0), 0.0);
        assert_eq!(s.at(2.5), 75.0);
        assert_eq!(s.at(f64::NAN), 100.0);
    }
}

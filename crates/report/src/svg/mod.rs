//! A small SVG chart module of our own: bar, stacked bar, donut, heatmap, line, scatter,
//! histogram and funnel charts as inline `<svg>` strings.
//!
//! Every chart is well-formed XML (text escaped, numbers finite), has a title and axis labels
//! where it has axes, a legend where it has more than one series, and a `<title>` on every mark
//! so a browser shows the exact number on hover. Colours come from colour-blind-safe palettes
//! (Okabe & Ito for categories, a single-hue blue ramp for magnitudes, blue–red for signed
//! values). Text has no font of its own: it inherits the page's font list, which names common
//! CJK fonts, so Chinese labels render with whatever the reader's system has.

mod axis;
mod charts;
mod plot;

pub use charts::{
    Bars, HeatCell, Heatmap, Line, Scatter, ScatterPoint, Series, bars, donut, funnel, heatmap, histogram, line,
    scatter, stacked_bars,
};

use std::fmt::Write;

/// Category colours: Okabe & Ito (2008), then Paul Tol's muted set for more categories.
pub const PALETTE: [&str; 16] = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000", "#332288", "#88CCEE",
    "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255",
];

/// The colour of category `k` (cycling after the palette).
pub fn colour(k: usize) -> &'static str {
    PALETTE[k % PALETTE.len()]
}

/// Escapes text for XML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // characters XML 1.0 does not allow
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate or length, rounded to 0.1 so the output is short and stable.
pub fn num(v: f64) -> String {
    let v = if v.is_finite() { (v * 10.0).round() / 10.0 } else { 0.0 };
    if v == v.trunc() { format!("{}", v as i64) } else { format!("{v:.1}") }
}

/// Approximate rendered width of `s` at font size `size` px: CJK and other wide characters one
/// em, others about half; good enough to size margins and truncate labels.
pub fn text_width(s: &str, size: f64) -> f64 {
    s.chars()
        .map(|c| {
            if is_wide(c) {
                1.0
            } else if c.is_ascii_uppercase() {
                0.66
            } else {
                0.56
            }
        })
        .sum::<f64>()
        * size
}

fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6)
}

/// `s` cut to at most `max_px` wide at `size`, with an ellipsis when cut.
pub fn fit(s: &str, size: f64, max_px: f64) -> String {
    if text_width(s, size) <= max_px {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if text_width(&out, size) + text_width(&c.to_string(), size) + 0.6 * size > max_px {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// Colour of a magnitude `t` in 0..=1 on a light-to-dark blue ramp (ColorBrewer Blues).
pub fn sequential(t: f64) -> String {
    const STOPS: [(f64, [u8; 3]); 5] = [
        (0.0, [0xf7, 0xfb, 0xff]),
        (0.25, [0xc6, 0xdb, 0xef]),
        (0.5, [0x6b, 0xae, 0xd6]),
        (0.75, [0x21, 0x71, 0xb5]),
        (1.0, [0x08, 0x30, 0x6b]),
    ];
    ramp(&STOPS, t)
}

/// Colour of a signed value `t` in -1..=1: blue below zero, white at zero, red above
/// (ColorBrewer RdBu, readable with the common colour-vision deficiencies).
pub fn diverging(t: f64) -> String {
    const STOPS: [(f64, [u8; 3]); 5] = [
        (0.0, [0x21, 0x66, 0xac]),
        (0.25, [0x92, 0xc5, 0xde]),
        (0.5, [0xf7, 0xf7, 0xf7]),
        (0.75, [0xf4, 0xa5, 0x82]),
        (1.0, [0xb2, 0x18, 0x2b]),
    ];
    ramp(&STOPS, (t.clamp(-1.0, 1.0) + 1.0) / 2.0)
}

/// Whether text on `fill` (a `#rrggbb` colour) should be white rather than black.
pub fn needs_light_text(fill: &str) -> bool {
    let hex = |k: usize| fill.get(k..k + 2).and_then(|h| u8::from_str_radix(h, 16).ok()).unwrap_or(255);
    let (r, g, b) = (f64::from(hex(1)), f64::from(hex(3)), f64::from(hex(5)));
    0.299 * r + 0.587 * g + 0.114 * b < 140.0
}

fn ramp(stops: &[(f64, [u8; 3])], t: f64) -> String {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let k = stops.windows(2).position(|w| t <= w[1].0).unwrap_or(stops.len() - 2);
    let (t0, c0) = stops[k];
    let (t1, c1) = stops[k + 1];
    let f = if t1 > t0 { (t - t0) / (t1 - t0) } else { 0.0 };
    let mut out = String::from("#");
    for i in 0..3 {
        let v = f64::from(c0[i]) + f * (f64::from(c1[i]) - f64::from(c0[i]));
        let _ = write!(out, "{:02x}", v.round() as u8);
    }
    out
}

/// How a value prints on a chart: as a count, a share, money or a plain number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Whole numbers with thousands separators.
    Count,
    /// A fraction printed as a percentage.
    Percent,
    /// Two decimals with thousands separators.
    Money,
    /// Up to three significant decimals.
    Plain,
}

impl Format {
    /// `v` printed in full (labels, hover titles).
    pub fn full(self, v: f64) -> String {
        match self {
            Format::Count => group(&format!("{:.0}", v.round())),
            Format::Percent => format!("{:.1}%", v * 100.0),
            Format::Money => group(&format!("{v:.2}")),
            Format::Plain => plain(v),
        }
    }

    /// `v` printed short (axis ticks): 1.2k, 3.4M.
    pub fn short(self, v: f64) -> String {
        match self {
            Format::Percent => {
                let p = v * 100.0;
                if (p - p.round()).abs() < 1e-9 { format!("{p:.0}%") } else { format!("{p:.1}%") }
            }
            _ => compact(v),
        }
    }
}

/// A number with a comma every three digits in its integer part.
pub fn group(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (int, frac) = rest.split_once('.').map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::from(sign);
    for (k, c) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// Up to three decimals, trailing zeros dropped.
pub fn plain(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// 1234 -> 1.2k, 2500000 -> 2.5M; small numbers as [`plain`].
pub fn compact(v: f64) -> String {
    let a = v.abs();
    let (d, unit) = if a >= 1e9 {
        (1e9, "B")
    } else if a >= 1e6 {
        (1e6, "M")
    } else if a >= 1e4 {
        (1e3, "k")
    } else {
        return plain(v);
    };
    format!("{}{unit}", plain(((v / d) * 10.0).round() / 10.0))
}

#[cfg(test)]
mod tests;

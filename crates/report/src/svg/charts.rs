//! The chart kinds. Each takes plain data and returns one `<svg>` string.

use super::axis::{Scale, bottom, categories_left, left, nice, nice_counts};
use super::plot::{FONT, Plot};
use super::{Format, colour, diverging, fit, needs_light_text, num, sequential, text_width};

/// One named series of values, parallel to a chart's categories.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// One value per category.
    pub values: Vec<f64>,
}

/// Horizontal bars: one band per category, one bar per series in each band.
#[derive(Debug, Clone)]
pub struct Bars {
    /// Chart title (also the accessible label).
    pub title: String,
    /// Category names, top to bottom.
    pub categories: Vec<String>,
    /// The series.
    pub series: Vec<Series>,
    /// How values print.
    pub format: Format,
    /// Name of the value axis.
    pub axis: String,
    /// Width in px.
    pub width: f64,
}

fn label_room(labels: &[String], width: f64) -> f64 {
    labels.iter().map(|l| text_width(l, FONT)).fold(40.0, f64::max).min(width * 0.38) + 12.0
}

/// Grouped horizontal bars with the value printed at the end of each bar.
pub fn bars(b: &Bars) -> String {
    let n_s = b.series.len().max(1);
    let bar_h = if n_s == 1 { 16.0 } else { 12.0 };
    let band = bar_h * n_s as f64 + 10.0;
    let legend_h = if n_s > 1 { 22.0 } else { 0.0 };
    let top = 28.0 + legend_h;
    let left_px = label_room(&b.categories, b.width);
    let right_pad = 64.0;
    let height = top + band * b.categories.len() as f64 + 44.0;
    let mut p = Plot::new(b.width, height);
    p.strong(4.0, 16.0, "start", &b.title);
    if n_s > 1 {
        let entries: Vec<(String, String)> =
            b.series.iter().enumerate().map(|(k, s)| (s.name.clone(), colour(k).to_string())).collect();
        p.legend(left_px, 38.0, &entries);
    }
    let max = b.series.iter().flat_map(|s| s.values.iter().copied()).filter(|v| v.is_finite()).fold(0.0, f64::max);
    let min = b.series.iter().flat_map(|s| s.values.iter().copied()).filter(|v| v.is_finite()).fold(0.0, f64::min);
    let (lo, hi, ticks) = if b.format == Format::Count { nice_counts(min, max, 5) } else { nice(min, max, 5) };
    let x = Scale { lo, hi, from: left_px, to: b.width - right_pad };
    let bottom_y = top + band * b.categories.len() as f64;
    bottom(&mut p, &x, &ticks, bottom_y, top, b.format, &b.axis);
    categories_left(&mut p, &b.categories, left_px - 6.0, top, band, left_px - 10.0);
    for (c, cat) in b.categories.iter().enumerate() {
        for (k, s) in b.series.iter().enumerate() {
            let v = s.values.get(c).copied().unwrap_or(0.0);
            let y = top + band * c as f64 + 5.0 + bar_h * k as f64;
            let (x0, x1) = (x.at(0.0_f64.max(lo)), x.at(v));
            let tip = format!("{cat} · {}: {}", s.name, b.format.full(v));
            p.rect(x0.min(x1), y, (x1 - x0).abs(), bar_h - 2.0, colour(k), Some(&tip));
            p.text(x0.max(x1) + 4.0, y + bar_h - 4.0, "start", FONT - 2.0, "#333", &b.format.full(v));
        }
    }
    p.finish(&b.title)
}

/// 100% stacked horizontal bars: each category's bar split by series, shares printed inside
/// the segments wide enough to hold them.
pub fn stacked_bars(b: &Bars) -> String {
    let band = 26.0;
    let left_px = label_room(&b.categories, b.width);
    let entries: Vec<(String, String)> =
        b.series.iter().enumerate().map(|(k, s)| (s.name.clone(), colour(k).to_string())).collect();
    let mut probe = Plot::new(b.width, 0.0);
    let legend_bottom = probe.legend(left_px, 38.0, &entries);
    let top = legend_bottom + 8.0;
    let height = top + band * b.categories.len() as f64 + 40.0;
    let mut p = Plot::new(b.width, height);
    p.strong(4.0, 16.0, "start", &b.title);
    p.legend(left_px, 38.0, &entries);
    let x = Scale { lo: 0.0, hi: 1.0, from: left_px, to: b.width - 16.0 };
    let ticks = [0.0, 0.25, 0.5, 0.75, 1.0];
    bottom(&mut p, &x, &ticks, top + band * b.categories.len() as f64, top, Format::Percent, &b.axis);
    categories_left(&mut p, &b.categories, left_px - 6.0, top, band, left_px - 10.0);
    for (c, cat) in b.categories.iter().enumerate() {
        let total: f64 = b.series.iter().map(|s| s.values.get(c).copied().unwrap_or(0.0).max(0.0)).sum();
        if total <= 0.0 {
            continue;
        }
        let mut acc = 0.0;
        let y = top + band * c as f64 + 4.0;
        for (k, s) in b.series.iter().enumerate() {
            let v = s.values.get(c).copied().unwrap_or(0.0).max(0.0);
            if v <= 0.0 {
                continue;
            }
            let share = v / total;
            let (x0, x1) = (x.at(acc), x.at(acc + share));
            let tip = format!("{cat} · {}: {} ({})", s.name, b.format.full(v), Format::Percent.full(share));
            p.rect(x0, y, x1 - x0, band - 8.0, colour(k), Some(&tip));
            let label = Format::Percent.short(share);
            if x1 - x0 > text_width(&label, FONT - 2.0) + 6.0 {
                let ink = if needs_light_text(colour(k)) { "#fff" } else { "#111" };
                p.text((x0 + x1) / 2.0, y + band / 2.0 - 0.5, "middle", FONT - 2.0, ink, &label);
            }
            acc += share;
        }
    }
    p.finish(&b.title)
}

/// A histogram: `bins` as `(low, high, count)`, vertical bars.
pub fn histogram(
    title: &str,
    bins: &[(f64, f64, f64)],
    x_format: Format,
    x_name: &str,
    y_name: &str,
    width: f64,
) -> String {
    let height = 280.0;
    let (left_px, top, bottom_y) = (64.0, 30.0, height - 50.0);
    let mut p = Plot::new(width, height);
    p.strong(4.0, 16.0, "start", title);
    let lo_x = bins.first().map_or(0.0, |b| b.0);
    let hi_x = bins.last().map_or(1.0, |b| b.1);
    let max = bins.iter().map(|b| b.2).fold(0.0, f64::max);
    let (ylo, yhi, yticks) = nice_counts(0.0, max, 4);
    let (xlo, xhi, xticks) = nice(lo_x, hi_x, 6);
    let x = Scale { lo: xlo, hi: xhi, from: left_px, to: width - 16.0 };
    let y = Scale { lo: ylo, hi: yhi, from: bottom_y, to: top };
    left(&mut p, &y, &yticks, left_px, width - 16.0, Format::Count, y_name);
    bottom(&mut p, &x, &xticks, bottom_y, top, x_format, x_name);
    for &(a, b, n) in bins {
        let tip = format!("{} – {}: {}", x_format.full(a), x_format.full(b), Format::Count.full(n));
        p.rect(x.at(a) + 0.5, y.at(n), (x.at(b) - x.at(a) - 1.0).max(0.5), bottom_y - y.at(n), colour(0), Some(&tip));
    }
    p.finish(title)
}

/// A donut of shares with a legend giving each slice's value and share.
pub fn donut(title: &str, slices: &[(String, f64)], format: Format, width: f64) -> String {
    let total: f64 = slices.iter().map(|s| s.1.max(0.0)).sum();
    let rows = slices.len().max(1) as f64;
    let height = (rows * 20.0 + 50.0).max(220.0);
    let (cx, cy, r_out, r_in) = (92.0, 30.0 + (height - 30.0) / 2.0, 74.0, 44.0);
    let mut p = Plot::new(width, height);
    p.strong(4.0, 16.0, "start", title);
    let mut angle = -std::f64::consts::FRAC_PI_2;
    for (k, (name, v)) in slices.iter().enumerate() {
        let v = v.max(0.0);
        if total <= 0.0 || v <= 0.0 {
            continue;
        }
        let share = v / total;
        let tip = format!("{name}: {} ({})", format.full(v), Format::Percent.full(share));
        if share > 0.9999 {
            // a full ring: two half arcs
            let d = format!(
                "M {a} {t} A {ro} {ro} 0 1 1 {a} {b} A {ro} {ro} 0 1 1 {a} {t} Z M {a} {ti} A {ri} {ri} 0 1 0 {a} {bi} A {ri} {ri} 0 1 0 {a} {ti} Z",
                a = num(cx),
                t = num(cy - r_out),
                b = num(cy + r_out),
                ti = num(cy - r_in),
                bi = num(cy + r_in),
                ro = num(r_out),
                ri = num(r_in)
            );
            p.path(&d, colour(k), "#fff", 1.0, Some(&tip));
            break;
        }
        let end = angle + share * std::f64::consts::TAU;
        let large = i32::from(share > 0.5);
        let pt = |a: f64, r: f64| (num(cx + r * a.cos()), num(cy + r * a.sin()));
        let (x0, y0) = pt(angle, r_out);
        let (x1, y1) = pt(end, r_out);
        let (x2, y2) = pt(end, r_in);
        let (x3, y3) = pt(angle, r_in);
        let d = format!(
            "M {x0} {y0} A {ro} {ro} 0 {large} 1 {x1} {y1} L {x2} {y2} A {ri} {ri} 0 {large} 0 {x3} {y3} Z",
            ro = num(r_out),
            ri = num(r_in)
        );
        p.path(&d, colour(k), "#fff", 1.0, Some(&tip));
        angle = end;
    }
    p.text(cx, cy + 5.0, "middle", FONT + 1.0, "#222", &format.full(total));
    let lx = cx + r_out + 22.0;
    let name_px = width - lx - 130.0;
    for (k, (name, v)) in slices.iter().enumerate() {
        let y = 40.0 + 20.0 * k as f64 + (height - 50.0 - rows * 20.0) / 2.0;
        let share = if total > 0.0 { v.max(0.0) / total } else { 0.0 };
        p.rect(lx, y, 11.0, 11.0, colour(k), Some(name));
        p.text(lx + 16.0, y + 10.0, "start", FONT, "#222", &fit(name, FONT, name_px));
        p.text(width - 58.0, y + 10.0, "end", FONT, "#333", &format.full(*v));
        p.text(width - 6.0, y + 10.0, "end", FONT, "#555", &Format::Percent.full(share));
    }
    p.finish(title)
}

/// One heatmap cell.
#[derive(Debug, Clone, Default)]
pub struct HeatCell {
    /// The value that sets the colour; `None` leaves the cell blank.
    pub value: Option<f64>,
    /// Text printed in the cell.
    pub text: String,
    /// Hover text.
    pub tip: String,
}

/// A grid of cells coloured by value.
#[derive(Debug, Clone)]
pub struct Heatmap {
    /// Title.
    pub title: String,
    /// Row labels, top to bottom.
    pub rows: Vec<String>,
    /// Column labels, left to right.
    pub cols: Vec<String>,
    /// `cells[row][col]`.
    pub cells: Vec<Vec<HeatCell>>,
    /// Name of the row dimension (left).
    pub row_name: String,
    /// Name of the column dimension (bottom).
    pub col_name: String,
    /// Signed values (blue–red around zero) rather than magnitudes.
    pub diverging: bool,
    /// Width in px.
    pub width: f64,
}

/// A heatmap with the row labels on the left and the column labels below.
pub fn heatmap(h: &Heatmap) -> String {
    let rows_room = h.rows.iter().map(|l| text_width(l, FONT)).fold(30.0, f64::max).min(h.width * 0.45) + 12.0;
    let left_px = rows_room + 22.0;
    let top = 28.0;
    let n_r = h.rows.len().max(1) as f64;
    let n_c = h.cols.len().max(1) as f64;
    let cell_w = (h.width - left_px - 10.0) / n_c;
    let cell_h = 30.0_f64.min(cell_w.max(22.0));
    let col_label_px = cell_w - 4.0;
    // column labels too wide for their cells are slanted, and the chart grows to hold them
    let widest = h.cols.iter().map(|l| text_width(l, FONT - 1.0)).fold(0.0, f64::max);
    let slant = widest > col_label_px;
    let label_h = if slant { widest.min(150.0) * 0.6 + 10.0 } else { 18.0 };
    let height = top + cell_h * n_r + label_h + 46.0;
    let mut p = Plot::new(h.width, height);
    p.strong(4.0, 16.0, "start", &h.title);
    let values = h.cells.iter().flatten().filter_map(|c| c.value).filter(|v| v.is_finite());
    let (min, max) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    let span = if h.diverging { min.abs().max(max.abs()) } else { max };
    for (r, row) in h.cells.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (x, y) = (left_px + cell_w * c as f64, top + cell_h * r as f64);
            let fill = match cell.value {
                Some(v) if span > 0.0 && v.is_finite() => {
                    if h.diverging {
                        diverging(v / span)
                    } else {
                        sequential(v / span)
                    }
                }
                Some(_) => sequential(0.0),
                None => "#fafafa".into(),
            };
            p.rect(x + 1.0, y + 1.0, cell_w - 2.0, cell_h - 2.0, &fill, Some(&cell.tip));
            let ink = if needs_light_text(&fill) { "#fff" } else { "#111" };
            let size = (FONT - 1.0).min(cell_h * 0.45);
            p.text(
                x + cell_w / 2.0,
                y + cell_h / 2.0 + size * 0.35,
                "middle",
                size,
                ink,
                &fit(&cell.text, size, cell_w - 4.0),
            );
        }
    }
    categories_left(&mut p, &h.rows, left_px - 6.0, top, cell_h, rows_room - 4.0);
    for (c, l) in h.cols.iter().enumerate() {
        let x = left_px + cell_w * c as f64 + cell_w / 2.0;
        if slant {
            p.slanted(x + 4.0, top + cell_h * n_r + 12.0, 35.0, FONT - 1.0, &fit(l, FONT - 1.0, 150.0));
        } else {
            p.text(x, top + cell_h * n_r + 15.0, "middle", FONT - 1.0, "#222", &fit(l, FONT - 1.0, col_label_px));
        }
    }
    p.text(left_px + cell_w * n_c / 2.0, top + cell_h * n_r + label_h + 16.0, "middle", FONT, "#333", &h.col_name);
    // the row dimension's name runs up the left edge when the rows are tall enough for it
    if text_width(&h.row_name, FONT) <= cell_h * n_r {
        p.vertical(12.0, top + cell_h * n_r / 2.0, &h.row_name);
    }
    if min.is_finite() && max > min {
        // a small colour key, low to high, under the column axis name
        let y = height - 4.0;
        let steps = 20;
        let key_w = 120.0;
        let x0 = h.width - key_w - 70.0;
        for k in 0..steps {
            let t = k as f64 / (steps - 1) as f64;
            let fill = if h.diverging { diverging(2.0 * t - 1.0) } else { sequential(t) };
            p.rect(x0 + key_w * k as f64 / steps as f64, y - 9.0, key_w / steps as f64 + 0.5, 9.0, &fill, None);
        }
        let lo = if h.diverging { -span } else { 0.0_f64.min(min) };
        p.text(x0 - 4.0, y, "end", FONT - 2.0, "#444", &super::plain(lo));
        p.text(x0 + key_w + 4.0, y, "start", FONT - 2.0, "#444", &super::plain(span));
    }
    p.finish(&h.title)
}

/// Lines through points, with optional dashed vertical markers and a dashed reference line.
#[derive(Debug, Clone)]
pub struct Line {
    /// Title.
    pub title: String,
    /// `(name, points)` per series.
    pub series: Vec<(String, Vec<(f64, f64)>)>,
    /// Dashed vertical markers `(x, label)`.
    pub markers: Vec<(f64, String)>,
    /// A dashed reference segment from one point to another (e.g. the equality line).
    pub reference: Option<((f64, f64), (f64, f64))>,
    /// Axis formats.
    pub x_format: Format,
    /// Axis formats.
    pub y_format: Format,
    /// Axis names.
    pub x_name: String,
    /// Axis names.
    pub y_name: String,
    /// Width and height in px.
    pub size: (f64, f64),
    /// Draw a dot on every point (few points).
    pub dots: bool,
}

/// A line chart.
pub fn line(l: &Line) -> String {
    let (width, height) = l.size;
    let legend_h = if l.series.len() > 1 { 22.0 } else { 0.0 };
    let (left_px, top, bottom_y) = (64.0, 30.0 + legend_h, height - 48.0);
    let mut p = Plot::new(width, height);
    p.strong(4.0, 16.0, "start", &l.title);
    if l.series.len() > 1 {
        let entries: Vec<(String, String)> =
            l.series.iter().enumerate().map(|(k, s)| (s.0.clone(), colour(k).to_string())).collect();
        p.legend(left_px, 38.0, &entries);
    }
    let pts = || l.series.iter().flat_map(|s| s.1.iter().copied()).filter(|(a, b)| a.is_finite() && b.is_finite());
    let fold = |f: fn(&(f64, f64)) -> f64| {
        pts().map(|q| f(&q)).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)))
    };
    let (mut x_lo, mut x_hi) = fold(|q| q.0);
    let (mut y_lo, mut y_hi) = fold(|q| q.1);
    if let Some(((a, b), (c, d))) = l.reference {
        (x_lo, x_hi, y_lo, y_hi) = (x_lo.min(a).min(c), x_hi.max(a).max(c), y_lo.min(b).min(d), y_hi.max(b).max(d));
    }
    let (xlo, xhi, xticks) = nice(x_lo, x_hi, 6);
    let (ylo, yhi, yticks) = nice(y_lo.min(0.0), y_hi, 5);
    let x = Scale { lo: xlo, hi: xhi, from: left_px, to: width - 20.0 };
    let y = Scale { lo: ylo, hi: yhi, from: bottom_y, to: top };
    left(&mut p, &y, &yticks, left_px, width - 20.0, l.y_format, &l.y_name);
    bottom(&mut p, &x, &xticks, bottom_y, top, l.x_format, &l.x_name);
    if let Some(((a, b), (c, d))) = l.reference {
        p.line(x.at(a), y.at(b), x.at(c), y.at(d), "#999", true);
    }
    for (m, label) in &l.markers {
        p.line(x.at(*m), top, x.at(*m), bottom_y, "#666", true);
        p.text(x.at(*m) + 3.0, top + 12.0, "start", FONT - 2.0, "#333", label);
    }
    for (k, (name, points)) in l.series.iter().enumerate() {
        let mut d = String::new();
        for (i, &(a, b)) in points.iter().filter(|(a, b)| a.is_finite() && b.is_finite()).enumerate() {
            d.push_str(if i == 0 { "M " } else { " L " });
            d.push_str(&format!("{} {}", num(x.at(a)), num(y.at(b))));
        }
        if !d.is_empty() {
            p.path(&d, "none", colour(k), 2.0, Some(name));
        }
        if l.dots {
            for &(a, b) in points.iter().filter(|(a, b)| a.is_finite() && b.is_finite()) {
                let tip = format!("{name}: {} → {}", l.x_format.full(a), l.y_format.full(b));
                p.circle(x.at(a), y.at(b), 3.5, colour(k), "", Some(&tip));
            }
        }
    }
    p.finish(&l.title)
}

/// One scatter point.
#[derive(Debug, Clone)]
pub struct ScatterPoint {
    /// Position.
    pub x: f64,
    /// Position.
    pub y: f64,
    /// Group (colour) index.
    pub group: usize,
}

/// Points coloured by group, with labelled centres.
#[derive(Debug, Clone)]
pub struct Scatter {
    /// Title.
    pub title: String,
    /// Group names (legend), indexed by [`ScatterPoint::group`].
    pub groups: Vec<String>,
    /// The points.
    pub points: Vec<ScatterPoint>,
    /// Centres `(x, y, group)`, drawn large and outlined.
    pub centres: Vec<ScatterPoint>,
    /// Axis names.
    pub x_name: String,
    /// Axis names.
    pub y_name: String,
    /// Width and height in px.
    pub size: (f64, f64),
}

/// A scatter plot.
pub fn scatter(s: &Scatter) -> String {
    let (width, height) = s.size;
    let entries: Vec<(String, String)> =
        s.groups.iter().enumerate().map(|(k, g)| (g.clone(), colour(k).to_string())).collect();
    let mut probe = Plot::new(width, 0.0);
    let top = probe.legend(64.0, 38.0, &entries) + 8.0;
    let (left_px, bottom_y) = (64.0, height - 48.0);
    let mut p = Plot::new(width, height);
    p.strong(4.0, 16.0, "start", &s.title);
    p.legend(64.0, 38.0, &entries);
    let all = s.points.iter().chain(&s.centres).filter(|q| q.x.is_finite() && q.y.is_finite());
    let (x_lo, x_hi, y_lo, y_hi) = all
        .fold((f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY), |(a, b, c, d), q| {
            (a.min(q.x), b.max(q.x), c.min(q.y), d.max(q.y))
        });
    let (xlo, xhi, xticks) = nice(x_lo, x_hi, 6);
    let (ylo, yhi, yticks) = nice(y_lo, y_hi, 5);
    let x = Scale { lo: xlo, hi: xhi, from: left_px, to: width - 20.0 };
    let y = Scale { lo: ylo, hi: yhi, from: bottom_y, to: top };
    left(&mut p, &y, &yticks, left_px, width - 20.0, Format::Plain, &s.y_name);
    bottom(&mut p, &x, &xticks, bottom_y, top, Format::Plain, &s.x_name);
    for q in s.points.iter().filter(|q| q.x.is_finite() && q.y.is_finite()) {
        p.circle(x.at(q.x), y.at(q.y), 2.2, colour(q.group), r#" fill-opacity="0.55""#, None);
    }
    for q in s.centres.iter().filter(|q| q.x.is_finite() && q.y.is_finite()) {
        let name = s.groups.get(q.group).cloned().unwrap_or_default();
        let tip = format!("{name} ({}, {})", super::plain(q.x), super::plain(q.y));
        p.circle(x.at(q.x), y.at(q.y), 7.0, colour(q.group), r##" stroke="#111" stroke-width="2""##, Some(&tip));
    }
    p.finish(&s.title)
}

/// A funnel: centred bars whose widths follow the values, each with its value and its share of
/// the first stage.
pub fn funnel(title: &str, stages: &[(String, f64)], format: Format, width: f64) -> String {
    let band = 34.0;
    let top = 30.0;
    let height = top + band * stages.len() as f64 + 10.0;
    let mut p = Plot::new(width, height);
    p.strong(4.0, 16.0, "start", title);
    let first = stages.first().map_or(0.0, |s| s.1);
    let max = stages.iter().map(|s| s.1).fold(0.0, f64::max);
    let label_px = width * 0.3;
    let bar_room = width - label_px - 20.0;
    let cx = label_px + bar_room / 2.0;
    for (k, (name, v)) in stages.iter().enumerate() {
        let w = if max > 0.0 { bar_room * v.max(0.0) / max } else { 0.0 };
        let y = top + band * k as f64;
        let share = if first > 0.0 { v / first } else { 0.0 };
        let tip = format!("{name}: {} ({})", format.full(*v), Format::Percent.full(share));
        p.rect(cx - w / 2.0, y + 3.0, w.max(1.0), band - 6.0, colour(k), Some(&tip));
        p.text(label_px - 8.0, y + band / 2.0 + 4.0, "end", FONT, "#222", &fit(name, FONT, label_px - 12.0));
        let text = format!("{} · {}", format.full(*v), Format::Percent.full(share));
        let inside = w > text_width(&text, FONT - 1.0) + 10.0;
        let ink = if inside && needs_light_text(colour(k)) { "#fff" } else { "#111" };
        let tx = if inside { cx } else { cx + w / 2.0 + 6.0 + text_width(&text, FONT - 1.0) / 2.0 };
        p.text(tx, y + band / 2.0 + 4.0, "middle", FONT - 1.0, ink, &text);
    }
    p.finish(title)
}

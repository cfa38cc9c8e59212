//! The SVG document every chart draws into.

use std::fmt::Write;

use super::{esc, num};

/// Font size of ordinary chart text, px.
pub const FONT: f64 = 12.0;

/// An SVG being drawn: marks are appended in order (later on top).
#[derive(Debug)]
pub struct Plot {
    width: f64,
    height: f64,
    body: String,
}

impl Plot {
    /// An empty plot of `width` × `height` px.
    pub fn new(width: f64, height: f64) -> Plot {
        Plot { width, height, body: String::new() }
    }

    /// A rectangle with an optional hover title.
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, tip: Option<&str>) {
        let (w, h) = (w.max(0.0), h.max(0.0));
        let _ = write!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}""#,
            num(x),
            num(y),
            num(w),
            num(h)
        );
        self.close("rect", tip);
    }

    /// A circle with an optional hover title.
    pub fn circle(&mut self, x: f64, y: f64, r: f64, fill: &str, extra: &str, tip: Option<&str>) {
        let _ = write!(self.body, r#"<circle cx="{}" cy="{}" r="{}" fill="{fill}"{extra}"#, num(x), num(y), num(r));
        self.close("circle", tip);
    }

    /// A path (`d` already built with [`super::num`] coordinates).
    pub fn path(&mut self, d: &str, fill: &str, stroke: &str, stroke_width: f64, tip: Option<&str>) {
        let _ =
            write!(self.body, r#"<path d="{d}" fill="{fill}" stroke="{stroke}" stroke-width="{}""#, num(stroke_width));
        self.close("path", tip);
    }

    /// A straight line.
    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, dash: bool) {
        let dash = if dash { r#" stroke-dasharray="4 3""# } else { "" };
        let _ = writeln!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}"{dash}/>"#,
            num(x1),
            num(y1),
            num(x2),
            num(y2)
        );
    }

    /// Text anchored `start`, `middle` or `end` at (x, y) (baseline).
    pub fn text(&mut self, x: f64, y: f64, anchor: &str, size: f64, fill: &str, s: &str) {
        let _ = writeln!(
            self.body,
            r#"<text x="{}" y="{}" text-anchor="{anchor}" font-size="{}" fill="{fill}">{}</text>"#,
            num(x),
            num(y),
            num(size),
            esc(s)
        );
    }

    /// Bold text (chart titles, axis names).
    pub fn strong(&mut self, x: f64, y: f64, anchor: &str, s: &str) {
        let _ = writeln!(
            self.body,
            r##"<text x="{}" y="{}" text-anchor="{anchor}" font-size="{}" font-weight="600" fill="#222">{}</text>"##,
            num(x),
            num(y),
            num(FONT),
            esc(s)
        );
    }

    /// Text slanted `degrees` anticlockwise about (x, y), its end at (x, y) (crowded labels).
    pub fn slanted(&mut self, x: f64, y: f64, degrees: f64, size: f64, s: &str) {
        let _ = writeln!(
            self.body,
            r##"<text x="{}" y="{}" text-anchor="end" font-size="{}" fill="#222" transform="rotate({} {} {})">{}</text>"##,
            num(x),
            num(y),
            num(size),
            num(-degrees),
            num(x),
            num(y),
            esc(s)
        );
    }

    /// Text rotated a quarter turn anticlockwise about (x, y) (vertical axis names).
    pub fn vertical(&mut self, x: f64, y: f64, s: &str) {
        let _ = writeln!(
            self.body,
            r##"<text x="{}" y="{}" text-anchor="middle" font-size="{}" fill="#333" transform="rotate(-90 {} {})">{}</text>"##,
            num(x),
            num(y),
            num(FONT),
            num(x),
            num(y),
            esc(s)
        );
    }

    /// A legend: one swatch and name per entry, in rows from (x, y), wrapping at the plot width.
    pub fn legend(&mut self, x: f64, y: f64, entries: &[(String, String)]) -> f64 {
        let (mut cx, mut cy) = (x, y);
        for (name, fill) in entries {
            let w = 16.0 + super::text_width(name, FONT) + 14.0;
            if cx + w > self.width - 4.0 && cx > x {
                cx = x;
                cy += 18.0;
            }
            self.rect(cx, cy - 10.0, 11.0, 11.0, fill, Some(name));
            self.text(cx + 15.0, cy, "start", FONT, "#333", name);
            cx += w;
        }
        cy + 8.0
    }

    /// Ends the element `tag` just opened: self-closing, or with a hover title inside.
    fn close(&mut self, tag: &str, tip: Option<&str>) {
        match tip {
            Some(t) => {
                let _ = writeln!(self.body, "><title>{}</title></{tag}>", esc(t));
            }
            None => self.body.push_str("/>\n"),
        }
    }

    /// The finished `<svg>` element, `aria-label`led with `label`, scaling to its container.
    /// No `xmlns`: inline SVG in HTML gets its namespace from the parser, and the page then
    /// holds no address at all.
    pub fn finish(self, label: &str) -> String {
        format!(
            "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{l}\">\n<title>{l}</title>\n{body}</svg>",
            w = num(self.width),
            h = num(self.height),
            l = esc(label),
            body = self.body
        )
    }
}

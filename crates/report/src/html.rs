//! The page: sections with a table of contents, tables, figures and key figures, one inline
//! stylesheet (screen and A4 print), no scripts and no external resources.

use std::fmt::Write;

use custseg_engine::catalog::Lang;

use super::svg::esc;

/// Picks the text of the report language.
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub Lang);

impl Tr {
    /// `en` or `zh`.
    pub fn t<'a>(&self, en: &'a str, zh: &'a str) -> &'a str {
        if self.0 == Lang::Zh { zh } else { en }
    }
}

/// A table: header, rows of already formatted cells, which columns are numbers (right-aligned),
/// and an optional note below (e.g. "showing 20 of 2,357").
#[derive(Debug, Clone, Default)]
pub struct Tbl {
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows of cells (plain text, escaped when written).
    pub rows: Vec<Vec<String>>,
    /// Right-aligned (numeric) columns.
    pub numeric: Vec<bool>,
    /// Note under the table.
    pub note: Option<String>,
}

impl Tbl {
    /// A table with these headers; columns after the first `text_cols` are numeric.
    pub fn new(headers: Vec<String>, text_cols: usize) -> Tbl {
        let numeric = (0..headers.len()).map(|k| k >= text_cols).collect();
        Tbl { headers, numeric, ..Tbl::default() }
    }

    /// Appends a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
}

/// A report page being written.
#[derive(Debug)]
pub struct Page {
    lang: Lang,
    toc: Vec<(String, String)>,
    body: String,
}

impl Page {
    /// An empty page in `lang`.
    pub fn new(lang: Lang) -> Page {
        Page { lang, toc: Vec::new(), body: String::new() }
    }

    /// Opens a numbered section (closed by the next one or by [`Page::finish`]).
    pub fn section(&mut self, id: &str, title: &str) {
        self.close_section();
        self.toc.push((id.to_string(), title.to_string()));
        let _ = writeln!(self.body, "<section id=\"{id}\">\n<h2>{}. {}</h2>", self.toc.len(), esc(title));
    }

    fn close_section(&mut self) {
        if !self.toc.is_empty() {
            self.body.push_str("</section>\n");
        }
    }

    /// A sub-heading.
    pub fn h3(&mut self, title: &str) {
        let _ = writeln!(self.body, "<h3>{}</h3>", esc(title));
    }

    /// A paragraph of plain text.
    pub fn p(&mut self, text: &str) {
        let _ = writeln!(self.body, "<p>{}</p>", esc(text));
    }

    /// A muted note.
    pub fn note(&mut self, text: &str) {
        let _ = writeln!(self.body, "<p class=\"note\">{}</p>", esc(text));
    }

    /// A bulleted list of plain-text items.
    pub fn bullets(&mut self, items: &[String]) {
        if items.is_empty() {
            return;
        }
        self.body.push_str("<ul class=\"findings\">\n");
        for i in items {
            let _ = writeln!(self.body, "<li>{}</li>", esc(i));
        }
        self.body.push_str("</ul>\n");
    }

    /// Key figures as tiles.
    pub fn kpis(&mut self, items: &[(String, String)]) {
        self.body.push_str("<div class=\"kpis\">\n");
        for (label, value) in items {
            let _ = writeln!(
                self.body,
                "<div class=\"kpi\"><div class=\"v\">{}</div><div class=\"l\">{}</div></div>",
                esc(value),
                esc(label)
            );
        }
        self.body.push_str("</div>\n");
    }

    /// Charts side by side where there is room (one per row in print and on narrow screens).
    pub fn figures(&mut self, svgs: &[String]) {
        let class = if svgs.len() > 1 { "grid" } else { "single" };
        let _ = writeln!(self.body, "<div class=\"{class}\">");
        for s in svgs {
            let _ = writeln!(self.body, "<figure>{s}</figure>");
        }
        self.body.push_str("</div>\n");
    }

    /// A table.
    pub fn table(&mut self, t: &Tbl) {
        self.body.push_str("<div class=\"tw\"><table>\n<thead><tr>");
        for (k, h) in t.headers.iter().enumerate() {
            let class = if t.numeric.get(k).copied().unwrap_or(false) { " class=\"n\"" } else { "" };
            let _ = write!(self.body, "<th{class}>{}</th>", esc(h));
        }
        self.body.push_str("</tr></thead>\n<tbody>\n");
        for r in &t.rows {
            self.body.push_str("<tr>");
            for (k, c) in r.iter().enumerate() {
                let class = if t.numeric.get(k).copied().unwrap_or(false) { " class=\"n\"" } else { "" };
                let _ = write!(self.body, "<td{class}>{}</td>", esc(c));
            }
            self.body.push_str("</tr>\n");
        }
        self.body.push_str("</tbody></table></div>\n");
        if let Some(n) = &t.note {
            self.note(n);
        }
    }

    /// A definition list (the glossary).
    pub fn definitions(&mut self, items: &[(&str, &str)]) {
        self.body.push_str("<dl class=\"glossary\">\n");
        for (term, text) in items {
            let _ = writeln!(self.body, "<dt>{}</dt><dd>{}</dd>", esc(term), esc(text));
        }
        self.body.push_str("</dl>\n");
    }

    /// The finished document.
    pub fn finish(mut self, title: &str, subtitle: &str) -> String {
        self.close_section();
        let tr = Tr(self.lang);
        let lang = if self.lang == Lang::Zh { "zh-CN" } else { "en" };
        let mut out = String::with_capacity(self.body.len() + 8_000);
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"custseg {}\">\n<title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n<p class=\"sub\">{}</p>\n</header>\n<nav class=\"toc\">\n<h2>{}</h2>\n<ol>\n",
            env!("CARGO_PKG_VERSION"),
            esc(title),
            esc(title),
            esc(subtitle),
            tr.t("Contents", "目录")
        );
        for (id, t) in &self.toc {
            let _ = writeln!(out, "<li><a href=\"#{id}\">{}</a></li>", esc(t));
        }
        out.push_str("</ol>\n</nav>\n<main>\n");
        out.push_str(&self.body);
        let _ = write!(
            out,
            "</main>\n<footer>{}</footer>\n</body>\n</html>\n",
            esc(tr.t(
                "Made by custseg from the files in this run's directory; rebuild with `custseg report DIR`.",
                "由 custseg 根据本次运行目录中的文件生成；可用 `custseg report DIR` 重新生成。"
            ))
        );
        out
    }
}

/// The stylesheet: system fonts with common CJK fonts, tabular numbers, an A4 print layout.
const CSS: &str = r#":root { --ink: #222; --muted: #666; --line: #dde1e6; --head: #f3f5f8; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1060px; padding: 24px 28px 48px; color: var(--ink); line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "PingFang SC",
  "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
  "WenQuanYi Micro Hei", sans-serif; font-size: 15px; background: #fff; }
header h1 { margin: 0 0 4px; font-size: 26px; }
.sub { margin: 0 0 16px; color: var(--muted); }
h2 { font-size: 21px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--accent); }
h3 { font-size: 16px; margin: 22px 0 8px; }
nav.toc { background: var(--head); border-radius: 6px; padding: 10px 18px; }
nav.toc h2 { border: 0; margin: 4px 0; font-size: 16px; padding: 0; }
nav.toc ol { columns: 2; margin: 4px 0; }
nav.toc a { color: var(--accent); text-decoration: none; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin: 12px 0; }
.kpi { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.kpi .v { font-size: 19px; font-weight: 600; font-variant-numeric: tabular-nums; white-space: nowrap; }
.kpi .l { color: var(--muted); font-size: 13px; }
ul.findings li { margin: 4px 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 12px 22px; }
figure { margin: 10px 0; }
svg.chart { max-width: 100%; height: auto; font-family: inherit; }
svg.chart text { font-family: inherit; }
.tw { overflow-x: auto; margin: 8px 0; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: var(--head); font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.n { white-space: nowrap; }
.note { color: var(--muted); font-size: 13px; }
dl.glossary dt { font-weight: 600; margin-top: 8px; }
dl.glossary dd { margin: 2px 0 0 18px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@media (max-width: 700px) { .grid { grid-template-columns: 1fr; } nav.toc ol { columns: 1; } }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  nav.toc a { color: var(--ink); }
  .grid { grid-template-columns: 1fr 1fr; }
  section { break-before: page; }
  main > section:first-child { break-before: auto; }
  table { font-size: 8.5pt; }
  th, td { padding: 3px 5px; }
  .kpis { grid-template-columns: repeat(3, 1fr); }
  figure, .kpis, tr, dl.glossary dd { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  .tw { overflow: visible; }
}
"#;

use super::*;

fn well_formed(svg: &str) -> roxmltree::Document<'_> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}\n{svg}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    assert!(!svg.contains("NaN") && !svg.contains("inf"), "non-finite number in\n{svg}");
    doc
}

fn titles(doc: &roxmltree::Document<'_>) -> Vec<String> {
    doc.descendants().filter(|n| n.has_tag_name("title")).filter_map(|n| n.text()).map(str::to_string).collect()
}

fn two_series() -> Bars {
    Bars {
        title: "Segments <&> \"quoted\"".into(),
        categories: vec!["Champions".into(), "重要价值客户".into(), "Can't Lose Them".into()],
        series: vec![
            Series { name: "Customers".into(), values: vec![0.5, 0.3, 0.2] },
            Series { name: "Revenue".into(), values: vec![0.7, 0.2, 0.1] },
        ],
        format: Format::Percent,
        axis: "Share".into(),
        width: 640.0,
    }
}

#[test]
fn bars_are_well_formed_with_escaped_text_and_hover_values() {
    let svg = bars(&two_series());
    let doc = well_formed(&svg);
    let t = titles(&doc);
    assert_eq!(t[0], "Segments <&> \"quoted\"");
    assert!(t.contains(&"重要价值客户 · Revenue: 20.0%".to_string()), "{t:?}");
    assert!(t.contains(&"Can't Lose Them · Customers: 20.0%".to_string()), "{t:?}");
    // one bar per category and series, plus two legend swatches
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("rect")).count(), 3 * 2 + 2);
}

#[test]
fn stacked_bars_split_each_bar_by_share() {
    let mut b = two_series();
    b.series[1].values = vec![0.5, 0.0, 0.6];
    let svg = stacked_bars(&b);
    let doc = well_formed(&svg);
    let t = titles(&doc);
    assert!(t.contains(&"Champions · Revenue: 50.0% (50.0%)".to_string()), "{t:?}");
    assert!(t.contains(&"Can't Lose Them · Customers: 20.0% (25.0%)".to_string()), "{t:?}");
}

#[test]
fn every_chart_kind_is_well_formed_even_when_empty() {
    let h = Heatmap {
        title: "R × F".into(),
        rows: vec!["5".into(), "4".into()],
        cols: vec!["1".into(), "2".into(), "3".into()],
        cells: vec![
            vec![
                HeatCell { value: Some(3.0), text: "3".into(), tip: "r5 f1: 3".into() },
                HeatCell::default(),
                HeatCell::default(),
            ],
            vec![
                HeatCell { value: Some(10.0), text: "10".into(), tip: "t".into() },
                HeatCell::default(),
                HeatCell::default(),
            ],
        ],
        row_name: "R".into(),
        col_name: "F".into(),
        diverging: false,
        width: 500.0,
    };
    let l = Line {
        title: "Lorenz".into(),
        series: vec![("a".into(), vec![(0.0, 0.0), (0.2, 0.6), (1.0, 1.0)])],
        markers: vec![(0.2, "A".into())],
        reference: Some(((0.0, 0.0), (1.0, 1.0))),
        x_format: Format::Percent,
        y_format: Format::Percent,
        x_name: "customers".into(),
        y_name: "revenue".into(),
        size: (500.0, 300.0),
        dots: true,
    };
    let s = Scatter {
        title: "PCA".into(),
        groups: vec!["one".into(), "two".into()],
        points: vec![ScatterPoint { x: 0.1, y: -1.0, group: 0 }, ScatterPoint { x: 2.0, y: 1.0, group: 1 }],
        centres: vec![ScatterPoint { x: 0.0, y: 0.0, group: 0 }],
        x_name: "PC1".into(),
        y_name: "PC2".into(),
        size: (500.0, 300.0),
    };
    let slices = vec![("A".to_string(), 3.0), ("B".to_string(), 1.0)];
    for svg in [
        heatmap(&h),
        line(&l),
        scatter(&s),
        donut("Tiers", &slices, Format::Count, 500.0),
        donut("One slice", &slices[..1], Format::Count, 500.0),
        histogram("CLV", &[(0.0, 10.0, 5.0), (10.0, 20.0, 2.0)], Format::Money, "CLV", "customers", 500.0),
        funnel("Rows", &[("read".into(), 100.0), ("kept".into(), 90.0)], Format::Count, 500.0),
        // empty inputs give empty but valid charts
        bars(&Bars { categories: vec![], series: vec![], ..two_series() }),
        heatmap(&Heatmap { rows: vec![], cols: vec![], cells: vec![], ..h.clone() }),
        line(&Line { series: vec![], markers: vec![], reference: None, ..l.clone() }),
        scatter(&Scatter { points: vec![], centres: vec![], ..s.clone() }),
        donut("none", &[], Format::Count, 400.0),
        histogram("none", &[], Format::Money, "x", "y", 400.0),
        funnel("none", &[], Format::Count, 400.0),
    ] {
        well_formed(&svg);
    }
}

#[test]
fn heatmap_cells_carry_their_tips_and_readable_ink() {
    let h = Heatmap {
        title: "t".into(),
        rows: vec!["a".into()],
        cols: vec!["x".into(), "y".into()],
        cells: vec![vec![
            HeatCell { value: Some(0.0), text: "0".into(), tip: "low".into() },
            HeatCell { value: Some(9.0), text: "9".into(), tip: "high".into() },
        ]],
        row_name: "r".into(),
        col_name: "c".into(),
        diverging: false,
        width: 300.0,
    };
    let svg = heatmap(&h);
    let doc = well_formed(&svg);
    let texts: Vec<(String, String)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| (n.text().unwrap_or_default().to_string(), n.attribute("fill").unwrap_or_default().to_string()))
        .collect();
    // the darkest cell gets white text, the lightest black
    assert!(texts.contains(&("9".into(), "#fff".into())), "{texts:?}");
    assert!(texts.contains(&("0".into(), "#111".into())), "{texts:?}");
    assert!(titles(&doc).contains(&"high".to_string()));
}

#[test]
fn formats_and_escaping() {
    assert_eq!(esc("a<b & \"c\" 'd'\u{1}"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39; ");
    assert_eq!(Format::Count.full(1234567.4), "1,234,567");
    assert_eq!(Format::Money.full(-1234.5), "-1,234.50");
    assert_eq!(Format::Percent.full(0.12345), "12.3%");
    assert_eq!(Format::Percent.short(0.25), "25%");
    assert_eq!(Format::Plain.full(2.5), "2.5");
    assert_eq!(compact(2_500_000.0), "2.5M");
    assert_eq!(compact(12_345.0), "12.3k");
    assert_eq!(compact(999.0), "999");
    assert_eq!(plain(-0.0001), "0");
    assert_eq!(num(1.04), "1");
    assert_eq!(num(-2.25), "-2.3");
    assert_eq!(num(f64::NAN), "0");
}

#[test]
fn colours_ramps_and_text_fitting() {
    assert_eq!(sequential(0.0), "#f7fbff");
    assert_eq!(sequential(1.0), "#08306b");
    assert_eq!(diverging(0.0), "#f7f7f7");
    assert_eq!(diverging(-5.0), "#2166ac");
    assert!(needs_light_text("#08306b"));
    assert!(!needs_light_text("#f7fbff"));
    assert_eq!(colour(0), colour(PALETTE.len()));
    // CJK counts as wide
    assert!(text_width("重要价值", 12.0) > text_width("abcd", 12.0) * 1.5);
    let cut = fit("Potential Loyalist", 12.0, 60.0);
    assert!(cut.ends_with('…') && text_width(&cut, 12.0) <= 60.0 + 12.0, "{cut}");
    assert_eq!(fit("short", 12.0, 200.0), "short");
}

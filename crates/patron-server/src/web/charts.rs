//! Charts as SVG drawn on the server: axes with ticks, labels and units, readable in print
//! (dark ink on white, no colour needed to tell the data apart from the axes), each an image
//! with a title for screen readers.

use std::fmt::Write;

/// Colours of series, each with at least 3:1 contrast on white (WCAG for graphics).
const PALETTE: [&str; 6] = [
    "#1f5fa8", "#b3471d", "#2e7d32", "#6a3d9a", "#8a6d00", "#00695c",
];
const INK: &str = "#1b1f24";
const GRID: &str = "#d0d7de";

/// Escapes text for SVG (XML).
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Round tick values from 0 to at least `max`: steps of 1, 2 or 5 times a power of ten.
pub fn ticks(max: f64) -> Vec<f64> {
    if max.is_nan() || max <= 0.0 || max.is_infinite() {
        return vec![0.0, 1.0];
    }
    let rough = max / 4.0;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * power);
    let n = (max / step).ceil() as usize;
    (0..=n).map(|i| i as f64 * step).collect()
}

fn open(out: &mut String, width: u32, height: u32, title: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="{t}" class="chart" font-family="system-ui, sans-serif" font-size="12"><title>{t}</title>"#,
        t = esc(title)
    );
}

/// The plotting area of a chart.
struct Frame {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
}

impl Frame {
    fn y(&self, value: f64, max: f64) -> f64 {
        self.top + self.height * (1.0 - value / max)
    }

    /// Horizontal grid lines with their labels on the left, and the axis title above them.
    fn y_axis(&self, out: &mut String, ticks: &[f64], label: &dyn Fn(f64) -> String, unit: &str) {
        let max = *ticks.last().unwrap_or(&1.0);
        for t in ticks {
            let y = self.y(*t, max);
            let _ = write!(
                out,
                r#"<line x1="{l}" x2="{r}" y1="{y:.1}" y2="{y:.1}" stroke="{GRID}"/><text x="{tx}" y="{ty:.1}" text-anchor="end" fill="{INK}">{v}</text>"#,
                l = self.left,
                r = self.left + self.width,
                tx = self.left - 6.0,
                ty = y + 4.0,
                v = esc(&label(*t)),
            );
        }
        let _ = write!(
            out,
            r#"<text x="{x}" y="{y}" fill="{INK}" font-weight="600">{u}</text>"#,
            x = 4,
            y = self.top - 10.0,
            u = esc(unit)
        );
        let _ = write!(
            out,
            r#"<line x1="{l}" x2="{l}" y1="{t}" y2="{b}" stroke="{INK}"/><line x1="{l}" x2="{r}" y1="{b}" y2="{b}" stroke="{INK}"/>"#,
            l = self.left,
            r = self.left + self.width,
            t = self.top,
            b = self.top + self.height,
        );
    }
}

/// A bar per item, its value written above it; `label` writes values, `unit` names the axis.
pub fn bars(
    title: &str,
    unit: &str,
    items: &[(String, f64)],
    label: &dyn Fn(f64) -> String,
) -> String {
    let mut out = String::new();
    open(&mut out, 440, 250, title);
    let frame = Frame {
        left: 64.0,
        top: 30.0,
        width: 366.0,
        height: 180.0,
    };
    let max = items.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let ticks = ticks(max);
    let top = *ticks.last().unwrap_or(&1.0);
    frame.y_axis(&mut out, &ticks, label, unit);
    let slot = frame.width / items.len().max(1) as f64;
    let width = (slot * 0.6).min(60.0);
    for (i, (name, value)) in items.iter().enumerate() {
        let x = frame.left + slot * (i as f64 + 0.5);
        let y = frame.y(value.max(0.0), top);
        let _ = write!(
            out,
            r#"<rect x="{bx:.1}" y="{y:.1}" width="{width:.1}" height="{h:.1}" fill="{c}"><title>{n}: {v}</title></rect><text x="{x:.1}" y="{ly:.1}" text-anchor="middle" fill="{INK}">{v}</text><text x="{x:.1}" y="{ny:.1}" text-anchor="middle" fill="{INK}">{n}</text>"#,
            bx = x - width / 2.0,
            h = frame.top + frame.height - y,
            c = PALETTE[0],
            n = esc(name),
            v = esc(&label(*value)),
            ly = y - 4.0,
            ny = frame.top + frame.height + 16.0,
        );
    }
    out.push_str("</svg>");
    out
}

/// A cell of a [`heat`] grid: the big number, the small one and how full it is (0–1).
pub struct HeatCell {
    /// The main figure.
    pub main: String,
    /// The second line.
    pub sub: String,
    /// How strongly to shade it, 0 to 1.
    pub weight: f64,
    /// A description for screen readers and tooltips.
    pub title: String,
}

/// A grid of cells: `rows[0]` is drawn at the top; `row_labels` on the left, `column_labels`
/// below, each axis with its title.
pub fn heat(
    title: &str,
    rows: &[Vec<HeatCell>],
    row_labels: &[String],
    column_labels: &[String],
    row_axis: &str,
    column_axis: &str,
) -> String {
    let mut out = String::new();
    open(&mut out, 560, 380, title);
    let (left, top, cell_w, cell_h) = (96.0, 28.0, 88.0, 60.0);
    let _ = write!(
        out,
        r#"<text x="4" y="16" fill="{INK}" font-weight="600">{}</text>"#,
        esc(row_axis)
    );
    for (r, row) in rows.iter().enumerate() {
        let y = top + cell_h * r as f64;
        let _ = write!(
            out,
            r#"<text x="{x}" y="{ty:.1}" text-anchor="end" fill="{INK}">{l}</text>"#,
            x = left - 8.0,
            ty = y + cell_h / 2.0 + 4.0,
            l = esc(row_labels.get(r).map_or("", String::as_str)),
        );
        for (c, cell) in row.iter().enumerate() {
            let x = left + cell_w * c as f64;
            // From near white to a mid blue on which dark text keeps more than 4.5:1.
            let w = cell.weight.clamp(0.0, 1.0).sqrt();
            let mix = |from: f64, to: f64| (from + (to - from) * w).round() as u8;
            let _ = write!(
                out,
                r##"<g><title>{t}</title><rect x="{x:.1}" y="{y:.1}" width="{cw}" height="{ch}" fill="#{r:02x}{g:02x}{b:02x}" stroke="#ffffff" stroke-width="2"/><text x="{cx:.1}" y="{m:.1}" text-anchor="middle" fill="{INK}" font-weight="600" font-size="14">{main}</text><text x="{cx:.1}" y="{s:.1}" text-anchor="middle" fill="{INK}">{sub}</text></g>"##,
                t = esc(&cell.title),
                cw = cell_w,
                ch = cell_h,
                r = mix(244.0, 111.0),
                g = mix(248.0, 159.0),
                b = mix(252.0, 216.0),
                cx = x + cell_w / 2.0,
                m = y + cell_h / 2.0 - 2.0,
                s = y + cell_h / 2.0 + 15.0,
                main = esc(&cell.main),
                sub = esc(&cell.sub),
            );
        }
    }
    let bottom = top + cell_h * rows.len() as f64;
    for (c, label) in column_labels.iter().enumerate() {
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" fill="{INK}">{l}</text>"#,
            x = left + cell_w * (c as f64 + 0.5),
            y = bottom + 18.0,
            l = esc(label)
        );
    }
    let _ = write!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" fill="{INK}" font-weight="600">{a}</text></svg>"#,
        x = left + cell_w * column_labels.len() as f64 / 2.0,
        y = bottom + 40.0,
        a = esc(column_axis)
    );
    out
}

/// A legend's entry at `(x, y)` (the text's baseline): a short stroke of the series, then
/// its name.
fn legend_entry(out: &mut String, (x, y): (f64, f64), colour: &str, dash: &str, name: &str) {
    let _ = write!(
        out,
        r#"<line x1="{x}" x2="{x2}" y1="{ly:.1}" y2="{ly:.1}" stroke="{colour}" stroke-width="3"{dash}/><text x="{tx}" y="{y:.1}" fill="{INK}">{n}</text>"#,
        x2 = x + 18.0,
        ly = y - 4.0,
        tx = x + 24.0,
        n = esc(name)
    );
}

/// One line of a [`lines`] chart.
pub struct Series {
    /// Its name in the legend.
    pub name: String,
    /// A value per x label (`None`: no point there).
    pub values: Vec<Option<f64>>,
}

/// Lines over categories (runs, dates), with a legend below; `label` writes the y values.
pub fn lines(
    title: &str,
    unit: &str,
    x_labels: &[String],
    series: &[Series],
    label: &dyn Fn(f64) -> String,
) -> String {
    let mut out = String::new();
    let legend_rows = series.len().div_ceil(3);
    let height = 250 + 18 * legend_rows as u32;
    open(&mut out, 440, height, title);
    let frame = Frame {
        left: 64.0,
        top: 30.0,
        width: 356.0,
        height: 170.0,
    };
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0.0, |m: f64, v| m.max(*v));
    let ticks = ticks(max);
    let top = *ticks.last().unwrap_or(&1.0);
    frame.y_axis(&mut out, &ticks, label, unit);
    let n = x_labels.len().max(1);
    let x_of = |i: usize| {
        if n == 1 {
            frame.left + frame.width / 2.0
        } else {
            frame.left + frame.width * i as f64 / (n - 1) as f64
        }
    };
    // At most about six labels on the x axis, always the first and the last.
    let every = n.div_ceil(6).max(1);
    for (i, l) in x_labels.iter().enumerate() {
        if i % every == 0 || i == n - 1 {
            let _ = write!(
                out,
                r#"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" fill="{INK}">{l}</text>"#,
                x = x_of(i),
                y = frame.top + frame.height + 16.0,
                l = esc(l)
            );
        }
    }
    for (k, s) in series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let points: Vec<(f64, f64)> = s
            .values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (x_of(i), frame.y(v, top))))
            .collect();
        let path: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let dash = if k % 2 == 1 {
            r#" stroke-dasharray="6 3""#
        } else {
            ""
        };
        let _ = write!(
            out,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>"#,
            path.join(" ")
        );
        for (x, y) in &points {
            let _ = write!(
                out,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="{colour}"/>"#
            );
        }
        let at = (
            64.0 + 125.0 * (k % 3) as f64,
            frame.top + frame.height + 40.0 + 18.0 * (k / 3) as f64,
        );
        legend_entry(&mut out, at, colour, dash, &s.name);
    }
    out.push_str("</svg>");
    out
}

/// A labelled point drawn on an [`xy`] chart.
pub struct Mark {
    /// Where, both from 0 to 1.
    pub at: (f64, f64),
    /// What is written beside it.
    pub label: String,
}

/// Curves in the unit square (shares, rates, probabilities), with the diagonal dashed for
/// reference and each series in the legend below; `percent` writes the axes' ticks.
pub fn xy(
    title: &str,
    series: &[(String, Vec<(f64, f64)>)],
    x_axis: &str,
    y_axis: &str,
    percent: &dyn Fn(f64) -> String,
    mark: Option<&Mark>,
) -> String {
    let mut out = String::new();
    let legend = if series.len() > 1 { 22 } else { 0 };
    open(&mut out, 440, 270 + legend, title);
    let frame = Frame {
        left: 64.0,
        top: 30.0,
        width: 356.0,
        height: 180.0,
    };
    let ticks: Vec<f64> = (0..=4).map(|i| f64::from(i) * 0.25).collect();
    frame.y_axis(&mut out, &ticks, percent, y_axis);
    let x_of = |share: f64| frame.left + frame.width * share.clamp(0.0, 1.0);
    for t in &ticks {
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" fill="{INK}">{l}</text>"#,
            x = x_of(*t),
            y = frame.top + frame.height + 16.0,
            l = esc(&percent(*t))
        );
    }
    let _ = write!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" fill="{INK}" font-weight="600">{a}</text>"#,
        x = frame.left + frame.width / 2.0,
        y = frame.top + frame.height + 36.0,
        a = esc(x_axis)
    );
    let _ = write!(
        out,
        r#"<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}" stroke="{INK}" stroke-dasharray="4 4"/>"#,
        x0 = frame.left,
        y0 = frame.top + frame.height,
        x1 = frame.left + frame.width,
        y1 = frame.top,
    );
    for (k, (name, points)) in series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let path: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", x_of(*x), frame.y(y.clamp(0.0, 1.0), 1.0)))
            .collect();
        let _ = write!(
            out,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2.5"/>"#,
            path.join(" ")
        );
        if points.len() <= 12 {
            for (x, y) in points {
                let _ = write!(
                    out,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"/>"#,
                    x_of(*x),
                    frame.y(y.clamp(0.0, 1.0), 1.0)
                );
            }
        }
        if legend > 0 {
            let at = (64.0 + 180.0 * k as f64, frame.top + frame.height + 60.0);
            legend_entry(&mut out, at, colour, "", name);
        }
    }
    if let Some(mark) = mark {
        let (x, y) = (x_of(mark.at.0), frame.y(mark.at.1.clamp(0.0, 1.0), 1.0));
        let _ = write!(
            out,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="4" fill="{c}"/><text x="{tx:.1}" y="{ty:.1}" fill="{INK}" font-weight="600">{v}</text>"#,
            c = PALETTE[1],
            tx = x + 8.0,
            ty = y + 14.0,
            v = esc(&mark.label)
        );
    }
    out.push_str("</svg>");
    out
}

/// The Pareto curve: `curve[p]` is the share of the total the best `p` % bring. Drawn with
/// the line of equal shares and a mark at 20 %.
pub fn pareto(
    title: &str,
    curve: &[f64],
    x_axis: &str,
    y_axis: &str,
    percent: &dyn Fn(f64) -> String,
) -> String {
    if curve.len() < 2 {
        return xy(title, &[], x_axis, y_axis, percent, None);
    }
    let last = (curve.len() - 1) as f64;
    let points: Vec<(f64, f64)> = curve
        .iter()
        .enumerate()
        .map(|(i, v)| (i as f64 / last, *v))
        .collect();
    let at = ((last * 0.2).round() as usize).min(curve.len() - 1);
    let mark = Mark {
        at: (0.2, curve[at]),
        label: percent(curve[at]),
    };
    xy(
        title,
        &[(String::new(), points)],
        x_axis,
        y_axis,
        percent,
        Some(&mark),
    )
}

/// A small line without axes for a card's figure over time; the first and last values are
/// in `title`.
pub fn sparkline(title: &str, values: &[f64]) -> String {
    let mut out = String::new();
    open(&mut out, 120, 32, title);
    if let (Some(min), Some(max)) = (
        values.iter().copied().reduce(f64::min),
        values.iter().copied().reduce(f64::max),
    ) {
        let span = (max - min).max(f64::EPSILON);
        let n = values.len();
        let points: Vec<(f64, f64)> = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let x = if n == 1 {
                    60.0
                } else {
                    2.0 + 116.0 * i as f64 / (n - 1) as f64
                };
                (x, 28.0 - 24.0 * (v - min) / span)
            })
            .collect();
        let path: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = write!(
            out,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="1.5"/>"#,
            path.join(" "),
            PALETTE[0]
        );
        if let Some((x, y)) = points.last() {
            let _ = write!(
                out,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="2.5" fill="{}"/>"#,
                PALETTE[1]
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_reach_the_maximum() {
        assert_eq!(ticks(87.0), vec![0.0, 50.0, 100.0]);
        assert_eq!(ticks(1234.0), vec![0.0, 500.0, 1000.0, 1500.0]);
        assert_eq!(ticks(0.9), vec![0.0, 0.5, 1.0]);
        assert_eq!(ticks(0.0), vec![0.0, 1.0]);
        assert_eq!(ticks(f64::NAN), vec![0.0, 1.0]);
        assert!(ticks(3.0e6).last().unwrap() >= &3.0e6);
    }

    #[test]
    fn charts_are_titled_images_with_escaped_labels() {
        let svg = bars(
            "Tiers <A&B>",
            "Customers",
            &[("A".into(), 3.0), ("B<".into(), 7.0)],
            &|v| format!("{v:.0}"),
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains("<title>Tiers &lt;A&amp;B&gt;</title>"));
        assert!(svg.contains("B&lt;") && !svg.contains("B<<"));
        assert_eq!(svg.matches("<rect").count(), 2);
        let line = lines(
            "t",
            "u",
            &["r1".into(), "r2".into()],
            &[Series {
                name: "A".into(),
                values: vec![Some(1.0), None],
            }],
            &|v| format!("{v}"),
        );
        assert_eq!(line.matches("<circle").count(), 1);
        assert!(sparkline("s", &[]).ends_with("</svg>"));
        assert!(pareto("p", &[0.0, 0.7, 1.0], "x", "y", &|v| format!("{v}")).contains("polyline"));
    }
}

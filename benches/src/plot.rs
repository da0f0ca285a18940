//! `--plot FILE.svg`: the ratio chart of a run. One band per workload, in the table's order,
//! with one bar per system from 1 (raw tokio) to the system's ratio, on a log axis: a bar to
//! the left is faster (or smaller) than raw tokio, one to the right slower.
//!
//! Drawn with plotters' SVG backend alone: its text goes out as SVG `<text>` elements, which
//! the viewer renders, so no font file or font library is needed to draw it.

use crate::report::Report;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::error::Error;

/// Bar colours, one per system in the order of the run (matplotlib's first four).
const COLOURS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
];

/// Pixels per bar, and between two workloads' bands.
const BAR_PX: u32 = 12;
const GAP_PX: u32 = 10;

/// Draw the ratio chart of `report` to the SVG file `path`.
pub fn ratio_chart(report: &Report, path: &str) -> Result<(), Box<dyn Error>> {
    let ratios = report.ratios();
    if ratios.is_empty() {
        return Err("no ratio to draw: the run measured no system beside raw tokio".into());
    }
    let mut workloads: Vec<&str> = Vec::new();
    let mut systems: Vec<&str> = Vec::new();
    for r in &ratios {
        if !workloads.contains(&r.workload) {
            workloads.push(r.workload);
        }
        if !systems.contains(&r.system) {
            systems.push(r.system);
        }
    }
    // Workload `i` (from the top) is centred on y = n - 1 - i, its band 0.8 high.
    let n = workloads.len();
    let centre = |workload: &str| {
        let i = workloads.iter().position(|w| *w == workload).unwrap_or(0);
        (n - 1 - i) as f64
    };
    let (low, high) = ratios.iter().fold((1.0f64, 1.0f64), |(lo, hi), r| {
        (lo.min(r.ratio), hi.max(r.ratio))
    });
    let (left, right) = (low / 1.3, high * 1.4);
    // Ticks at 1, 2 and 5 times the powers of ten within the axis.
    let ticks = (-3..4)
        .flat_map(|e| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(e)))
        .filter(|t| (left..=right).contains(t))
        .collect();
    let band_px = systems.len() as u32 * BAR_PX + GAP_PX;
    let root = SVGBackend::new(path, (960, 150 + n as u32 * band_px)).into_drawing_area();
    root.fill(&WHITE)?;
    root.draw(&Text::new(
        "actor-bench: each system / raw tokio (time per op; p99 for priority; bytes for memory)",
        (12, 8),
        ("sans-serif", 17),
    ))?;
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .margin_top(60)
        .x_label_area_size(40)
        .y_label_area_size(120)
        .build_cartesian_2d(
            (left..right).log_scale().with_key_points(ticks),
            -0.5..n as f64 - 0.5,
        )?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_label_formatter(&|x| format!("{x}x"))
        .x_desc("x raw tokio (log scale; left of 1 is faster or smaller, right is slower)")
        .label_style(("sans-serif", 13))
        .draw()?;
    // The workloads' names, left of their bands, where the y labels would go.
    let name_style = ("sans-serif", 13)
        .into_font()
        .into_text_style(&root)
        .pos(Pos::new(HPos::Right, VPos::Center));
    for workload in &workloads {
        let (x, y) = chart.backend_coord(&(left, centre(workload)));
        root.draw(&Text::new(*workload, (x - 8, y), name_style.clone()))?;
    }
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(1.0, -0.5), (1.0, n as f64 - 0.5)],
        BLACK.stroke_width(1),
    )))?;
    let bar_height = 0.8 / systems.len() as f64;
    for (j, system) in systems.iter().enumerate() {
        let colour = COLOURS[j % COLOURS.len()];
        let bars = ratios.iter().filter(|r| r.system == *system);
        chart.draw_series(bars.flat_map(|r| {
            let top = centre(r.workload) + 0.4 - j as f64 * bar_height;
            let middle = top - bar_height / 2.0;
            let bar = Rectangle::new([(1.0, top), (r.ratio, top - bar_height)], colour.filled());
            let text = match r.fairness {
                Some(f) => format!("{:.2}, fairness {f:.2}", r.ratio),
                None => format!("{:.2}", r.ratio),
            };
            let label = Text::new(
                text,
                (r.ratio.max(1.0) * 1.02, middle + bar_height / 3.0),
                ("sans-serif", 10),
            );
            [bar.into_dyn(), label.into_dyn()]
        }))?;
        // The legend, in a row under the caption, clear of the bars.
        let x = 140 + 150 * j as i32;
        root.draw(&Rectangle::new([(x, 40), (x + 12, 50)], colour.filled()))?;
        root.draw(&Text::new(*system, (x + 18, 39), ("sans-serif", 13)))?;
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Measurement;

    #[test]
    fn the_chart_names_every_workload_and_system_and_labels_each_bar() {
        let mut report = Report::default();
        let rows = [
            ("tell", "tokio", 100.0, None),
            ("tell", "actor_system", 150.0, None),
            ("tell", "kameo", 60.0, None),
            ("ring", "tokio", 100.0, None),
            ("ring", "actor_system", 200.0, None),
            ("ring", "kameo", 900.0, None),
            ("ask_concurrent", "tokio", 100.0, Some(0.9)),
            ("ask_concurrent", "kameo", 200.0, Some(0.25)),
        ];
        for (workload, system, ns_per_op, fairness) in rows {
            let m = Measurement {
                system,
                workload,
                ns_per_op,
                ops: 1,
                fairness,
                ..Default::default()
            };
            report.push(0, m);
        }
        let path = std::env::temp_dir().join(format!("actor-bench-{}.svg", std::process::id()));
        ratio_chart(&report, path.to_str().unwrap()).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let texts = [
            "tell",
            "ring",
            "ask_concurrent",
            "actor_system",
            "kameo",
            "1.50",
            "0.60",
            "9.00",
            "2.00, fairness 0.25",
        ];
        for text in texts {
            let element = format!("\n{text}\n</text>");
            assert!(svg.contains(&element), "no text {text} in {svg}");
        }
        assert!(ratio_chart(&Report::default(), "unused.svg").is_err());
    }
}

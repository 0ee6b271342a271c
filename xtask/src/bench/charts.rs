//! SVG charts next to BENCHMARKS.md, drawn with plotters' SVG backend (no
//! font or system libraries: text is left to the SVG viewer).

use std::path::Path;

use anyhow::{Result, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;
use wawp_bench_report::{CDF_POINTS, Summary};

use super::plan::{CLIENT_ROWS, WEBHOOK_ROWS};
use super::render::client::name;
use super::render::webhook::row_name;
use super::results::Figures;
use super::spread::Spread;

const SIZE: (u32, u32) = (960, 440);
const COLOURS: [RGBColor; 4] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
];

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Draws the four charts into `dir` under the given file names.
pub fn draw(dir: &Path, f: &Figures, names: &super::render::Charts) -> Result<()> {
    client(&dir.join(names.client), f)?;
    sandbox(&dir.join(names.sandbox), f)?;
    bot(&dir.join(names.bot), f)?;
    webhook(&dir.join(names.webhook), f)?;
    Ok(())
}

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("drawing a chart: {e}")
}

/// The pointwise median of the runs' latency quantiles, µs.
fn median_cdf(summaries: &[&Summary]) -> Vec<f64> {
    (0..CDF_POINTS)
        .map(|i| {
            Spread::of(
                summaries
                    .iter()
                    .filter_map(|s| s.cdf_us.get(i).copied())
                    .collect(),
            )
            .median
        })
        .collect()
}

/// Latency CDF of the client layers, one panel per in-flight count.
fn client(path: &Path, f: &Figures) -> Result<()> {
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let panels = root.split_evenly((1, f.plan.in_flight.len().max(1)));
    for (panel, &in_flight) in panels.iter().zip(&f.plan.in_flight) {
        let lines: Vec<(&str, Vec<f64>)> = CLIENT_ROWS
            .iter()
            .map(|&(variant, subscriber)| {
                let runs = f.client(variant, in_flight, subscriber);
                let summaries: Vec<&Summary> = runs.iter().map(|r| &r.summary).collect();
                (name(variant, subscriber), median_cdf(&summaries))
            })
            .collect();
        // Up to the 99th percentile: the last point is one run's outlier.
        let shown = CDF_POINTS - 1;
        let lo = lines
            .iter()
            .filter_map(|(_, c)| c.first().copied())
            .fold(f64::INFINITY, f64::min);
        let hi = lines
            .iter()
            .filter_map(|(_, c)| c.get(shown - 1).copied())
            .fold(0.0, f64::max);
        let (lo, hi) = if lo.is_finite() && hi > lo {
            (lo * 0.95, hi * 1.05)
        } else {
            (1.0, 2.0)
        };
        let mut chart = ChartBuilder::on(panel)
            .caption(
                format!("send latency, {in_flight} in flight"),
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d((lo..hi).log_scale(), 0.0..1.0)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("latency, µs (log scale)")
            .y_desc("fraction of sends")
            .x_labels(6)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .draw()
            .map_err(err)?;
        for (i, (label, cdf)) in lines.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            let points = cdf
                .iter()
                .take(shown)
                .enumerate()
                .map(|(q, &us)| (us, q as f64 / (CDF_POINTS - 1) as f64));
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(2)))
                .map_err(err)?
                .label(*label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;
    }
    root.present().map_err(err)
}

/// One line of medians with min–max whiskers, against a log x axis.
struct Line {
    label: String,
    points: Vec<(f64, Spread)>,
}

fn whiskers(
    panel: &Area,
    caption: &str,
    x_desc: &str,
    y_desc: &str,
    lines: &[Line],
    target: Option<(f64, &'static str)>,
) -> Result<()> {
    // A row with no runs (not measured) has no points to draw.
    let lines: Vec<&Line> = lines
        .iter()
        .filter(|l| l.points.iter().all(|p| p.1.median.is_finite()) && !l.points.is_empty())
        .collect();
    let xs: Vec<f64> = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0))
        .collect();
    let x_lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let x_hi = xs.iter().copied().fold(0.0, f64::max);
    let (x_lo, x_hi) = if x_lo.is_finite() && x_hi > x_lo {
        (x_lo / 1.5, x_hi * 1.5)
    } else {
        (0.5, 2.0)
    };
    let y_hi = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1.max))
        .chain(target.map(|t| t.0))
        .filter(|y| y.is_finite())
        .fold(0.0, f64::max)
        * 1.15;
    let mut chart = ChartBuilder::on(panel)
        .caption(caption, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d((x_lo..x_hi).log_scale(), 0.0..y_hi.max(1e-9))
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| {
            if y_hi >= 100.0 {
                format!("{y:.0}")
            } else {
                format!("{y:.1}")
            }
        })
        .draw()
        .map_err(err)?;
    for (i, line) in lines.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        chart
            .draw_series(LineSeries::new(
                line.points.iter().map(|(x, s)| (*x, s.median)),
                colour.stroke_width(2),
            ))
            .map_err(err)?
            .label(line.label.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour));
        chart
            .draw_series(
                line.points
                    .iter()
                    .map(|(x, s)| Circle::new((*x, s.median), 4, colour.filled())),
            )
            .map_err(err)?;
        chart
            .draw_series(line.points.iter().map(|(x, s)| {
                PathElement::new(vec![(*x, s.min), (*x, s.max)], colour.stroke_width(1))
            }))
            .map_err(err)?;
    }
    if let Some((y, label)) = target {
        chart
            .draw_series(LineSeries::new([(x_lo, y), (x_hi, y)], BLACK.mix(0.5)))
            .map_err(err)?
            .label(label)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.5)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    Ok(())
}

/// Sandbox throughput and p99 against connections.
fn sandbox(path: &Path, f: &Figures) -> Result<()> {
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let (left, right) = root.split_horizontally(SIZE.0 / 2);
    let points = |metric: fn(&Summary) -> f64| -> Vec<(f64, Spread)> {
        f.plan
            .connections
            .iter()
            .map(|&c| {
                let runs = f.sandbox(c);
                let s = Spread::of(runs.iter().map(|r| metric(&r.summary)).collect());
                (c as f64, s)
            })
            .collect()
    };
    let throughput = [Line {
        label: "sends/s (median, min–max)".into(),
        points: points(|s| s.rps),
    }];
    whiskers(
        &left,
        "sandbox throughput",
        "keep-alive connections (log scale)",
        "sends per second",
        &throughput,
        Some((20_000.0, "target ≥ 20,000/s")),
    )?;
    let p99 = [Line {
        label: "p99 (median, min–max)".into(),
        points: points(|s| s.p99_us / 1e3),
    }];
    whiskers(
        &right,
        "sandbox p99 latency",
        "keep-alive connections (log scale)",
        "ms",
        &p99,
        None,
    )?;
    root.present().map_err(err)
}

/// Bot p50 and p99 against concurrent admins.
fn bot(path: &Path, f: &Figures) -> Result<()> {
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let points = |metric: fn(&Summary) -> f64| -> Vec<(f64, Spread)> {
        f.plan
            .admins
            .iter()
            .map(|&a| {
                let runs = f.bot(a);
                let s = Spread::of(runs.iter().map(|r| metric(&r.summary)).collect());
                (a as f64, s)
            })
            .collect()
    };
    let lines = [
        Line {
            label: "p50 (median, min–max)".into(),
            points: points(|s| s.p50_us / 1e3),
        },
        Line {
            label: "p99 (median, min–max)".into(),
            points: points(|s| s.p99_us / 1e3),
        },
    ];
    whiskers(
        &root,
        "wawp-bot: command → reply latency",
        "concurrent admins (log scale)",
        "ms",
        &lines,
        Some((5.0, "p50 target 5 ms")),
    )?;
    root.present().map_err(err)
}

/// Webhook replicas: commands/s, p50 and p99 against concurrent admins,
/// one line per store and replica count.
fn webhook(path: &Path, f: &Figures) -> Result<()> {
    let root = SVGBackend::new(path, (1200, SIZE.1)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let lines = |metric: fn(&Summary) -> f64| -> Vec<Line> {
        WEBHOOK_ROWS
            .iter()
            .map(|&(store, replicas)| Line {
                label: row_name(store, replicas),
                points: f
                    .plan
                    .webhook_admins
                    .iter()
                    .filter_map(|&a| {
                        let runs = f.webhook(store, replicas, a);
                        let s = Spread::of(runs.iter().map(|r| metric(&r.summary)).collect());
                        (!runs.is_empty()).then_some((a as f64, s))
                    })
                    .collect(),
            })
            .collect()
    };
    let panels = root.split_evenly((1, 3));
    let x = "concurrent admins (log scale)";
    whiskers(
        &panels[0],
        "webhook: commands/s",
        x,
        "commands per second",
        &lines(|s| s.rps),
        None,
    )?;
    whiskers(
        &panels[1],
        "webhook: p50",
        x,
        "ms",
        &lines(|s| s.p50_us / 1e3),
        None,
    )?;
    whiskers(
        &panels[2],
        "webhook: p99",
        x,
        "ms",
        &lines(|s| s.p99_us / 1e3),
        None,
    )?;
    root.present().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::super::plan::Plan;
    use super::super::render::CHARTS;
    use super::super::results::sample;
    use super::*;

    #[test]
    fn each_chart_is_an_svg_with_its_title_and_legend() {
        let dir = tempfile::tempdir().unwrap();
        draw(dir.path(), &sample(Plan::full()), &CHARTS).unwrap();
        let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
        let client = read(CHARTS.client);
        assert!(client.starts_with("<svg"));
        assert!(client.contains("send latency, 64 in flight"));
        assert!(client.contains("(c′) wawp, no subscriber"));
        assert!(read(CHARTS.sandbox).contains("sandbox throughput"));
        let bot = read(CHARTS.bot);
        assert!(bot.contains("p50 target 5 ms") && bot.contains("concurrent admins"));
        let webhook = read(CHARTS.webhook);
        assert!(webhook.contains("webhook: commands/s") && webhook.contains("webhook: p99"));
        assert!(
            webhook.contains("PostgreSQL, 3 replicas") && webhook.contains("SQLite, 1 replica")
        );
    }

    #[test]
    fn rows_not_measured_are_left_out_of_the_webhook_chart() {
        let mut f = sample(Plan::full());
        for round in &mut f.rounds {
            round
                .retain(|r| !matches!(r, wawp_bench_report::Report::Webhook(w) if w.replicas == 3));
        }
        let dir = tempfile::tempdir().unwrap();
        draw(dir.path(), &f, &CHARTS).unwrap();
        let webhook = std::fs::read_to_string(dir.path().join(CHARTS.webhook)).unwrap();
        assert!(webhook.contains("PostgreSQL, 1 replica"));
        assert!(!webhook.contains("3 replicas") && !webhook.contains("NaN"));
        // Figures made before the webhook scenario: an empty chart, no error.
        let mut plan = Plan::full();
        plan.webhook_admins.clear();
        draw(dir.path(), &sample(plan), &CHARTS).unwrap();
    }
}

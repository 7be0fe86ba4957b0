//! The overview's charts as SVG geometry: a value over time (the fleet's power) and a value
//! per day (energy, sessions). Pure functions, tested here; the page draws what they compute,
//! each point or bar with a hover title.

use super::{label, nice};

/// The drawing area of a chart over time, in SVG user units.
pub const WIDTH: f64 = 720.0;
pub const HEIGHT: f64 = 220.0;
/// The width of a bar chart (two sit side by side).
pub const BARS_WIDTH: f64 = 360.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 26.0;

/// The plot's edges: left, right, top, bottom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub x0: f64,
    pub x1: f64,
    pub y0: f64,
    pub y1: f64,
}

const FRAME: Frame = frame(WIDTH);

/// The plot's edges in a drawing `width` wide.
const fn frame(width: f64) -> Frame {
    Frame {
        x0: LEFT,
        x1: width - RIGHT,
        y0: TOP,
        y1: HEIGHT - BOTTOM,
    }
}

/// A horizontal grid line: its y and the value it marks, as the axis writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub y: f64,
    pub label: String,
}

/// A place on the horizontal axis: its x, what it says, and how the text sits on it (`start`
/// at the left edge, `end` at the right, so no label leaves the drawing).
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    pub x: f64,
    pub label: String,
    pub anchor: &'static str,
}

/// How a label at `x` sits so that it stays inside the drawing.
fn anchor(x: f64) -> &'static str {
    if x <= FRAME.x0 + 1.0 {
        "start"
    } else if x >= FRAME.x1 - 1.0 {
        "end"
    } else {
        "middle"
    }
}

/// A column of the plot that shows a value when hovered.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub x: f64,
    pub width: f64,
    pub title: String,
}

/// A value over time.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// `x,y x,y …` of the line.
    pub points: String,
    /// The same, closed along the bottom: the area under the line.
    pub area: String,
    pub grid: Vec<Grid>,
    pub ticks: Vec<Tick>,
    pub hits: Vec<Hit>,
    /// The last point (now): drawn as a dot, so a line of one point still shows.
    pub now: (f64, f64),
    pub frame: Frame,
}

/// `points` (seconds since 1970, value) drawn from `from` to `to` (seconds), the values in
/// `unit`; `None` without points. A gap of more than `gap` seconds between two points breaks
/// the line (nothing was written down then).
pub fn line(points: &[(f64, f64)], from: f64, to: f64, gap: f64, unit: &str) -> Option<Line> {
    if points.is_empty() {
        return None;
    }
    let span = (to - from).max(1.0);
    let max = nice(points.iter().map(|(_, v)| *v).fold(0.0, f64::max));
    let Frame { x0, x1, y0, y1 } = FRAME;
    let x = |t: f64| x0 + ((t - from) / span).clamp(0.0, 1.0) * (x1 - x0);
    let y = |v: f64| y1 - (v / max).clamp(0.0, 1.0) * (y1 - y0);
    // Each run of points without a gap is one stretch of line (`M` starts a new one).
    let mut path = String::new();
    let mut area = String::new();
    let mut run: Vec<(f64, f64)> = Vec::new();
    let mut flush = |run: &mut Vec<(f64, f64)>| {
        if let (Some(first), Some(last)) = (run.first(), run.last()) {
            let coords: Vec<String> = run.iter().map(|(a, b)| format!("{a:.1},{b:.1}")).collect();
            path.push_str(&format!("M{} ", coords.join(" L")));
            area.push_str(&format!(
                "M{:.1},{y1:.1} L{} L{:.1},{y1:.1} Z ",
                first.0,
                coords.join(" L"),
                last.0
            ));
        }
        run.clear();
    };
    let mut previous: Option<f64> = None;
    for (t, v) in points {
        if previous.is_some_and(|p| t - p > gap) {
            flush(&mut run);
        }
        run.push((x(*t), y(*v)));
        previous = Some(*t);
    }
    flush(&mut run);
    let width = (x1 - x0) / points.len() as f64;
    let hits = points
        .iter()
        .map(|(t, v)| Hit {
            x: (x(*t) - width / 2.0).max(x0),
            width,
            title: format!("{} UTC · {} {unit}", clock(*t), label(*v, max)),
        })
        .collect();
    let ticks = (0..=4)
        .map(|i| {
            let t = from + span * f64::from(i) / 4.0;
            Tick {
                x: x(t),
                label: clock(t),
                anchor: anchor(x(t)),
            }
        })
        .collect();
    let now = points.last().map_or((x1, y1), |(t, v)| (x(*t), y(*v)));
    Some(Line {
        now,
        points: path.trim_end().to_owned(),
        area: area.trim_end().to_owned(),
        grid: grid(max),
        ticks,
        hits,
        frame: FRAME,
    })
}

/// One bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub title: String,
}

/// A value per day.
#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    pub bars: Vec<Bar>,
    pub grid: Vec<Grid>,
    pub ticks: Vec<Tick>,
    pub frame: Frame,
}

/// One bar per `(day, value)`, in order, values in `unit`, in a drawing [`BARS_WIDTH`] wide,
/// the axis up to `top` if given (a percentage's 100), else to a round value over the largest;
/// the axis names every day of a week or so, otherwise every seventh counted back from the last.
pub fn bars(values: &[(String, f64)], unit: &str, top: Option<f64>) -> Bars {
    let max = top.unwrap_or_else(|| nice(values.iter().map(|(_, v)| *v).fold(0.0, f64::max)));
    let every = if values.len() <= 10 { 1 } else { 7 };
    let frame = frame(BARS_WIDTH);
    let Frame { x0, x1, y0, y1 } = frame;
    let slot = (x1 - x0) / values.len().max(1) as f64;
    let bars = values
        .iter()
        .enumerate()
        .map(|(i, (day, value))| {
            let height = (value / max).clamp(0.0, 1.0) * (y1 - y0);
            Bar {
                x: x0 + slot * i as f64 + slot * 0.15,
                y: y1 - height,
                width: slot * 0.7,
                height,
                title: format!("{day}: {} {unit}", label(*value, max)),
            }
        })
        .collect();
    let last = values.len().saturating_sub(1);
    let ticks = values
        .iter()
        .enumerate()
        .filter(|(i, _)| (last - i).is_multiple_of(every))
        .map(|(i, (day, _))| Tick {
            x: x0 + slot * (i as f64 + 0.5),
            // `2026-11-24` → `11-24`
            label: day.get(5..).unwrap_or(day).to_owned(),
            anchor: "middle",
        })
        .collect();
    Bars {
        bars,
        grid: grid(max),
        ticks,
        frame,
    }
}

/// Five grid lines from 0 to `max`.
fn grid(max: f64) -> Vec<Grid> {
    let Frame { y0, y1, .. } = FRAME;
    (0..=4)
        .map(|i| {
            let fraction = f64::from(i) / 4.0;
            Grid {
                y: y1 - fraction * (y1 - y0),
                label: label(max * fraction, max),
            }
        })
        .collect()
}

/// `HH:MM` (UTC) of seconds since 1970.
pub fn clock(t: f64) -> String {
    let minutes = (t.rem_euclid(86_400.0) / 60.0).floor() as u32;
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_spans_its_window_and_breaks_at_gaps() {
        let points = [(0.0, 5.0), (60.0, 10.0), (120.0, 7.5), (600.0, 2.0)];
        let line = line(&points, 0.0, 600.0, 90.0, "kW").unwrap();
        // The axis tops at a round 10 kW; the first point is at the left edge, 5 kW halfway.
        assert_eq!(line.grid.last().map(|g| g.label.as_str()), Some("10"));
        assert!(line.points.starts_with("M48.0,103.0 L"), "{}", line.points);
        // 120 s to 600 s is a gap: two stretches.
        assert_eq!(line.points.matches('M').count(), 2, "{}", line.points);
        assert_eq!(line.area.matches('Z').count(), 2);
        assert_eq!(line.hits.len(), 4);
        assert_eq!(line.hits[1].title, "00:01 UTC · 10 kW");
        assert_eq!(line.ticks.first().map(|t| t.label.as_str()), Some("00:00"));
        assert_eq!(line.ticks.last().map(|t| t.label.as_str()), Some("00:10"));
        assert_eq!(line.ticks.last().map(|t| t.anchor), Some("end"));
        assert_eq!(line.now, (FRAME.x1, 194.0 - 0.2 * 182.0));
        assert!(super::line(&[], 0.0, 1.0, 1.0, "kW").is_none());
    }

    #[test]
    fn bars_are_scaled_to_a_round_top_and_named_weekly_from_the_last_day() {
        let days: Vec<(String, f64)> = (1..=15)
            .map(|d| (format!("2026-11-{d:02}"), f64::from(d)))
            .collect();
        let chart = bars(&days, "kWh", None);
        assert_eq!(chart.bars.len(), 15);
        let tallest = &chart.bars[14];
        assert!((tallest.height - (FRAME.y1 - FRAME.y0) * 15.0 / 20.0).abs() < 1e-9);
        assert!(tallest.x + tallest.width <= BARS_WIDTH - RIGHT);
        assert_eq!(tallest.title, "2026-11-15: 15 kWh");
        let named: Vec<&str> = chart.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(named, ["11-01", "11-08", "11-15"]);
        // Nothing yet: flat bars on a unit axis, no division by zero.
        let empty = bars(&[("2026-11-01".into(), 0.0)], "kWh", None);
        assert_eq!(empty.bars[0].height, 0.0);
    }

    #[test]
    fn a_week_of_percentages_names_every_day_up_to_100() {
        let week: Vec<(String, f64)> = (24..=30)
            .map(|d| (format!("2026-11-{d:02}"), 50.0))
            .collect();
        let chart = bars(&week, "%", Some(100.0));
        let half = (FRAME.y1 - FRAME.y0) / 2.0;
        assert!(chart.bars.iter().all(|b| (b.height - half).abs() < 1e-9));
        assert_eq!(chart.ticks.len(), 7);
        assert_eq!(chart.grid.last().map(|g| g.label.as_str()), Some("100"));
    }

    #[test]
    fn clock_reads_utc_hours_and_minutes() {
        assert_eq!(clock(0.0), "00:00");
        assert_eq!(clock(86_400.0 + 13.0 * 3600.0 + 5.0 * 60.0 + 59.0), "13:05");
    }
}

//! A transaction's power and energy over time, as SVG geometry. Pure functions, tested here;
//! the page draws what they compute.

pub mod series;

use crate::dto::ChartPoint;

/// The drawing area, in SVG user units.
pub const WIDTH: f64 = 720.0;
pub const HEIGHT: f64 = 260.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 56.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 28.0;

/// What the chart draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Geometry {
    /// `x,y x,y …` of the energy line (left axis, kWh).
    pub energy: String,
    /// `x,y x,y …` of the power line (right axis, kW).
    pub power: String,
    /// The top of each axis: kWh, kW.
    pub energy_max: f64,
    pub power_max: f64,
    /// Seconds from the first point to the last.
    pub span: f64,
    /// Horizontal grid lines: y and the fraction of the axis they mark.
    pub grid: Vec<(f64, f64)>,
    /// The plot's edges: left, right, top, bottom.
    pub frame: (f64, f64, f64, f64),
}

/// Lays out the points; `None` if none has a time and a value.
pub fn geometry(points: &[ChartPoint]) -> Option<Geometry> {
    let timed: Vec<(f64, &ChartPoint)> = points
        .iter()
        .filter_map(|p| Some((epoch_seconds(&p.at)?, p)))
        .collect();
    let first = timed.iter().map(|(t, _)| *t).reduce(f64::min)?;
    let last = timed.iter().map(|(t, _)| *t).reduce(f64::max)?;
    let span = (last - first).max(1.0);
    let top = |values: &mut dyn Iterator<Item = f64>| nice(values.fold(0.0, f64::max));
    let energy_max = top(&mut timed
        .iter()
        .filter_map(|(_, p)| p.energy_wh)
        .map(|wh| wh / 1000.0));
    let power_max = top(&mut timed
        .iter()
        .filter_map(|(_, p)| p.power_w)
        .map(|w| w / 1000.0));
    let (x0, x1, y0, y1) = (LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM);
    let x = |t: f64| x0 + (t - first) / span * (x1 - x0);
    let y = |v: f64, max: f64| y1 - (v / max).clamp(0.0, 1.0) * (y1 - y0);
    let line = |value: &dyn Fn(&ChartPoint) -> Option<f64>, max: f64| {
        let mut ordered: Vec<(f64, f64)> = timed
            .iter()
            .filter_map(|(t, p)| Some((*t, value(p)?)))
            .collect();
        ordered.sort_by(|a, b| a.0.total_cmp(&b.0));
        ordered
            .iter()
            .map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v, max)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let energy = line(&|p| p.energy_wh.map(|wh| wh / 1000.0), energy_max);
    let power = line(&|p| p.power_w.map(|w| w / 1000.0), power_max);
    if energy.is_empty() && power.is_empty() {
        return None;
    }
    let grid = (0..=4)
        .map(|i| {
            let fraction = f64::from(i) / 4.0;
            (y1 - fraction * (y1 - y0), fraction)
        })
        .collect();
    Some(Geometry {
        energy,
        power,
        energy_max,
        power_max,
        span: last - first,
        grid,
        frame: (x0, x1, y0, y1),
    })
}

/// A round number at or above `v` (1, 2, 2.5, 5 times a power of ten), so axis labels read well.
fn nice(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|candidate| *candidate >= v)
        .unwrap_or(10.0 * magnitude)
}

/// An axis label: as many decimals as the axis' scale needs (`0.005`, `0.25`, `2.5`, `20`).
pub fn label(value: f64, max: f64) -> String {
    let decimals = match max {
        m if m >= 10.0 => 0,
        m if m >= 1.0 => 1,
        m if m >= 0.1 => 2,
        _ => 3,
    };
    format!("{value:.decimals$}")
}

/// Seconds since 1970 of an RFC 3339 timestamp (`2026-11-24T10:00:00.5Z`, `…+01:00`).
pub fn epoch_seconds(text: &str) -> Option<f64> {
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let rest = text.get(19..)?;
    let (fraction, zone) = match rest.strip_prefix('.') {
        Some(after) => {
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            let fraction: f64 = format!("0.{}", &after[..digits]).parse().ok()?;
            (fraction, &after[digits..])
        }
        None => (0.0, rest),
    };
    let offset = match zone {
        "Z" | "z" => 0,
        _ => {
            let sign = match zone.get(0..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let h: i64 = zone.get(1..3)?.parse().ok()?;
            let m: i64 = zone.get(4..6)?.parse().ok()?;
            sign * (h * 3600 + m * 60)
        }
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Some(seconds as f64 + fraction)
}

/// `1 h 05 min`, `4 min 10 s`, `12 s`.
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s:02} s"),
        (h, m, _) => format!("{h} h {m:02} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(at: &str, energy_wh: Option<f64>, power_w: Option<f64>) -> ChartPoint {
        ChartPoint {
            at: at.into(),
            energy_wh,
            power_w,
        }
    }

    #[test]
    fn reads_rfc3339() {
        assert_eq!(epoch_seconds("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(epoch_seconds("2026-11-24T10:00:00Z"), Some(1_795_514_400.0));
        assert_eq!(
            epoch_seconds("2026-11-24T11:00:00.5+01:00"),
            Some(1_795_514_400.5)
        );
        assert_eq!(epoch_seconds("2000-02-29T00:00:00Z"), Some(951_782_400.0));
        assert_eq!(epoch_seconds("yesterday"), None);
    }

    #[test]
    fn lays_out_energy_and_power_on_their_own_axes() {
        let g = geometry(&[
            point("2026-11-24T10:00:00Z", Some(0.0), Some(11_000.0)),
            point("2026-11-24T10:30:00Z", Some(5_500.0), Some(11_000.0)),
            point("2026-11-24T11:00:00Z", Some(11_000.0), None),
        ])
        .unwrap();
        assert_eq!(g.span, 3600.0);
        assert_eq!((g.energy_max, g.power_max), (20.0, 20.0));
        let (x0, x1, _, y1) = g.frame;
        let first = g.energy.split(' ').next().unwrap();
        assert_eq!(first, format!("{x0:.1},{y1:.1}"), "starts bottom left");
        assert_eq!(g.energy.split(' ').count(), 3);
        assert_eq!(
            g.power.split(' ').count(),
            2,
            "points without power are skipped"
        );
        assert!(
            g.energy
                .ends_with(&format!("{x1:.1},{:.1}", y1 - 11.0 / 20.0 * (y1 - TOP)))
        );
        assert!(geometry(&[point("2026-11-24T10:00:00Z", None, None)]).is_none());
        assert!(geometry(&[]).is_none());
    }

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice(0.0), 1.0);
        assert_eq!(nice(0.42), 0.5);
        assert_eq!(nice(7.4), 10.0);
        assert_eq!(nice(11.0), 20.0);
        assert_eq!(nice(22.0), 25.0);
    }

    #[test]
    fn labels_have_the_decimals_their_axis_needs() {
        assert_eq!(label(0.005, 0.02), "0.005");
        assert_eq!(label(0.25, 0.5), "0.25");
        assert_eq!(label(2.5, 5.0), "2.5");
        assert_eq!(label(20.0, 20.0), "20");
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(12.0), "12 s");
        assert_eq!(duration(250.0), "4 min 10 s");
        assert_eq!(duration(3900.0), "1 h 05 min");
    }
}

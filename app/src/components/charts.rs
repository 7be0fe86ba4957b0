//! The charts the overview and a station's history draw: a value over time, its area shaded,
//! and a bar per day, each point or bar with a hover title (geometry: [`crate::chart::series`]).

use crate::chart::series::{self, BARS_WIDTH, Bars, HEIGHT, Line, WIDTH};
use leptos::prelude::*;

/// The grid lines and the value axis of a chart.
fn axes(grid: &[series::Grid], frame: series::Frame) -> AnyView {
    grid.iter()
        .map(|g| {
            view! {
                <line class="grid" x1=frame.x0 x2=frame.x1 y1=g.y y2=g.y />
                <text class="axis" x=frame.x0 - 6.0 y=g.y + 4.0 text-anchor="end">{g.label.clone()}</text>
            }
        })
        .collect_view()
        .into_any()
}

/// The time axis' labels.
fn ticks(ticks: &[series::Tick], frame: series::Frame) -> AnyView {
    ticks
        .iter()
        .map(|t| {
            view! {
                <text class="axis" x=t.x y=frame.y1 + 18.0 text-anchor=t.anchor>{t.label.clone()}</text>
            }
        })
        .collect_view()
        .into_any()
}

/// A value over time, its area shaded, the last point a dot; hovering shows each point's time
/// and value. Without a line, `empty` says why.
#[component]
pub fn LineChart(
    line: Option<Line>,
    /// How many points it has (`data-points`, for tests and readers of the DOM).
    points: usize,
    /// What the chart shows, for screen readers.
    label: &'static str,
    testid: &'static str,
    empty: &'static str,
) -> AnyView {
    let Some(l) = line else {
        return view! { <p class="empty muted" data-testid=format!("{testid}-empty")>{empty}</p> }
            .into_any();
    };
    view! {
        <figure class="chart panel">
            <svg
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                role="img"
                aria-label=label
                data-testid=testid
                data-points=points
            >
                {axes(&l.grid, l.frame)}
                {ticks(&l.ticks, l.frame)}
                <path class="area fleet" d=l.area.clone() />
                <path class="line fleet" d=l.points.clone() />
                <circle class="now fleet" cx=l.now.0 cy=l.now.1 r=4.0 />
                {l
                    .hits
                    .iter()
                    .map(|h| {
                        view! {
                            <rect class="hit" x=h.x y=l.frame.y0 width=h.width height=l.frame.y1 - l.frame.y0>
                                <title>{h.title.clone()}</title>
                            </rect>
                        }
                    })
                    .collect_view()}
            </svg>
        </figure>
    }
    .into_any()
}

/// A bar per day; hovering a bar shows its day and value.
#[component]
pub fn BarChart(chart: Bars, label: &'static str, testid: &'static str) -> AnyView {
    view! {
        <figure class="chart panel">
            <svg viewBox=format!("0 0 {BARS_WIDTH} {HEIGHT}") role="img" aria-label=label data-testid=testid>
                {axes(&chart.grid, chart.frame)}
                {ticks(&chart.ticks, chart.frame)}
                {chart
                    .bars
                    .iter()
                    .map(|b| {
                        view! {
                            <rect class="bar" x=b.x y=b.y width=b.width height=b.height>
                                <title>{b.title.clone()}</title>
                            </rect>
                        }
                    })
                    .collect_view()}
            </svg>
        </figure>
    }
    .into_any()
}

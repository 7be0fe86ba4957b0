use crate::api::fleet_overview;
use crate::components::{ErrorList, Stat};
use crate::live::LiveEvents;
use leptos::prelude::*;

/// The fleet at a glance: how many stations exist and which are online, and what just happened.
#[component]
pub fn OverviewPage() -> impl IntoView {
    let live = expect_context::<LiveEvents>();
    // Bumped by station events and the Refresh button; with the stream's epoch it keys the
    // snapshot, so the counters follow what happens.
    let changes = RwSignal::new(0u64);
    let summary = Resource::new(
        move || (live.epoch.get(), changes.get()),
        |_| fleet_overview(),
    );
    live.for_each_event(move |event| {
        use crate::dto::LiveEvent::{StationBooted, StationConnected, StationDisconnected};
        if matches!(
            event,
            StationConnected { .. } | StationDisconnected { .. } | StationBooted { .. }
        ) {
            changes.update(|n| *n += 1);
        }
    });

    // The activity feed shows events after this sequence number ("Clear" moves it).
    let feed_from = RwSignal::new(0u64);
    let feed = move || {
        let from = feed_from.get();
        live.recent.with(|events| {
            events
                .iter()
                .rev()
                .filter(|(seq, _)| *seq > from)
                .take(50)
                .map(|(_, e)| (e.at().unwrap_or_default().to_owned(), e.describe()))
                .collect::<Vec<_>>()
        })
    };

    view! {
        <section class="page">
            <div class="page-head">
                <h1>"Overview"</h1>
                <button class="button" on:click=move |_| changes.update(|n| *n += 1)>
                    "Refresh"
                </button>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading the fleet…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || Suspend::new(async move {
                        summary
                            .await
                            .map(|s| {
                                let online = s.connected.len().to_string();
                                view! {
                                    <div class="stats">
                                        <Stat
                                            label="Stations"
                                            value=s.stations.to_string()
                                            testid="stat-stations"
                                        />
                                        <Stat label="Online" value=online testid="stat-online" />
                                    </div>
                                    <h2>"Online now"</h2>
                                    <Show
                                        when={
                                            let none = s.connected.is_empty();
                                            move || !none
                                        }
                                        fallback=|| {
                                            view! {
                                                <p class="muted empty" data-testid="online-empty">
                                                    "No station is connected. Point a station at "
                                                    <code>"ws://HOST:PORT/ocpp/STATION_ID"</code>
                                                    " to see it here."
                                                </p>
                                            }
                                        }
                                    >
                                        <ul class="chips" data-testid="online-list">
                                            {s
                                                .connected
                                                .iter()
                                                .map(|id| view! { <li class="chip">{id.clone()}</li> })
                                                .collect_view()}
                                        </ul>
                                    </Show>
                                }
                            })
                    })}
                </ErrorBoundary>
            </Transition>
            <div class="page-head">
                <h2>"Live activity"</h2>
                <button
                    class="button secondary"
                    on:click=move |_| feed_from.set(live.latest_seq_untracked())
                >
                    "Clear"
                </button>
            </div>
            <ul class="feed" data-testid="feed">
                <For each=feed key=|(at, line)| format!("{at}{line}") let((at, line))>
                    <li>
                        <time datetime=at.clone() title=at.clone()>
                            {crate::dto::clock(&at).to_owned()}
                        </time>
                        <span>{line}</span>
                    </li>
                </For>
            </ul>
        </section>
    }
}

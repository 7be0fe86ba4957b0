use crate::api::list_transactions;
use crate::components::ErrorList;
use crate::dto::{LiveEvent, TRANSACTIONS_SHOWN, TransactionRow, clock};
use crate::live::{LiveEvents, LiveList};
use leptos::prelude::*;

/// Charging sessions, active and finished, with energy rising live while they run.
#[component]
pub fn TransactionsPage() -> impl IntoView {
    let live = expect_context::<LiveEvents>();
    // "active", "finished" or "" (all).
    let which = RwSignal::new("active".to_owned());
    let snapshot = Resource::new(
        move || (which.get(), live.epoch.get()),
        |(which, _)| {
            list_transactions(match which.as_str() {
                "active" => Some(true),
                "finished" => Some(false),
                _ => None,
            })
        },
    );
    let list = LiveList::new(snapshot);
    live.for_each_event(move |event| match event {
        // A new transaction is active: it goes on top, unless only finished ones are shown.
        LiveEvent::TransactionStarted { transaction_id, .. } => {
            if which.get_untracked() == "finished" {
                return;
            }
            list.update(|rows| {
                if rows.iter().all(|row| row.id != *transaction_id)
                    && let Some(row) = TransactionRow::started(event)
                {
                    rows.insert(0, row);
                    rows.truncate(TRANSACTIONS_SHOWN);
                }
            });
        }
        LiveEvent::TransactionUpdated { .. } | LiveEvent::TransactionStopped { .. } => {
            let only_active = which.get_untracked() == "active";
            list.update(|rows| {
                // Ids are unique: at most one row is this transaction.
                rows.iter_mut().any(|row| row.apply(event));
                if only_active {
                    rows.retain(|row| row.stopped_at.is_none());
                }
            });
        }
        _ => {}
    });
    let current = list.current;

    view! {
        <section class="page">
            <div class="page-head">
                <h1>"Transactions"</h1>
                <div class="segmented" role="group" aria-label="Which transactions">
                    {[("active", "Active"), ("finished", "Finished"), ("", "All")]
                        .map(|(value, label)| {
                            view! {
                                <button
                                    type="button"
                                    aria-pressed=move || (which.get() == value).to_string()
                                    on:click=move |_| {
                                        if which.get_untracked() != value {
                                            list.reset();
                                            which.set(value.to_owned());
                                        }
                                    }
                                >
                                    {label}
                                </button>
                            }
                        })}
                </div>
                <a
                    class="button small secondary"
                    href=move || match which.get().as_str() {
                        "active" => "/api/transactions.csv?active=true",
                        "finished" => "/api/transactions.csv?active=false",
                        _ => "/api/transactions.csv",
                    }
                    download
                >
                    "Export CSV"
                </a>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading the transactions…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || snapshot.get().map(|loaded| loaded.map(|_| ()))}
                    <Show
                        when=move || !current.with(Vec::is_empty)
                        fallback=|| {
                            view! {
                                <p class="empty muted" data-testid="transactions-empty">
                                    "No transaction here yet."
                                </p>
                            }
                        }
                    >
                        <div class="table-wrap">
                            <table class="stations">
                                <thead>
                                    <tr>
                                        <th>"#"</th>
                                        <th>"Station"</th>
                                        <th>"Id tag"</th>
                                        <th>"Started"</th>
                                        <th>"Stopped"</th>
                                        <th>"Duration"</th>
                                        <th>"Energy"</th>
                                        <th>"Power"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    <For each=move || current.get() key=TransactionRow::key let(t)>
                                        <tr data-testid=format!("transaction-{}", t.id)>
                                            <td class="mono">
                                                <a href=format!("/transactions/{}", t.id)>{t.id}</a>
                                            </td>
                                            <td>
                                                <a href=format!("/stations/{}", t.station_id)>{t.station_id.clone()}</a>
                                                {format!(" / {}", t.connector_id)}
                                            </td>
                                            <td class="mono">{t.id_tag.clone()}</td>
                                            <td>{clock(&t.started_at).to_owned()}</td>
                                            <td>
                                                {match (&t.stopped_at, &t.stop_reason) {
                                                    (Some(at), Some(reason)) => format!("{} ({reason})", clock(at)),
                                                    (Some(at), None) => clock(at).to_owned(),
                                                    (None, _) => "charging".to_owned(),
                                                }}
                                            </td>
                                            <td>
                                                {t.stopped_at
                                                    .as_deref()
                                                    .and_then(crate::chart::epoch_seconds)
                                                    .zip(crate::chart::epoch_seconds(&t.started_at))
                                                    .map_or_else(|| "—".to_owned(), |(stop, start)| crate::chart::duration(stop - start))}
                                            </td>
                                            <td data-testid="energy">
                                                {t.energy_wh.map_or_else(|| "—".to_owned(), |wh| format!("{:.2} kWh", wh / 1000.0))}
                                            </td>
                                            <td>
                                                {t.power_w.map_or_else(|| "—".to_owned(), |w| format!("{:.1} kW", w / 1000.0))}
                                            </td>
                                        </tr>
                                    </For>
                                </tbody>
                            </table>
                        </div>
                    </Show>
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

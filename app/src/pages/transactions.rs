use crate::api::list_transactions;
use crate::components::ErrorList;
use crate::components::pager::{self, Pager};
use crate::dto::{
    LiveEvent, TRANSACTIONS_SHOWN, TransactionListQuery, TransactionListing, TransactionRow, clock,
};
use crate::live::{Live, LiveEvents};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

/// The address of the Transactions page showing `query`.
fn href(query: &TransactionListQuery) -> String {
    pager::href("/transactions", query.to_url())
}

/// Charging sessions, a page at a time, newest first: active, finished or all, filtered by
/// station, id tag and start date, the page's state in the URL; energy rises live while they
/// run.
#[component]
pub fn TransactionsPage() -> impl IntoView {
    let live = expect_context::<LiveEvents>();
    let url = use_query_map();
    let query = Memo::new(move |_| url.with(|p| TransactionListQuery::from_url(|key| p.get(key))));
    let snapshot = Resource::new(
        move || (query.get(), live.epoch.get()),
        |(query, _)| list_transactions(query),
    );
    let listing: Live<TransactionListing> = Live::new(snapshot);
    live.for_each_event(move |event| match event {
        // A new transaction goes on top of the first page if the filters let it in.
        LiveEvent::TransactionStarted {
            transaction_id,
            station_id,
            id_tag,
            ..
        } => {
            if !query.with_untracked(|q| q.shows_new(station_id, id_tag)) {
                return;
            }
            listing.update(|l| {
                if l.rows.iter().all(|row| row.id != *transaction_id)
                    && let Some(row) = TransactionRow::started(event)
                {
                    l.rows.insert(0, row);
                    l.rows.truncate(TRANSACTIONS_SHOWN);
                    l.matching += 1;
                }
            });
        }
        LiveEvent::TransactionUpdated { .. } | LiveEvent::TransactionStopped { .. } => {
            let only_active = query.with_untracked(|q| q.active() == Some(true));
            listing.update(|l| {
                // Ids are unique: at most one row is this transaction.
                l.rows.iter_mut().any(|row| row.apply(event));
                if only_active {
                    l.rows.retain(|row| row.stopped_at.is_none());
                }
            });
        }
        _ => {}
    });
    let current = Signal::derive(move || listing.current.with(|l| l.rows.clone()));
    let navigate = use_navigate();
    let go = move |change: &dyn Fn(&mut TransactionListQuery)| {
        let mut next = query.get_untracked();
        change(&mut next);
        next.page = 1;
        pager::go(&navigate, &href(&next), false);
    };
    let field = {
        let go = go.clone();
        move |label: &'static str,
              kind: &'static str,
              get: fn(&TransactionListQuery) -> String,
              set: fn(&mut TransactionListQuery, String)| {
            let go = go.clone();
            view! {
                <label class="field">
                    <span>{label}</span>
                    <input
                        type=kind
                        prop:value=move || query.with(get)
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            go(&|q| set(q, value.clone()));
                        }
                    />
                </label>
            }
        }
    };
    let csv = move || {
        let filters = query.with(TransactionListQuery::api_filters);
        pager::href("/api/transactions.csv", filters)
    };

    view! {
        <section class="page">
            <div class="page-head">
                <h1>"Transactions"</h1>
                <div class="segmented" role="group" aria-label="Which transactions">
                    {[("", "Active"), ("finished", "Finished"), ("all", "All")]
                        .map(|(value, label)| {
                            let go = go.clone();
                            view! {
                                <button
                                    type="button"
                                    aria-pressed=move || query.with(|q| q.show == value).to_string()
                                    on:click=move |_| {
                                        if query.with_untracked(|q| q.show != value) {
                                            go(&|q| q.show = value.to_owned());
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
                    href=csv
                    download
                >
                    "Export CSV"
                </a>
            </div>
            <div class="filters">
                {field("Station", "text", |q| q.station.clone(), |q, v| q.station = v)}
                {field("Id tag", "text", |q| q.tag.clone(), |q, v| q.tag = v)}
                {field("Started from", "date", |q| q.from.clone(), |q, v| q.from = v)}
                {field("Started before", "date", |q| q.to.clone(), |q, v| q.to = v)}
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
                        <Pager
                            page=Signal::derive(move || query.with(|q| q.page))
                            page_size=TRANSACTIONS_SHOWN as u32
                            matching=Signal::derive(move || listing.current.with(|l| l.matching))
                            shown=Signal::derive(move || current.with(Vec::len))
                            to=Callback::new(move |page| href(&TransactionListQuery { page, ..query.get() }))
                            testid="transactions-range"
                        />
                    </Show>
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

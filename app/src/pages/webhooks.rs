//! The Admin page's webhooks: endpoints with their backlog and failures, an endpoint's latest
//! deliveries with a replay, and a form to register one.

use crate::api::{
    AddWebhook, RemoveWebhook, ReplayDelivery, SetWebhookEnabled, list_deliveries, list_webhooks,
};
use crate::components::{ErrorList, station_cell, table};
use crate::dto::{AppError, DeliveryRow, WEBHOOK_KINDS, WebhookRow, clock, datetime};
use leptos::prelude::*;
use std::time::Duration;

/// How often the figures are read again while the page is open (deliveries happen after the
/// events, outside the live feed).
const REFRESH: Duration = Duration::from_secs(2);

/// Webhook endpoints, their deliveries, and the form to register one (admins).
#[component]
pub fn WebhooksPanel() -> impl IntoView {
    let add = ServerAction::<AddWebhook>::new();
    let toggle = ServerAction::<SetWebhookEnabled>::new();
    let remove = ServerAction::<RemoveWebhook>::new();
    let replay = ServerAction::<ReplayDelivery>::new();
    let tick = RwSignal::new(0u64);
    // Browser only: effects do not run on the server.
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(move || tick.update(|n| *n += 1), REFRESH) {
            on_cleanup(move || handle.clear());
        }
    });
    let endpoints = Resource::new(
        move || {
            (
                add.version().get(),
                toggle.version().get(),
                remove.version().get(),
                replay.version().get(),
                tick.get(),
            )
        },
        |_| list_webhooks(),
    );
    let shown = RwSignal::new(None::<i64>);
    let deliveries = Resource::new(
        move || (shown.get(), tick.get(), replay.version().get()),
        |(shown, _, _)| async move {
            match shown {
                Some(id) => list_deliveries(id).await.map(|list| Some((id, list))),
                None => Ok(None),
            }
        },
    );
    let failure = move || {
        let failed = |v: Option<Result<(), AppError>>| v.and_then(Result::err);
        failed(toggle.value().get())
            .or_else(|| failed(remove.value().get()))
            .or_else(|| failed(replay.value().get()))
            .or_else(|| add.value().get().and_then(Result::err))
            .map(|e| view! { <p class="error" role="alert" data-testid="webhook-error">{e.to_string()}</p> })
    };

    view! {
        <section data-testid="webhooks">
            <h2>"Webhooks"</h2>
            <p class="muted">
                "Each event of a kind an endpoint wants is kept with the change it reports, then POSTed to it, signed (Centrale-Signature: HMAC-SHA256 of the time and the body with the endpoint's secret), in order per station, retried for 48 hours. See the Webhooks section of the API page."
            </p>
            {failure}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || Suspend::new(async move {
                        let list = endpoints.await?;
                        Ok::<_, AppError>(view! { <Endpoints list shown toggle remove /> })
                    })}
                </ErrorBoundary>
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match deliveries.await {
                        Ok(Some((webhook, list))) => view! { <Deliveries webhook list replay /> }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <AddWebhookForm add />
        </section>
    }
}

/// The endpoints' table.
#[component]
fn Endpoints(
    list: Vec<WebhookRow>,
    shown: RwSignal<Option<i64>>,
    toggle: ServerAction<SetWebhookEnabled>,
    remove: ServerAction<RemoveWebhook>,
) -> impl IntoView {
    if list.is_empty() {
        return view! {
            <p class="muted empty" data-testid="webhooks-empty">
                "No webhook: register an endpoint below to have events POSTed to it."
            </p>
        }
        .into_any();
    }
    let rows = list
        .into_iter()
        .map(|w| {
            let id = w.id;
            let kinds = if w.kinds.is_empty() {
                "every kind".to_owned()
            } else {
                w.kinds.join(", ")
            };
            let enabled = w.enabled;
            view! {
                <tr data-testid=format!("webhook-{id}") data-waiting=w.waiting.to_string()>
                    <td class="mono">{w.url.clone()}</td>
                    <td>{kinds}</td>
                    <td>
                        <input
                            type="checkbox"
                            aria-label=format!("Deliver to {}", w.url)
                            prop:checked=enabled
                            on:change=move |_| {
                                toggle.dispatch(SetWebhookEnabled { id, enabled: !enabled });
                            }
                        />
                    </td>
                    <td data-testid="waiting">{w.waiting}</td>
                    <td data-testid="given-up">{w.given_up}</td>
                    <td title=w.last_delivered_at.clone().unwrap_or_default()>
                        {w.last_delivered_at.as_deref().map_or_else(|| "never".to_owned(), datetime)}
                    </td>
                    <td data-testid="last-error">{w.last_error.unwrap_or_default()}</td>
                    <td class="actions">
                        <button
                            class="button small secondary"
                            aria-pressed=move || (shown.get() == Some(id)).to_string()
                            on:click=move |_| shown.update(|s| *s = if *s == Some(id) { None } else { Some(id) })
                        >
                            "Deliveries"
                        </button>
                        <button
                            class="button small secondary"
                            on:click=move |_| {
                                shown.update(|s| if *s == Some(id) { *s = None });
                                remove.dispatch(RemoveWebhook { id });
                            }
                        >
                            "Remove"
                        </button>
                    </td>
                </tr>
            }
            .into_any()
        })
        .collect();
    table(
        "webhook-list",
        &[
            "Endpoint",
            "Events",
            "On",
            "Waiting",
            "Given up",
            "Last delivered",
            "Last failure",
            "",
        ],
        rows,
    )
}

/// An endpoint's latest deliveries, each replayable.
#[component]
fn Deliveries(
    webhook: i64,
    list: Vec<DeliveryRow>,
    replay: ServerAction<ReplayDelivery>,
) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="muted empty" data-testid="deliveries-empty">"No delivery to this endpoint yet."</p> }
            .into_any();
    }
    let rows = list
        .into_iter()
        .map(|d| {
            let delivery = d.id;
            view! {
                <tr data-testid=format!("delivery-{delivery}") data-state=d.state.clone() data-kind=d.kind.clone()>
                    <td class="mono">{d.id}</td>
                    <td title=d.created_at.clone()>{clock(&d.created_at).to_owned()}</td>
                    {station_cell(&d.station_id)}
                    <td>{d.kind.clone()}</td>
                    <td>{d.state.clone()}</td>
                    <td>{d.attempts}</td>
                    <td>{d.last_outcome.unwrap_or_default()}</td>
                    <td>{d.next_attempt_at.as_deref().map(clock).unwrap_or_default().to_owned()}</td>
                    <td>
                        <button
                            class="button small secondary"
                            aria-label=format!("Replay event {delivery}")
                            on:click=move |_| { replay.dispatch(ReplayDelivery { id: webhook, delivery }); }
                        >
                            "Replay"
                        </button>
                    </td>
                </tr>
            }
            .into_any()
        })
        .collect();
    view! {
        <h3>{format!("Latest deliveries of webhook {webhook}")}</h3>
        {table(
            "deliveries",
            &[
                "Event",
                "Time",
                "Station",
                "Kind",
                "State",
                "Attempts",
                "Latest outcome",
                "Next attempt",
                "",
            ],
            rows,
        )}
    }
    .into_any()
}

/// Registers an endpoint; its secret is shown once.
#[component]
fn AddWebhookForm(add: ServerAction<AddWebhook>) -> impl IntoView {
    let url = RwSignal::new(String::new());
    let secret = RwSignal::new(String::new());
    let kinds = RwSignal::new(Vec::<&'static str>::new());
    Effect::new(move |_| {
        if add.value().with(|v| v.as_ref().is_some_and(Result::is_ok)) {
            url.set(String::new());
            secret.set(String::new());
            kinds.set(Vec::new());
        }
    });
    let made = move || {
        add.value().get().and_then(Result::ok).map(|secret| {
            view! {
                <p class="notice" data-testid="webhook-secret">
                    "Registered. Its secret, shown once (the receiver checks signatures with it): "
                    <code class="mono">{secret}</code>
                </p>
            }
        })
    };
    view! {
        <form
            class="panel"
            data-testid="add-webhook"
            on:submit=move |ev| {
                ev.prevent_default();
                add.dispatch(AddWebhook {
                    url: url.get_untracked(),
                    kinds: kinds.get_untracked().join(","),
                    secret: secret.get_untracked(),
                });
            }
        >
            <h3>"Register a webhook"</h3>
            <label class="field">
                <span>"URL (http or https)"</span>
                <input
                    type="url"
                    required
                    placeholder="https://billing.example/hooks/centrale"
                    prop:value=move || url.get()
                    on:input=move |ev| url.set(event_target_value(&ev))
                />
            </label>
            <fieldset class="kinds">
                <legend>"Events (none ticked: every kind)"</legend>
                {WEBHOOK_KINDS
                    .iter()
                    .map(|kind| {
                        let kind = *kind;
                        view! {
                            <label class="check">
                                <input
                                    type="checkbox"
                                    prop:checked=move || kinds.with(|k| k.contains(&kind))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        kinds.update(|k| {
                                            k.retain(|x| *x != kind);
                                            if on {
                                                k.push(kind);
                                            }
                                        });
                                    }
                                />
                                {kind}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <label class="field">
                <span>"Secret (16 characters or more; empty: one is made)"</span>
                <input
                    type="password"
                    autocomplete="off"
                    prop:value=move || secret.get()
                    on:input=move |ev| secret.set(event_target_value(&ev))
                />
            </label>
            <button class="button" type="submit">"Register webhook"</button>
            {made}
        </form>
    }
}

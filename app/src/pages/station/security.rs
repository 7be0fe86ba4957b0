//! The station page's security card: its profile and password (admins change them) and its
//! security events, live.

use crate::dto::StationDetail;
use leptos::prelude::*;

const PROFILES: [(u8, &str); 4] = [
    (0, "0 · unsecured"),
    (1, "1 · Basic auth (ws://)"),
    (2, "2 · TLS and Basic auth"),
    (3, "3 · TLS client certificate"),
];

/// How the station must prove who it is, and its security events. Admins change the profile
/// and the password here.
#[component]
pub(super) fn Security(
    station: Memo<String>,
    detail: Signal<StationDetail>,
    reload: RwSignal<u64>,
) -> AnyView {
    use crate::api::{SendStationPassword, SetStationSecurity};
    let is_admin = crate::components::is_admin();
    let save = ServerAction::<SetStationSecurity>::new();
    let rotate = ServerAction::<SendStationPassword>::new();
    let connected = move || detail.with(|d| d.station.connected);
    let profile = RwSignal::new(detail.get_untracked().security_profile);
    let password = RwSignal::new(String::new());
    Effect::new(move |_| {
        let saved = save.value().with(|v| v.as_ref().is_some_and(Result::is_ok));
        let sent = rotate
            .value()
            .with(|v| v.as_ref().is_some_and(Result::is_ok));
        if saved || sent {
            password.set(String::new());
            reload.update(|n| *n += 1);
        }
    });
    let rotated = move || {
        rotate.value().get().map(|result| match result {
            Ok(sent) => view! {
                <p class="notice" data-testid="station-password-sent">
                    "The station took its new password, shown once: " <code class="mono">{sent}</code>
                </p>
            }
            .into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    };
    let outcome = move || {
        save.value().get().map(|result| match result {
            Ok(Some(made)) => view! {
                <p class="notice" data-testid="station-password">
                    "New password, shown once: " <code class="mono">{made}</code>
                    " Set it on the station as its AuthorizationKey."
                </p>
            }
            .into_any(),
            Ok(None) => {
                view! { <p class="muted" data-testid="security-saved">"Saved."</p> }.into_any()
            }
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    };
    view! {
        <h2>"Security"</h2>
        <div class="panel security" data-testid="security">
            <p>
                "Security profile "
                <strong data-testid="security-profile">{move || detail.with(|d| d.security_profile)}</strong>
                {move || detail.with(|d| if d.has_password { " · password set" } else { " · no password" })}
            </p>
            <Show when=move || is_admin.get()>
                <form
                    class="inline-form"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        // Only the latest outcome shows: an older password is no longer true.
                        rotate.value().set(None);
                        save.dispatch(SetStationSecurity {
                            station_id: station.get_untracked(),
                            profile: profile.get_untracked(),
                            password: password.get_untracked(),
                        });
                    }
                >
                    <label>
                        "Profile"
                        <select
                            aria-label="Security profile"
                            prop:value=move || profile.get().to_string()
                            on:change=move |ev| {
                                if let Ok(p) = event_target_value(&ev).parse() {
                                    profile.set(p);
                                }
                            }
                        >
                            {PROFILES.iter().map(|(n, label)| view! { <option value=n.to_string()>{*label}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>
                        "New password"
                        <input
                            type="password"
                            autocomplete="new-password"
                            placeholder="16-40 characters; empty: keep, or make one"
                            prop:value=move || password.get()
                            on:input=move |ev| password.set(event_target_value(&ev))
                        />
                    </label>
                    <button class="button" type="submit">"Save"</button>
                    <Show when=connected>
                        <button
                            class="button secondary"
                            type="button"
                            title="Sends the password (or a new one) as the station's AuthorizationKey; kept once the station accepts"
                            on:click=move |_| {
                                save.value().set(None);
                                rotate.dispatch(SendStationPassword {
                                    station_id: station.get_untracked(),
                                    password: password.get_untracked(),
                                });
                            }
                        >
                            "Send a new password to the station"
                        </button>
                    </Show>
                </form>
                {outcome}
                {rotated}
            </Show>
            <h3>"Security events"</h3>
            {move || view! { <crate::pages::admin::SecurityEvents list=detail.with(|d| d.security_events.clone()) /> }}
        </div>
    }
    .into_any()
}

use crate::api::list_charging_profiles;
use crate::components::{ListPage, send_from_row};
use crate::dto::{LiveEvent, ProfileRow};
use leptos::prelude::*;

/// Every charging profile the stations hold, as they accepted them.
#[component]
pub fn ChargingProfilesPage() -> impl IntoView {
    view! {
        <ListPage
            title="Charging profiles"
            loading="Loading the charging profiles…"
            empty_testid="profiles-empty"
            empty="No charging profile yet. Install one with SetChargingProfile on a station's page."
            load=list_charging_profiles
            reload_when=|event| match event {
                LiveEvent::CommandAnswered { action, .. } => {
                    ["SetChargingProfile", "ClearChargingProfile"].contains(&action.as_str())
                }
                LiveEvent::TransactionStopped { .. } => true,
                _ => false,
            }
            table=|rows| view! { <ProfileTable rows /> }
        />
    }
}

/// Profiles with their schedule, the JSON on demand, and a Clear button (ClearChargingProfile).
#[component]
pub fn ProfileTable(#[prop(into)] rows: Signal<Vec<ProfileRow>>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="stations">
                <thead>
                    <tr>
                        <th>"Profile"</th>
                        <th>"Station"</th>
                        <th>"Purpose"</th>
                        <th>"Stack"</th>
                        <th>"Schedule"</th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || rows.get()
                        key=|p| (p.station_id.clone(), p.connector_id, p.profile_id, p.set_at.clone())
                        let(p)
                    >
                        <ProfileLine p />
                    </For>
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn ProfileLine(p: ProfileRow) -> impl IntoView {
    let outcome = RwSignal::new(None::<String>);
    let clear = {
        let station = p.station_id.clone();
        let id = p.profile_id;
        move |_| {
            send_from_row(
                outcome,
                "clearing…",
                station.clone(),
                "ClearChargingProfile",
                format!(r#"{{"id":{id}}}"#),
            )
        }
    };
    view! {
        <tr data-testid=format!("profile-{}-{}", p.station_id, p.profile_id)>
            <td class="mono">{p.profile_id}</td>
            <td>
                <a href=format!("/stations/{}", p.station_id)>{p.station_id.clone()}</a>
                {format!(" / {}", p.connector_id)}
                {p.transaction_id.map(|t| view! { " · " <a href=format!("/transactions/{t}")>{format!("transaction {t}")}</a> })}
            </td>
            <td>{p.purpose.clone()}</td>
            <td>{p.stack_level}</td>
            <td>
                <details>
                    <summary class="mono">{p.schedule.clone()}</summary>
                    <pre>{p.profile.clone()}</pre>
                </details>
            </td>
            <td>
                <button class="button small secondary" on:click=clear>"Clear"</button>
                {move || outcome.get().map(|o| view! { <span class="error-inline">{o}</span> })}
            </td>
        </tr>
    }
}

//! Server functions: each gets the engine from the Leptos context, calls one method and maps
//! the result to a [`crate::dto`] type. No SQL and no business rule here.

use crate::dto::{
    AdminView, AppError, CommandReply, CurrentUser, FleetCounters, IdTagRow, ProfileRow,
    ReservationRow, SecurityEventRow, StationDetail, StationListQuery, StationListing,
    TransactionDetail,
};
use leptos::prelude::*;

mod device;
mod fleet;
mod webhooks;
pub use device::{list_alerts, list_deviations, list_evse_connectors, list_variables, set_lenient};
pub use fleet::{load_overview, load_station_history};
pub use webhooks::{
    AddWebhook, RemoveWebhook, ReplayDelivery, SetWebhookEnabled, add_webhook, list_deliveries,
    list_webhooks, remove_webhook, replay_delivery, set_webhook_enabled,
};

/// The API's description (OpenAPI 3.1), as the server serves it at `/api/openapi.json`; the
/// server puts it in the context (the app does not know the routes).
#[cfg(feature = "ssr")]
#[derive(Clone, Copy)]
pub struct ApiDescription(pub &'static str);

/// The API's description, for the API page.
#[server(prefix = "/_app")]
pub async fn load_api_description() -> Result<serde_json::Value, AppError> {
    ssr::require(engine::operators::Permission::Read)?;
    let ApiDescription(text) = use_context::<ApiDescription>().ok_or_else(|| {
        tracing::error!("no API description in the Leptos context: the server must provide one");
        AppError::Unavailable("The API description is not ready.".to_owned())
    })?;
    serde_json::from_str(text).map_err(|e| {
        tracing::error!(error = %e, "the API description is not JSON");
        AppError::Unavailable("The API description cannot be read.".to_owned())
    })
}

/// One page of the Stations list, filtered and sorted by the database.
#[server(prefix = "/_app")]
pub async fn list_station_page(query: StationListQuery) -> Result<StationListing, AppError> {
    let engine = ssr::engine()?;
    let params = query.api_params();
    let query = engine::fleet::StationQuery::from_params(
        params.iter().map(|(key, value)| (*key, value.as_str())),
    )?;
    let page = engine
        .station_page(&query)
        .await
        .map_err(ssr::unavailable("Could not read the stations."))?;
    Ok(StationListing {
        rows: page.stations.into_iter().map(ssr::station_row).collect(),
        matching: page.matching,
    })
}

/// Counters of the whole fleet, for the Stations page.
#[server(prefix = "/_app")]
pub async fn count_fleet() -> Result<FleetCounters, AppError> {
    let engine = ssr::engine()?;
    let counters = engine
        .fleet_counters()
        .await
        .map_err(ssr::unavailable("Could not count the stations."))?;
    Ok(ssr::counters(counters))
}

/// Accepts or rejects a station.
#[server(prefix = "/_app")]
pub async fn set_registration(station_id: String, accept: bool) -> Result<(), AppError> {
    let engine = ssr::engine()?;
    ssr::require(engine::operators::Permission::Operate)?;
    let id = ssr::station_id(station_id)?;
    let registration = if accept {
        engine::model::Registration::Accepted
    } else {
        engine::model::Registration::Rejected
    };
    let found = engine
        .set_registration(&id, registration)
        .await
        .map_err(ssr::unavailable("Could not change the registration."))?;
    if found {
        Ok(())
    } else {
        Err(ssr::not_found(format!("There is no station {id}.")))
    }
}

/// Everything the station page shows about one station.
#[server(prefix = "/_app")]
pub async fn load_station(station_id: String) -> Result<StationDetail, AppError> {
    let engine = ssr::engine()?;
    let id = ssr::station_id(station_id)?;
    let failed = || ssr::unavailable("Could not read the station.");
    let station = engine
        .station(&id)
        .await
        .map_err(failed())?
        .ok_or_else(|| ssr::not_found(format!("There is no station {id}.")))?;
    let configuration = engine.configuration(&id).await.map_err(failed())?;
    let active = engine
        .transactions(Some(&id), Some(true), 64)
        .await
        .map_err(failed())?;
    let reservations = engine.reservations().await.map_err(failed())?;
    let profiles = engine
        .charging_profiles(Some(&id))
        .await
        .map_err(failed())?;
    let security_events = engine
        .security_events(Some(&id), 20)
        .await
        .map_err(failed())?;
    Ok(StationDetail {
        security_profile: station.security_profile.number(),
        has_password: station.has_password,
        lenient: station.lenient,
        security_events: security_events
            .into_iter()
            .map(ssr::security_event_row)
            .collect(),
        protocol: station.protocol.clone(),
        serial_number: station.serial_number.clone(),
        firmware_status: station.firmware_status.clone(),
        diagnostics_status: station.diagnostics_status.clone(),
        local_list_version: station.local_list_version,
        station: ssr::station_row(station),
        configuration: configuration
            .into_iter()
            .map(|k| crate::dto::ConfigKeyRow {
                key: k.key,
                value: k.value,
                readonly: k.readonly,
            })
            .collect(),
        active_transactions: ssr::with_progress(&engine, active)
            .await
            .map_err(failed())?,
        reservations: reservations
            .into_iter()
            .filter(|r| r.station_id == id.as_str())
            .map(ssr::reservation_row)
            .collect(),
        charging_profiles: profiles.into_iter().map(ssr::profile_row).collect(),
    })
}

/// Sends an OCPP request (its JSON, as the commands panel built it) to a station and waits
/// for the answer. A request that breaks the specification is refused before sending.
#[server(prefix = "/_app")]
pub async fn send_command(
    station_id: String,
    action: String,
    payload: String,
) -> Result<CommandReply, AppError> {
    use engine::calls::CallError;
    let engine = ssr::engine()?;
    let request = serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null);
    let who = ssr::require(engine::operators::Permission::to_send(&action, &request))?;
    let id = ssr::station_id(station_id)?;
    match engine.call_json(&who.actor(), &id, &action, &payload).await {
        Ok(answer) => Ok(CommandReply::Answered {
            status: answer["status"].as_str().map(str::to_owned),
            payload: serde_json::to_string_pretty(&answer).unwrap_or_else(|_| answer.to_string()),
        }),
        Err(CallError::InvalidRequest(e)) => Err(AppError::Invalid(e.to_string())),
        Err(CallError::Rejected { code, description }) => {
            Ok(CommandReply::Refused { code, description })
        }
        Err(e @ CallError::Timeout(_)) => Ok(CommandReply::TimedOut {
            message: e.to_string(),
        }),
        Err(e) => Ok(CommandReply::Failed {
            message: e.to_string(),
        }),
    }
}

/// A page of the message log, newest first.
#[server(prefix = "/_app")]
pub async fn list_messages(
    query: crate::dto::MessageListQuery,
) -> Result<crate::dto::MessageListing, AppError> {
    let engine = ssr::engine()?;
    let params = query.api_params();
    let query = engine::message_log::MessageQuery::from_params(
        params.iter().map(|(key, value)| (*key, value.as_str())),
        crate::dto::FRAMES_SHOWN,
    )?;
    let page = engine
        .message_page(&query, crate::dto::FRAMES_SHOWN)
        .await
        .map_err(ssr::unavailable("Could not read the message log."))?;
    Ok(crate::dto::MessageListing {
        frames: page
            .frames
            .into_iter()
            .map(|f| crate::dto::MessageRow {
                id: f.id,
                station_id: f.station_id,
                direction: f.direction.as_str().to_owned(),
                message_type: f.message_type,
                message_id: f.message_id,
                action: f.action,
                frame: f.frame,
                at: ssr::rfc3339(f.at),
            })
            .collect(),
        next_before: page.next_before,
    })
}

/// One page of the Transactions list, newest first, filtered by the database.
#[server(prefix = "/_app")]
pub async fn list_transactions(
    query: crate::dto::TransactionListQuery,
) -> Result<crate::dto::TransactionListing, AppError> {
    let engine = ssr::engine()?;
    let params = query.api_params();
    let query = engine::listing::TransactionQuery::from_params(
        params.iter().map(|(key, value)| (*key, value.as_str())),
        crate::dto::TRANSACTIONS_SHOWN as u32,
    )?;
    let (list, matching) = engine
        .transaction_page(&query, crate::dto::TRANSACTIONS_SHOWN as u32)
        .await
        .map_err(ssr::unavailable("Could not read the transactions."))?;
    let rows = ssr::with_progress(&engine, list)
        .await
        .map_err(ssr::unavailable("Could not read the transactions."))?;
    Ok(crate::dto::TransactionListing { rows, matching })
}

/// One transaction with its energy and power over time.
#[server(prefix = "/_app")]
pub async fn load_transaction(id: i64) -> Result<TransactionDetail, AppError> {
    let engine = ssr::engine()?;
    let failed = || ssr::unavailable("Could not read the transaction.");
    let t = engine
        .transaction(id)
        .await
        .map_err(failed())?
        .ok_or_else(|| ssr::not_found(format!("There is no transaction {id}.")))?;
    let points = engine.transaction_series(&t).await.map_err(failed())?;
    let events = engine.transaction_events(id).await.map_err(failed())?;
    let mut transaction = ssr::transaction_row(t.clone());
    if transaction.stopped_at.is_none() {
        transaction.energy_wh = points.iter().rev().find_map(|p| p.energy_wh);
        transaction.power_w = points.iter().rev().find_map(|p| p.power_w);
    }
    Ok(TransactionDetail {
        transaction,
        start_status: t.start_status,
        meter_start: t.meter_start,
        meter_stop: t.meter_stop,
        remote_start_requested_at: t.remote_start_requested_at.map(ssr::rfc3339),
        remote_stop_requested_at: t.remote_stop_requested_at.map(ssr::rfc3339),
        points: points
            .into_iter()
            .map(|p| crate::dto::ChartPoint {
                at: ssr::rfc3339(p.at),
                energy_wh: p.energy_wh,
                power_w: p.power_w,
            })
            .collect(),
        events: events
            .into_iter()
            .map(|e| crate::dto::TransactionEventRow {
                seq_no: e.seq_no,
                event_type: e.event_type,
                trigger_reason: e.trigger_reason,
                charging_state: e.charging_state,
                stopped_reason: e.stopped_reason,
                offline: e.offline,
                occurred_at: ssr::rfc3339(e.occurred_at),
            })
            .collect(),
    })
}

/// Every reservation, newest first.
#[server(prefix = "/_app")]
pub async fn list_reservations() -> Result<Vec<ReservationRow>, AppError> {
    let engine = ssr::engine()?;
    let list = engine
        .reservations()
        .await
        .map_err(ssr::unavailable("Could not read the reservations."))?;
    Ok(list.into_iter().map(ssr::reservation_row).collect())
}

/// Every charging profile stations hold.
#[server(prefix = "/_app")]
pub async fn list_charging_profiles() -> Result<Vec<ProfileRow>, AppError> {
    let engine = ssr::engine()?;
    let list = engine
        .charging_profiles(None)
        .await
        .map_err(ssr::unavailable("Could not read the charging profiles."))?;
    Ok(list.into_iter().map(ssr::profile_row).collect())
}

/// Every id tag.
#[server(prefix = "/_app")]
pub async fn list_id_tags() -> Result<Vec<IdTagRow>, AppError> {
    let engine = ssr::engine()?;
    let tags = engine
        .id_tags()
        .await
        .map_err(ssr::unavailable("Could not read the id tags."))?;
    Ok(tags
        .into_iter()
        .map(|t| IdTagRow {
            id_tag: t.id_tag,
            status: t.status.as_str().to_owned(),
            expiry_date: t.expiry_date.map(ssr::rfc3339),
            parent_id_tag: t.parent_id_tag,
            in_transaction: t.in_transaction,
        })
        .collect())
}

/// Creates or changes an id tag. `expiry_date` is a `datetime-local` value (UTC) or empty.
#[server(prefix = "/_app")]
pub async fn save_id_tag(
    id_tag: String,
    status: String,
    expiry_date: String,
    parent_id_tag: String,
) -> Result<(), AppError> {
    let engine = ssr::engine()?;
    ssr::require(engine::operators::Permission::Operate)?;
    let tag = ssr::id_tag_input(&id_tag, &status, &expiry_date, &parent_id_tag)?;
    engine
        .put_id_tag(tag)
        .await
        .map_err(ssr::unavailable("Could not save the id tag."))
}

/// Deletes an id tag.
#[server(prefix = "/_app")]
pub async fn delete_id_tag(id_tag: String) -> Result<(), AppError> {
    let engine = ssr::engine()?;
    ssr::require(engine::operators::Permission::Operate)?;
    let found = engine
        .delete_id_tag(&id_tag)
        .await
        .map_err(ssr::unavailable("Could not delete the id tag."))?;
    if found {
        Ok(())
    } else {
        Err(ssr::not_found(format!("There is no id tag {id_tag}.")))
    }
}

/// The server side of the server functions (engine, principal, error mapping).
#[cfg(feature = "ssr")]
mod ssr;

/// Who is signed in (and the session's CSRF token, for the sign-out form).
#[server(prefix = "/_app")]
pub async fn whoami() -> Result<CurrentUser, AppError> {
    use engine::operators::{Permission, Via};
    let who = ssr::require(Permission::Read)?;
    Ok(CurrentUser {
        username: who.username,
        role: who.role.to_string(),
        csrf_token: match who.via {
            Via::Session { csrf_token } => csrf_token,
            Via::Token { .. } => String::new(),
        },
    })
}

/// Sets how a station proves who it is (admins). Answers a generated password, if one was
/// made, to be shown once.
#[server(prefix = "/_app")]
pub async fn set_station_security(
    station_id: String,
    profile: u8,
    password: String,
) -> Result<Option<String>, AppError> {
    use engine::security::SecurityProfile;
    let engine = ssr::engine()?;
    ssr::require(engine::operators::Permission::Administer)?;
    let id = ssr::station_id(station_id)?;
    let profile = SecurityProfile::try_from(profile).map_err(AppError::Invalid)?;
    let password = Some(password).filter(|p| !p.is_empty());
    engine
        .set_station_security(&id, profile, password)
        .await
        .map_err(ssr::unavailable("Could not change the station's security."))?
        .map_err(|e| AppError::Invalid(e.to_string()))
}

/// Security events of all stations, newest first.
#[server(prefix = "/_app")]
pub async fn list_security_events() -> Result<Vec<SecurityEventRow>, AppError> {
    let engine = ssr::engine()?;
    Ok(engine
        .security_events(None, 200)
        .await
        .map_err(ssr::unavailable("Could not read the security events."))?
        .into_iter()
        .map(ssr::security_event_row)
        .collect())
}

/// Users, API tokens and the audit log: what the admin page shows.
#[server(prefix = "/_app")]
pub async fn load_admin() -> Result<AdminView, AppError> {
    let engine = ssr::engine()?;
    ssr::require(engine::operators::Permission::Administer)?;
    let failed = || ssr::unavailable("Could not read the users.");
    let users = engine.users().await.map_err(failed())?;
    let tokens = engine.api_tokens().await.map_err(failed())?;
    let audit = engine.audit_log(200).await.map_err(failed())?;
    Ok(AdminView {
        users: users
            .into_iter()
            .map(|u| crate::dto::UserRow {
                username: u.username,
                role: u.role.to_string(),
                created_at: ssr::rfc3339(u.created_at),
            })
            .collect(),
        tokens: tokens
            .into_iter()
            .map(|t| crate::dto::TokenRow {
                id: t.id,
                name: t.name,
                role: t.role.to_string(),
                username: t.username,
                created_at: ssr::rfc3339(t.created_at),
            })
            .collect(),
        audit: audit
            .into_iter()
            .map(|a| crate::dto::AuditRow {
                id: a.id,
                at: ssr::rfc3339(a.at),
                actor: a.actor,
                station_id: a.station_id,
                action: a.action,
                payload: a.payload.to_string(),
                outcome: a.outcome,
            })
            .collect(),
    })
}

/// Adds a user (admins).
#[server(prefix = "/_app")]
pub async fn add_user(username: String, password: String, role: String) -> Result<(), AppError> {
    let engine = ssr::engine()?;
    ssr::require(engine::operators::Permission::Administer)?;
    let role = role.parse().map_err(AppError::Invalid)?;
    engine
        .add_user(&username, &password, role)
        .await
        .map_err(ssr::unavailable("Could not add the user."))?
        .map_err(|e| AppError::Invalid(e.to_string()))
}

/// Changes a user's role (admins; the last admin stays admin).
#[server(prefix = "/_app")]
pub async fn set_user_role(username: String, role: String) -> Result<(), AppError> {
    let engine = ssr::engine()?;
    ssr::require(engine::operators::Permission::Administer)?;
    let role = role.parse().map_err(AppError::Invalid)?;
    engine
        .change_user(&username, Some(role), None)
        .await
        .map_err(ssr::unavailable("Could not change the user."))?
        .map_err(|e| AppError::Invalid(e.to_string()))
}

/// Removes a user (admins; never the last admin).
#[server(prefix = "/_app")]
pub async fn remove_user(username: String) -> Result<(), AppError> {
    let engine = ssr::engine()?;
    ssr::require(engine::operators::Permission::Administer)?;
    engine
        .delete_user(&username)
        .await
        .map_err(ssr::unavailable("Could not remove the user."))?
        .map_err(|e| AppError::Invalid(e.to_string()))
}

/// Makes an API token for the signed-in admin (or another user); answers it, shown once.
#[server(prefix = "/_app")]
pub async fn add_token(name: String, role: String, username: String) -> Result<String, AppError> {
    let engine = ssr::engine()?;
    let who = ssr::require(engine::operators::Permission::Administer)?;
    let role = role.parse().map_err(AppError::Invalid)?;
    if name.trim().is_empty() {
        return Err(AppError::Invalid(
            "Name the token (what it is for).".to_owned(),
        ));
    }
    let owner = if username.is_empty() {
        who.username
    } else {
        username
    };
    engine
        .add_api_token(&owner, name.trim(), role)
        .await
        .map_err(ssr::unavailable("Could not make the token."))?
        .map(|(_, token)| token)
        .map_err(|e| AppError::Invalid(e.to_string()))
}

/// Revokes an API token (admins).
#[server(prefix = "/_app")]
pub async fn revoke_token(id: i64) -> Result<(), AppError> {
    let engine = ssr::engine()?;
    ssr::require(engine::operators::Permission::Administer)?;
    if engine
        .revoke_api_token(id)
        .await
        .map_err(ssr::unavailable("Could not revoke the token."))?
    {
        Ok(())
    } else {
        Err(ssr::not_found(format!("There is no token {id}.")))
    }
}

/// Gives a connected station a new password (admins): sends it as its AuthorizationKey
/// (1.6 ChangeConfiguration) or SecurityCtrlr.BasicAuthPassword (2.0.1 SetVariables), and keeps
/// it once the station accepts. An empty `password` makes one. Answers the password, to be
/// shown once.
#[server(prefix = "/_app")]
pub async fn send_station_password(
    station_id: String,
    password: String,
) -> Result<String, AppError> {
    let engine = ssr::engine()?;
    let who = ssr::require(engine::operators::Permission::Administer)?;
    let id = ssr::station_id(station_id)?;
    let password = if password.is_empty() {
        engine::secret::random_secret(24)
    } else {
        password
    };
    let (action, payload) = engine::calls::password_call(engine.version_of(&id).await, &password);
    match engine
        .call_json(&who.actor(), &id, action, &payload.to_string())
        .await
    {
        Ok(answer) => {
            let status = engine::calls::password_call_status(&answer).unwrap_or("?");
            if matches!(status, "Accepted" | "RebootRequired") {
                Ok(password)
            } else {
                Err(AppError::Invalid(format!(
                    "The station answered {status}: its password is unchanged."
                )))
            }
        }
        Err(e) => Err(AppError::Invalid(format!("Not sent: {e}."))),
    }
}

/// Sets a user's password (admins); the user's sessions end.
#[server(prefix = "/_app")]
pub async fn set_user_password(username: String, password: String) -> Result<(), AppError> {
    let engine = ssr::engine()?;
    ssr::require(engine::operators::Permission::Administer)?;
    engine
        .change_user(&username, None, Some(&password))
        .await
        .map_err(ssr::unavailable("Could not change the password."))?
        .map_err(|e| AppError::Invalid(e.to_string()))
}

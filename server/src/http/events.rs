//! `GET /api/events`: the engine's events as server-sent events, one `event:` name per kind.
//!
//! `?kinds=a,b` keeps only those kinds and `?station=ID` only that station's events, so a page
//! that does not show the message log is not sent every frame of the fleet.

use super::openapi::ErrorBody;
use super::{ApiError, AppState};
use axum::extract::{Query, State};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use engine::Event;
use futures_util::Stream;
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use utoipa::IntoParams;

/// The name of the event telling a client it fell behind and must refetch its snapshot.
const RESYNC: &str = "resync";

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Filter {
    /// Comma-separated event kinds (the `type` of each event); all if absent.
    #[param(example = "stationConnected,statusChanged")]
    kinds: Option<String>,
    /// Only this station's events.
    station: Option<String>,
}

/// What a subscriber asked for.
struct Wanted {
    kinds: Option<Vec<&'static str>>,
    station: Option<String>,
}

impl Wanted {
    fn parse(filter: Filter) -> Result<Wanted, ApiError> {
        let kinds = filter
            .kinds
            .map(|list| {
                list.split(',')
                    .filter(|k| !k.is_empty())
                    .map(|kind| {
                        Event::KINDS
                            .iter()
                            .find(|known| **known == kind)
                            .copied()
                            .ok_or_else(|| {
                                ApiError::BadRequest(format!(
                                    "unknown event kind {kind:?}; the kinds are {}",
                                    Event::KINDS.join(", ")
                                ))
                            })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        Ok(Wanted {
            kinds,
            station: filter.station,
        })
    }

    fn wants(&self, event: &Event) -> bool {
        self.kinds
            .as_ref()
            .is_none_or(|k| k.contains(&event.kind()))
            && self
                .station
                .as_deref()
                .is_none_or(|s| s == event.station_id())
    }
}

/// The live event stream (server-sent events).
///
/// Each event is named by its kind (`event:`) and its `data:` is the event as JSON. A client
/// that falls behind gets `resync` and should read its snapshot again.
#[utoipa::path(get, path = "/events", tag = "Events", params(Filter),
    responses((status = 200, description = "A never-ending stream of events", content_type = "text/event-stream", body = Event),
        (status = 400, description = "An unknown kind (named)", body = ErrorBody)))]
pub async fn stream(
    State(state): State<AppState>,
    Query(filter): Query<Filter>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let wanted = Wanted::parse(filter)?;
    let receiver = state.engine.subscribe();
    let shutdown = state.engine.shutdown_token();
    let engine = state.engine.clone();
    let events = futures_util::stream::unfold(
        (receiver, shutdown, wanted, engine),
        |(mut receiver, shutdown, wanted, engine)| async move {
            let next = loop {
                let next = tokio::select! {
                    () = shutdown.cancelled() => return None,
                    next = receiver.recv() => next,
                };
                match &next {
                    Ok(event) if !wanted.wants(event) => continue,
                    _ => break next,
                }
            };
            let sse = match next {
                Ok(event) => match serde_json::to_string(&event) {
                    Ok(json) => SseEvent::default().event(event.kind()).data(json),
                    Err(e) => {
                        tracing::error!(error = %e, "event not serialisable");
                        SseEvent::default().event(RESYNC).data("{}")
                    }
                },
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "event subscriber lagged");
                    engine.metrics().resync();
                    SseEvent::default()
                        .event(RESYNC)
                        .data(format!("{{\"missed\":{missed}}}"))
                }
                Err(RecvError::Closed) => return None,
            };
            Some((Ok(sse), (receiver, shutdown, wanted, engine)))
        },
    );
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

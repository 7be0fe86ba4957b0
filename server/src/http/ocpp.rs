//! `GET /ocpp/{stationId}` and `/central/{stationId}`: a station's WebSocket.
//!
//! The station offers OCPP versions as subprotocols; of those Centrale speaks, the newest is
//! chosen (2.0.1 before 1.6). A station offering none (or no subprotocol at all) is refused
//! with HTTP 400 and no WebSocket, as test case TC_B_58_CSMS (2025-04 errata of OCPP 2.0.1)
//! asks; Centrale does the same for 1.6.

use super::{ApiError, AppState};
use axum::extract::ws::{CloseFrame, Message, WebSocketUpgrade, close_code};

/// Per connection, the read buffer is this small (tungstenite's default, 128 KiB, would cost
/// that much for every idle station, and 4 KiB was still most of an idle station's memory); it
/// grows for a bigger message, and most OCPP messages fit in one read.
const READ_BUFFER: usize = 1024;
/// Frames are written at once (no write buffering: a session sends one frame at a time and
/// flushes it); at most this much may wait unsent for a slow station before the write fails.
const MAX_WRITE_BUFFER: usize = 1024 * 1024;

use crate::tls::Peer;
use axum::extract::{ConnectInfo, OriginalUri, Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use engine::operations::Admission;
use engine::security::Credentials;
use engine::{Incoming, Outgoing};
use futures_util::future::ready;
use futures_util::{FutureExt, SinkExt, StreamExt};
use protocol::{OcppVersion, StationId};

/// How the stations' WebSocket routes answer.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
enum SocketAnswers {
    /// Switching to the WebSocket
    #[response(status = 101)]
    Switching,
    /// Not a WebSocket request, or no OCPP version Centrale speaks offered
    #[response(status = 400)]
    NoVersion,
    /// Credentials missing or wrong for the station's security profile
    #[response(status = 401)]
    Unauthorized,
    /// An unknown station, when unknown stations are refused
    #[response(status = 404)]
    Unknown,
    /// The server is full or shutting down
    #[response(status = 503)]
    Full,
}

/// A station's OCPP WebSocket.
///
/// The station offers its OCPP versions as subprotocols (`ocpp2.0.1`, `ocpp1.6`); the newest
/// Centrale speaks is chosen. Credentials, when its security profile asks for them: HTTP Basic
/// (profiles 1, 2) over TLS (2) or a TLS client certificate (3).
#[utoipa::path(get, path = "/ocpp/{stationId}", tag = "Service", security(()),
    params(("stationId" = String, Path, description = "The station's identity", example = "CP-001"),
        ("Sec-WebSocket-Protocol" = String, Header, description = "The OCPP versions offered", example = "ocpp2.0.1, ocpp1.6")),
    responses(SocketAnswers))]
pub async fn station_socket(
    State(state): State<AppState>,
    Path(station_id): Path<String>,
    OriginalUri(uri): OriginalUri,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if peer.tls { "wss" } else { "ws" };
    let url = format!("{scheme}://{host}{}", uri.path());
    let station = match StationId::parse(station_id) {
        Ok(station) => station,
        Err(e) => {
            return ApiError::BadRequest(format!("invalid station identity: {e}")).into_response();
        }
    };
    let Some(version) = chosen_version(&headers) else {
        tracing::warn!(station_id = %station, peer = %peer.addr, "no supported OCPP subprotocol offered; refused");
        state
            .engine
            .metrics()
            .refused(engine::metrics::Refused::Subprotocol);
        return ApiError::BadRequest(format!(
            "no OCPP version Centrale speaks was offered in Sec-WebSocket-Protocol: offer {}",
            OcppVersion::SUPPORTED
                .iter()
                .map(|v| v.subprotocol())
                .collect::<Vec<_>>()
                .join(" or ")
        ))
        .into_response();
    };
    let credentials = Credentials {
        tls: peer.tls,
        certificate_cn: peer.certificate_cn,
        basic: basic_auth(&headers),
    };
    match state.engine.admit(&station, &credentials).await {
        Ok(Admission::Admitted) => {}
        Ok(Admission::Refused(refusal)) => {
            tracing::warn!(station_id = %station, peer = %peer.addr, %refusal, "station refused");
            // The station learns only that it is not let in.
            let mut response = ApiError::Unauthorized("unauthorized".to_owned()).into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Basic realm=\"Centrale\", charset=\"UTF-8\""),
            );
            return response;
        }
        Ok(Admission::Unknown) => {
            tracing::info!(station_id = %station, "unknown station refused (registration is closed)");
            return ApiError::NotFound(format!("unknown station {station}")).into_response();
        }
        Ok(Admission::Full(limit)) => {
            tracing::warn!(station_id = %station, limit, "station refused: the station limit is reached");
            return ApiError::Unavailable(format!(
                "{limit} stations are connected, the most this central system takes; retry later"
            ))
            .into_response();
        }
        Err(e) => {
            tracing::error!(station_id = %station, error = %e, "could not check the station");
            return ApiError::Unavailable("cannot check the station now; retry".to_owned())
                .into_response();
        }
    }
    let ws = ws
        .protocols([version.subprotocol()])
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .max_message_size(state.max_message)
        .max_frame_size(state.max_message);
    let engine = state.engine;
    // No async block around the session: it would keep the socket it was given (an async
    // block keeps what it captures) beside the halves the session holds, for as long as the
    // station stays connected.
    ws.on_upgrade(move |socket| {
        let (sink, stream) = socket.split();
        let tx = sink.with(|out: Outgoing| {
            ready(Ok::<_, axum::Error>(match out {
                Outgoing::Text(text) => Message::Text(text.into()),
                Outgoing::Ping(data) => Message::Ping(data.into()),
                Outgoing::Close => Message::Close(Some(CloseFrame {
                    code: close_code::NORMAL,
                    reason: "".into(),
                })),
                Outgoing::CloseTooBig => Message::Close(Some(CloseFrame {
                    code: close_code::SIZE,
                    reason: "message too big".into(),
                })),
            }))
        });
        let rx = stream
            // A message over the size limit is reported once; any other error or a Close ends
            // the stream.
            .map(|m| match m {
                Err(e) => {
                    if too_big(e) {
                        Ok(None)
                    } else {
                        Err(())
                    }
                }
                Ok(Message::Close(_)) => Err(()),
                Ok(m) => Ok(Some(m)),
            })
            .take_while(|m| ready(m.is_ok()))
            .filter_map(|m| {
                ready(match m {
                    Ok(None) => Some(Incoming::TooBig),
                    Ok(Some(Message::Text(text))) => Some(Incoming::Text(text.to_string())),
                    Ok(Some(Message::Binary(data))) => Some(Incoming::Binary(data.to_vec())),
                    Ok(Some(Message::Pong(_))) => Some(Incoming::Pong),
                    // Pings are answered by the WebSocket layer itself.
                    _ => None,
                })
            });
        let session = engine.serve_station(station, version, url, tx, rx);
        engine.track(session).map(|served| {
            if let Err(e) = served {
                tracing::error!(error = %e, "station session failed");
            }
        })
    })
}

/// The same WebSocket at the route of the project Centrale grew from (SpringOcpp).
#[utoipa::path(get, path = "/central/{stationId}", tag = "Service", security(()),
    params(("stationId" = String, Path, description = "The station's identity", example = "CP-001"),
        ("Sec-WebSocket-Protocol" = String, Header, description = "The OCPP versions offered", example = "ocpp2.0.1, ocpp1.6")),
    responses(SocketAnswers))]
pub async fn central_socket(
    state: State<AppState>,
    station_id: Path<String>,
    uri: OriginalUri,
    peer: ConnectInfo<Peer>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    station_socket(state, station_id, uri, peer, headers, ws).await
}

/// The user and password of an `Authorization: Basic` header (RFC 7617), if there is one that
/// decodes. The password may contain `:`; the user may not.
fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// Whether a read failed because the message or frame was over the size limit.
fn too_big(error: axum::Error) -> bool {
    use tokio_tungstenite::tungstenite::Error;
    use tokio_tungstenite::tungstenite::error::CapacityError;
    matches!(
        error.into_inner().downcast::<Error>().map(|e| *e),
        Ok(Error::Capacity(
            CapacityError::MessageTooLong { .. } | CapacityError::TooManyHeaders
        ))
    )
}

/// The newest OCPP version Centrale speaks among the subprotocols the station offers (one or
/// more `Sec-WebSocket-Protocol` headers, each a comma-separated list; tokens are
/// case-sensitive, RFC 6455).
fn chosen_version(headers: &HeaderMap) -> Option<OcppVersion> {
    let offered: Vec<&str> = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    OcppVersion::SUPPORTED
        .iter()
        .copied()
        .find(|version| offered.contains(&version.subprotocol()))
}

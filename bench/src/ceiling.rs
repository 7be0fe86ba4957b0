//! The raw ceiling server: what the same runtime and WebSocket library cost with no central
//! system behind them. It parses each frame (as Centrale's protocol crate does) and answers a
//! CALL with a canned CALLRESULT; no validation of payloads, no database, no events.

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use protocol::Frame;

// The raw ceiling is not Centrale: it has no API to describe.
#[allow(clippy::disallowed_methods)]
pub async fn serve() -> anyhow::Result<()> {
    let app = Router::new().route("/ocpp/{id}", get(upgrade));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("listening {}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

async fn upgrade(ws: WebSocketUpgrade) -> axum::response::Response {
    ws.protocols(["ocpp1.6"])
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .on_upgrade(station)
}

async fn station(socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    while let Some(Ok(message)) = stream.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        let answer = match Frame::parse(text.as_str()) {
            Ok(Frame::Call { id, action, .. }) => match action.as_str() {
                "BootNotification" => format!(
                    r#"[3,"{}",{{"status":"Accepted","currentTime":"2026-11-24T10:00:00Z","interval":86400}}]"#,
                    id.as_str()
                ),
                "Heartbeat" => format!(
                    r#"[3,"{}",{{"currentTime":"2026-11-24T10:00:00Z"}}]"#,
                    id.as_str()
                ),
                _ => format!(r#"[3,"{}",{{}}]"#, id.as_str()),
            },
            _ => continue,
        };
        if sink.send(Message::text(answer)).await.is_err() {
            break;
        }
    }
}

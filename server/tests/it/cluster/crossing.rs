//! What crosses between nodes: commands to a station another node holds and their answers,
//! events to an event stream on another node, a newer connection on another node, a revoked
//! token.

use super::{booted, cluster_database, node, node_here, online, wait_for};
use crate::helpers::{http_with, read_until};
use protocol::Frame;
use serde_json::json;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const WAIT: Duration = Duration::from_secs(10);

/// Answers the next call `cp` gets: with `answer`, or a CALLERROR if none. Its action.
async fn answer_next(cp: &mut simulator::Station, answer: Option<serde_json::Value>) -> String {
    let call = cp.next_call(WAIT).await.unwrap();
    let Frame::Call { action, .. } = &call else {
        unreachable!("next_call answers calls")
    };
    let action = action.clone();
    match answer {
        Some(payload) => cp.answer(&call, payload).await.unwrap(),
        None => cp
            .answer_error(&call, "InternalError", "not today")
            .await
            .unwrap(),
    }
    action
}

/// An event stream on `addr`, its head read.
async fn events(addr: &str, auth: &str) -> TcpStream {
    let mut sse = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET /api/events HTTP/1.1\r\nHost: {addr}\r\n{auth}\r\n");
    sse.write_all(request.as_bytes()).await.unwrap();
    let head = read_until(&mut sse, "\r\n\r\n").await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    sse
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_events_and_revoked_tokens_cross_the_nodes() {
    let Some(database) = cluster_database().await else {
        return;
    };
    let (_a, a_addr, a_auth) = node(&database, "node-a").await;
    let b = node_here(&database, "node-b").await;
    let b_addr = b.server.addr().to_string();
    let mut on_a = booted(&a_addr, "X-A").await;
    let mut on_b = booted(&b_addr, "X-B").await;
    let mut sse = events(&b_addr, &b.auth_header()).await;

    // Through node-b to the station node-a holds, and back: the same answers as on one node.
    let (action, sent) = tokio::join!(
        answer_next(&mut on_a, Some(json!({"status": "Accepted"}))),
        b.request("POST", "/api/stations/X-A/commands/ClearCache", Some("{}"))
    );
    assert_eq!(action, "ClearCache");
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert_eq!(sent.json(), json!({"status": "Accepted"}));
    // Its audit and its events are node-a's, and reach node-b's stream.
    let seen = read_until(&mut sse, "event: commandAnswered").await;
    assert!(seen.contains("\"stationId\":\"X-A\""), "{seen}");
    let (_, refused) = tokio::join!(
        answer_next(&mut on_a, None),
        b.request(
            "POST",
            "/api/stations/X-A/commands/Reset",
            Some(r#"{"type":"Soft"}"#)
        )
    );
    assert_eq!(refused.status, 502, "{}", refused.body);
    assert!(refused.body.contains("InternalError"), "{}", refused.body);
    // A request the station's version refuses is refused on the node it was sent to.
    let invalid = b
        .request(
            "POST",
            "/api/stations/X-A/commands/Reset",
            Some(r#"{"type":"Sideways"}"#),
        )
        .await;
    assert_eq!(invalid.status, 400, "{}", invalid.body);

    // Through node-a to the station node-b holds.
    let (action, sent) = tokio::join!(
        answer_next(&mut on_b, Some(json!({"status": "Unlocked"}))),
        http_with(
            &a_addr,
            &a_auth,
            "POST",
            "/api/stations/X-B/commands/UnlockConnector",
            Some(r#"{"connectorId":1}"#)
        )
    );
    assert_eq!(action, "UnlockConnector");
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert_eq!(sent.json(), json!({"status": "Unlocked"}));

    // A station connected nowhere: 409, from either node.
    booted(&a_addr, "X-GONE").await.close().await.unwrap();
    let nowhere = b
        .request(
            "POST",
            "/api/stations/X-GONE/commands/ClearCache",
            Some("{}"),
        )
        .await;
    assert_eq!(nowhere.status, 409, "{}", nowhere.body);

    // A station connecting to node-a is on node-b's stream.
    let _late = booted(&a_addr, "X-A2").await;
    let seen = read_until(&mut sse, "\"stationId\":\"X-A2\"").await;
    assert!(seen.contains("event: stationConnected"), "{seen}");

    // A token made and revoked on node-b: node-a accepts it, then refuses it at once (it had
    // it cached for 10 s).
    let made = b
        .request(
            "POST",
            "/api/tokens",
            Some(r#"{"name":"crossing","role":"viewer"}"#),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let token = made.json()["token"].as_str().unwrap().to_owned();
    let id = made.json()["id"].as_i64().unwrap();
    let viewer = format!("Authorization: Bearer {token}\r\n");
    let read = async || {
        http_with(&a_addr, &viewer, "GET", "/api/stations", None)
            .await
            .status
    };
    assert_eq!(read().await, 200);
    let revoked = b
        .request("DELETE", &format!("/api/tokens/{id}"), None)
        .await;
    assert_eq!(revoked.status, 204);
    let mut status = read().await;
    for _ in 0..20 {
        if status == 401 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        status = read().await;
    }
    assert_eq!(status, 401, "node-a still takes a token revoked on node-b");
    b.server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_connection_on_another_node_replaces_the_older_one() {
    let Some(database) = cluster_database().await else {
        return;
    };
    let a = node_here(&database, "node-a").await;
    let b = node_here(&database, "node-b").await;
    let a_addr = a.server.addr().to_string();
    let b_addr = b.server.addr().to_string();
    let mut first = booted(&a_addr, "DUP").await;
    let _second = booted(&b_addr, "DUP").await;
    // The older connection is closed cleanly (a close frame), by node-a.
    let closed = first.closed(WAIT).await;
    assert!(closed.is_ok(), "{closed:?}");
    let held = [("DUP".to_owned(), "node-b".to_owned())];
    assert_eq!(online(&a).await, held);
    assert_eq!(online(&b).await, held);
    assert_eq!(a.server.engine().connected_stations(), []);
    a.server.stop().await.unwrap();
    b.server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sign_ins_lock_a_name_on_every_node() {
    use engine::operators::LoginRefused;
    let Some(database) = cluster_database().await else {
        return;
    };
    let a = node_here(&database, "node-a").await;
    let b = node_here(&database, "node-b").await;
    // node-a heard of node-b (its arrival, or its first beat).
    wait_for(
        Duration::from_secs(5),
        async || a.get("/api/nodes").await.json(),
        |nodes| nodes.as_array().is_some_and(|n| n.len() == 2),
    )
    .await;
    let (name, right) = crate::helpers::ADMIN;
    let login = async |app: &crate::helpers::TestApp, password: &str| {
        app.server
            .engine()
            .login(name, password)
            .await
            .unwrap()
            .map(|_| ())
    };
    for _ in 0..engine::secret::Backoff::FREE + 1 {
        assert!(login(&a, "wrong").await.is_err());
    }
    assert!(matches!(
        login(&a, right).await,
        Err(LoginRefused::Locked(_))
    ));
    // node-b counted them: locked there too, within three tries of its own (five would lock
    // it alone).
    let mut refused = login(&b, "wrong").await;
    for _ in 0..2 {
        if matches!(refused, Err(LoginRefused::Locked(_))) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        refused = login(&b, "wrong").await;
    }
    assert!(
        matches!(refused, Err(LoginRefused::Locked(_))),
        "{refused:?}"
    );
    a.server.stop().await.unwrap();
    b.server.stop().await.unwrap();
}

//! The dashboard's browser files (`pkg/centrale.js`, its wasm, CSS, favicon): compiled into the
//! binary by `make release` (feature `embed-site`, see `build.rs`), or read from `--site-root`.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use std::sync::OnceLock;

mod compiled {
    include!(concat!(env!("OUT_DIR"), "/site.rs"));
}

/// Whether this binary carries the dashboard's files.
pub fn embedded() -> bool {
    !compiled::FILES.is_empty()
}

/// How many bytes the compiled-in files take.
pub fn embedded_size() -> usize {
    compiled::FILES.iter().map(|(_, bytes)| bytes.len()).sum()
}

/// The compiled-in file at `path` (under the site root, without its leading `/`), with its
/// entity tag.
fn find(path: &str) -> Option<(&'static [u8], &'static str)> {
    let index = compiled::FILES
        .binary_search_by(|(name, _)| (*name).cmp(path))
        .ok()?;
    let tags = TAGS.get_or_init(|| {
        compiled::FILES
            .iter()
            .map(|(_, bytes)| format!("\"{:016x}\"", fnv1a(bytes)))
            .collect()
    });
    Some((compiled::FILES[index].1, tags[index].as_str()))
}

static TAGS: OnceLock<Vec<String>> = OnceLock::new();

/// FNV-1a, 64 bits: a file's entity tag (content changes, tag changes; not a security hash).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("ico") => "image/x-icon",
        Some("png") => "image/png",
        Some("html") => "text/html; charset=utf-8",
        Some("json") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// A compiled-in file as a response (`304` when the browser has it), if there is one at
/// `uri`'s path. Browsers revalidate each load (`no-cache`): a new binary's files are fetched
/// at once, an unchanged one's are not sent again.
pub fn response(uri: &Uri, headers: &HeaderMap) -> Option<Response> {
    let path = uri.path().trim_start_matches('/');
    let (bytes, tag) = find(path)?;
    let cached = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    let mut response = if cached {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(header::CONTENT_TYPE, content_type(path))],
            Body::from(bytes),
        )
            .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(tag) = HeaderValue::from_str(tag) {
        headers.insert(header::ETAG, tag);
    }
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_by_extension() {
        assert_eq!(content_type("pkg/centrale_bg.wasm"), "application/wasm");
        assert_eq!(
            content_type("pkg/centrale.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("favicon.svg"), "image/svg+xml");
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
    }

    #[test]
    fn tags_differ_with_contents() {
        assert_ne!(fnv1a(b"centrale.js v1"), fnv1a(b"centrale.js v2"));
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
    }
}

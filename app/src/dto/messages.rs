//! What the browser sees of the message log: a page of frames, and the log's state as its
//! address spells it.

use super::MessageRow;
use serde::{Deserialize, Serialize};

/// Frames per page of the message log (more gather live on the newest page).
pub const FRAMES_SHOWN: u32 = 100;

/// Which frames the log shows, as the Messages page's URL says:
/// `/messages?station=&action=&errors=true&before=`. `before` (a frame id) pages back to older
/// frames; without it the log is live.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageListQuery {
    pub station: String,
    pub action: String,
    /// Only CALLERRORs.
    pub errors: bool,
    pub before: Option<i64>,
}

impl MessageListQuery {
    /// Reads the log's state from URL parameters (`get` answers one by name).
    pub fn from_url(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |key: &str| get(key).unwrap_or_default().trim().to_owned();
        MessageListQuery {
            station: text("station"),
            action: text("action"),
            errors: text("errors") == "true",
            before: get("before")
                .and_then(|b| b.trim().parse().ok())
                .filter(|b| *b > 0),
        }
    }

    /// The URL parameters that differ from the default.
    pub fn to_url(&self) -> Vec<(&'static str, String)> {
        super::url_params(
            [
                ("station", self.station.clone()),
                ("action", self.action.clone()),
                ("errors", if self.errors { "true" } else { "" }.to_owned()),
                (
                    "before",
                    self.before.map(|b| b.to_string()).unwrap_or_default(),
                ),
            ],
            1,
        )
    }

    /// The parameters of `GET /api/messages` for a page.
    pub fn api_params(&self) -> Vec<(&'static str, String)> {
        let mut params = self.to_url();
        params.push(("limit", FRAMES_SHOWN.to_string()));
        params
    }

    /// Whether a frame that arrives now belongs in the log shown: the newest page, and the
    /// filters let it in.
    pub fn shows_live(&self, frame: &MessageRow) -> bool {
        self.before.is_none()
            && (self.station.is_empty() || self.station == frame.station_id)
            && (self.action.is_empty() || frame.action.as_deref() == Some(self.action.as_str()))
            && (!self.errors || frame.message_type == Some(4))
    }
}

/// A page of the message log.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageListing {
    pub frames: Vec<MessageRow>,
    /// `before` of the next (older) page; none on the last.
    pub next_before: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_state_goes_to_its_address_and_back() {
        let query = MessageListQuery {
            station: "CP 1".into(),
            action: "Heartbeat".into(),
            errors: true,
            before: Some(42),
        };
        let url = query.to_url();
        let back = MessageListQuery::from_url(|k| {
            url.iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.clone())
        });
        assert_eq!(back, query);
        assert_eq!(MessageListQuery::default().to_url(), Vec::new());
        assert!(
            MessageListQuery::from_url(|k| (k == "before").then(|| "-3".into()))
                .before
                .is_none()
        );
    }

    #[test]
    fn a_live_frame_shows_on_the_newest_page_when_the_filters_let_it_in() {
        let frame = MessageRow {
            station_id: "CP-1".into(),
            action: Some("Heartbeat".into()),
            message_type: Some(2),
            ..Default::default()
        };
        let mut query = MessageListQuery::default();
        assert!(query.shows_live(&frame));
        query.station = "CP-2".into();
        assert!(!query.shows_live(&frame));
        query.station = "CP-1".into();
        query.errors = true;
        assert!(!query.shows_live(&frame), "not a CALLERROR");
        query.errors = false;
        query.before = Some(10);
        assert!(!query.shows_live(&frame), "an older page stays as it is");
    }
}

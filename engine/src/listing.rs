//! Lists read a page at a time from URL parameters: what every list's parameters share
//! ([`BadQuery`], `offset`, `limit`), and transactions filtered by station, id tag, state and
//! a range of start times, counted and paged by the database (the stations' list is in
//! [`crate::fleet`]).

use crate::model::Transaction;
use crate::{Engine, EngineError};
use protocol::StationId;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time};

/// A query parameter that has no meaning: which one, and what it accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct BadQuery {
    pub field: &'static str,
    pub message: String,
}

impl BadQuery {
    /// A parameter no list knows.
    pub(crate) fn unknown(key: &str) -> BadQuery {
        BadQuery {
            field: "query",
            message: format!("unknown parameter {key:?}"),
        }
    }
}

/// The parameters that have a value, trimmed: an empty one is none.
pub(crate) fn given<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> impl Iterator<Item = (&'a str, &'a str)> {
    params
        .into_iter()
        .map(|(key, value)| (key, value.trim()))
        .filter(|(_, value)| !value.is_empty())
}

/// `station`: a station's id.
pub(crate) fn station_param(value: &str) -> Result<StationId, BadQuery> {
    StationId::parse(value.to_owned()).map_err(|e| BadQuery {
        field: "station",
        message: e.to_string(),
    })
}

/// `true` or `false`, for parameter `field`.
pub(crate) fn flag_param(field: &'static str, value: &str) -> Result<bool, BadQuery> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(BadQuery {
            field,
            message: "expected true or false".into(),
        }),
    }
}

/// `offset`: how many items a page skips.
pub(crate) fn offset_param(value: &str) -> Result<u64, BadQuery> {
    value.parse().map_err(|_| BadQuery {
        field: "offset",
        message: "expected a whole number, 0 or more".into(),
    })
}

/// `limit`: how many items a page holds, 1 to `max`.
pub(crate) fn limit_param(value: &str, max: u32) -> Result<u32, BadQuery> {
    value
        .parse()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| BadQuery {
            field: "limit",
            message: format!("expected a whole number from 1 to {max}"),
        })
}

/// Which transactions, and which slice of them (newest first).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TransactionQuery {
    pub station: Option<StationId>,
    pub id_tag: Option<String>,
    /// Only running (`true`) or finished (`false`) ones.
    pub active: Option<bool>,
    /// Started at or after.
    pub from: Option<OffsetDateTime>,
    /// Started before.
    pub to: Option<OffsetDateTime>,
    pub offset: u64,
    /// At most this many; `None`: the caller's default.
    pub limit: Option<u32>,
}

impl TransactionQuery {
    /// Reads a query from URL parameters: `station`, `tag`, `active` (`true`, `false`),
    /// `from` and `to` (a date `2026-11-01`, midnight UTC, or an RFC 3339 time; `to` excluded),
    /// `offset`, `limit` (1 to `max_limit`). An empty value is none; an unknown parameter is
    /// refused.
    pub fn from_params<'a>(
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
        max_limit: u32,
    ) -> Result<TransactionQuery, BadQuery> {
        let bad = |field: &'static str, message: String| BadQuery { field, message };
        let mut query = TransactionQuery::default();
        for (key, value) in given(params) {
            match key {
                "station" => query.station = Some(station_param(value)?),
                "tag" => query.id_tag = Some(value.to_owned()),
                "active" => query.active = Some(flag_param("active", value)?),
                "from" => query.from = Some(moment(value).ok_or_else(|| bad("from", when()))?),
                "to" => query.to = Some(moment(value).ok_or_else(|| bad("to", when()))?),
                "offset" => query.offset = offset_param(value)?,
                "limit" => query.limit = Some(limit_param(value, max_limit)?),
                _ => return Err(BadQuery::unknown(key)),
            }
        }
        Ok(query)
    }
}

fn when() -> String {
    "expected a date (2026-11-01) or an RFC 3339 time (2026-11-01T08:00:00Z)".into()
}

/// A date (its midnight, UTC) or an RFC 3339 time.
fn moment(text: &str) -> Option<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t);
    }
    let mut parts = text.splitn(3, '-');
    let mut number = || -> Option<i32> {
        let part = parts.next()?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (year, month, day) = (number()?, number()?, number()?);
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(year, month, u8::try_from(day).ok()?)
        .ok()
        .map(|d| d.with_time(Time::MIDNIGHT).assume_utc())
}

impl Engine {
    /// The transactions `query` asks for, newest first, `limit` of them (`default_limit` when
    /// it says none), and how many match in all.
    pub async fn transaction_page(
        &self,
        query: &TransactionQuery,
        default_limit: u32,
    ) -> Result<(Vec<Transaction>, u64), EngineError> {
        let store = &self.inner.store;
        let limit = query.limit.unwrap_or(default_limit);
        Ok((
            store.transactions(query, limit).await?,
            store.count_transactions(query).await?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_read_from_url_parameters() {
        let query = TransactionQuery::from_params(
            [
                ("station", "CP-1"),
                ("tag", "DRIVER"),
                ("active", "false"),
                ("from", "2026-11-01"),
                ("to", "2026-11-02T12:00:00Z"),
                ("offset", "50"),
                ("limit", "25"),
            ],
            1000,
        )
        .unwrap();
        assert_eq!(query.station.as_ref().map(StationId::as_str), Some("CP-1"));
        assert_eq!(query.id_tag.as_deref(), Some("DRIVER"));
        assert_eq!(query.active, Some(false));
        let at = |text: &str| OffsetDateTime::parse(text, &Rfc3339).ok();
        assert_eq!(query.from, at("2026-11-01T00:00:00Z"));
        assert_eq!(query.to, at("2026-11-02T12:00:00Z"));
        assert_eq!((query.offset, query.limit), (50, Some(25)));
    }

    #[test]
    fn a_bad_parameter_is_named() {
        for (key, value, field) in [
            ("active", "yes", "active"),
            ("from", "1 Nov", "from"),
            ("to", "2026-13-01", "to"),
            ("limit", "1001", "limit"),
            ("station", "", "none"),
            ("stationn", "CP", "query"),
        ] {
            match TransactionQuery::from_params([(key, value)], 1000) {
                Ok(_) => assert_eq!(field, "none", "{key}={value} was taken"),
                Err(e) => assert_eq!(e.field, field, "{key}={value}: {e}"),
            }
        }
    }
}

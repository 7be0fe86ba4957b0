//! Primitive types shared by every OCPP version: constrained strings, date-times, decimals.

use serde::de::{Error as _, Expected, Unexpected};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::ops::Deref;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A decimal number of a message (`"type": "number"` in the schemas).
pub type Decimal = f64;

/// A string of at most `N` characters (OCPP's CiString20Type, CiString25Type, ...).
///
/// The limit is checked when a value is made or decoded, so a too-long value cannot exist;
/// comparison is exact (case-insensitive matching, where the spec asks for it, is the caller's).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CiString<const N: usize>(String);

/// An identifier of a user or card (OCPP 1.6 `IdToken`, CiString20Type).
pub type IdToken = CiString<20>;

/// An id token as the store keeps it for both versions: up to 2.0.1's 36 characters (a 1.6
/// station presents 20 at most).
pub type StoredIdToken = CiString<36>;

/// A string longer than a [`CiString`]'s limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be at most {max} characters, got {len}")]
pub struct TooLong {
    pub max: usize,
    pub len: usize,
}

impl<const N: usize> CiString<N> {
    /// The maximum length in characters.
    pub const MAX: usize = N;

    pub fn parse(s: impl Into<String>) -> Result<Self, TooLong> {
        let s = s.into();
        let len = s.chars().count();
        if len > N {
            return Err(TooLong { max: N, len });
        }
        Ok(CiString(s))
    }

    /// The empty string, which fits any limit.
    pub fn empty() -> Self {
        CiString(String::new())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl<const N: usize> Deref for CiString<N> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<const N: usize> fmt::Display for CiString<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<const N: usize> TryFrom<&str> for CiString<N> {
    type Error = TooLong;
    fn try_from(s: &str) -> Result<Self, TooLong> {
        CiString::parse(s)
    }
}

struct MaxChars(usize);

impl Expected for MaxChars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a string of at most {} characters", self.0)
    }
}

impl<'de, const N: usize> Deserialize<'de> for CiString<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        CiString::parse(s.as_str())
            .map_err(|_| D::Error::invalid_value(Unexpected::Str(&s), &MaxChars(N)))
    }
}

/// A point in time, as OCPP writes it: RFC 3339 with an offset (`2026-11-24T10:00:00Z`).
///
/// Encoded back with the offset and sub-second precision it was given, so a message
/// round-trips exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DateTime(OffsetDateTime);

impl DateTime {
    pub fn now() -> DateTime {
        DateTime(OffsetDateTime::now_utc())
    }

    pub fn parse(s: &str) -> Result<DateTime, time::error::Parse> {
        OffsetDateTime::parse(s, &Rfc3339).map(DateTime)
    }

    pub fn inner(self) -> OffsetDateTime {
        self.0
    }
}

impl From<OffsetDateTime> for DateTime {
    fn from(t: OffsetDateTime) -> DateTime {
        DateTime(t)
    }
}

impl From<DateTime> for OffsetDateTime {
    fn from(t: DateTime) -> OffsetDateTime {
        t.0
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(&Rfc3339) {
            Ok(s) => f.write_str(&s),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = self.0.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse(&s).map_err(|_| {
            D::Error::invalid_value(Unexpected::Str(&s), &"an RFC 3339 date-time with offset")
        })
    }
}

/// Helpers for `#[serde(deserialize_with = ...)]` in generated messages.
pub mod de {
    use serde::de::{self, Deserialize, Deserializer, Unexpected};

    /// One of an enumeration's values, read as a string first: a value of another JSON type is a
    /// type error, a string outside the enumeration an invalid value.
    pub fn enum_value<'de, D, T>(
        d: D,
        all: &'static [T],
        name: fn(T) -> &'static str,
        type_name: &'static str,
    ) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: Copy,
    {
        let s = String::deserialize(d)?;
        all.iter()
            .copied()
            .find(|v| name(*v) == s)
            .ok_or_else(|| de::Error::invalid_value(Unexpected::Str(&s), &OneOf(type_name)))
    }

    struct OneOf(&'static str);

    impl de::Expected for OneOf {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "a value of {}", self.0)
        }
    }

    /// An array with at least one item (`"minItems": 1`).
    pub fn non_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        let items = Vec::<T>::deserialize(d)?;
        if items.is_empty() {
            return Err(de::Error::invalid_length(0, &"at least one item"));
        }
        Ok(items)
    }

    /// An optional array that, when present, has at least one item.
    pub fn non_empty_option<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        non_empty(d).map(Some)
    }

    /// An array of `MIN` to `MAX` items (`"minItems"`, `"maxItems"`). Too few items is an
    /// occurrence fault, too many as well (OCPP-J: "too many elements").
    pub fn items<'de, const MIN: usize, const MAX: usize, D, T>(d: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        let items = Vec::<T>::deserialize(d)?;
        if items.len() < MIN || items.len() > MAX {
            return Err(de::Error::invalid_length(items.len(), &Bounds(MIN, MAX)));
        }
        Ok(items)
    }

    /// [`items`] for an optional array.
    pub fn items_option<'de, const MIN: usize, const MAX: usize, D, T>(
        d: D,
    ) -> Result<Option<Vec<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        items::<MIN, MAX, D, T>(d).map(Some)
    }

    struct Bounds(usize, usize);

    impl de::Expected for Bounds {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{} to {} items", self.0, self.1)
        }
    }

    /// An integer from `MIN` to `MAX` (`"minimum"`, `"maximum"`): outside them a property fault.
    pub fn int_in<'de, const MIN: i64, const MAX: i64, D>(d: D) -> Result<i32, D::Error>
    where
        D: Deserializer<'de>,
    {
        let value = i32::deserialize(d)?;
        if i64::from(value) < MIN || i64::from(value) > MAX {
            return Err(de::Error::invalid_value(
                Unexpected::Signed(value.into()),
                &Range(MIN, MAX),
            ));
        }
        Ok(value)
    }

    /// [`int_in`] for an optional integer.
    pub fn int_in_option<'de, const MIN: i64, const MAX: i64, D>(
        d: D,
    ) -> Result<Option<i32>, D::Error>
    where
        D: Deserializer<'de>,
    {
        int_in::<MIN, MAX, D>(d).map(Some)
    }

    struct Range(i64, i64);

    impl de::Expected for Range {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "an integer from {} to {}", self.0, self.1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_string_counts_characters() {
        assert!(CiString::<3>::parse("abc").is_ok());
        assert!(CiString::<3>::parse("äöü").is_ok());
        assert_eq!(
            CiString::<3>::parse("abcd"),
            Err(TooLong { max: 3, len: 4 })
        );
        let err = serde_json::from_str::<IdToken>(&format!("\"{}\"", "x".repeat(21))).unwrap_err();
        assert!(err.to_string().starts_with("invalid value"), "{err}");
    }

    #[test]
    fn date_times_round_trip_and_need_an_offset() {
        let t: DateTime = serde_json::from_str("\"2026-11-24T10:00:00.123Z\"").unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2026-11-24T10:00:00.123Z\""
        );
        let t: DateTime = serde_json::from_str("\"2026-11-24T11:00:00+01:00\"").unwrap();
        assert_eq!(t, DateTime::parse("2026-11-24T10:00:00Z").unwrap());
        assert_eq!(t.to_string(), "2026-11-24T11:00:00+01:00");
        assert!(serde_json::from_str::<DateTime>("\"2026-11-24T10:00:00\"").is_err());
        assert!(serde_json::from_str::<DateTime>("\"yesterday\"").is_err());
    }
}

//! Validated identifiers: a value of these types is known to meet the specification.

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters, got {len}")]
    TooLong { max: usize, len: usize },
    #[error("must not contain {0:?}")]
    ForbiddenChar(char),
}

/// Refuses an empty string or one longer than `max` characters (not bytes).
fn check_len(s: &str, max: usize) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    let len = s.chars().count();
    if len > max {
        return Err(IdError::TooLong { max, len });
    }
    Ok(())
}

/// The accessors, `Display` and a `Deserialize` that goes through `parse`, for a validated
/// string newtype: a value that breaks the rule cannot be deserialised either.
macro_rules! validated_string {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// A charging station's identity: the last path segment of its WebSocket URL, percent-decoded.
///
/// At most 48 characters, no `:` (the identity doubles as the HTTP Basic user name), no `/`,
/// no control characters or whitespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct StationId(String);
validated_string!(StationId);

impl StationId {
    pub const MAX_LEN: usize = 48;

    pub fn parse(s: impl Into<String>) -> Result<StationId, IdError> {
        let s = s.into();
        check_len(&s, Self::MAX_LEN)?;
        if let Some(c) = s
            .chars()
            .find(|c| *c == ':' || *c == '/' || c.is_control() || c.is_whitespace())
        {
            return Err(IdError::ForbiddenChar(c));
        }
        Ok(StationId(s))
    }
}

/// The id of an OCPP-J CALL, echoed by its CALLRESULT or CALLERROR: at most 36 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct MessageId(String);
validated_string!(MessageId);

impl MessageId {
    pub const MAX_LEN: usize = 36;

    pub fn parse(s: impl Into<String>) -> Result<MessageId, IdError> {
        let s = s.into();
        check_len(&s, Self::MAX_LEN)?;
        Ok(MessageId(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn station_id_limits() {
        assert!(StationId::parse("CP-001").is_ok());
        assert!(StationId::parse("x".repeat(48)).is_ok());
        assert_eq!(
            StationId::parse("x".repeat(49)),
            Err(IdError::TooLong { max: 48, len: 49 })
        );
        assert_eq!(StationId::parse(""), Err(IdError::Empty));
        assert_eq!(StationId::parse("a:b"), Err(IdError::ForbiddenChar(':')));
        assert_eq!(StationId::parse("a b"), Err(IdError::ForbiddenChar(' ')));
        // Length counts characters, not bytes.
        assert!(StationId::parse("é".repeat(48)).is_ok());
    }

    #[test]
    fn message_id_limits() {
        assert!(MessageId::parse("x".repeat(36)).is_ok());
        assert!(MessageId::parse("x".repeat(37)).is_err());
        assert!(MessageId::parse("").is_err());
        let err = serde_json::from_str::<MessageId>(&format!("\"{}\"", "y".repeat(40)));
        assert!(err.is_err());
    }
}

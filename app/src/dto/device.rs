//! What the dashboard shows of a 2.0.1 station's device model, alerts and EVSE connectors.

use serde::{Deserialize, Serialize};

/// One variable of a station's device model.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct VariableRow {
    pub component: String,
    /// '' when the component has no instance.
    pub component_instance: String,
    /// 0 when the component is not on an EVSE.
    pub evse_id: u32,
    pub variable: String,
    pub variable_instance: String,
    /// Actual, Target, MinSet or MaxSet.
    pub attribute_type: String,
    pub value: Option<String>,
    /// ReadOnly, WriteOnly or ReadWrite.
    pub mutability: Option<String>,
    pub data_type: Option<String>,
    pub unit: Option<String>,
    pub values_list: Option<String>,
    /// RFC 3339.
    pub updated_at: String,
}

impl VariableRow {
    /// Whether SetVariables may change it.
    pub fn writable(&self) -> bool {
        self.mutability.as_deref() != Some("ReadOnly")
    }

    /// Where it lives, as people read it: `EVSE 1 · Connector/Power`.
    pub fn place(&self) -> String {
        let mut place = String::new();
        if self.evse_id > 0 {
            place.push_str(&format!("EVSE {} · ", self.evse_id));
        }
        place.push_str(&self.component);
        if !self.component_instance.is_empty() {
            place.push_str(&format!("[{}]", self.component_instance));
        }
        place
    }

    /// Whether `filter` (lower case) is in its component, variable or value.
    pub fn matches(&self, filter: &str) -> bool {
        filter.is_empty()
            || [
                &self.component,
                &self.variable,
                &self.component_instance,
                self.value.as_deref().unwrap_or(""),
            ]
            .iter()
            .any(|s| s.to_lowercase().contains(filter))
    }
}

/// An event a station's monitors notified.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AlertRow {
    pub event_id: i64,
    pub trigger: String,
    pub actual_value: String,
    pub tech_code: Option<String>,
    pub tech_info: Option<String>,
    pub cleared: Option<bool>,
    pub component: String,
    pub variable: String,
    pub evse_id: Option<u32>,
    /// RFC 3339.
    pub occurred_at: String,
}

/// How often a station's messages deviated in one way (lenient mode).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DeviationRow {
    pub action: String,
    pub kind: String,
    pub field: String,
    pub count: u64,
    /// RFC 3339.
    pub last_at: String,
}

/// One connector of an EVSE with its own status.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EvseConnectorRow {
    pub evse_id: u32,
    pub connector_id: u32,
    pub status: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variable_reads_as_its_place_and_filters_by_any_part() {
        let row = VariableRow {
            component: "EVSE".into(),
            evse_id: 2,
            variable: "Power".into(),
            value: Some("22000".into()),
            mutability: Some("ReadOnly".into()),
            ..VariableRow::default()
        };
        assert_eq!(row.place(), "EVSE 2 · EVSE");
        assert!(row.matches("power") && row.matches("22000") && row.matches(""));
        assert!(!row.matches("heartbeat"));
        assert!(!row.writable());
    }
}

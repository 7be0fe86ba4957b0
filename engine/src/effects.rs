//! What the central system keeps of a station's answers to its calls.

use crate::Engine;
use crate::model::ConfigurationKey;
use protocol::StationId;
use protocol::v16::types::{ConfigurationStatus, UpdateStatus};
use protocol::v16::{CentralRequest, CentralResponse};
use time::OffsetDateTime;

impl Engine {
    /// Records the effect of an answered call. A failure to record is logged: the station has
    /// already acted, and the next GetConfiguration (or equivalent) repairs the view.
    pub(crate) async fn record_effect(
        &self,
        station: &StationId,
        request: &CentralRequest,
        response: &CentralResponse,
    ) {
        let store = &self.inner.store;
        let at = OffsetDateTime::now_utc();
        let result = match (request, response) {
            (CentralRequest::GetConfiguration(req), CentralResponse::GetConfiguration(res)) => {
                let keys: Vec<ConfigurationKey> = res
                    .configuration_key
                    .iter()
                    .flatten()
                    .map(|k| ConfigurationKey {
                        key: k.key.to_string(),
                        value: k.value.as_ref().map(|v| v.to_string()),
                        readonly: k.readonly,
                    })
                    .collect();
                // Asking for all keys returns the whole configuration.
                let complete = req.key.as_ref().is_none_or(Vec::is_empty);
                store.put_configuration(station, &keys, complete, at).await
            }
            (
                CentralRequest::ChangeConfiguration(req),
                CentralResponse::ChangeConfiguration(res),
            ) if matches!(
                res.status,
                ConfigurationStatus::Accepted | ConfigurationStatus::RebootRequired
            ) =>
            {
                store
                    .set_configuration_value(station, &req.key, &req.value, at)
                    .await
            }
            (CentralRequest::GetLocalListVersion(_), CentralResponse::GetLocalListVersion(res)) => {
                store
                    .set_local_list_version(station, i64::from(res.list_version))
                    .await
            }
            (CentralRequest::SendLocalList(req), CentralResponse::SendLocalList(res))
                if res.status == UpdateStatus::Accepted =>
            {
                store
                    .set_local_list_version(station, i64::from(req.list_version))
                    .await
            }
            _ => Ok(()),
        };
        if let Err(e) = result {
            tracing::error!(station_id = %station, action = request.action(), error = %e, "could not record the effect of an answered call");
        }
    }
}

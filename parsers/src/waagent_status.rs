//! The Linux agent's own status report, in the three shapes agents have written:
//!
//! * 2.2.x–2.4: `/var/lib/waagent/waagent_status.json`, an info file (`agent_name`, `current_version`,
//!   `extensions_status`, …);
//! * 2.5–2.7: `waagent_status.<incarnation>.json`, the uploaded status blob plus `_metadataNotSentToCRP`;
//! * 2.8 on: `history/<ts>__<inc>/waagent_status.json`, exactly the uploaded status blob.
//!
//! All three become one [`AgentStatusReport`] so the engine needs no per-shape code. The blob shape is
//! also what Windows `aggregatestatus.json` holds.

use crate::error::ParseError;
use crate::ext_status::{parse_status_timestamp, Code};
use crate::handler::{
    handler_status, reported_substatus_list, HandlerExtensionStatus, HandlerStatus, ReportedSubStatus,
};
use crate::json_util::{
    bool_field, formatted_message_text, key_value_pairs, object, parse_json, str_field, u64_field,
};
use crate::time::SourceTime;
use serde_json::{Map, Value};

/// Which shape the file had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusShape {
    /// 2.2.x–2.4 info file.
    InfoFile,
    /// 2.5–2.7 status blob with `_metadataNotSentToCRP`.
    LegacyStatusBlob,
    /// 2.8+ status blob (and Windows `aggregatestatus.json`).
    StatusBlob,
}

/// The agent's status, whatever shape it was read from (absent facts are `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentStatusReport {
    /// The shape read.
    pub shape: StatusShape,
    /// Blob `version` (e.g. `1.1`).
    pub format_version: Option<String>,
    /// `timestampUTC` (blob) or `last_successful_status_upload_time` (info file).
    pub timestamp: Option<SourceTime>,
    /// `agent_name` / `_metadataNotSentToCRP.agentName`.
    pub agent_name: Option<String>,
    /// Running (goal-state) agent version: `guestAgentStatus.version` / `current_version`.
    pub agent_version: Option<String>,
    /// `goal_state_version` (info file).
    pub goal_state_agent_version: Option<String>,
    /// `_metadataNotSentToCRP.daemonVersion`.
    pub daemon_version: Option<String>,
    /// `python_version` / `_metadataNotSentToCRP.pythonVersion`.
    pub python_version: Option<String>,
    /// `guestOSInfo.osName`, or the part of `distro_details` before `:`.
    pub os_name: Option<String>,
    /// `guestOSInfo.osVersion`, or the part of `distro_details` after `:`.
    pub os_version: Option<String>,
    /// `guestOSInfo.computerName`.
    pub computer_name: Option<String>,
    /// `guestAgentStatus.status` (`Ready` / `NotReady`).
    pub agent_status: Option<String>,
    /// `guestAgentStatus.formattedMessage.message`.
    pub agent_message: Option<String>,
    /// `guestAgentStatus.updateStatus`.
    pub update_status: Option<AgentUpdateStatus>,
    /// Per-handler status (`handlerAggregateStatus` / `extensions_status`).
    pub handlers: Vec<HandlerReport>,
    /// `vmArtifactsAggregateStatus.goalStateAggregateStatus`.
    pub goal_state: Option<GoalStateAggregate>,
    /// `supportedFeatures` `[{Key, Value}]` pairs.
    pub supported_features: Vec<(String, String)>,
}

/// `guestAgentStatus.updateStatus`: the agent's self-update outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentUpdateStatus {
    /// `expectedVersion`.
    pub expected_version: Option<String>,
    /// `status` (`Success` / `Error` / `Transitioning`).
    pub status: Option<String>,
    /// `code`.
    pub code: Code,
    /// `formattedMessage.message`.
    pub message: Option<String>,
}

/// One handler's status as the agent reported it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandlerReport {
    /// `handlerName` / `name`.
    pub name: Option<String>,
    /// `handlerVersion` / `version`.
    pub version: Option<String>,
    /// `status` (`Ready`, `NotReady`, `Unresponsive`, `Installing`).
    pub status: Option<String>,
    /// `code` (agent error codes such as 1009).
    pub code: Code,
    /// `formattedMessage.message`.
    pub message: Option<String>,
    /// `supportsMultiConfig` / `supports_multi_config`.
    pub supports_multi_config: Option<bool>,
    /// `runtimeSettingsStatus.extensionName` (multi-config).
    pub extension_name: Option<String>,
    /// `runtimeSettingsStatus.sequenceNumber`.
    pub sequence_number: Option<u64>,
    /// `runtimeSettingsStatus.settingsStatus`: the extension's own status as forwarded.
    pub settings: Option<SettingsStatus>,
}

/// The extension status the agent forwards for a handler.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsStatus {
    /// `status.name`.
    pub name: Option<String>,
    /// `status.operation`.
    pub operation: Option<String>,
    /// `status.status` (`success`, `error`, …).
    pub status: Option<String>,
    /// `status.code`.
    pub code: Code,
    /// `status.formattedMessage.message`.
    pub message: Option<String>,
    /// `status.configurationAppliedTime`.
    pub configuration_applied_time: Option<String>,
    /// `timestampUTC` of the forwarded status.
    pub timestamp: Option<SourceTime>,
    /// `status.substatus`.
    pub substatus: Vec<ReportedSubStatus>,
}

/// `vmArtifactsAggregateStatus.goalStateAggregateStatus`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoalStateAggregate {
    /// `status` (`Success` / `Failed`).
    pub status: Option<String>,
    /// `code`.
    pub code: Code,
    /// `formattedMessage.message`.
    pub message: Option<String>,
    /// `inSvdSeqNo`.
    pub in_svd_seq_no: Option<u64>,
    /// `timestampUTC`.
    pub timestamp: Option<SourceTime>,
}

/// Reads any of the three `waagent_status` shapes (or Windows `aggregatestatus.json`).
pub fn parse(bytes: &[u8]) -> Result<AgentStatusReport, ParseError> {
    let doc = parse_json(bytes)?;
    let obj = doc.as_object().ok_or_else(|| ParseError::new("agent status is not a JSON object"))?;
    if let Some(aggregate) = obj.get("aggregateStatus") {
        let aggregate =
            aggregate.as_object().ok_or_else(|| ParseError::new("aggregateStatus is not a JSON object"))?;
        Ok(from_status_blob(obj, aggregate))
    } else if ["agent_name", "current_version", "extensions_status"].iter().any(|k| obj.contains_key(*k)) {
        Ok(from_info_file(obj))
    } else {
        Err(ParseError::new(
            "unrecognised agent status: no aggregateStatus, agent_name or current_version key",
        ))
    }
}

fn from_status_blob(obj: &Map<String, Value>, aggregate: &Map<String, Value>) -> AgentStatusReport {
    let meta = object(obj, "_metadataNotSentToCRP");
    let guest = object(aggregate, "guestAgentStatus");
    let os = object(obj, "guestOSInfo");
    let goal_state = object(aggregate, "vmArtifactsAggregateStatus")
        .and_then(|v| object(v, "goalStateAggregateStatus"))
        .map(|g| GoalStateAggregate {
            status: str_field(g, "status"),
            code: Code::from_json(g.get("code")),
            message: formatted_message_text(g),
            in_svd_seq_no: u64_field(g, "inSvdSeqNo"),
            timestamp: timestamp(g, "timestampUTC"),
        });
    AgentStatusReport {
        shape: if meta.is_some() { StatusShape::LegacyStatusBlob } else { StatusShape::StatusBlob },
        format_version: str_field(obj, "version"),
        timestamp: timestamp(obj, "timestampUTC"),
        agent_name: meta.and_then(|m| str_field(m, "agentName")),
        agent_version: guest
            .and_then(|g| str_field(g, "version"))
            .or_else(|| os.and_then(|o| str_field(o, "version"))),
        goal_state_agent_version: None,
        daemon_version: meta.and_then(|m| str_field(m, "daemonVersion")),
        python_version: meta.and_then(|m| str_field(m, "pythonVersion")),
        os_name: os.and_then(|o| str_field(o, "osName")),
        os_version: os.and_then(|o| str_field(o, "osVersion")),
        computer_name: os.and_then(|o| str_field(o, "computerName")),
        agent_status: guest.and_then(|g| str_field(g, "status")),
        agent_message: guest.and_then(formatted_message_text),
        update_status: guest.and_then(|g| object(g, "updateStatus")).map(|u| AgentUpdateStatus {
            expected_version: str_field(u, "expectedVersion"),
            status: str_field(u, "status"),
            code: Code::from_json(u.get("code")),
            message: formatted_message_text(u),
        }),
        handlers: aggregate
            .get("handlerAggregateStatus")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(Value::as_object).map(blob_handler).collect())
            .unwrap_or_default(),
        goal_state,
        supported_features: key_value_pairs(obj.get("supportedFeatures")),
    }
}

fn blob_handler(h: &Map<String, Value>) -> HandlerReport {
    let runtime = object(h, "runtimeSettingsStatus");
    let settings = runtime.and_then(|r| object(r, "settingsStatus")).and_then(|s| {
        let status = object(s, "status")?;
        Some(SettingsStatus {
            name: str_field(status, "name"),
            operation: str_field(status, "operation"),
            status: str_field(status, "status"),
            code: Code::from_json(status.get("code")),
            message: formatted_message_text(status),
            configuration_applied_time: str_field(status, "configurationAppliedTime"),
            timestamp: timestamp(s, "timestampUTC"),
            substatus: reported_substatus_list(status.get("substatus")),
        })
    });
    HandlerReport {
        name: str_field(h, "handlerName"),
        version: str_field(h, "handlerVersion"),
        status: str_field(h, "status"),
        code: Code::from_json(h.get("code")),
        message: formatted_message_text(h),
        supports_multi_config: bool_field(h, "supportsMultiConfig"),
        extension_name: runtime.and_then(|r| str_field(r, "extensionName")),
        sequence_number: runtime.and_then(|r| u64_field(r, "sequenceNumber")),
        settings,
    }
}

fn from_info_file(obj: &Map<String, Value>) -> AgentStatusReport {
    let distro = str_field(obj, "distro_details");
    let (os_name, os_version) = match distro.as_deref().map(|d| d.split_once(':')) {
        Some(Some((name, version))) => (Some(name.to_string()), Some(version.to_string())),
        Some(None) => (distro.clone(), None),
        None => (None, None),
    };
    AgentStatusReport {
        shape: StatusShape::InfoFile,
        format_version: None,
        timestamp: timestamp(obj, "last_successful_status_upload_time"),
        agent_name: str_field(obj, "agent_name"),
        agent_version: str_field(obj, "current_version"),
        goal_state_agent_version: str_field(obj, "goal_state_version"),
        daemon_version: None,
        python_version: str_field(obj, "python_version"),
        os_name,
        os_version,
        computer_name: None,
        agent_status: None,
        agent_message: None,
        update_status: None,
        handlers: obj
            .get("extensions_status")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(Value::as_object).map(info_handler).collect())
            .unwrap_or_default(),
        goal_state: None,
        supported_features: Vec::new(),
    }
}

/// An `extensions_status` entry: the agent's HandlerStatus, usually without code, message or extensions.
fn info_handler(h: &Map<String, Value>) -> HandlerReport {
    HandlerReport::from(handler_status(h))
}

impl From<HandlerStatus> for HandlerReport {
    /// The report a `config/HandlerStatus` makes (the 2.2.x info file lists exactly these objects).
    fn from(handler: HandlerStatus) -> HandlerReport {
        let ext = handler.extension_status;
        HandlerReport {
            name: handler.name,
            version: handler.version,
            status: handler.status,
            code: handler.code,
            message: handler.message,
            supports_multi_config: handler.supports_multi_config,
            extension_name: ext.as_ref().and_then(|e| e.name.clone()),
            sequence_number: ext.as_ref().and_then(|e| e.sequence_number),
            settings: ext.map(SettingsStatus::from),
        }
    }
}

impl From<HandlerExtensionStatus> for SettingsStatus {
    /// The forwarded status a HandlerStatus's `extension_status` carries (it has no timestamp).
    fn from(ext: HandlerExtensionStatus) -> SettingsStatus {
        SettingsStatus {
            name: ext.name,
            operation: ext.operation,
            status: ext.status,
            code: ext.code,
            message: ext.message,
            configuration_applied_time: ext.configuration_applied_time,
            timestamp: None,
            substatus: ext.substatus,
        }
    }
}

fn timestamp(obj: &Map<String, Value>, key: &str) -> Option<SourceTime> {
    str_field(obj, key).as_deref().and_then(parse_status_timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::utc_time;
    use proptest::prelude::*;
    use serde_json::json;

    /// A ≥2.8 status blob as `vm_status_to_v1` writes it, with a VMSnapshotLinux failure forwarded.
    fn status_blob() -> Value {
        json!({
            "version": "1.1",
            "timestampUTC": "2024-03-15T17:12:03Z",
            "aggregateStatus": {
                "guestAgentStatus": {
                    "version": "2.9.1.1", "status": "Ready",
                    "formattedMessage": {"lang": "en-US", "message": "Guest Agent is running"},
                    "updateStatus": {"expectedVersion": "2.10.0.8", "status": "Error", "code": 1,
                                     "formattedMessage": {"lang": "en-US", "message": "Unable to update Agent"}}
                },
                "handlerAggregateStatus": [
                    {"handlerVersion": "1.0.9225.0", "handlerName": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
                     "status": "Ready", "code": 0, "useExactVersion": true,
                     "formattedMessage": {"lang": "en-US", "message": "Plugin enabled"},
                     "runtimeSettingsStatus": {
                        "settingsStatus": {
                            "status": {"name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
                                       "configurationAppliedTime": null, "operation": "Enable", "status": "success",
                                       "code": 122, "formattedMessage": {"lang": "en-US", "message": "{\"messageStr\": \"freeze\"}"},
                                       "substatus": [{"name": "[{...}]", "status": "success", "code": "0",
                                                      "formattedMessage": {"lang": "en-US", "message": null}}]},
                            "version": 1.0, "timestampUTC": "2024-03-15T17:11:58Z"},
                        "sequenceNumber": 12}},
                    {"handlerVersion": "2.1.13", "handlerName": "Microsoft.Azure.Extensions.CustomScript",
                     "status": "NotReady", "code": 1009, "useExactVersion": true,
                     "formattedMessage": {"lang": "en-US", "message": "Non-zero exit code: 1"}}
                ],
                "vmArtifactsAggregateStatus": {"goalStateAggregateStatus": {
                    "formattedMessage": {"lang": "en-US", "message": "GoalState executed successfully"},
                    "timestampUTC": "2024-03-15T17:10:50Z", "inSvdSeqNo": "9", "status": "Success", "code": 0}}
            },
            "guestOSInfo": {"computerName": "vm1", "osName": "ubuntu", "osVersion": "22.04", "version": "2.9.1.1"},
            "supportedFeatures": [{"Key": "MultipleExtensionsPerHandler", "Value": "1.0"},
                                  {"Key": "FastTrack", "Value": "1.0"}]
        })
    }

    #[test]
    fn status_blob_2_8_fields() {
        let r = parse(status_blob().to_string().as_bytes()).unwrap();
        assert_eq!(r.shape, StatusShape::StatusBlob);
        assert_eq!(r.format_version.as_deref(), Some("1.1"));
        assert_eq!(r.timestamp, Some(utc_time("2024-03-15 17:12:03")));
        assert_eq!((r.agent_version.as_deref(), r.agent_status.as_deref()), (Some("2.9.1.1"), Some("Ready")));
        assert_eq!(r.agent_message.as_deref(), Some("Guest Agent is running"));
        assert_eq!(
            r.update_status,
            Some(AgentUpdateStatus {
                expected_version: Some("2.10.0.8".into()),
                status: Some("Error".into()),
                code: Code::Int(1),
                message: Some("Unable to update Agent".into()),
            })
        );
        assert_eq!(
            (r.os_name.as_deref(), r.os_version.as_deref(), r.computer_name.as_deref()),
            (Some("ubuntu"), Some("22.04"), Some("vm1"))
        );
        assert_eq!(
            (r.agent_name.clone(), r.daemon_version.clone(), r.python_version.clone()),
            (None, None, None)
        );
        assert_eq!(r.handlers.len(), 2);
        let snap = &r.handlers[0];
        assert_eq!(snap.name.as_deref(), Some("Microsoft.Azure.RecoveryServices.VMSnapshotLinux"));
        assert_eq!(
            (snap.version.as_deref(), snap.status.as_deref(), snap.code.clone()),
            (Some("1.0.9225.0"), Some("Ready"), Code::Int(0))
        );
        assert_eq!((snap.sequence_number, snap.extension_name.clone()), (Some(12), None));
        let settings = snap.settings.as_ref().unwrap();
        assert_eq!(
            (settings.status.as_deref(), settings.code.clone(), settings.operation.as_deref()),
            (Some("success"), Code::Int(122), Some("Enable"))
        );
        assert_eq!(settings.message.as_deref(), Some("{\"messageStr\": \"freeze\"}"));
        assert_eq!(settings.timestamp, Some(utc_time("2024-03-15 17:11:58")));
        assert_eq!(settings.substatus.len(), 1);
        assert_eq!(settings.substatus[0].code, Code::Int(0));
        let cse = &r.handlers[1];
        assert_eq!(
            (cse.status.as_deref(), cse.code.value(), cse.settings.clone()),
            (Some("NotReady"), Some(1009), None)
        );
        assert_eq!(cse.message.as_deref(), Some("Non-zero exit code: 1"));
        assert_eq!(
            r.goal_state,
            Some(GoalStateAggregate {
                status: Some("Success".into()),
                code: Code::Int(0),
                message: Some("GoalState executed successfully".into()),
                in_svd_seq_no: Some(9),
                timestamp: Some(utc_time("2024-03-15 17:10:50")),
            })
        );
        assert_eq!(r.supported_features[1], ("FastTrack".to_string(), "1.0".to_string()));
    }

    #[test]
    fn status_blob_2_5_with_metadata_and_multi_config() {
        let mut blob = status_blob();
        blob["_metadataNotSentToCRP"] = json!({"agentName": "WALinuxAgent", "daemonVersion": "2.2.45",
                                               "pythonVersion": "Python: 3.6.9", "extensionSupportedFeatures": []});
        blob["aggregateStatus"]["handlerAggregateStatus"][0]["supportsMultiConfig"] = json!(false);
        blob["aggregateStatus"]["handlerAggregateStatus"][0]["runtimeSettingsStatus"]["extensionName"] =
            json!("first");
        // 2.5–2.7 dropped formattedMessage and substatus from settingsStatus.
        let status = &mut blob["aggregateStatus"]["handlerAggregateStatus"][0]["runtimeSettingsStatus"]
            ["settingsStatus"]["status"];
        status.as_object_mut().unwrap().retain(|k, _| k != "formattedMessage" && k != "substatus");
        let r = parse(blob.to_string().as_bytes()).unwrap();
        assert_eq!(r.shape, StatusShape::LegacyStatusBlob);
        assert_eq!(r.agent_name.as_deref(), Some("WALinuxAgent"));
        assert_eq!(r.daemon_version.as_deref(), Some("2.2.45"));
        assert_eq!(r.python_version.as_deref(), Some("Python: 3.6.9"));
        let snap = &r.handlers[0];
        assert_eq!(
            (snap.supports_multi_config, snap.extension_name.as_deref()),
            (Some(false), Some("first"))
        );
        let settings = snap.settings.as_ref().unwrap();
        assert_eq!((settings.message.clone(), settings.substatus.len()), (None, 0));
    }

    #[test]
    fn info_file_2_2_shape() {
        let text = br#"{"agent_name": "WALinuxAgent", "current_version": "2.2.53", "goal_state_version": "2.2.53", "distro_details": "ubuntu:18.04", "last_successful_status_upload_time": "2021-03-30T19:45:33Z", "python_version": "Python: 3.6.9", "extensions_status": [{"name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "version": "1.0.9172.0", "status": "Ready"}, {"name": "Microsoft.CPlat.Core.RunCommandLinux", "version": "1.0.1", "status": "NotReady", "supports_multi_config": false, "extension_status": {"name": "Microsoft.CPlat.Core.RunCommandLinux", "sequenceNumber": 3, "status": "error", "code": 1, "operation": "Enable", "message": "script failed", "substatusList": []}}]}"#;
        let r = parse(text).unwrap();
        assert_eq!(r.shape, StatusShape::InfoFile);
        assert_eq!(r.agent_name.as_deref(), Some("WALinuxAgent"));
        assert_eq!(
            (r.agent_version.as_deref(), r.goal_state_agent_version.as_deref()),
            (Some("2.2.53"), Some("2.2.53"))
        );
        assert_eq!((r.os_name.as_deref(), r.os_version.as_deref()), (Some("ubuntu"), Some("18.04")));
        assert_eq!(r.timestamp, Some(utc_time("2021-03-30 19:45:33")));
        assert_eq!(r.python_version.as_deref(), Some("Python: 3.6.9"));
        assert_eq!((r.agent_status.clone(), r.goal_state.clone()), (None, None));
        assert_eq!(r.handlers.len(), 2);
        assert_eq!(
            r.handlers[0],
            HandlerReport {
                name: Some("Microsoft.Azure.RecoveryServices.VMSnapshotLinux".into()),
                version: Some("1.0.9172.0".into()),
                status: Some("Ready".into()),
                ..HandlerReport::default()
            }
        );
        let rc = &r.handlers[1];
        assert_eq!((rc.sequence_number, rc.supports_multi_config), (Some(3), Some(false)));
        let settings = rc.settings.as_ref().unwrap();
        assert_eq!(
            (settings.status.as_deref(), settings.message.as_deref(), settings.code.value()),
            (Some("error"), Some("script failed"), Some(1))
        );
    }

    #[test]
    fn bad_input_errors() {
        assert_eq!(parse(b"").unwrap_err().message, "empty file");
        assert_eq!(parse(b"[]").unwrap_err().message, "agent status is not a JSON object");
        assert_eq!(
            parse(b"{\"foo\": 1}").unwrap_err().message,
            "unrecognised agent status: no aggregateStatus, agent_name or current_version key"
        );
        assert_eq!(
            parse(b"{\"aggregateStatus\": 3}").unwrap_err().message,
            "aggregateStatus is not a JSON object"
        );
        let truncated = parse(b"{\"version\": \"1.1\",\n\"aggregateStatus\": {").unwrap_err();
        assert!(truncated.message.starts_with("invalid JSON: "), "{}", truncated.message);
        assert_eq!(truncated.line, Some(2));
    }

    #[test]
    fn windows_aggregate_status_with_nul_padding() {
        let mut bytes = br#"{"aggregateStatus": {"guestAgentStatus": {"version": "2.7.41491.1102", "status": "Ready"}, "handlerAggregateStatus": []}}"#.to_vec();
        bytes.extend_from_slice(&[0u8; 16]);
        let r = parse(&bytes).unwrap();
        assert_eq!(r.shape, StatusShape::StatusBlob);
        assert_eq!(r.agent_version.as_deref(), Some("2.7.41491.1102"));
        assert!(r.handlers.is_empty());
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn shaped_input_never_panics(s in "\\PC{0,20}", n in any::<i64>()) {
            let doc = json!({"aggregateStatus": {"guestAgentStatus": {"version": n, "status": s},
                "handlerAggregateStatus": [{"handlerName": s, "code": s, "runtimeSettingsStatus": {"sequenceNumber": n,
                    "settingsStatus": {"timestampUTC": s, "status": {"status": n, "substatus": [s, n]}}}}, n],
                "vmArtifactsAggregateStatus": {"goalStateAggregateStatus": {"inSvdSeqNo": s}}},
                "supportedFeatures": [{"Key": n}]});
            prop_assert!(parse(doc.to_string().as_bytes()).is_ok());
            let info = json!({"current_version": n, "distro_details": s, "extensions_status": [{"extension_status": s}, n]});
            prop_assert!(parse(info.to_string().as_bytes()).is_ok());
        }
    }
}

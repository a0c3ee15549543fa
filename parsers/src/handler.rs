//! Files in an extension handler directory (`/var/lib/waagent/<Publisher.Type>-<version>/`):
//! `config/HandlerState`, `config/HandlerStatus`, `HandlerEnvironment.json`, `HandlerManifest.json`,
//! `mrseq`, `config/<seq>.settings`, and the directory and sequence-file names themselves.

use crate::error::ParseError;
use crate::ext_status::Code;
use crate::json_util::{
    bool_field, formatted_message_text, object, parse_json, required_object, str_field, u64_field,
};
use crate::lines::decode;
use crate::scan::is_dotted_number;
use serde_json::{Map, Value};

/// The agent's handler state (`config/HandlerState`, plain text).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HandlerState {
    /// Package present, install not (yet) run or uninstalled.
    NotInstalled,
    /// Install ran; not enabled.
    Installed,
    /// Enable ran successfully.
    Enabled,
    /// Disabled (older agents and multi-config extension state).
    Disabled,
    /// Update command failed; the agent keeps reporting this version.
    FailedUpgrade,
    /// Anything else, as written (trimmed).
    Other(String),
}

/// Longest handler state word accepted (the agent's longest is `FailedUpgrade`).
const MAX_STATE_WORD: usize = 64;

/// Reads `config/HandlerState`. Surrounding whitespace is ignored; an empty file is an error.
pub fn parse_handler_state(bytes: &[u8]) -> Result<HandlerState, ParseError> {
    let text = decode(bytes);
    let word = text.trim();
    // The agent writes one word; anything long or spanning lines is some other content, not a state.
    if word.len() > MAX_STATE_WORD || word.contains(['\n', '\r']) {
        return Err(ParseError::new(format!(
            "not a handler state: {} bytes of text where one word is expected",
            word.len()
        )));
    }
    Ok(match word {
        "" => return Err(ParseError::new("empty file")),
        "NotInstalled" => HandlerState::NotInstalled,
        "Installed" => HandlerState::Installed,
        "Enabled" => HandlerState::Enabled,
        "Disabled" => HandlerState::Disabled,
        "FailedUpgrade" => HandlerState::FailedUpgrade,
        other => HandlerState::Other(other.to_string()),
    })
}

/// A substatus as the agent re-reports it (`substatusList` in HandlerStatus, `substatus` in the
/// status blob): not re-validated, so `status` stays text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportedSubStatus {
    /// `name`.
    pub name: Option<String>,
    /// `status`.
    pub status: Option<String>,
    /// `code`.
    pub code: Code,
    /// `message`, or `formattedMessage.message`.
    pub message: Option<String>,
}

/// `config/HandlerStatus`, the agent's per-handler status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandlerStatus {
    /// `name` (handler name).
    pub name: Option<String>,
    /// `version`.
    pub version: Option<String>,
    /// `status`: `Ready`, `NotReady`, `Installing`, `Unresponsive`.
    pub status: Option<String>,
    /// `code` (an agent error code such as 1009 when an operation failed).
    pub code: Code,
    /// `message` (e.g. `Plugin enabled`, or the failure text).
    pub message: Option<String>,
    /// `supports_multi_config` (newer agents).
    pub supports_multi_config: Option<bool>,
    /// `extensions`: extension names (2.2.x shape).
    pub extensions: Vec<String>,
    /// `extension_status` (newer shape; `null` when none).
    pub extension_status: Option<HandlerExtensionStatus>,
}

/// `HandlerStatus.extension_status`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandlerExtensionStatus {
    /// `name`.
    pub name: Option<String>,
    /// `sequenceNumber`.
    pub sequence_number: Option<u64>,
    /// `operation`.
    pub operation: Option<String>,
    /// `status`.
    pub status: Option<String>,
    /// `code`.
    pub code: Code,
    /// `message`.
    pub message: Option<String>,
    /// `configurationAppliedTime`.
    pub configuration_applied_time: Option<String>,
    /// `substatusList`.
    pub substatus: Vec<ReportedSubStatus>,
}

/// Reads `config/HandlerStatus` (both the 2.2.x `extensions: []` and the newer `extension_status` shape).
pub fn parse_handler_status(bytes: &[u8]) -> Result<HandlerStatus, ParseError> {
    let doc = parse_json(bytes)?;
    let obj = doc.as_object().ok_or_else(|| ParseError::new("HandlerStatus is not a JSON object"))?;
    Ok(handler_status(obj))
}

/// Reads a HandlerStatus object (also what the 2.2.x agent-status info file lists per handler).
pub(crate) fn handler_status(obj: &Map<String, Value>) -> HandlerStatus {
    let extensions = obj
        .get("extensions")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    HandlerStatus {
        name: str_field(obj, "name"),
        version: str_field(obj, "version"),
        status: str_field(obj, "status"),
        code: Code::from_json(obj.get("code")),
        message: str_field(obj, "message"),
        supports_multi_config: bool_field(obj, "supports_multi_config"),
        extensions,
        extension_status: object(obj, "extension_status").map(handler_extension_status),
    }
}

fn handler_extension_status(obj: &Map<String, Value>) -> HandlerExtensionStatus {
    HandlerExtensionStatus {
        name: str_field(obj, "name"),
        sequence_number: u64_field(obj, "sequenceNumber"),
        operation: str_field(obj, "operation"),
        status: str_field(obj, "status"),
        code: Code::from_json(obj.get("code")),
        message: str_field(obj, "message"),
        configuration_applied_time: str_field(obj, "configurationAppliedTime"),
        substatus: reported_substatus_list(obj.get("substatusList")),
    }
}

/// Reads a list of re-reported substatus objects; entries that are not objects are skipped.
pub(crate) fn reported_substatus_list(value: Option<&Value>) -> Vec<ReportedSubStatus> {
    let Some(items) = value.and_then(Value::as_array) else { return Vec::new() };
    items
        .iter()
        .filter_map(Value::as_object)
        .map(|o| ReportedSubStatus {
            name: str_field(o, "name"),
            status: str_field(o, "status"),
            code: Code::from_json(o.get("code")),
            message: str_field(o, "message").or_else(|| formatted_message_text(o)),
        })
        .collect()
}

/// `HandlerEnvironment.json`: where the agent told the extension to write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandlerEnvironment {
    /// `name`.
    pub name: Option<String>,
    /// `version` (a number in agent-written files), as text.
    pub version: Option<String>,
    /// `handlerEnvironment.logFolder` (e.g. `/var/log/azure/<Handler>`).
    pub log_folder: Option<String>,
    /// `handlerEnvironment.configFolder`.
    pub config_folder: Option<String>,
    /// `handlerEnvironment.statusFolder`.
    pub status_folder: Option<String>,
    /// `handlerEnvironment.heartbeatFile`.
    pub heartbeat_file: Option<String>,
    /// `handlerEnvironment.eventsFolder`.
    pub events_folder: Option<String>,
}

/// Reads `HandlerEnvironment.json` (an array of one object, or the object itself).
pub fn parse_handler_environment(bytes: &[u8]) -> Result<HandlerEnvironment, ParseError> {
    let doc = parse_json(bytes)?;
    let top = first_object(&doc, "HandlerEnvironment")?;
    let env = required_object(top, "handlerEnvironment")?;
    Ok(HandlerEnvironment {
        name: str_field(top, "name"),
        version: str_field(top, "version"),
        log_folder: str_field(env, "logFolder"),
        config_folder: str_field(env, "configFolder"),
        status_folder: str_field(env, "statusFolder"),
        heartbeat_file: str_field(env, "heartbeatFile"),
        events_folder: str_field(env, "eventsFolder"),
    })
}

/// `HandlerManifest.json`: the extension's commands and behaviour flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandlerManifest {
    /// `name`.
    pub name: Option<String>,
    /// `version`, as text.
    pub version: Option<String>,
    /// `installCommand`.
    pub install_command: Option<String>,
    /// `uninstallCommand`.
    pub uninstall_command: Option<String>,
    /// `updateCommand`.
    pub update_command: Option<String>,
    /// `enableCommand`.
    pub enable_command: Option<String>,
    /// `disableCommand`.
    pub disable_command: Option<String>,
    /// `rebootAfterInstall`.
    pub reboot_after_install: Option<bool>,
    /// `reportHeartbeat`: the agent then reads `heartbeat.log`.
    pub report_heartbeat: Option<bool>,
    /// `updateMode` (`UpdateWithInstall` / `UpdateWithoutInstall`).
    pub update_mode: Option<String>,
    /// `continueOnUpdateFailure`.
    pub continue_on_update_failure: Option<bool>,
    /// `supportsMultipleExtensions` (multi-config handler).
    pub supports_multiple_extensions: Option<bool>,
}

/// Reads `HandlerManifest.json`. Flags may be booleans or `"true"`/`"True"` strings, as the agent accepts.
pub fn parse_handler_manifest(bytes: &[u8]) -> Result<HandlerManifest, ParseError> {
    let doc = parse_json(bytes)?;
    let top = first_object(&doc, "HandlerManifest")?;
    let man = required_object(top, "handlerManifest")?;
    Ok(HandlerManifest {
        name: str_field(top, "name"),
        version: str_field(top, "version"),
        install_command: str_field(man, "installCommand"),
        uninstall_command: str_field(man, "uninstallCommand"),
        update_command: str_field(man, "updateCommand"),
        enable_command: str_field(man, "enableCommand"),
        disable_command: str_field(man, "disableCommand"),
        reboot_after_install: bool_field(man, "rebootAfterInstall"),
        report_heartbeat: bool_field(man, "reportHeartbeat"),
        update_mode: str_field(man, "updateMode"),
        continue_on_update_failure: bool_field(man, "continueOnUpdateFailure"),
        supports_multiple_extensions: bool_field(man, "supportsMultipleExtensions"),
    })
}

/// The first element of a one-element array, or the object itself.
fn first_object<'a>(doc: &'a Value, what: &str) -> Result<&'a Map<String, Value>, ParseError> {
    let first = match doc {
        Value::Array(items) => {
            items.first().ok_or_else(|| ParseError::new(format!("{what} array is empty")))?
        }
        other => other,
    };
    first.as_object().ok_or_else(|| ParseError::new(format!("{what} is not a JSON array of objects")))
}

/// Reads `mrseq` (the most recent sequence number the extension processed, written by the extension).
pub fn parse_mrseq(bytes: &[u8]) -> Result<u64, ParseError> {
    let text = decode(bytes);
    let word = text.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    if word.is_empty() {
        return Err(ParseError::new("empty file"));
    }
    word.parse().map_err(|_| ParseError::new(format!("mrseq is not a sequence number: {word:?}")))
}

/// `runtimeSettings[0].handlerSettings` of a settings document. The protected blob is never kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HandlerSettings {
    /// `publicSettings` as written (usually an object).
    pub public_settings: Option<Value>,
    /// `protectedSettings` is present and not empty (a `***REDACTED***` value counts as present).
    pub has_protected_settings: bool,
    /// `protectedSettingsCertThumbprint`: the certificate needed to decrypt the protected settings.
    pub protected_settings_cert_thumbprint: Option<String>,
}

/// Reads `config/<seq>.settings` (`{"runtimeSettings": [{"handlerSettings": {…}}]}`).
pub fn parse_settings(bytes: &[u8]) -> Result<HandlerSettings, ParseError> {
    settings_from_value(&parse_json(bytes)?)
}

/// Reads an already parsed settings document (also used for ExtensionsConfig's `RuntimeSettings`).
pub(crate) fn settings_from_value(doc: &Value) -> Result<HandlerSettings, ParseError> {
    let obj = doc.as_object().ok_or_else(|| ParseError::new("settings is not a JSON object"))?;
    let list = obj
        .get("runtimeSettings")
        .ok_or_else(|| ParseError::new("missing key runtimeSettings"))?
        .as_array()
        .ok_or_else(|| ParseError::new("runtimeSettings is not a JSON array"))?;
    let first = list.first().ok_or_else(|| ParseError::new("runtimeSettings is empty"))?;
    // A settings entry without handlerSettings carries nothing; the agent treats it as empty settings.
    let Some(handler) = first.get("handlerSettings").and_then(Value::as_object) else {
        return Ok(HandlerSettings::default());
    };
    let has_protected = match handler.get("protectedSettings") {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(_) => true,
    };
    Ok(HandlerSettings {
        public_settings: handler.get("publicSettings").filter(|v| !v.is_null()).cloned(),
        has_protected_settings: has_protected,
        protected_settings_cert_thumbprint: str_field(handler, "protectedSettingsCertThumbprint")
            .filter(|t| !t.trim().is_empty()),
    })
}

/// Splits a handler directory name `Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0` into
/// name and version at the last `-`; the version must be dot-separated numbers. (Agent directories
/// `WALinuxAgent-2.9.1.1` match too; callers tell them apart by name.)
pub fn parse_handler_dir_name(dir: &str) -> Option<(&str, &str)> {
    let (name, version) = dir.rsplit_once('-')?;
    (!name.is_empty() && is_dotted_number(version)).then_some((name, version))
}

/// The sequence number in `12.status`, `12.settings`, or multi-config `ext.12.settings` / `ext.12.status`.
pub fn parse_seq_file_name(file: &str) -> Option<u64> {
    let stem = file.strip_suffix(".status").or_else(|| file.strip_suffix(".settings"))?;
    let number = stem.rsplit_once('.').map_or(stem, |(_, n)| n);
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    number.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const MANIFEST: &[u8] = include_bytes!("../tests/data/linux/extension/HandlerManifest.json");
    const MANIFEST_VALID: &[u8] =
        include_bytes!("../tests/data/linux/extension/HandlerManifest-valid_manifest.json");

    #[test]
    fn handler_state_words() {
        assert_eq!(parse_handler_state(b"Enabled"), Ok(HandlerState::Enabled));
        assert_eq!(parse_handler_state(b"NotInstalled\n"), Ok(HandlerState::NotInstalled));
        assert_eq!(parse_handler_state(b"  Installed \r\n"), Ok(HandlerState::Installed));
        assert_eq!(parse_handler_state(b"FailedUpgrade"), Ok(HandlerState::FailedUpgrade));
        assert_eq!(parse_handler_state(b"Disabled"), Ok(HandlerState::Disabled));
        assert_eq!(parse_handler_state(b"enabled"), Ok(HandlerState::Other("enabled".into())));
        assert_eq!(parse_handler_state(b" \n").unwrap_err().message, "empty file");
    }

    #[test]
    fn handler_status_newer_shape() {
        let text = json!({
            "name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "version": "1.0.9225.0",
            "status": "NotReady", "code": 1009,
            "message": "Non-zero exit code: 3, main/handle.sh enable", "supports_multi_config": false,
            "extension_status": {"name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
                "configurationAppliedTime": null, "operation": "Enable", "status": "error",
                "sequenceNumber": 12, "code": "122", "message": "freeze failed",
                "substatusList": [{"name": "n", "status": "success", "code": "0", "message": null}]}
        });
        let s = parse_handler_status(text.to_string().as_bytes()).unwrap();
        assert_eq!(s.name.as_deref(), Some("Microsoft.Azure.RecoveryServices.VMSnapshotLinux"));
        assert_eq!(s.version.as_deref(), Some("1.0.9225.0"));
        assert_eq!((s.status.as_deref(), s.code.clone()), (Some("NotReady"), Code::Int(1009)));
        assert_eq!(s.message.as_deref(), Some("Non-zero exit code: 3, main/handle.sh enable"));
        assert_eq!(s.supports_multi_config, Some(false));
        assert!(s.extensions.is_empty());
        let e = s.extension_status.unwrap();
        assert_eq!(e.sequence_number, Some(12));
        assert_eq!(
            (e.status.as_deref(), e.code, e.operation.as_deref()),
            (Some("error"), Code::Int(122), Some("Enable"))
        );
        assert_eq!(e.configuration_applied_time, None);
        assert_eq!(
            e.substatus,
            vec![ReportedSubStatus {
                name: Some("n".into()),
                status: Some("success".into()),
                code: Code::Int(0),
                message: None
            }]
        );
    }

    #[test]
    fn handler_status_2_2_shape_and_null_extension_status() {
        let old = br#"{"name": "Microsoft.OSTCExtensions.VMAccessForLinux", "version": "1.4.7.1", "status": "Ready", "code": 0, "message": "Plugin enabled", "extensions": ["Microsoft.OSTCExtensions.VMAccessForLinux"]}"#;
        let s = parse_handler_status(old).unwrap();
        assert_eq!(s.extensions, vec!["Microsoft.OSTCExtensions.VMAccessForLinux".to_string()]);
        assert_eq!(s.extension_status, None);
        assert_eq!(s.supports_multi_config, None);
        let newer = br#"{"name": "X", "version": "1.0", "status": "Ready", "code": 0, "message": null, "supports_multi_config": false, "extension_status": null}"#;
        let s = parse_handler_status(newer).unwrap();
        assert_eq!((s.message, s.extension_status), (None, None));
        assert_eq!(parse_handler_status(b"[]").unwrap_err().message, "HandlerStatus is not a JSON object");
        assert!(parse_handler_status(b"{\"name\": ").unwrap_err().message.starts_with("invalid JSON: "));
    }

    #[test]
    fn handler_environment_agent_written() {
        let text = br#"[{"name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "version": 1.0, "handlerEnvironment": {"logFolder": "/var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "configFolder": "/var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/config", "statusFolder": "/var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/status", "heartbeatFile": "/var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/heartbeat.log", "eventsFolder": "/var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/events", "eventsFolder_preview": "x"}}]"#;
        let env = parse_handler_environment(text).unwrap();
        assert_eq!(env.version.as_deref(), Some("1.0"));
        assert_eq!(
            env.log_folder.as_deref(),
            Some("/var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux")
        );
        assert!(env.status_folder.as_deref().unwrap().ends_with("-1.0.9225.0/status"));
        assert!(env.heartbeat_file.as_deref().unwrap().ends_with("/heartbeat.log"));
        assert_eq!(
            env.events_folder.as_deref(),
            Some("/var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/events")
        );
        assert_eq!(
            parse_handler_environment(b"[{\"name\": \"x\"}]").unwrap_err().message,
            "missing key handlerEnvironment"
        );
        assert_eq!(
            parse_handler_environment(b"[]").unwrap_err().message,
            "HandlerEnvironment array is empty"
        );
    }

    #[test]
    fn handler_manifests_from_corpus() {
        let m = parse_handler_manifest(MANIFEST).unwrap();
        assert_eq!(m.name.as_deref(), Some("ExampleHandlerLinux"));
        assert_eq!(m.version.as_deref(), Some("1.0"));
        assert_eq!(m.install_command.as_deref(), Some("sample.py -install"));
        assert_eq!(m.uninstall_command.as_deref(), Some("sample.py -uninstall"));
        assert_eq!(m.update_command.as_deref(), Some("sample.py -update"));
        assert_eq!(m.enable_command.as_deref(), Some("sample.py -enable"));
        assert_eq!(m.disable_command.as_deref(), Some("sample.py -disable"));
        assert_eq!((m.reboot_after_install, m.report_heartbeat), (Some(false), Some(false)));
        assert_eq!(
            (m.update_mode.clone(), m.continue_on_update_failure, m.supports_multiple_extensions),
            (None, None, None)
        );

        let v = parse_handler_manifest(MANIFEST_VALID).unwrap();
        assert_eq!(v.enable_command.as_deref(), Some("enable_cmd"));
        assert_eq!(v.report_heartbeat, Some(true));
        assert_eq!(v.continue_on_update_failure, Some(true));
        assert_eq!(v.supports_multiple_extensions, Some(true));
        assert_eq!(v.reboot_after_install, None);
    }

    #[test]
    fn handler_manifest_string_flags_and_errors() {
        let text = br#"[{"name": "n", "version": "1.0.9225.0", "handlerManifest": {"enableCommand": "main/handle.sh enable", "reportHeartbeat": "True", "updateMode": "UpdateWithInstall", "continueOnUpdateFailure": "false", "supportsMultipleExtensions": "maybe"}}]"#;
        let m = parse_handler_manifest(text).unwrap();
        assert_eq!(m.report_heartbeat, Some(true));
        assert_eq!(m.update_mode.as_deref(), Some("UpdateWithInstall"));
        assert_eq!(m.continue_on_update_failure, Some(false));
        assert_eq!(m.supports_multiple_extensions, None);
        assert_eq!(
            parse_handler_manifest(b"[{\"name\": \"n\"}]").unwrap_err().message,
            "missing key handlerManifest"
        );
        assert_eq!(
            parse_handler_manifest(b"[3]").unwrap_err().message,
            "HandlerManifest is not a JSON array of objects"
        );
        assert_eq!(parse_handler_manifest(b"").unwrap_err().message, "empty file");
    }

    #[test]
    fn mrseq_is_whitespace_tolerant() {
        assert_eq!(parse_mrseq(b"12"), Ok(12));
        assert_eq!(parse_mrseq(b" 7\n"), Ok(7));
        assert_eq!(parse_mrseq(b"0\r\n\0"), Ok(0));
        assert_eq!(parse_mrseq(b"").unwrap_err().message, "empty file");
        assert_eq!(parse_mrseq(b"-1").unwrap_err().message, "mrseq is not a sequence number: \"-1\"");
        assert_eq!(parse_mrseq(b"1 2").unwrap_err().message, "mrseq is not a sequence number: \"1 2\"");
    }

    #[test]
    fn settings_keep_public_and_flag_protected() {
        let text = br#"{"runtimeSettings":[{"handlerSettings":{"protectedSettingsCertThumbprint":"F6ABAA61098A301EBB8A571C3C7CF77F355F7FA9","protectedSettings":"MIICWgYJK","publicSettings":{"foo":"bar"}}}]}"#;
        let s = parse_settings(text).unwrap();
        assert_eq!(s.public_settings, Some(json!({"foo": "bar"})));
        assert!(s.has_protected_settings);
        assert_eq!(
            s.protected_settings_cert_thumbprint.as_deref(),
            Some("F6ABAA61098A301EBB8A571C3C7CF77F355F7FA9")
        );
        assert!(!format!("{s:?}").contains("MIICWgYJK"), "the protected blob must not be kept");

        let public_only = br#"{"runtimeSettings":[{"handlerSettings":{"publicSettings":{"commandToExecute":"snapshot"},"protectedSettings":""}}]}"#;
        let s = parse_settings(public_only).unwrap();
        assert!(!s.has_protected_settings);
        assert_eq!(s.protected_settings_cert_thumbprint, None);

        let empty = parse_settings(br#"{"runtimeSettings":[{}]}"#).unwrap();
        assert_eq!(empty, HandlerSettings::default());
        assert_eq!(parse_settings(b"{}").unwrap_err().message, "missing key runtimeSettings");
        assert_eq!(
            parse_settings(br#"{"runtimeSettings":[]}"#).unwrap_err().message,
            "runtimeSettings is empty"
        );
        assert_eq!(
            parse_settings(br#"{"runtimeSettings":{}}"#).unwrap_err().message,
            "runtimeSettings is not a JSON array"
        );
        assert_eq!(parse_settings(b"[]").unwrap_err().message, "settings is not a JSON object");
    }

    #[test]
    fn handler_dir_names() {
        assert_eq!(
            parse_handler_dir_name("Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0"),
            Some(("Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "1.0.9225.0"))
        );
        assert_eq!(
            parse_handler_dir_name("Microsoft.CPlat.Core.RunCommand-Linux-1.0.5"),
            Some(("Microsoft.CPlat.Core.RunCommand-Linux", "1.0.5"))
        );
        assert_eq!(parse_handler_dir_name("WALinuxAgent-2.9.1.1"), Some(("WALinuxAgent", "2.9.1.1")));
        for bad in [
            "history",
            "events",
            "-1.0",
            "Name-",
            "Name-1..0",
            "Name-1.0a",
            "Name-1.0.",
            "Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
        ] {
            assert_eq!(parse_handler_dir_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn seq_file_names() {
        assert_eq!(parse_seq_file_name("12.status"), Some(12));
        assert_eq!(parse_seq_file_name("0.settings"), Some(0));
        assert_eq!(parse_seq_file_name("firstRunCommand.12.settings"), Some(12));
        assert_eq!(parse_seq_file_name("ext.3.status"), Some(3));
        for bad in [
            "HeartBeat.Json",
            "12_status",
            "tempStatusFile.status",
            ".status",
            "12.status.bak",
            "x.settings",
            "99999999999999999999999.status",
        ] {
            assert_eq!(parse_seq_file_name(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_handler_state(&bytes);
            let _ = parse_handler_status(&bytes);
            let _ = parse_handler_environment(&bytes);
            let _ = parse_handler_manifest(&bytes);
            let _ = parse_mrseq(&bytes);
            let _ = parse_settings(&bytes);
        }

        #[test]
        fn names_never_panic(name in "\\PC{0,40}") {
            let _ = parse_handler_dir_name(&name);
            let _ = parse_seq_file_name(&name);
        }

        #[test]
        fn settings_shaped_json_never_panics(public in "\\PC{0,30}", protected in prop_oneof![Just(Value::Null), Just(json!("")), Just(json!(5)), Just(json!("blob"))]) {
            let doc = json!({"runtimeSettings": [{"handlerSettings": {"publicSettings": public, "protectedSettings": protected}}]});
            let s = parse_settings(doc.to_string().as_bytes()).unwrap();
            prop_assert_eq!(s.public_settings, Some(Value::String(public)));
        }
    }
}

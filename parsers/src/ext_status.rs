//! Extension status files: `<HandlerDir>/status/<seq>.status` (Linux) and `Status\<seq>.status`
//! (Windows), plus the heartbeat files (`heartbeat.log`, `HeartBeat.Json`).
//!
//! The status contract is validated the way the Linux agent does it (`parse_ext_status`,
//! `ga/exthandlers.py`): a JSON array whose first element has `status.status`; an unknown status value
//! becomes `error`; every substatus needs a valid `status`; a `formattedMessage` needs `lang` and
//! `message`; `code` may be a number or a string and defaults to 0.
//!
//! VMSnapshotLinux adds its own keys and hides the real outcome: for ARM VMs it forces the top-level
//! `status` to `success` once terminal, keeps the real report as a JSON string in `substatus[0].name`
//! and a JSON "ExtensionResponse" in `formattedMessage.message`. Both are decoded here and
//! [`ExtensionStatus::effective_status`] says what actually happened.

use crate::error::ParseError;
use crate::extensions_config::{ticks_to_utc, url_host};
use crate::json_util::{
    bool_field, formatted_message_text, i64_field, key_value_pairs, number_i64, object, parse_json,
    required_object, str_field, u64_field,
};
use crate::time::{parse_datetime_prefix, SourceTime};
use serde_json::{Map, Value};

/// An extension status value, as the agent accepts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusValue {
    /// Still running.
    Transitioning,
    /// Finished with a warning (not terminal for the agent).
    Warning,
    /// Failed (terminal).
    Error,
    /// Succeeded (terminal).
    Success,
}

impl StatusValue {
    /// The value for an exact status word, as the agent compares them (`"success"`, not `"Success"`).
    pub fn from_word(word: &str) -> Option<StatusValue> {
        match word {
            "transitioning" => Some(StatusValue::Transitioning),
            "warning" => Some(StatusValue::Warning),
            "error" => Some(StatusValue::Error),
            "success" => Some(StatusValue::Success),
            _ => None,
        }
    }

    /// Lower-case word.
    pub fn as_str(&self) -> &'static str {
        match self {
            StatusValue::Transitioning => "transitioning",
            StatusValue::Warning => "warning",
            StatusValue::Error => "error",
            StatusValue::Success => "success",
        }
    }

    /// `success` and `error` end an operation; the others mean "still going".
    pub fn is_terminal(&self) -> bool {
        matches!(self, StatusValue::Success | StatusValue::Error)
    }
}

/// A status `code` as written: extensions write numbers, strings of digits, or other text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Code {
    /// No `code` key (or `null`); the agent then reports 0.
    #[default]
    Missing,
    /// An integer, written as a number or as a string of digits.
    Int(i64),
    /// Anything else, as written.
    Text(String),
}

impl Code {
    /// Reads a JSON `code` value.
    pub(crate) fn from_json(value: Option<&Value>) -> Code {
        match value {
            None | Some(Value::Null) => Code::Missing,
            Some(Value::Number(n)) => match number_i64(n) {
                Some(i) => Code::Int(i),
                None => Code::Text(n.to_string()),
            },
            Some(Value::String(s)) => match s.trim().parse::<i64>() {
                Ok(i) => Code::Int(i),
                Err(_) => Code::Text(s.clone()),
            },
            Some(other) => Code::Text(other.to_string()),
        }
    }

    /// The integer value, when the code is one.
    pub fn value(&self) -> Option<i64> {
        match self {
            Code::Int(i) => Some(*i),
            Code::Missing | Code::Text(_) => None,
        }
    }
}

/// One entry of `status.substatus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubStatus {
    /// `name` (VMSnapshotLinux puts a whole JSON report here).
    pub name: Option<String>,
    /// `status`.
    pub status: StatusValue,
    /// `code`.
    pub code: Code,
    /// `formattedMessage.message`.
    pub message: Option<String>,
}

/// A parsed `<seq>.status` file (its first element, as the agent reads it).
#[derive(Debug, Clone, PartialEq)]
pub struct ExtensionStatus {
    /// `version` (`1.0` or `"1.0"`), as text.
    pub version: Option<String>,
    /// `timestampUTC`, when readable.
    pub timestamp: Option<SourceTime>,
    /// `timestampUTC` as written.
    pub timestamp_raw: Option<String>,
    /// `status.name`.
    pub name: Option<String>,
    /// `status.operation` (`Enable`, `Install`, …).
    pub operation: Option<String>,
    /// `status.status` after the agent's rule (an unknown value counts as `error`).
    pub status: StatusValue,
    /// `status.status` as written (JSON text when it is not a string).
    pub status_raw: String,
    /// `status.code`.
    pub code: Code,
    /// `status.configurationAppliedTime`.
    pub configuration_applied_time: Option<String>,
    /// `status.formattedMessage.message`.
    pub message: Option<String>,
    /// `status.substatus` entries (null entries skipped).
    pub substatus: Vec<SubStatus>,
    /// The file held a bare object instead of an array; the agent rejects such files with
    /// "The extension status must be an array" (old agents wrote this shape for "Enabling Handler").
    pub not_an_array: bool,
    /// The agent wrote this file on the extension's behalf (see `is_agent_placeholder`).
    pub agent_placeholder: bool,
    /// VMSnapshotLinux keys at the top level (`taskId`, `telemetryData`, …), when present.
    pub snapshot: Option<SnapshotExtras>,
    /// `formattedMessage.message` decoded, when it is VMSnapshotLinux's JSON ExtensionResponse.
    pub response: Option<ExtensionResponse>,
    /// `substatus[0].name` decoded, when it is VMSnapshotLinux's embedded status report.
    pub inner: Option<InnerReport>,
}

/// The keys VMSnapshotLinux adds to a status object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapshotExtras {
    /// `taskId` of the backup job.
    pub task_id: Option<String>,
    /// `commandStartTimeUTCTicks` (.NET ticks, UTC).
    pub command_start_ticks: Option<u64>,
    /// `uniqueMachineId`.
    pub unique_machine_id: Option<String>,
    /// `telemetryData` `[{Key, Value}]` pairs in file order (e.g. `extErrorCode`,
    /// `hostStatusCodePreSnapshot`, `hostStatusCodeDoSnapshot`).
    pub telemetry: Vec<(String, String)>,
    /// `vmHealthInfo`.
    pub vm_health: Option<VmHealth>,
    /// `snapshotInfo` entries (blob host only; snapshot URIs are not kept).
    pub snapshots: Vec<SnapshotResult>,
    /// `storageDetails`.
    pub storage: Option<StorageDetails>,
}

impl SnapshotExtras {
    /// The first telemetry value for `key` (exact key).
    pub fn telemetry(&self, key: &str) -> Option<&str> {
        self.telemetry.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// `commandStartTimeUTCTicks` as a UTC time.
    pub fn command_start_time(&self) -> Option<SourceTime> {
        self.command_start_ticks.and_then(ticks_to_utc)
    }
}

/// `vmHealthInfo`: `vmHealthState` 0 green, 128 yellow, 256 red; `vmHealthStatusCode` an enum value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VmHealth {
    /// `vmHealthState`.
    pub state: Option<i64>,
    /// `vmHealthStatusCode`.
    pub code: Option<i64>,
}

/// One `snapshotInfo` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapshotResult {
    /// Host of `snapshotUri` (the storage account endpoint).
    pub blob_host: Option<String>,
    /// `isSuccessful` (`"true"` or `true`).
    pub is_successful: Option<bool>,
    /// `errorMessage`, when not empty.
    pub error_message: Option<String>,
}

/// `storageDetails`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StorageDetails {
    /// `totalUsedSizeInBytes`.
    pub total_used_bytes: Option<u64>,
    /// `partitionCount`.
    pub partition_count: Option<u64>,
    /// `isSizeComputationFailed`.
    pub is_size_computation_failed: Option<bool>,
    /// `isStoragespacePresent`.
    pub is_storage_space_present: Option<bool>,
}

/// VMSnapshotLinux's JSON ExtensionResponse carried in `formattedMessage.message`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtensionResponse {
    /// `messageStr`: the error text plus telemetry.
    pub message: Option<String>,
    /// `snapshotConsistency`: 0 none, 1 file-system, 2 application, 3 crash consistent.
    pub snapshot_consistency: Option<i64>,
    /// `jobMessage`.
    pub job_message: Option<String>,
    /// `isSizeComputationFailed`.
    pub is_size_computation_failed: Option<bool>,
}

/// The status report VMSnapshotLinux embeds as JSON text in `substatus[0].name`; it keeps the real
/// `status` when the file's top level was forced to `success`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InnerReport {
    /// `status.name`.
    pub name: Option<String>,
    /// `status.operation`.
    pub operation: Option<String>,
    /// `status.status` (unknown values count as `error`, as for the file itself).
    pub status: StatusValue,
    /// `status.status` as written.
    pub status_raw: String,
    /// `status.code` (VMSnapshotLinux's run result).
    pub code: Code,
    /// `status.formattedMessage.message`.
    pub message: Option<String>,
    /// `timestampUTC` (often `\/Date(ms)\/`).
    pub timestamp: Option<SourceTime>,
    /// Telemetry, health, snapshot results and task id of the inner report.
    pub extras: SnapshotExtras,
}

/// Code VMSnapshotLinux uses for its "Transitioning state in extension" placeholder
/// (`ExtensionTempTerminalState`).
pub const VMSNAPSHOT_TRANSITIONAL_CODE: i64 = 4;

/// VMSnapshotLinux run results that mean success: 0 app-consistent, 1 file-system consistent,
/// 3 task already processed (4, transitional, is handled separately).
const VMSNAPSHOT_SUCCESS_CODES: [i64; 3] = [0, 1, 3];

/// `extErrorCode` names that do not mean failure.
const VMSNAPSHOT_SUCCESS_NAMES: [&str; 4] =
    ["success", "success_appconsistent", "SuccessAlreadyProcessedInput", "ExtensionTempTerminalState"];

impl ExtensionStatus {
    /// True when this is a VMSnapshotLinux status: its name says so, or it carries the extension's own
    /// keys or embedded report.
    pub fn is_vmsnapshot_linux(&self) -> bool {
        let named = |n: &Option<String>| n.as_deref().is_some_and(|n| n.contains("VMSnapshotLinux"));
        named(&self.name)
            || self.snapshot.is_some()
            || self.inner.as_ref().is_some_and(|i| named(&i.name) || i.extras != SnapshotExtras::default())
    }

    /// A telemetry value, from the embedded report first (it is the complete one), else the top level.
    pub fn telemetry(&self, key: &str) -> Option<&str> {
        let inner = self.inner.as_ref().and_then(|i| i.extras.telemetry(key));
        inner.or_else(|| self.snapshot.as_ref().and_then(|s| s.telemetry(key)))
    }

    /// VMSnapshotLinux's `extErrorCode` telemetry (an `ExtensionErrorCodeEnum` name).
    pub fn ext_error_code(&self) -> Option<&str> {
        self.telemetry("extErrorCode")
    }

    /// `hostStatusCodePreSnapshot` telemetry (HTTP status, or 555–558 for host-path failures).
    pub fn host_status_code_pre_snapshot(&self) -> Option<&str> {
        self.telemetry("hostStatusCodePreSnapshot")
    }

    /// `hostStatusCodeDoSnapshot` telemetry.
    pub fn host_status_code_do_snapshot(&self) -> Option<&str> {
        self.telemetry("hostStatusCodeDoSnapshot")
    }

    /// What really happened, which for VMSnapshotLinux can differ from the written `status`:
    ///
    /// 1. Not VMSnapshotLinux: the written status (after the agent's unknown-means-error rule).
    /// 2. Otherwise take the embedded report's status and code when present, else the file's own.
    /// 3. Code 4 (`ExtensionTempTerminalState`) means `transitioning`.
    /// 4. A `success` whose code is not a success run result (0, 1, 3) or whose `extErrorCode` is a
    ///    failure name means `error`: the top level was forced to `success`.
    /// 5. A `success` whose message is "Transitioning state in extension" means `transitioning`.
    pub fn effective_status(&self) -> StatusValue {
        if !self.is_vmsnapshot_linux() {
            return self.status;
        }
        let (status, code) = match &self.inner {
            Some(inner) => (inner.status, &inner.code),
            None => (self.status, &self.code),
        };
        if code.value() == Some(VMSNAPSHOT_TRANSITIONAL_CODE) {
            return StatusValue::Transitioning;
        }
        if status != StatusValue::Success {
            return status;
        }
        let failed_code = code.value().is_some_and(|c| !VMSNAPSHOT_SUCCESS_CODES.contains(&c));
        let failed_name = self
            .ext_error_code()
            .is_some_and(|n| !VMSNAPSHOT_SUCCESS_NAMES.iter().any(|ok| ok.eq_ignore_ascii_case(n.trim())));
        if failed_code || failed_name {
            return StatusValue::Error;
        }
        // Only the file's own message can be the transitional placeholder; an embedded report is final.
        let own_messages =
            [self.message.as_deref(), self.response.as_ref().and_then(|r| r.message.as_deref())];
        let transitional =
            own_messages.iter().flatten().any(|m| m.contains("Transitioning state in extension"));
        if self.inner.is_none() && transitional {
            return StatusValue::Transitioning;
        }
        StatusValue::Success
    }
}

/// Reads a status file.
pub fn parse(bytes: &[u8]) -> Result<ExtensionStatus, ParseError> {
    let doc = parse_json(bytes)?;
    let (first, not_an_array) = match &doc {
        Value::Array(items) => {
            (items.first().ok_or_else(|| ParseError::new("status array is empty"))?, false)
        }
        Value::Object(obj) if obj.contains_key("status") => (&doc, true),
        _ => return Err(ParseError::new("status file is not a JSON array")),
    };
    let top = first.as_object().ok_or_else(|| ParseError::new("status[0] is not a JSON object"))?;
    let status_obj = required_object(top, "status")?;
    let status_value =
        status_obj.get("status").ok_or_else(|| ParseError::new("missing key status.status"))?;
    let (status, status_raw) = agent_status(status_value);
    let code = Code::from_json(status_obj.get("code"));
    let operation = str_field(status_obj, "operation");
    let message = formatted_message(status_obj.get("formattedMessage"), "status.formattedMessage")?;
    let substatus = substatus_list(status_obj.get("substatus"))?;
    let timestamp_raw = str_field(top, "timestampUTC");
    let agent_placeholder = is_agent_placeholder(top, status_obj, &status_raw, &code, operation.as_deref());
    Ok(ExtensionStatus {
        version: str_field(top, "version"),
        timestamp: timestamp_raw.as_deref().and_then(parse_status_timestamp),
        timestamp_raw,
        name: str_field(status_obj, "name"),
        operation,
        status,
        status_raw,
        code,
        configuration_applied_time: str_field(status_obj, "configurationAppliedTime"),
        response: message.as_deref().and_then(decode_response),
        message,
        inner: substatus.first().and_then(|s| s.name.as_deref()).and_then(decode_inner_report),
        substatus,
        not_an_array,
        agent_placeholder,
        snapshot: snapshot_extras(status_obj),
    })
}

/// The agent's mapping of `status.status`: a known word, else `error`; plus the raw text.
fn agent_status(value: &Value) -> (StatusValue, String) {
    match value {
        Value::String(s) => (StatusValue::from_word(s).unwrap_or(StatusValue::Error), s.clone()),
        other => (StatusValue::Error, other.to_string()),
    }
}

/// `formattedMessage.message`, enforcing the agent's `lang`/`message` keys when the object is present.
fn formatted_message(value: Option<&Value>, path: &str) -> Result<Option<String>, ParseError> {
    let obj = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(obj)) => obj,
        Some(_) => return Err(ParseError::new(format!("{path} is not a JSON object"))),
    };
    for key in ["lang", "message"] {
        if !obj.contains_key(key) {
            return Err(ParseError::new(format!("missing key {path}.{key}")));
        }
    }
    Ok(str_field(obj, "message"))
}

fn substatus_list(value: Option<&Value>) -> Result<Vec<SubStatus>, ParseError> {
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(ParseError::new("status.substatus is not a JSON array")),
    };
    let mut list = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let obj = match item {
            Value::Null => continue,
            Value::Object(obj) => obj,
            _ => return Err(ParseError::new(format!("status.substatus[{i}] is not a JSON object"))),
        };
        let raw =
            obj.get("status").ok_or_else(|| ParseError::new(format!("missing key substatus[{i}].status")))?;
        let status = raw.as_str().and_then(StatusValue::from_word).ok_or_else(|| {
            ParseError::new(format!(
                "invalid substatus[{i}].status: {raw} is not one of transitioning, warning, error, success"
            ))
        })?;
        list.push(SubStatus {
            name: str_field(obj, "name"),
            status,
            code: Code::from_json(obj.get("code")),
            message: formatted_message(
                obj.get("formattedMessage"),
                &format!("substatus[{i}].formattedMessage"),
            )?,
        });
    }
    Ok(list)
}

/// Agent error codes (`ExtensionErrorCodes`, `common/exception.py`) and their names.
pub fn agent_error_code_name(code: i64) -> Option<&'static str> {
    Some(match code {
        -1 => "Unknown",
        1000 => "PluginProcessingError",
        1001 => "PluginManifestDownloadError",
        1002 => "PluginHandlerManifestNotFound",
        1003 => "PluginHandlerManifestDeserializationError",
        1004 => "PluginPackageDownloadFailed",
        1005 => "PluginPackageExtractionFailed",
        1007 => "PluginInstallProcessingFailed",
        1008 => "PluginUpdateProcessingFailed",
        1009 => "PluginEnableProcessingFailed",
        1010 => "PluginDisableProcessingFailed",
        1011 => "PluginHandlerScriptTimedout",
        1012 => "PluginSettingsStatusInvalid",
        _ => return None,
    })
}

/// The agent writes status files itself (`create_status_file`) with exactly version/timestampUTC/status
/// and name/operation/status/code/formattedMessage: an `error` with one of its own codes (-1, 1000–1099)
/// when the extension failed before reporting, or the old "Enabling Handler" transitioning stub.
fn is_agent_placeholder(
    top: &Map<String, Value>,
    status: &Map<String, Value>,
    status_raw: &str,
    code: &Code,
    operation: Option<&str>,
) -> bool {
    let top_ok = top.keys().all(|k| matches!(k.as_str(), "version" | "timestampUTC" | "status"));
    let status_ok = status
        .keys()
        .all(|k| matches!(k.as_str(), "name" | "operation" | "status" | "code" | "formattedMessage"));
    let agent_code = code.value().is_some_and(|c| c == -1 || (1000..1100).contains(&c));
    let enabling_stub = operation == Some("Enabling Handler") && status_raw == "transitioning";
    top_ok && status_ok && ((status_raw == "error" && agent_code) || enabling_stub)
}

/// The VMSnapshotLinux keys of a status object, when any is present.
fn snapshot_extras(status: &Map<String, Value>) -> Option<SnapshotExtras> {
    const KEYS: [&str; 7] = [
        "taskId",
        "commandStartTimeUTCTicks",
        "uniqueMachineId",
        "telemetryData",
        "vmHealthInfo",
        "snapshotInfo",
        "storageDetails",
    ];
    if !KEYS.iter().any(|k| status.contains_key(*k)) {
        return None;
    }
    Some(SnapshotExtras {
        task_id: str_field(status, "taskId"),
        command_start_ticks: u64_field(status, "commandStartTimeUTCTicks"),
        unique_machine_id: str_field(status, "uniqueMachineId"),
        telemetry: key_value_pairs(status.get("telemetryData")),
        vm_health: object(status, "vmHealthInfo").map(|h| VmHealth {
            state: i64_field(h, "vmHealthState"),
            code: i64_field(h, "vmHealthStatusCode"),
        }),
        snapshots: status
            .get("snapshotInfo")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(Value::as_object).map(snapshot_result).collect())
            .unwrap_or_default(),
        storage: object(status, "storageDetails").map(|s| StorageDetails {
            total_used_bytes: u64_field(s, "totalUsedSizeInBytes"),
            partition_count: u64_field(s, "partitionCount"),
            is_size_computation_failed: bool_field(s, "isSizeComputationFailed"),
            is_storage_space_present: bool_field(s, "isStoragespacePresent"),
        }),
    })
}

fn snapshot_result(obj: &Map<String, Value>) -> SnapshotResult {
    SnapshotResult {
        blob_host: obj.get("snapshotUri").and_then(Value::as_str).and_then(url_host),
        is_successful: bool_field(obj, "isSuccessful"),
        error_message: str_field(obj, "errorMessage").filter(|m| !m.trim().is_empty()),
    }
}

/// Decodes a `formattedMessage.message` that is VMSnapshotLinux's JSON ExtensionResponse.
fn decode_response(message: &str) -> Option<ExtensionResponse> {
    let trimmed = message.trim();
    if !trimmed.starts_with('{') {
        return None;
    }
    let value: Value = serde_json::from_str(trimmed).ok()?;
    let obj = value.as_object()?;
    let known = ["messageStr", "snapshotConsistency", "jobMessage", "isSizeComputationFailed"];
    if !known.iter().any(|k| obj.contains_key(*k)) {
        return None;
    }
    Some(ExtensionResponse {
        message: str_field(obj, "messageStr"),
        snapshot_consistency: i64_field(obj, "snapshotConsistency"),
        job_message: str_field(obj, "jobMessage").filter(|m| !m.is_empty()),
        is_size_computation_failed: bool_field(obj, "isSizeComputationFailed"),
    })
}

/// Decodes a substatus name that is a whole status report (`[{"status": {...}, "timestampUTC": …}]`).
fn decode_inner_report(name: &str) -> Option<InnerReport> {
    let trimmed = name.trim();
    if !trimmed.starts_with('[') && !trimmed.starts_with('{') {
        return None;
    }
    let value: Value = serde_json::from_str(trimmed).ok()?;
    let first = match &value {
        Value::Array(items) => items.first()?,
        other => other,
    };
    let top = first.as_object()?;
    let status = top.get("status")?.as_object()?;
    let (status_value, status_raw) = lenient_status(status.get("status")?);
    Some(InnerReport {
        name: str_field(status, "name"),
        operation: str_field(status, "operation"),
        status: status_value,
        status_raw,
        code: Code::from_json(status.get("code")),
        message: formatted_message_text(status),
        timestamp: str_field(top, "timestampUTC").as_deref().and_then(parse_status_timestamp),
        extras: snapshot_extras(status).unwrap_or_default(),
    })
}

/// Like the agent's mapping but ignoring case, for text the agent never validates.
fn lenient_status(value: &Value) -> (StatusValue, String) {
    match value {
        Value::String(s) => {
            (StatusValue::from_word(&s.trim().to_ascii_lowercase()).unwrap_or(StatusValue::Error), s.clone())
        }
        other => (StatusValue::Error, other.to_string()),
    }
}

/// A heartbeat file: `[{"version": 1.0, "heartbeat": {"status": "ready", "code": 0, …}}]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Heartbeat {
    /// `version`, as text.
    pub version: Option<String>,
    /// `heartbeat.status` (`ready`, `notready`, …).
    pub status: Option<String>,
    /// `heartbeat.code`.
    pub code: Code,
    /// `heartbeat.formattedMessage.message`, or `Message`/`message` (Windows).
    pub message: Option<String>,
}

/// Reads `heartbeat.log` / `HeartBeat.Json` (an array, or a bare object).
pub fn parse_heartbeat(bytes: &[u8]) -> Result<Heartbeat, ParseError> {
    let doc = parse_json(bytes)?;
    let first = match &doc {
        Value::Array(items) => items.first().ok_or_else(|| ParseError::new("heartbeat array is empty"))?,
        other => other,
    };
    let top =
        first.as_object().ok_or_else(|| ParseError::new("heartbeat file is not a JSON array or object"))?;
    let hb = required_object(top, "heartbeat")?;
    let message =
        formatted_message_text(hb).or_else(|| str_field(hb, "Message")).or_else(|| str_field(hb, "message"));
    Ok(Heartbeat {
        version: str_field(top, "version"),
        status: str_field(hb, "status"),
        code: Code::from_json(hb.get("code")),
        message,
    })
}

/// Reads a status timestamp: ISO-8601 UTC (`2019-06-06T23:52:59Z`, fractions allowed) or the .NET JSON
/// date `\/Date(1559865179380)\/` (milliseconds since the Unix epoch, UTC; a trailing `+hhmm` is ignored).
pub fn parse_status_timestamp(s: &str) -> Option<SourceTime> {
    let t = s.trim();
    if let Some(millis) = dotnet_date_millis(t) {
        return chrono::DateTime::from_timestamp_millis(millis).map(|d| SourceTime::Utc(d.naive_utc()));
    }
    let (time, used) =
        parse_datetime_prefix(t, b'-', b'T').or_else(|| parse_datetime_prefix(t, b'-', b' '))?;
    let rest = t.get(used..)?;
    matches!(rest, "" | "Z" | "z" | "+00:00").then_some(SourceTime::Utc(time))
}

fn dotnet_date_millis(t: &str) -> Option<i64> {
    let inner = t.strip_prefix("\\/Date(").or_else(|| t.strip_prefix("/Date("))?;
    let inner = inner.strip_suffix(")\\/").or_else(|| inner.strip_suffix(")/"))?;
    let end =
        inner.char_indices().skip(1).find(|(_, c)| matches!(c, '+' | '-')).map_or(inner.len(), |(i, _)| i);
    inner.get(..end)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::utc_time;
    use proptest::prelude::*;

    const SAMPLE: &[u8] = include_bytes!("../tests/data/linux/extension/vmsnapshot-sample.status");
    const INVALID_JSON: &[u8] = include_bytes!("../tests/data/linux/extension/invalid-json-format.status");
    const NO_STATUS_STATUS: &[u8] =
        include_bytes!("../tests/data/linux/extension/invalid-no-status-status-key.status");
    const EMPTY_KEY_LINE7: &[u8] =
        include_bytes!("../tests/data/linux/extension/invalid-format-emptykey-line7.status");

    /// A VMSnapshotLinux-style status: top level forced to `success`, real report in the substatus.
    fn vmsnapshot_status(top_code: &str, inner_status: &str, inner_code: &str, ext_error: &str) -> String {
        let inner = format!(
            r#"[{{"status": {{"status": "{inner_status}", "code": "{inner_code}", "name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "operation": "Enable", "formattedMessage": {{"lang": "en-US", "message": "T:S Enable failed with error: freeze took longer than timeout StatusCode.FailedRetryableFsFreezeTimeout,"}}, "telemetryData": [{{"Key": "extErrorCode", "Value": "{ext_error}"}}, {{"Key": "hostStatusCodePreSnapshot", "Value": "555"}}], "vmHealthInfo": {{"vmHealthStatusCode": 122, "vmHealthState": 128}}, "taskId": "t-1", "substatus": []}}, "version": "1.0", "timestampUTC": "\\/Date(1704919008000)\\/"}}]"#
        );
        let message = r#"{"messageStr": "T:S Enable failed", "snapshotConsistency": 0, "jobMessage": "", "isSizeComputationFailed": false}"#;
        let top = serde_json::json!([{
            "version": "1.0",
            "timestampUTC": "2024-01-10T20:36:48Z",
            "status": {
                "name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
                "operation": "Enable",
                "status": "success",
                "code": top_code,
                "formattedMessage": {"lang": "en-US", "message": message},
                "substatus": [{"name": inner, "status": "success", "code": "0", "formattedMessage": null}],
                "taskId": "t-1",
                "commandStartTimeUTCTicks": "638404860000000000",
                "uniqueMachineId": "m-1",
                "telemetryData": null,
                "snapshotInfo": null,
                "vmHealthInfo": null
            }
        }]);
        top.to_string()
    }

    #[test]
    fn corpus_sample_top_level_fields() {
        let s = parse(SAMPLE).unwrap();
        assert_eq!(s.version.as_deref(), Some("1.0"));
        assert_eq!(s.timestamp, Some(utc_time("2019-06-06 23:52:59")));
        assert_eq!(s.name.as_deref(), Some("Microsoft.Azure.Extension.VMExtension"));
        assert_eq!(s.operation.as_deref(), Some("Enable"));
        assert_eq!((s.status, s.status_raw.as_str()), (StatusValue::Success, "success"));
        assert_eq!(s.code, Code::Int(1));
        assert!(s.message.as_deref().unwrap().starts_with("Aenean semper nunc nisl"));
        assert_eq!(s.response, None, "a plain-text message is not an ExtensionResponse");
        assert_eq!(s.substatus.len(), 1);
        assert_eq!(s.substatus[0].status, StatusValue::Success);
        assert_eq!(s.substatus[0].code, Code::Int(0));
        assert_eq!(s.substatus[0].message, None);
        assert!(!s.not_an_array && !s.agent_placeholder);
        let top = s.snapshot.as_ref().unwrap();
        assert_eq!(top.task_id.as_deref(), Some("e5e5602b-48a6-4c35-9f96-752043777af1"));
        assert_eq!(top.command_start_ticks, Some(636953997844977993));
        assert_eq!(top.command_start_time(), Some(utc_time("2019-06-06 06:36:24.4977993")));
        assert_eq!(top.unique_machine_id.as_deref(), Some("e5e5602b-48a6-4c35-9f96-752043777af1"));
        assert!(top.telemetry.is_empty() && top.vm_health.is_none() && top.snapshots.is_empty());
        assert_eq!(
            top.storage,
            Some(StorageDetails {
                total_used_bytes: Some(10_000_000_000),
                partition_count: Some(3),
                is_size_computation_failed: Some(false),
                is_storage_space_present: Some(false),
            })
        );
    }

    #[test]
    fn corpus_sample_inner_report_is_decoded() {
        let s = parse(SAMPLE).unwrap();
        let inner = s.inner.as_ref().expect("inner report");
        assert_eq!(inner.name.as_deref(), Some("Microsoft.Azure.RecoveryServices.VMSnapshotLinux"));
        assert_eq!(inner.operation.as_deref(), Some("Enable"));
        assert_eq!((inner.status, inner.code.clone()), (StatusValue::Success, Code::Int(1)));
        assert_eq!(
            inner.message.as_deref(),
            Some(" statusBlobUploadError=true, snapshotCreator=backupHostService, hostStatusCodeDoSnapshot=200, ")
        );
        assert_eq!(inner.timestamp, Some(utc_time("2019-06-06 23:52:59.380")));
        assert_eq!(inner.extras.task_id.as_deref(), Some("767baff0-3f1e-4363-a974-5d801189250d"));
        assert_eq!(inner.extras.unique_machine_id.as_deref(), Some("cf2545fd-fef4-250b-d167-f2edb86da1ac"));
        assert_eq!(inner.extras.vm_health, Some(VmHealth { state: Some(0), code: Some(1) }));
        assert_eq!(inner.extras.telemetry.len(), 16);
        assert_eq!(inner.extras.telemetry[0], ("kernelVersion".to_string(), "4.4.0-145-generic".to_string()));
        assert_eq!(inner.extras.snapshots.len(), 6);
        assert_eq!(
            inner.extras.snapshots[0],
            SnapshotResult {
                blob_host: Some("md-rvr1sst1m0s0.blob.core.windows.net".into()),
                is_successful: Some(true),
                error_message: None,
            }
        );
        assert_eq!(s.ext_error_code(), Some("success"));
        assert_eq!(s.host_status_code_do_snapshot(), Some("200"));
        assert_eq!(s.host_status_code_pre_snapshot(), None);
        assert_eq!(s.telemetry("guestAgentVersion"), Some("2.2.32.2"));
        assert!(s.is_vmsnapshot_linux());
        assert_eq!(s.effective_status(), StatusValue::Success);
    }

    #[test]
    fn corpus_invalid_files_give_clear_errors() {
        let truncated = parse(INVALID_JSON).unwrap_err();
        assert!(truncated.message.starts_with("invalid JSON: "), "{}", truncated.message);
        assert_eq!(truncated.line, Some(37));

        let no_status = parse(NO_STATUS_STATUS).unwrap_err();
        assert_eq!(no_status.message, "missing key status.status");

        let empty_key = parse(EMPTY_KEY_LINE7).unwrap_err();
        assert!(empty_key.message.starts_with("invalid JSON: "), "{}", empty_key.message);
        assert_eq!(empty_key.line, Some(8));
    }

    #[test]
    fn forced_success_with_failure_code_is_an_error() {
        let s = parse(vmsnapshot_status("122", "error", "122", "FailedRetryableFsFreezeTimeout").as_bytes())
            .unwrap();
        assert_eq!(s.status, StatusValue::Success);
        assert_eq!(s.code, Code::Int(122));
        let inner = s.inner.as_ref().unwrap();
        assert_eq!((inner.status, inner.code.value()), (StatusValue::Error, Some(122)));
        assert_eq!(inner.timestamp, Some(utc_time("2024-01-10 20:36:48")));
        assert_eq!(s.ext_error_code(), Some("FailedRetryableFsFreezeTimeout"));
        assert_eq!(s.host_status_code_pre_snapshot(), Some("555"));
        assert_eq!(inner.extras.vm_health, Some(VmHealth { state: Some(128), code: Some(122) }));
        assert_eq!(
            s.response,
            Some(ExtensionResponse {
                message: Some("T:S Enable failed".into()),
                snapshot_consistency: Some(0),
                job_message: None,
                is_size_computation_failed: Some(false),
            })
        );
        assert_eq!(s.snapshot.as_ref().unwrap().command_start_time(), Some(utc_time("2024-01-10 12:20:00")));
        assert_eq!(s.effective_status(), StatusValue::Error);
    }

    #[test]
    fn forced_success_caught_by_code_or_ext_error_code_alone() {
        // Inner report also says success, but its run result is a failure code.
        let by_code = parse(vmsnapshot_status("76", "success", "76", "success").as_bytes()).unwrap();
        assert_eq!(by_code.effective_status(), StatusValue::Error);
        // Code says success (crash-consistent fallback), extErrorCode names the failure.
        let by_name = parse(
            vmsnapshot_status("1", "success", "1", "FailedRetryableSnapshotFailedRestrictedNetwork")
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(by_name.effective_status(), StatusValue::Error);
        let ok = parse(vmsnapshot_status("0", "success", "0", "success_appconsistent").as_bytes()).unwrap();
        assert_eq!(ok.effective_status(), StatusValue::Success);
    }

    #[test]
    fn top_level_only_failure_code_and_transitional_placeholder() {
        let failed = r#"[{"version":"1.0","timestampUTC":"2024-01-10T20:36:48Z","status":{"name":"Microsoft.Azure.RecoveryServices.VMSnapshotLinux","operation":"Enable","status":"success","code":"121","formattedMessage":{"lang":"en-US","message":"x"}}}]"#;
        let s = parse(failed.as_bytes()).unwrap();
        assert!(s.inner.is_none() && s.snapshot.is_none());
        assert_eq!(s.effective_status(), StatusValue::Error);

        let transitional = r#"[{"version":"1.0","timestampUTC":"2024-01-10T20:30:00Z","status":{"name":"Microsoft.Azure.RecoveryServices.VMSnapshotLinux","operation":"Enable","status":"success","code":"4","formattedMessage":{"lang":"en-US","message":"Transitioning state in extension"},"taskId":"t-2"}}]"#;
        let s = parse(transitional.as_bytes()).unwrap();
        assert_eq!(s.status, StatusValue::Success);
        assert_eq!(s.effective_status(), StatusValue::Transitioning);

        // Without a code, the placeholder is still recognised by its message (here inside the response).
        let by_message = r#"[{"status":{"name":"Microsoft.Azure.RecoveryServices.VMSnapshotLinux","status":"success","formattedMessage":{"lang":"en-US","message":"{\"messageStr\": \"Transitioning state in extension\", \"snapshotConsistency\": 0}"}}}]"#;
        let s = parse(by_message.as_bytes()).unwrap();
        assert_eq!(
            s.response.as_ref().and_then(|r| r.message.as_deref()),
            Some("Transitioning state in extension")
        );
        assert_eq!(s.effective_status(), StatusValue::Transitioning);
    }

    #[test]
    fn other_extensions_keep_their_written_status() {
        let text = r#"[{"version":1.0,"timestampUTC":"2023-10-27T07:57:10Z","status":{"name":"Microsoft.Azure.Extensions.CustomScript","operation":"Enable","status":"success","code":1,"formattedMessage":{"lang":"en-US","message":"Enable succeeded"}}}]"#;
        let s = parse(text.as_bytes()).unwrap();
        assert!(!s.is_vmsnapshot_linux());
        assert_eq!(s.version.as_deref(), Some("1.0"));
        assert_eq!(s.effective_status(), StatusValue::Success);
    }

    #[test]
    fn agent_placeholder_is_recognised() {
        let text = r#"[{"version": 1.0, "timestampUTC": "2024-03-15T17:10:47Z", "status": {"name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "operation": "Enable", "status": "error", "code": 1009, "formattedMessage": {"lang": "en-US", "message": "Non-zero exit code: 3, /var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/main/handle.sh enable"}}}]"#;
        let s = parse(text.as_bytes()).unwrap();
        assert!(s.agent_placeholder);
        assert_eq!(s.code.value().and_then(agent_error_code_name), Some("PluginEnableProcessingFailed"));
        assert_eq!(s.effective_status(), StatusValue::Error);

        // The pre-2.2.4x "Enabling Handler" stub was a bare object, which newer agents reject.
        let stub = r#"{"version": 1.0, "timestampUTC": "2019-01-01T00:00:00Z", "status": {"name": "X.Y", "operation": "Enabling Handler", "status": "transitioning", "code": 0}}"#;
        let s = parse(stub.as_bytes()).unwrap();
        assert!(s.not_an_array && s.agent_placeholder);
        assert_eq!(s.status, StatusValue::Transitioning);

        // An extension's own error with its own code is not a placeholder.
        let own = r#"[{"status": {"name": "X", "status": "error", "code": 1009, "formattedMessage": {"lang": "en-US", "message": "m"}, "substatus": []}}]"#;
        assert!(!parse(own.as_bytes()).unwrap().agent_placeholder);
    }

    #[test]
    fn agent_rules_for_values_codes_and_messages() {
        let unknown = r#"[{"status": {"status": "Succeeded", "code": "abc"}}]"#;
        let s = parse(unknown.as_bytes()).unwrap();
        assert_eq!((s.status, s.status_raw.as_str()), (StatusValue::Error, "Succeeded"));
        assert_eq!(s.code, Code::Text("abc".into()));

        let s = parse(br#"[{"status": {"status": "warning"}}]"#).unwrap();
        assert_eq!(
            (s.status, s.code.clone(), s.message.clone()),
            (StatusValue::Warning, Code::Missing, None)
        );

        let s = parse(br#"[{"status": {"status": "success", "code": 2.0, "substatus": null}}]"#).unwrap();
        assert_eq!(s.code, Code::Int(2));
        assert!(s.substatus.is_empty());

        let e = parse(br#"[{"status": {"status": "success", "formattedMessage": {"message": "m"}}}]"#)
            .unwrap_err();
        assert_eq!(e.message, "missing key status.formattedMessage.lang");
        let e = parse(br#"[{"status": {"status": "success", "substatus": [{"name": "a"}]}}]"#).unwrap_err();
        assert_eq!(e.message, "missing key substatus[0].status");
        let e = parse(br#"[{"status": {"status": "success", "substatus": [null, {"status": "done"}]}}]"#)
            .unwrap_err();
        assert_eq!(
            e.message,
            "invalid substatus[1].status: \"done\" is not one of transitioning, warning, error, success"
        );
        let e = parse(br#"[{"status": {"status": "success", "substatus": [{"status": "error", "formattedMessage": {"lang": "en"}}]}}]"#)
            .unwrap_err();
        assert_eq!(e.message, "missing key substatus[0].formattedMessage.message");
    }

    #[test]
    fn structural_errors() {
        assert_eq!(parse(b"").unwrap_err().message, "empty file");
        assert_eq!(parse(b"[]").unwrap_err().message, "status array is empty");
        assert_eq!(parse(b"{\"a\": 1}").unwrap_err().message, "status file is not a JSON array");
        assert_eq!(parse(b"\"text\"").unwrap_err().message, "status file is not a JSON array");
        assert_eq!(parse(b"[1]").unwrap_err().message, "status[0] is not a JSON object");
        assert_eq!(parse(b"[{\"version\": 1}]").unwrap_err().message, "missing key status");
        assert_eq!(parse(b"[{\"status\": []}]").unwrap_err().message, "status is not a JSON object");
        let deep = parse("[".repeat(100_000).as_bytes()).unwrap_err();
        assert!(deep.message.contains("recursion limit exceeded"), "{}", deep.message);
        let truncated = parse(b"[{\"status\": {\"status\": \"succ").unwrap_err();
        assert!(truncated.message.starts_with("invalid JSON: EOF"), "{}", truncated.message);
    }

    #[test]
    fn bom_utf16_and_nul_padding_are_tolerated() {
        let text = r#"[{"status": {"status": "success", "code": 0}}]"#;
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(parse(&bom).unwrap().status, StatusValue::Success);
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(parse(&utf16).unwrap().code, Code::Int(0));
        let mut padded = text.as_bytes().to_vec();
        padded.extend_from_slice(&[0; 64]);
        assert_eq!(parse(&padded).unwrap().status, StatusValue::Success);
    }

    #[test]
    fn timestamps_in_both_forms() {
        assert_eq!(parse_status_timestamp("2019-06-06T23:52:59Z"), Some(utc_time("2019-06-06 23:52:59")));
        assert_eq!(
            parse_status_timestamp("2019-11-14T06:02:33.4328493Z"),
            Some(utc_time("2019-11-14 06:02:33.4328493"))
        );
        assert_eq!(
            parse_status_timestamp("\\/Date(1559865179380)\\/"),
            Some(utc_time("2019-06-06 23:52:59.380"))
        );
        assert_eq!(
            parse_status_timestamp("/Date(1559865179380+0000)/"),
            Some(utc_time("2019-06-06 23:52:59.380"))
        );
        assert_eq!(parse_status_timestamp("/Date(-1000)/"), Some(utc_time("1969-12-31 23:59:59")));
        assert_eq!(parse_status_timestamp("2019-06-06T23:52:59+02:00"), None);
        assert_eq!(parse_status_timestamp("yesterday"), None);
        assert_eq!(parse_status_timestamp("/Date()/"), None);
    }

    #[test]
    fn heartbeat_linux_and_windows_shapes() {
        let linux = br#"[{"version": 1.0, "heartbeat": {"status": "ready", "code": 0, "formattedMessage": {"lang": "en-US", "message": "Extension is running"}}}]"#;
        assert_eq!(
            parse_heartbeat(linux).unwrap(),
            Heartbeat {
                version: Some("1.0".into()),
                status: Some("ready".into()),
                code: Code::Int(0),
                message: Some("Extension is running".into()),
            }
        );
        let windows = br#"[{"version":1.0,"heartbeat":{"status":"notready","code":"12","Message":"VSS writer failed"}}]"#;
        let hb = parse_heartbeat(windows).unwrap();
        assert_eq!((hb.status.as_deref(), hb.code.value()), (Some("notready"), Some(12)));
        assert_eq!(hb.message.as_deref(), Some("VSS writer failed"));
        assert_eq!(parse_heartbeat(b"[{\"version\": 1.0}]").unwrap_err().message, "missing key heartbeat");
        assert_eq!(parse_heartbeat(b"[]").unwrap_err().message, "heartbeat array is empty");
        assert_eq!(parse_heartbeat(b" ").unwrap_err().message, "empty file");
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse(&bytes);
            let _ = parse_heartbeat(&bytes);
        }

        #[test]
        fn json_shaped_input_never_panics(
            status in "[a-zA-Z]{0,14}",
            code in prop_oneof![Just("1".to_string()), Just("\"76\"".to_string()), Just("null".to_string()), "-?[0-9]{1,22}(\\.[0-9]{1,3})?"],
            name in "\\PC{0,60}",
            message in "\\PC{0,60}",
        ) {
            let doc = serde_json::json!([{"timestampUTC": message, "status": {
                "status": status, "code": serde_json::from_str::<Value>(&code).unwrap_or(Value::Null),
                "formattedMessage": {"lang": "en-US", "message": message},
                "substatus": [{"status": "success", "name": name}], "taskId": name}}]);
            let parsed = parse(doc.to_string().as_bytes());
            prop_assert!(parsed.is_ok());
            let _ = parsed.map(|s| s.effective_status());
            let _ = parse_status_timestamp(&message);
        }
    }
}

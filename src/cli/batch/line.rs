//! The one JSON line each input gets. An analysed bundle's line is read off its JSON report, the same
//! report `--out-dir` stores, so that a line rebuilt from a stored report (`--skip-existing`) is the line
//! the analysis printed.

use serde::Serialize;
use serde_json::Value;
use snaptriage::facts::is_backup_extension;

/// `status` of an input that was analysed.
pub const OK: &str = "ok";
/// `status` of an input that could not be analysed (`error` says why).
pub const ERROR: &str = "error";

/// A finding on the line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineFinding {
    /// Finding id.
    pub id: String,
    /// Its severity.
    pub severity: String,
}

/// One line of the batch output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchLine {
    /// The id the input gave, else its path.
    pub id: String,
    /// The bundle's path (`null` for an input line that named none).
    pub path: Option<String>,
    /// SHA-256 of the bundle file (`null` for a folder).
    pub sha256: Option<String>,
    /// [`OK`] or [`ERROR`].
    pub status: &'static str,
    /// Why the bundle could not be analysed, or its report not stored.
    pub error: Option<String>,
    /// The findings, most severe first.
    pub findings: Vec<LineFinding>,
    /// The Azure Backup error codes of the findings, sorted, each once.
    pub error_codes: Vec<String>,
    /// The root cause of the latest failed backup run: a finding id, or `unexplained`; `null` when no run
    /// failed.
    pub root_cause: Option<String>,
    /// `linux`, `windows` or `unknown`.
    pub os: Option<String>,
    /// The agent's version.
    pub agent_version: Option<String>,
    /// The VMSnapshot extension handler's version.
    pub extension_version: Option<String>,
    /// Milliseconds the analysis took (the report's own count when there is a report).
    pub elapsed_ms: u64,
}

impl BatchLine {
    /// The line of an analysed bundle, from its JSON report.
    pub fn from_report(id: String, path: String, sha256: Option<String>, report: &Value) -> BatchLine {
        let text = |v: &Value| v.as_str().map(str::to_string);
        let findings: Vec<LineFinding> = array(&report["findings"])
            .iter()
            .map(|f| LineFinding {
                id: text(&f["id"]).unwrap_or_default(),
                severity: text(&f["severity"]).unwrap_or_default(),
            })
            .collect();
        let mut error_codes: Vec<String> = array(&report["findings"])
            .iter()
            .flat_map(|f| array(&f["error_codes"]))
            .filter_map(text)
            .collect();
        error_codes.sort();
        error_codes.dedup();
        let root_cause = array(&report["runs"])
            .iter()
            .rev()
            .find(|r| matches!(r["outcome"].as_str(), Some("failed" | "stuck")))
            .map(|r| text(&r["root_cause"]["finding"]).unwrap_or_else(|| "unexplained".into()));
        let extension_version = array(&report["facts"]["extensions"])
            .iter()
            .find(|e| e["name"].as_str().is_some_and(is_backup_extension))
            .and_then(|e| text(&e["version"]));
        BatchLine {
            id,
            path: Some(path),
            sha256,
            status: OK,
            error: None,
            findings,
            error_codes,
            root_cause,
            os: text(&report["bundle"]["os"]),
            agent_version: text(&report["facts"]["agent_version"]),
            extension_version,
            elapsed_ms: report["stats"]["elapsed_ms"].as_u64().unwrap_or(0),
        }
    }

    /// The line of an input that could not be analysed.
    pub fn failed(
        id: String,
        path: Option<String>,
        sha256: Option<String>,
        error: String,
        elapsed_ms: u64,
    ) -> BatchLine {
        BatchLine {
            id,
            path,
            sha256,
            status: ERROR,
            error: Some(error),
            findings: Vec::new(),
            error_codes: Vec::new(),
            root_cause: None,
            os: None,
            agent_version: None,
            extension_version: None,
            elapsed_ms,
        }
    }

    /// True when the input got no analysis.
    pub fn is_error(&self) -> bool {
        self.status == ERROR
    }
}

fn array(value: &Value) -> &[Value] {
    value.as_array().map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_line_takes_the_latest_failed_runs_cause_and_the_backup_extensions_version() {
        let report = json!({
            "bundle": {"os": "linux"},
            "facts": {
                "agent_version": "2.9.1.1",
                "extensions": [
                    {"name": "Microsoft.Azure.Monitor.AzureMonitorLinuxAgent", "version": "1.0"},
                    {"name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "version": "1.0.9225.0"}
                ]
            },
            "findings": [
                {"id": "fsfreeze-failed", "severity": "error", "error_codes": ["UserErrorFsFreezeFailed", "B"]},
                {"id": "agent-outdated", "severity": "warning", "error_codes": ["B"]}
            ],
            "runs": [
                {"outcome": "failed", "root_cause": {"finding": "agent-outdated"}},
                {"outcome": "stuck", "root_cause": {"finding": null}},
                {"outcome": "success"}
            ],
            "stats": {"elapsed_ms": 12}
        });
        let line = BatchLine::from_report("case".into(), "/b.zip".into(), None, &report);
        assert_eq!(line.root_cause.as_deref(), Some("unexplained"));
        assert_eq!(line.extension_version.as_deref(), Some("1.0.9225.0"));
        assert_eq!(line.error_codes, vec!["B", "UserErrorFsFreezeFailed"]);
        assert_eq!(line.findings[1], LineFinding { id: "agent-outdated".into(), severity: "warning".into() });
        assert_eq!((line.os.as_deref(), line.agent_version.as_deref()), (Some("linux"), Some("2.9.1.1")));
        assert_eq!(line.elapsed_ms, 12);
        let healthy = json!({"runs": [{"outcome": "success"}], "findings": []});
        assert_eq!(BatchLine::from_report("x".into(), "x".into(), None, &healthy).root_cause, None);
    }
}

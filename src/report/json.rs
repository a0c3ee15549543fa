//! The JSON report: the stable contract (see README), pretty-printed, deterministic but for `elapsed_ms`.

use super::Report;

/// Renders the report as pretty JSON with a trailing newline.
pub fn render_json(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}

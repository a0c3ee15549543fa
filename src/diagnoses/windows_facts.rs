//! Windows facts diagnoses read: VSS writer states and registry values (filled when the bundle has them).

use super::Context;
use crate::report::Evidence;

/// Evidence for VSS writers that are not stable or report an error.
pub fn failed_writers(cx: &Context<'_>) -> Vec<Evidence> {
    cx.facts
        .vss_writers
        .iter()
        .filter(|w| !w.stable || !w.last_error.eq_ignore_ascii_case("No error"))
        .map(|w| Evidence {
            path: w.path.clone(),
            line: Some(w.line),
            record_id: None,
            timestamp: None,
            text: format!("writer '{}': state {}, last error {}", w.name, w.state, w.last_error),
        })
        .collect()
}

/// Evidence that the registry says the required .NET version is absent.
pub fn dotnet_flag_off(cx: &Context<'_>) -> Vec<Evidence> {
    cx.facts
        .registry
        .iter()
        .filter(|r| r.name.eq_ignore_ascii_case("RequiredDotNetVersionPresent"))
        .filter(|r| matches!(r.value.trim().to_ascii_lowercase().as_str(), "0" | "false" | "no"))
        .map(|r| r.evidence())
        .collect()
}

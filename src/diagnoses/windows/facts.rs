//! Windows facts diagnoses read: VSS writer states and registry values (filled when the bundle has them).

use crate::diagnoses::Context;
use crate::model::Evidence;

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

/// The .NET Framework 4.5 release number (`NDP\v4\Full\Release`); lower means 4.0 only.
const DOTNET_45_RELEASE: u64 = 378_389;

/// Evidence that the registry says the required .NET version is absent: the agent's own flag, or a
/// .NET 4 release number below 4.5's.
pub fn dotnet_flag_off(cx: &Context<'_>) -> Vec<Evidence> {
    cx.facts
        .registry
        .iter()
        .filter(|r| {
            let flag = r.name.eq_ignore_ascii_case("RequiredDotNetVersionPresent")
                && matches!(r.value.trim().to_ascii_lowercase().as_str(), "0" | "false" | "no");
            let old_release = r.key.to_ascii_lowercase().ends_with("ndp\\v4\\full")
                && r.name.eq_ignore_ascii_case("Release")
                && r.value.trim().parse::<u64>().is_ok_and(|v| v < DOTNET_45_RELEASE);
            flag || old_release
        })
        .map(|r| r.evidence())
        .collect()
}

/// Network interfaces (registry keys) configured with a static address: `EnableDHCP = 0` and an `IPAddress`.
pub fn static_interfaces(cx: &Context<'_>) -> Vec<Evidence> {
    let regs = &cx.facts.registry;
    regs.iter()
        .filter(|r| r.key.to_ascii_lowercase().contains("tcpip\\parameters\\interfaces\\"))
        .filter(|r| r.name.eq_ignore_ascii_case("EnableDHCP") && r.value.trim() == "0")
        .filter(|r| {
            regs.iter().any(|o| {
                o.key == r.key
                    && o.name.eq_ignore_ascii_case("IPAddress")
                    && !o.value.trim().is_empty()
                    && !o.value.starts_with("0.0.0.0")
            })
        })
        .map(|r| r.evidence())
        .collect()
}

/// Paths Microsoft Defender excludes, from the registry (`Exclusions\Paths` value names).
pub fn defender_path_exclusions(cx: &Context<'_>) -> Vec<String> {
    cx.facts
        .registry
        .iter()
        .filter(|r| r.key.to_ascii_lowercase().ends_with("windows defender\\exclusions\\paths"))
        .map(|r| r.name.clone())
        .collect()
}

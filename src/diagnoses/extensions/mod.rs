//! Extension handling: Python for the Linux backup extension, other failing extensions, a half-removed
//! backup extension, undecryptable settings. This module says which extension a signal is about.

mod failed;
mod python;
mod settings;
mod stuck_deleting;
#[cfg(test)]
mod tests;

pub use failed::ExtensionFailed;
pub use python::PythonUnsupported;
pub use settings::SettingsUndecryptable;
pub use stuck_deleting::StuckDeleting;

use snaptriage_parsers::{handler::parse_handler_dir_name, waagent_log::extension_prefix};

use super::Signal;

/// The extension a signal is about: the event's `name=`, the handler directory in a command path, the
/// record's `[Publisher.Type-version]` prefix, or (Windows plugin logs) the `Plugins/<Publisher.Type>/` folder
/// of the member path.
pub fn extension_of(s: &Signal) -> Option<String> {
    if let Some(name) = s.capture("name") {
        return Some(name.to_string());
    }
    if let Some(cmd) = s.capture("command") {
        if let Some(name) =
            cmd.split('/').find_map(|part| parse_handler_dir_name(part).map(|(n, _)| n.to_string()))
        {
            if name != "WALinuxAgent" {
                return Some(name);
            }
        }
    }
    if let Some((name, _)) = plugin_of_path(s) {
        return Some(name.to_string());
    }
    s.prefix.as_deref().and_then(extension_prefix).map(|(n, _)| n.to_string())
}

/// A Windows plugin log's extension and version, from its path
/// (`WindowsAzure/Logs/Plugins/<Publisher.Type>/<version>/CommandExecution.log`).
pub fn plugin_of_path(s: &Signal) -> Option<(&str, Option<&str>)> {
    if s.kind != crate::intake::ArtifactKind::PluginLog {
        return None;
    }
    let parts: Vec<&str> = s.path.split(['/', '\\']).filter(|p| !p.is_empty() && *p != "!").collect();
    let at = parts.iter().rposition(|p| p.eq_ignore_ascii_case("plugins"))?;
    let name = *parts.get(at + 1).filter(|n| at + 2 < parts.len() && !n.is_empty())?;
    let version = parts.get(at + 2).copied().filter(|v| {
        at + 3 < parts.len() && v.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    });
    Some((name, version))
}

//! Content sniffing for a bundle that is a single text file with an unhelpful name.

use snaptriage_parsers::{lines::decode, shell_log, vmsnapshot_log, waagent_log, LineFormat};

use super::ArtifactKind;

/// Bytes looked at.
pub(crate) const SNIFF_BYTES: usize = 64 * 1024;

/// The log kind whose header layout most of the first lines follow, if any.
pub(crate) fn text_kind(data: &[u8]) -> Option<ArtifactKind> {
    let head = decode(&data[..data.len().min(SNIFF_BYTES)]);
    let waagent = waagent_log::parse(&head)
        .filter(|r| {
            matches!(
                r.format,
                LineFormat::Waagent20
                    | LineFormat::Waagent21
                    | LineFormat::Waagent22Prefixed
                    | LineFormat::Waagent2246
                    | LineFormat::WaagentThreaded
            )
        })
        .count();
    let vmsnapshot = vmsnapshot_log::parse(&head)
        .filter(|r| {
            matches!(
                r.format,
                LineFormat::VmSnapshotPy3
                    | LineFormat::VmSnapshotPy2
                    | LineFormat::BackupLogger
                    | LineFormat::SafeFreeze
            )
        })
        .count();
    let shell = shell_log::parse(&head).filter(|r| r.format == LineFormat::ShellLog).count();
    // The backup extension's Python 2 layout shares the agent's old date form, so the agent's own layouts,
    // which are stricter (they need a level word), win unless clearly outnumbered.
    if waagent > 0 && waagent * 2 >= vmsnapshot.max(shell) {
        return Some(ArtifactKind::WaagentLog);
    }
    if vmsnapshot > 0 && vmsnapshot >= shell {
        return Some(ArtifactKind::VmSnapshotLog);
    }
    (shell > 0).then_some(ArtifactKind::VmSnapshotShellLog)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each_log_by_its_headers() {
        let agent =
            b"2023-10-27T07:57:10.702114Z INFO ExtHandler ExtHandler ProcessExtensionsGoalState completed\n";
        assert_eq!(text_kind(agent), Some(ArtifactKind::WaagentLog));
        let ext = b"2024-01-14 22:16:48.796446 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]T:S freeze, timeout value 60\n";
        assert_eq!(text_kind(ext), Some(ArtifactKind::VmSnapshotLog));
        let shell = b"Mon Nov 18 00:05:10 UTC 2019- python version unknown\n";
        assert_eq!(text_kind(shell), Some(ArtifactKind::VmSnapshotShellLog));
        assert_eq!(text_kind(b"just some words\n"), None);
    }
}

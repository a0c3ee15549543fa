//! The backup extension's names: the only place that knows how the VMSnapshot extension is called on each OS.

/// The backup extension's handler on Linux guests.
pub const LINUX_HANDLER: &str = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux";

/// The backup extension's handler on Windows guests.
pub const WINDOWS_HANDLER: &str = "Microsoft.Azure.RecoveryServices.VMSnapshot";

/// The Linux handler's folder name as path patterns see it (lowercased; the tests keep it equal to
/// [`LINUX_HANDLER`]).
pub(crate) const LINUX_HANDLER_FOLDER: &str = "microsoft.azure.recoveryservices.vmsnapshotlinux";

/// The backup extension's process on Windows guests, lowercased.
pub const WINDOWS_PROCESS: &str = "iaasbcdrextension.exe";

/// What a text names the backup extension by, lowercased: both handlers (also spelt with `_`, as in some
/// folder and event names), the Linux handler's bare name, and the Windows process.
const MENTIONS: [&str; 4] =
    ["recoveryservices.vmsnapshot", "recoveryservices_vmsnapshot", "vmsnapshotlinux", "iaasbcdrextension"];

/// True when `text` names the backup extension (see [`MENTIONS`]), in any case.
pub fn mentions_backup(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    MENTIONS.iter().any(|name| lower.contains(name))
}

/// What both handlers' names share, lowercased: a path or a name holding it is about the backup extension.
const HANDLER_STEM: &str = "recoveryservices.vmsnapshot";

/// True for the backup extension's handler names, on either OS and in any case (`…VMSnapshotLinux`,
/// `…VMSnapshot`, or a bare `VMSnapshotLinux`).
pub fn is_backup_handler(name: &str) -> bool {
    let h = name.to_ascii_lowercase();
    h.contains(HANDLER_STEM) || h.ends_with("vmsnapshotlinux") || h.ends_with(".vmsnapshot")
}

/// True when a member path lies in one of the backup extension's folders (its handler name is in the path).
pub fn is_backup_path(path: &str) -> bool {
    path.to_ascii_lowercase().contains(HANDLER_STEM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handler_names_of_both_oses_are_recognised() {
        assert!(is_backup_handler(LINUX_HANDLER));
        assert!(is_backup_handler(WINDOWS_HANDLER));
        assert!(is_backup_handler("vmsnapshotlinux"));
        assert!(!is_backup_handler("Microsoft.Azure.Extensions.CustomScript"));
        assert_eq!(LINUX_HANDLER_FOLDER, LINUX_HANDLER.to_ascii_lowercase());
    }

    #[test]
    fn texts_naming_the_extension_are_recognised_in_any_case() {
        for text in [
            "[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9] Enable",
            "C:\\Packages\\Plugins\\Microsoft.Azure.RecoveryServices.VMSnapshot\\1.0\\x.log",
            "AppName=IaaSBcdrExtension.exe",
            "Microsoft_Azure_RecoveryServices_VMSnapshot",
            "handler vmsnapshotlinux exited",
        ] {
            assert!(mentions_backup(text), "{text}");
        }
        assert!(!mentions_backup("Microsoft.Azure.Extensions.CustomScript-2.1 Enable"));
        assert!(!mentions_backup("AppName=chrome.exe"));
    }

    #[test]
    fn backup_folders_are_recognised_by_path() {
        assert!(is_backup_path(
            "WindowsAzure/Logs/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.75.0/x.log"
        ));
        assert!(is_backup_path("var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/shell.log"));
        assert!(!is_backup_path("var/log/azure/custom-script/handler.log"));
    }
}

//! The catalog: every finding id with its error codes and remediation, every Azure Backup error code with
//! its causes and fixes, the guest-side codes (extension errors, exit codes, host statuses) each finding
//! owns, and the backup extension's own codes with their meaning. All are data files embedded in the
//! binary; this module reads them once.

mod extension;
mod lookup;

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::model::Severity;

pub use extension::{ExtensionCodes, ExtensionNumber, ExtensionStatus};
pub use lookup::Entry;

/// A finding id's fixed text.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FindingSpec {
    /// Stable id (`fsfreeze-failed`).
    pub id: String,
    /// One-line title.
    pub title: String,
    /// Severity when the evidence is current and unambiguous.
    pub severity: Severity,
    /// Azure Backup error codes this finding explains.
    pub error_codes: Vec<String>,
    /// What the finding means.
    pub meaning: String,
    /// What to do, in order.
    pub remediation: Vec<String>,
}

/// An Azure Backup / restore-point error code.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorCodeSpec {
    /// The code as the portal shows it.
    pub code: String,
    /// Other names or numbers for it.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// What the error says, in short.
    pub message: String,
    /// Whether the guest bundle can show the cause: yes, partial, no.
    pub guest_visible: String,
    /// Why it happens.
    pub causes: Vec<String>,
    /// What a guest bundle can show.
    pub evidence: String,
    /// What to do.
    pub fix: Vec<String>,
    /// snaptriage findings that explain it.
    pub findings: Vec<String>,
}

/// The guest-side codes that belong to one finding.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FindingCodes {
    /// The finding id they belong to.
    pub finding: String,
    /// The backup extension's error names (`FailedRetryableFsFreezeFailed`).
    #[serde(default)]
    pub error_names: Vec<String>,
    /// The backup extension's numeric status codes (`121`).
    #[serde(default)]
    pub status_codes: Vec<i64>,
    /// Exit codes of the extension's launcher.
    #[serde(default)]
    pub exit_codes: Vec<i64>,
    /// Statuses of the host snapshot service.
    #[serde(default)]
    pub host_statuses: Vec<i64>,
}

impl FindingCodes {
    /// True when `name` is one of the error names.
    pub fn has_error_name(&self, name: &str) -> bool {
        self.error_names.iter().any(|n| n == name)
    }

    /// True when `code` is one of the status codes.
    pub fn has_status_code(&self, code: i64) -> bool {
        self.status_codes.contains(&code)
    }

    /// True when `code` (as a record writes it) is one of the exit codes.
    pub fn has_exit_code(&self, code: &str) -> bool {
        code.trim().parse().is_ok_and(|c: i64| self.exit_codes.contains(&c))
    }

    /// True when `status` (as a record writes it) is one of the host statuses.
    pub fn has_host_status(&self, status: &str) -> bool {
        status.trim().parse().is_ok_and(|c: i64| self.host_statuses.contains(&c))
    }
}

#[derive(Deserialize)]
struct FindingFile {
    finding: Vec<FindingSpec>,
}

#[derive(Deserialize)]
struct CodeFile {
    code: Vec<ErrorCodeSpec>,
}

#[derive(Deserialize)]
struct FindingCodesFile {
    codes: Vec<FindingCodes>,
}

/// The loaded catalog.
#[derive(Debug)]
pub struct Catalog {
    /// Finding specs in file order.
    pub findings: Vec<FindingSpec>,
    /// Error-code specs in file order.
    pub codes: Vec<ErrorCodeSpec>,
    /// The guest-side codes of each finding that has some, in file order.
    pub finding_codes: Vec<FindingCodes>,
    /// The backup extension's own codes.
    pub extension: ExtensionCodes,
}

impl Catalog {
    /// The catalog embedded in the binary (parsed on first use; its validity is pinned by tests).
    pub fn get() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            let findings: FindingFile =
                toml::from_str(include_str!("findings.toml")).unwrap_or(FindingFile { finding: Vec::new() });
            let codes: CodeFile =
                toml::from_str(include_str!("error_codes.toml")).unwrap_or(CodeFile { code: Vec::new() });
            let finding_codes: FindingCodesFile = toml::from_str(include_str!("finding_codes.toml"))
                .unwrap_or(FindingCodesFile { codes: Vec::new() });
            let extension: ExtensionCodes =
                toml::from_str(include_str!("extension_codes.toml")).unwrap_or_default();
            Catalog {
                findings: findings.finding,
                codes: codes.code,
                finding_codes: finding_codes.codes,
                extension,
            }
        })
    }

    /// The guest-side codes of finding `id` (none when the catalog lists none for it).
    pub fn codes_of(&self, id: &str) -> &FindingCodes {
        static NONE: OnceLock<FindingCodes> = OnceLock::new();
        self.finding_codes
            .iter()
            .find(|c| c.finding == id)
            .unwrap_or_else(|| NONE.get_or_init(Default::default))
    }

    /// The finding a backup-extension error name belongs to.
    pub fn finding_of_error_name(&self, name: &str) -> Option<&str> {
        self.finding_codes.iter().find(|c| c.has_error_name(name)).map(|c| c.finding.as_str())
    }

    /// The spec of a finding id.
    pub fn finding(&self, id: &str) -> Option<&FindingSpec> {
        self.findings.iter().find(|f| f.id == id)
    }

    /// An error code by name or alias, case-insensitively.
    pub fn code(&self, code: &str) -> Option<&ErrorCodeSpec> {
        self.codes.iter().find(|c| {
            c.code.eq_ignore_ascii_case(code) || c.aliases.iter().any(|a| a.eq_ignore_ascii_case(code))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_files_parse_and_cross_reference() {
        // Parse strictly here: Catalog::get() tolerates nothing silently because this test pins it.
        let f: FindingFile = toml::from_str(include_str!("findings.toml")).unwrap();
        let c: CodeFile = toml::from_str(include_str!("error_codes.toml")).unwrap();
        let g: FindingCodesFile = toml::from_str(include_str!("finding_codes.toml")).unwrap();
        assert_eq!(f.finding.len(), 29);
        let cat = Catalog::get();
        assert_eq!(cat.findings.len(), f.finding.len());
        assert_eq!(cat.codes.len(), c.code.len());
        assert_eq!(cat.finding_codes.len(), g.codes.len());
        for codes in &cat.finding_codes {
            assert!(
                cat.finding(&codes.finding).is_some(),
                "codes listed for unknown finding {}",
                codes.finding
            );
        }
        for code in &cat.codes {
            for id in &code.findings {
                assert!(cat.finding(id).is_some(), "{} names unknown finding {id}", code.code);
            }
        }
        for finding in &cat.findings {
            assert!(!finding.remediation.is_empty(), "{}", finding.id);
            for code in &finding.error_codes {
                let spec =
                    cat.code(code).unwrap_or_else(|| panic!("{} cites unknown code {code}", finding.id));
                assert!(spec.findings.contains(&finding.id), "{code} does not list {}", finding.id);
            }
        }
    }

    #[test]
    fn each_error_name_belongs_to_one_finding() {
        let cat = Catalog::get();
        for codes in &cat.finding_codes {
            for name in &codes.error_names {
                assert_eq!(cat.finding_of_error_name(name), Some(codes.finding.as_str()), "{name}");
            }
        }
        assert_eq!(cat.finding_of_error_name("FailedRetryableFsFreezeFailed"), Some("fsfreeze-failed"));
        assert_eq!(cat.finding_of_error_name("NoSuchError"), None);
        assert!(cat.codes_of("python-unsupported").has_exit_code(" 127"));
        assert!(!cat.codes_of("python-unsupported").has_exit_code("1"));
        assert!(cat.codes_of("no-such-finding").error_names.is_empty());
    }

    #[test]
    fn control_plane_codes_say_what_to_check_outside_the_vm() {
        let cat = Catalog::get();
        for code in cat.codes.iter().filter(|c| c.findings.is_empty()) {
            assert!(code.fix.iter().any(|f| f.contains("outside the VM")), "{}", code.code);
        }
        for code in [
            "UserErrorInstantRpNotFound",
            "UserErrorMarketPlaceVMNotSupported",
            "UserErrorSkuNotAvailable",
            "UserErrorMigrationFromTrustedLaunchVMToNonTrustedVMNotAllowed",
        ] {
            let spec = cat.code(code).unwrap_or_else(|| panic!("{code} missing"));
            assert!(spec.findings.is_empty() && spec.guest_visible == "no", "{code} is control-plane only");
        }
    }

    #[test]
    fn every_code_is_listed_once() {
        let cat = Catalog::get();
        let mut names: Vec<String> = cat
            .codes
            .iter()
            .flat_map(|c| std::iter::once(&c.code).chain(&c.aliases))
            .map(|n| n.to_ascii_lowercase())
            .collect();
        let total = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), total, "a code or alias appears twice");
    }

    #[test]
    fn codes_are_found_by_alias_and_case() {
        let cat = Catalog::get();
        assert_eq!(cat.code("backupoperationfailedv2").unwrap().code, "BackUpOperationFailed");
        assert_eq!(cat.code("400094").unwrap().code, "ResourceNotFound");
        assert!(cat.code("NoSuchCode").is_none());
    }
}

//! The catalog: every finding id with its error codes and remediation, and every Azure Backup error code with
//! its causes and fixes. Both are data files embedded in the binary; this module reads them once.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::report::Severity;

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

#[derive(Deserialize)]
struct FindingFile {
    finding: Vec<FindingSpec>,
}

#[derive(Deserialize)]
struct CodeFile {
    code: Vec<ErrorCodeSpec>,
}

/// The loaded catalog.
#[derive(Debug)]
pub struct Catalog {
    /// Finding specs in file order.
    pub findings: Vec<FindingSpec>,
    /// Error-code specs in file order.
    pub codes: Vec<ErrorCodeSpec>,
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
            Catalog { findings: findings.finding, codes: codes.code }
        })
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
        assert_eq!(f.finding.len(), 29);
        let cat = Catalog::get();
        assert_eq!(cat.findings.len(), f.finding.len());
        assert_eq!(cat.codes.len(), c.code.len());
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
    fn codes_are_found_by_alias_and_case() {
        let cat = Catalog::get();
        assert_eq!(cat.code("backupoperationfailedv2").unwrap().code, "BackUpOperationFailed");
        assert_eq!(cat.code("400094").unwrap().code, "ResourceNotFound");
        assert!(cat.code("NoSuchCode").is_none());
    }
}

//! The backup extension's own codes (`extension_codes.toml`): the values of its error enum, its launcher's
//! exit codes and the statuses it records for the host snapshot calls, each with what it means, the Azure
//! Backup codes it usually surfaces as and the finding that covers it.

use serde::{Deserialize, Serialize};

/// One value of the backup extension's error enum (`121`, `FailedRetryableFsFreezeFailed`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionStatus {
    /// The numeric value (status file `code`, `vmHealthStatusCode`).
    pub value: i64,
    /// The enum name as the extension spells it.
    pub name: String,
    /// Names other versions of the extension use for the same value.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The VM health the extension reports with it: green, yellow, red or unknown.
    pub health: String,
    /// What it means.
    pub meaning: String,
    /// Azure Backup error codes a failure with this value usually shows.
    pub surfaces_as: Vec<String>,
    /// The snaptriage finding that covers it (none for success and transitional values).
    #[serde(default)]
    pub finding: Option<String>,
}

impl ExtensionStatus {
    /// True when `name` is its name or one of its aliases, case-insensitively.
    pub fn is_named(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name) || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    }

    /// Its name followed by its aliases.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

/// A number the extension's launcher exits with, or a status it records for a host snapshot call.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionNumber {
    /// The number as logs and telemetry write it.
    pub value: i64,
    /// What it means.
    pub meaning: String,
    /// Azure Backup error codes it usually leads to.
    pub surfaces_as: Vec<String>,
    /// The snaptriage finding that covers it.
    pub finding: String,
}

/// Every code of the backup extension the catalog knows.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionCodes {
    /// Values of the error enum, in value order.
    #[serde(default)]
    pub status: Vec<ExtensionStatus>,
    /// Exit codes of the launcher (`handle.sh`).
    #[serde(default)]
    pub exit_code: Vec<ExtensionNumber>,
    /// Statuses of the host snapshot calls.
    #[serde(default)]
    pub host_status: Vec<ExtensionNumber>,
}

impl ExtensionCodes {
    /// The enum value written as `query`: its number or one of its names (any case).
    pub fn status(&self, query: &str) -> Option<&ExtensionStatus> {
        let query = query.trim();
        match query.parse::<i64>() {
            Ok(value) => self.status.iter().find(|s| s.value == value),
            Err(_) => self.status.iter().find(|s| s.is_named(query)),
        }
    }

    /// The launcher exit code written as `query`.
    pub fn exit_code(&self, query: &str) -> Option<&ExtensionNumber> {
        number_in(&self.exit_code, query)
    }

    /// The host snapshot status written as `query`.
    pub fn host_status(&self, query: &str) -> Option<&ExtensionNumber> {
        number_in(&self.host_status, query)
    }
}

fn number_in<'a>(numbers: &'a [ExtensionNumber], query: &str) -> Option<&'a ExtensionNumber> {
    let value: i64 = query.trim().parse().ok()?;
    numbers.iter().find(|n| n.value == value)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use snaptriage_parsers::vmsnapshot_log::{Health, EXT_ERROR_CODES};

    use super::*;
    use crate::catalog::Catalog;

    /// The catch-all finding: it covers every failure that no more specific finding lists.
    const CATCH_ALL: &str = "vmsnapshot-failed";

    #[test]
    fn embedded_file_parses_strictly() {
        let codes: ExtensionCodes = toml::from_str(include_str!("extension_codes.toml")).unwrap();
        assert_eq!(codes.status.len(), Catalog::get().extension.status.len());
        assert!(
            codes.status.windows(2).all(|w| w[0].value < w[1].value),
            "status values in order, once each"
        );
        assert_eq!(codes.exit_code.len(), 2);
        assert_eq!(codes.host_status.len(), 4);
    }

    #[test]
    fn statuses_match_the_parsers_enum_table() {
        let ext = &Catalog::get().extension;
        let ours: BTreeSet<(i64, &str)> = ext.status.iter().map(|s| (s.value, s.name.as_str())).collect();
        let parsers: BTreeSet<(i64, &str)> =
            EXT_ERROR_CODES.iter().map(|c| (i64::from(c.value), c.name)).collect();
        assert_eq!(ours, parsers);
        for code in EXT_ERROR_CODES {
            let spec = ext.status(&code.value.to_string()).unwrap();
            let health = match code.health {
                Health::Green => "green",
                Health::Yellow => "yellow",
                Health::Red => "red",
                Health::Unknown => "unknown",
            };
            assert_eq!(spec.health, health, "{}", code.name);
        }
    }

    #[test]
    fn findings_agree_with_finding_codes_both_ways() {
        let cat = Catalog::get();
        let ext = &cat.extension;
        // From this file to finding_codes.toml.
        for s in &ext.status {
            let Some(finding) = s.finding.as_deref() else { continue };
            assert!(cat.finding(finding).is_some(), "{} names unknown finding {finding}", s.name);
            if finding == CATCH_ALL {
                assert_eq!(cat.finding_of_error_name(&s.name), None, "{} is claimed elsewhere", s.name);
                continue;
            }
            let listed = cat.codes_of(finding);
            for name in s.names() {
                assert!(listed.has_error_name(name), "finding_codes: {finding} lacks {name}");
            }
            assert!(listed.has_status_code(s.value), "finding_codes: {finding} lacks {}", s.value);
        }
        for n in &ext.exit_code {
            assert!(cat.codes_of(&n.finding).exit_codes.contains(&n.value), "exit code {}", n.value);
        }
        for n in &ext.host_status {
            assert!(cat.codes_of(&n.finding).host_statuses.contains(&n.value), "host status {}", n.value);
        }
        // From finding_codes.toml back to this file.
        for codes in &cat.finding_codes {
            let finding = Some(codes.finding.as_str());
            for name in &codes.error_names {
                let s = ext.status(name).unwrap_or_else(|| panic!("{name} is not an extension code"));
                assert_eq!(s.finding.as_deref(), finding, "{name}");
            }
            for value in &codes.status_codes {
                let s = ext.status(&value.to_string()).unwrap_or_else(|| panic!("{value} is not a status"));
                assert_eq!(s.finding.as_deref(), finding, "{value}");
            }
            for value in &codes.exit_codes {
                assert_eq!(ext.exit_code(&value.to_string()).map(|n| n.finding.as_str()), finding);
            }
            for value in &codes.host_statuses {
                assert_eq!(ext.host_status(&value.to_string()).map(|n| n.finding.as_str()), finding);
            }
        }
    }

    #[test]
    fn surfaced_codes_are_catalogued_and_explained_by_the_finding() {
        let cat = Catalog::get();
        let ext = &cat.extension;
        let numbers =
            ext.exit_code.iter().chain(&ext.host_status).map(|n| (&n.surfaces_as, Some(&n.finding)));
        let all = ext.status.iter().map(|s| (&s.surfaces_as, s.finding.as_ref())).chain(numbers);
        for (surfaces_as, finding) in all {
            for code in surfaces_as {
                assert!(cat.code(code).is_some(), "unknown Azure Backup code {code}");
            }
            if let Some(finding) = finding {
                let explains = &cat.finding(finding).unwrap().error_codes;
                assert!(
                    surfaces_as.iter().any(|c| explains.contains(c)),
                    "{finding} explains none of {surfaces_as:?}"
                );
            }
        }
    }

    #[test]
    fn lookups_by_number_name_alias_and_case() {
        let ext = &Catalog::get().extension;
        assert_eq!(ext.status("121").unwrap().name, "FailedRetryableFsFreezeFailed");
        assert_eq!(ext.status("failedretryablefsfreezefailed").unwrap().value, 121);
        assert_eq!(ext.status("FailedFsFreezeFailed").unwrap().value, 121);
        assert_eq!(ext.status(" 761 ").unwrap().finding.as_deref(), Some("storage-unreachable"));
        assert_eq!(ext.status("0").unwrap().finding, None);
        assert!(ext.status("77").is_none());
        assert!(ext.status("NoSuchCode").is_none());
        assert_eq!(ext.exit_code("3").unwrap().finding, "python-unsupported");
        assert!(ext.exit_code("python").is_none());
        assert_eq!(ext.host_status("556").unwrap().finding, "wireserver-unreachable");
        assert!(ext.host_status("121").is_none());
    }
}

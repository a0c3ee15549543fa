//! The value → placeholder map of one report: each kind numbers its distinct values in the order they are
//! first replaced, so the same value reads the same everywhere in the report and runs are reproducible.

use std::collections::{BTreeMap, HashMap};

/// What a replaced value was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A private IPv4 or a unique-local / link-local IPv6 address.
    Ip,
    /// A host, computer or VM name.
    Host,
    /// A user or account name.
    User,
    /// A subscription id in a resource id.
    Subscription,
    /// A resource group name in a resource id.
    ResourceGroup,
    /// Any other GUID (VM id, container id, heartbeat id, volume id, …).
    Guid,
    /// A machine or domain SID (`S-1-5-21-…`).
    Sid,
    /// A shared access signature: the query of a signed URL, or a `sig=` value.
    Sas,
    /// A storage account key (`AccountKey=`, 88-character base64).
    Key,
    /// Another long base64 secret, or a password in a URL.
    Secret,
    /// A bearer token or JWT.
    Token,
    /// A storage account name (`<name>.blob.core.windows.net`).
    StorageAccount,
    /// An e-mail address.
    Email,
}

impl Kind {
    /// The name placeholders and the report's counts use.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Ip => "ip",
            Kind::Host => "host",
            Kind::User => "user",
            Kind::Subscription => "subscription",
            Kind::ResourceGroup => "resource-group",
            Kind::Guid => "guid",
            Kind::Sid => "sid",
            Kind::Sas => "sas",
            Kind::Key => "key",
            Kind::Secret => "secret",
            Kind::Token => "token",
            Kind::StorageAccount => "storage-account",
            Kind::Email => "email",
        }
    }

    /// Names and ids are compared without case (Windows names, GUIDs, DNS); secrets are not.
    fn folds_case(self) -> bool {
        matches!(
            self,
            Kind::Host
                | Kind::User
                | Kind::Subscription
                | Kind::ResourceGroup
                | Kind::Guid
                | Kind::Sid
                | Kind::StorageAccount
                | Kind::Email
        )
    }
}

/// Placeholders issued so far, per kind.
#[derive(Debug, Default)]
pub struct Placeholders {
    issued: HashMap<(Kind, String), usize>,
    per_kind: BTreeMap<Kind, usize>,
}

impl Placeholders {
    /// The placeholder of `value` as a `kind`: `<kind-N>`, N counting that kind's distinct values from 1.
    pub fn of(&mut self, kind: Kind, value: &str) -> String {
        let key = if kind.folds_case() { value.to_ascii_lowercase() } else { value.to_string() };
        let next = self.per_kind.get(&kind).copied().unwrap_or(0) + 1;
        let n = *self.issued.entry((kind, key)).or_insert_with(|| {
            self.per_kind.insert(kind, next);
            next
        });
        format!("<{}-{n}>", kind.as_str())
    }

    /// The placeholder already issued for `value` as a `kind`, if any.
    pub fn existing(&self, kind: Kind, value: &str) -> Option<String> {
        let key = if kind.folds_case() { value.to_ascii_lowercase() } else { value.to_string() };
        self.issued.get(&(kind, key)).map(|n| format!("<{}-{n}>", kind.as_str()))
    }

    /// Distinct values replaced, by kind name.
    pub fn counts(&self) -> BTreeMap<String, usize> {
        self.per_kind.iter().map(|(k, n)| (k.as_str().to_string(), *n)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_value_same_placeholder_and_kinds_count_apart() {
        let mut p = Placeholders::default();
        assert_eq!(p.of(Kind::Ip, "10.0.0.4"), "<ip-1>");
        assert_eq!(p.of(Kind::Ip, "10.0.0.5"), "<ip-2>");
        assert_eq!(p.of(Kind::Ip, "10.0.0.4"), "<ip-1>");
        assert_eq!(p.of(Kind::Host, "WEB-01"), "<host-1>");
        assert_eq!(p.of(Kind::Host, "web-01"), "<host-1>");
        assert_eq!(p.of(Kind::Key, "abc"), "<key-1>");
        assert_eq!(p.of(Kind::Key, "ABC"), "<key-2>");
        assert_eq!(p.existing(Kind::Host, "Web-01").as_deref(), Some("<host-1>"));
        assert_eq!(p.existing(Kind::Guid, "x"), None);
        let counts = p.counts();
        assert_eq!(counts["ip"], 2);
        assert_eq!(counts["host"], 1);
        assert_eq!(counts["key"], 2);
    }
}

//! Who and what: resource ids (subscription, resource group, VM name), host and user names, SIDs, GUIDs,
//! e-mail addresses.
//!
//! Host and user names are learned from the places whose format says what they are (a resource id's
//! `virtualMachines/<name>`, a disk blob `<vm>-osdisk`, `hostname=`/`Computer:` fields, names under Azure's
//! internal DNS suffixes, `/home/<user>`, `C:\Users\<user>`, `user=`/`User:` fields with their `DOMAIN\`);
//! once learned, every other mention of the name is replaced too. Well-known accounts (`root`,
//! `NT AUTHORITY\SYSTEM`, well-known SIDs …) are kept: they identify no one and tell what ran.
//!
//! Every GUID is replaced except the nil GUID: in guest logs they are VM, container, heartbeat, volume or
//! rule ids, and the names beside them (writer, provider, rule) carry the diagnosis. The same GUID keeps
//! one placeholder, so correlations survive.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::{Captures, Regex, RegexBuilder};

use super::placeholders::{Kind, Placeholders};
use super::{replace_checked, rewrite_cow};

/// A pattern whose first group is a value of a kind.
struct Context {
    re: Regex,
    kind: Kind,
}

fn context(pattern: &str, kind: Kind) -> Context {
    Context { re: Regex::new(pattern).expect("valid regex"), kind }
}

static CONTEXTS: LazyLock<Vec<Context>> = LazyLock::new(|| {
    vec![
        context(
            r"(?i)/subscriptions/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b",
            Kind::Subscription,
        ),
        context(r#"(?i)/resourceGroups/([^/\s"'<>?]+)"#, Kind::ResourceGroup),
        context(r#"(?i)/virtualMachines/([^/\s"'<>?]+)"#, Kind::Host),
        context(
            r"(?i)\.core\.windows\.net/[^/\s]+/([A-Za-z0-9][A-Za-z0-9-]*?)[-_](?:os|data)disk",
            Kind::Host,
        ),
        context(
            r"(?i)\b(?:host ?name|computer ?name|computer|machine ?name)\s*[=:]\s*([A-Za-z0-9][A-Za-z0-9-]*)",
            Kind::Host,
        ),
        context(
            r"(?i)\b([A-Za-z0-9][A-Za-z0-9-]*)\.(?:[A-Za-z0-9-]+\.)*(?:internal\.cloudapp\.net|reddog\.microsoft\.com)\b",
            Kind::Host,
        ),
        context(
            r"^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d)) ([A-Za-z0-9][A-Za-z0-9.-]*) [A-Za-z0-9_./()-]+(?:\[\d+\])?:",
            Kind::Host,
        ),
        context(r"(?i)(?:^|[/\\])home[/\\]([A-Za-z0-9_][A-Za-z0-9_.-]*)", Kind::User),
        context(r"(?i)(?:^|[/\\])users[/\\]([A-Za-z0-9_][A-Za-z0-9_.$-]*)", Kind::User),
    ]
});

/// A user field's value: `User=DOMAIN\name`, `User: Name: name`, `Account Name: name`, `USER=name`.
static USER_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:user(?: ?name)?|account(?: ?name)?|owner|logon user|run ?as)\s*[=:]\s*(?:name:\s*)?(?:([A-Za-z0-9][A-Za-z0-9 _.-]{0,30})\\)?([A-Za-z0-9_][A-Za-z0-9_.$-]*)",
    )
    .expect("valid regex")
});
static SID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bS-1-5-21(?:-\d+){3,4}\b").expect("valid regex"));
/// A GUID; `_` and `.` may follow (`<guid>_2.21.115.zip`), letters and digits may not.
static GUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(^|[^0-9a-z])([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})([^0-9a-z]|$)",
    )
    .expect("valid regex")
});
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b").expect("valid regex")
});

/// Accounts and authorities every machine has.
const WELL_KNOWN_USERS: &[&str] = &[
    "root",
    "system",
    "nobody",
    "daemon",
    "administrator",
    "guest",
    "everyone",
    "local service",
    "network service",
    "localservice",
    "networkservice",
    "public",
    "default",
    "all",
    "defaultuser0",
    "null",
    "none",
    "unknown",
    "n",
    "a",
    "sudo",
];
const WELL_KNOWN_DOMAINS: &[&str] = &[
    "nt authority",
    "nt service",
    "builtin",
    "iis apppool",
    "window manager",
    "font driver host",
    "nt virtual machine",
    "workgroup",
];
const WELL_KNOWN_HOSTS: &[&str] = &[
    "localhost",
    "null",
    "none",
    "unknown",
    "n",
    "a",
    "info",
    "warning",
    "warn",
    "error",
    "verbose",
    "debug",
];
/// Shorter learned names are replaced only where their context names them, not wherever they occur.
const BARE_MIN_LEN: usize = 4;

/// Host and user names learned from the report.
#[derive(Debug, Default)]
pub struct KnownNames {
    hosts: BTreeSet<String>,
    users: BTreeSet<String>,
    bare: Option<Regex>,
}

impl KnownNames {
    /// Adds a name of `kind` (host or user) unless it is well known.
    pub fn add(&mut self, kind: Kind, name: &str) {
        if kept(kind, name) {
            return;
        }
        let name = name.to_ascii_lowercase();
        match kind {
            Kind::Host => self.hosts.insert(name),
            Kind::User => self.users.insert(name),
            _ => false,
        };
        self.bare = None;
    }

    /// Learns the names `text` introduces.
    pub fn learn(&mut self, text: &str) {
        for c in CONTEXTS.iter().filter(|c| matches!(c.kind, Kind::Host | Kind::User)) {
            for caps in c.re.captures_iter(text) {
                self.add(c.kind, &caps[1]);
            }
        }
        for caps in USER_FIELD.captures_iter(text) {
            if let Some(domain) = caps.get(1) {
                if WELL_KNOWN_DOMAINS.contains(&domain.as_str().to_ascii_lowercase().as_str()) {
                    continue;
                }
                self.add(Kind::Host, domain.as_str());
            }
            self.add(Kind::User, &caps[2]);
        }
    }

    /// One case-insensitive pattern of every learned name long enough to replace wherever it occurs,
    /// longest first.
    fn bare_pattern(&mut self) -> Option<&Regex> {
        if self.bare.is_none() {
            let mut names: Vec<&String> =
                self.hosts.iter().chain(&self.users).filter(|n| n.len() >= BARE_MIN_LEN).collect();
            if names.is_empty() {
                return None;
            }
            names.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
            let alternation = names.iter().map(|n| regex::escape(n)).collect::<Vec<_>>().join("|");
            self.bare = RegexBuilder::new(&alternation).case_insensitive(true).build().ok();
        }
        self.bare.as_ref()
    }
}

/// True for values that identify no one (well-known accounts, placeholders, empty).
fn kept(kind: Kind, value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    v.is_empty()
        || v.starts_with('<')
        || match kind {
            Kind::User => WELL_KNOWN_USERS.contains(&v.as_str()),
            Kind::Host => WELL_KNOWN_HOSTS.contains(&v.as_str()),
            _ => false,
        }
}

/// Replaces identifying names and ids in `text`.
pub fn redact<'t>(text: Cow<'t, str>, known: &mut KnownNames, p: &mut Placeholders) -> Cow<'t, str> {
    let mut text = text;
    for c in CONTEXTS.iter() {
        text = rewrite_cow(text, &c.re, |caps| replace_group(caps, 1, c.kind, p));
    }
    text = rewrite_cow(text, &USER_FIELD, |caps| {
        let whole = caps.get(0).map_or("", |m| m.as_str());
        let start = caps.get(0).map_or(0, |m| m.start());
        let mut out = String::new();
        let mut last = 0;
        let domain_kept = caps
            .get(1)
            .is_some_and(|d| WELL_KNOWN_DOMAINS.contains(&d.as_str().to_ascii_lowercase().as_str()));
        for (group, kind) in [(1, Kind::Host), (2, Kind::User)] {
            let Some(m) = caps.get(group) else { continue };
            if domain_kept || kept(kind, m.as_str()) {
                continue;
            }
            out.push_str(&whole[last..m.start() - start]);
            out.push_str(&p.of(kind, m.as_str()));
            last = m.end() - start;
        }
        out.push_str(&whole[last..]);
        out
    });
    text = rewrite_cow(text, &EMAIL, |caps| p.of(Kind::Email, &caps[0]));
    text = rewrite_cow(text, &SID, |caps| p.of(Kind::Sid, &caps[0]));
    // Twice: the character that ends one GUID's match may start the next one's (`{guid},{guid}`).
    for _ in 0..2 {
        text = rewrite_cow(text, &GUID, |caps| {
            let guid = &caps[2];
            let replaced = if guid.bytes().all(|b| b == b'0' || b == b'-') {
                guid.to_string()
            } else {
                p.existing(Kind::Subscription, guid).unwrap_or_else(|| p.of(Kind::Guid, guid))
            };
            format!("{}{replaced}{}", &caps[1], &caps[3])
        });
    }
    bare_names(text, known, p)
}

/// Replaces group `group` of a match by its placeholder, unless the value is kept.
fn replace_group(caps: &Captures, group: usize, kind: Kind, p: &mut Placeholders) -> String {
    let (Some(whole), Some(value)) = (caps.get(0), caps.get(group)) else {
        return caps.get(0).map_or(String::new(), |m| m.as_str().to_string());
    };
    if kept(kind, value.as_str()) {
        return whole.as_str().to_string();
    }
    let s = whole.as_str();
    let (from, to) = (value.start() - whole.start(), value.end() - whole.start());
    format!("{}{}{}", &s[..from], p.of(kind, value.as_str()), &s[to..])
}

/// Replaces every remaining mention of a learned name that stands as a word of its own.
fn bare_names<'t>(text: Cow<'t, str>, known: &mut KnownNames, p: &mut Placeholders) -> Cow<'t, str> {
    let hosts = known.hosts.clone();
    let Some(re) = known.bare_pattern() else { return text };
    replace_checked(
        text,
        re,
        |_, before, after| {
            // A name only as a word of its own, not inside another word or a placeholder.
            !(before.chars().next_back().is_some_and(|c| c.is_ascii_alphanumeric() || c == '<')
                || after.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()))
        },
        |name| if hosts.contains(&name.to_ascii_lowercase()) { Kind::Host } else { Kind::User },
        p,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn red(texts: &[&str]) -> Vec<String> {
        let mut known = KnownNames::default();
        texts.iter().for_each(|t| known.learn(t));
        let mut p = Placeholders::default();
        texts.iter().map(|t| redact(Cow::Borrowed(t), &mut known, &mut p).into_owned()).collect()
    }

    #[test]
    fn resource_id_parts() {
        let id = "/subscriptions/3f2a1b0c-1111-4222-8333-944455556666/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines/vm-web-1";
        let out = red(&[id, "guid 3F2A1B0C-1111-4222-8333-944455556666 on vm-web-1"]);
        assert_eq!(out[0], "/subscriptions/<subscription-1>/resourceGroups/<resource-group-1>/providers/Microsoft.Compute/virtualMachines/<host-1>");
        assert_eq!(out[1], "guid <subscription-1> on <host-1>");
    }

    #[test]
    fn users_in_paths_and_fields_and_their_other_mentions() {
        let out = red(&[
            "mlops : TTY=pts/2 ; PWD=/home/mlops ; USER=root ; COMMAND=/usr/bin/dnf",
            r"Detection User=WEB-PROD-03\jdoe | Path=file:_C:\Users\jdoe\Downloads\x.exe",
            r"User: Name: NT AUTHORITY\SYSTEM, SID:S-1-5-18 and C:\Users\Public\x",
            "owner S-1-5-21-1004336348-1177238915-682003330-512 on web-prod-03.corp.example.com",
        ]);
        assert_eq!(out[0], "<user-1> : TTY=pts/2 ; PWD=/home/<user-1> ; USER=root ; COMMAND=/usr/bin/dnf");
        assert_eq!(
            out[1],
            r"Detection User=<host-1>\<user-2> | Path=file:_C:\Users\<user-2>\Downloads\x.exe"
        );
        assert_eq!(out[2], r"User: Name: NT AUTHORITY\SYSTEM, SID:S-1-5-18 and C:\Users\Public\x");
        assert_eq!(out[3], "owner <sid-1> on <host-1>.corp.example.com");
    }

    #[test]
    fn hosts_from_fields_dns_and_disk_names() {
        let out = red(&[
            "Computer: SQLNODE7 hostname=db-node-2",
            "vm1.abcdefgh.bx.internal.cloudapp.net",
            "https://<storage-account-1>.blob.core.windows.net/vhds/erp-app-01-osdisk.vhd",
            "erp-app-01 and sqlnode7 and db-node-2x",
        ]);
        assert_eq!(out[0], "Computer: <host-1> hostname=<host-2>");
        assert_eq!(out[1], "<host-3>.abcdefgh.bx.internal.cloudapp.net");
        assert_eq!(out[2], "https://<storage-account-1>.blob.core.windows.net/vhds/<host-4>-osdisk.vhd");
        assert_eq!(out[3], "<host-4> and <host-1> and db-node-2x");
    }

    #[test]
    fn guids_sids_and_emails() {
        let out = red(&[
            "Volume{0c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e} again 0C1D2E3F-4A5B-4C6D-8E7F-901A2B3C4D5E",
            "RuleId={00000000-0000-0000-0000-000000000000} mail ops.team@contoso.example",
            "pkg/3d0f4609-4907-42cc-8f58-54c94c74f4c3_2.21.115.zip a61c8b2c-a319-4cd0-9690-d2177cad7b51,3d0f4609-4907-42cc-8f58-54c94c74f4c3",
            "3d0f4609-4907-42cc-8f58-54c94c74f4c3x is no GUID",
        ]);
        assert_eq!(out[0], "Volume{<guid-1>} again <guid-1>");
        assert_eq!(out[1], "RuleId={00000000-0000-0000-0000-000000000000} mail <email-1>");
        assert_eq!(out[2], "pkg/<guid-2>_2.21.115.zip <guid-3>,<guid-2>");
        assert_eq!(out[3], "3d0f4609-4907-42cc-8f58-54c94c74f4c3x is no GUID");
    }

    #[test]
    fn syslog_headers_name_the_host() {
        let out = red(&[
            "May  8 19:00:00 nfs-client-03 kernel: nfs: server not responding",
            "2024-05-08T19:00:00.123+00:00 pg-node-1 systemd[1]: Started",
            "2024-09-06T08:03:19Z INFO Daemon: starting",
            "seen nfs-client-03 and pg-node-1",
        ]);
        assert_eq!(out[0], "May  8 19:00:00 <host-1> kernel: nfs: server not responding");
        assert_eq!(out[1], "2024-05-08T19:00:00.123+00:00 <host-2> systemd[1]: Started");
        assert_eq!(out[2], "2024-09-06T08:03:19Z INFO Daemon: starting");
        assert_eq!(out[3], "seen <host-1> and <host-2>");
    }
}

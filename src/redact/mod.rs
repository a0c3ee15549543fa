//! Redaction: replaces secrets and identifying values in a report (and timeline rows) by stable
//! placeholders, `<kind-N>`, so a report can be attached to a ticket.
//!
//! Detectors match formats, one family per file: [`secrets`] (signed URLs, keys, tokens), [`network`]
//! (private addresses, storage accounts) and [`identity`] (resource ids, hosts, users, SIDs, GUIDs, e-mail).
//! Host and user names are first learned from the whole report, then replaced wherever they occur, so a
//! name introduced late (a resource id in the last finding) is not left in an earlier line. Placeholders are
//! numbered per kind in the order values are first replaced while walking the report in its fixed order
//! ([`walk`]): the same bundle gives the same placeholders on every run.
//!
//! Kept on purpose, because the diagnosis needs them and they identify no one: the platform addresses
//! `168.63.129.16` and `169.254.169.254`, public addresses, Azure Backup error codes, finding ids, versions,
//! timestamps, hex digests and the bundle's file paths (but for the user and host names in them).

pub mod identity;
pub mod network;
pub mod placeholders;
pub mod secrets;
pub mod walk;

use std::borrow::Cow;

use regex::{Captures, Regex};

pub use crate::report::Redaction;
use crate::report::Report;
use crate::timeline::placement::TimelineEntry;
use identity::KnownNames;
pub use placeholders::Kind;
use placeholders::Placeholders;

/// Replaces identifying values by placeholders, remembering which placeholder each value got.
#[derive(Debug, Default)]
pub struct Redactor {
    known: KnownNames,
    placeholders: Placeholders,
}

impl Redactor {
    /// A redactor that has seen nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Learns the host and user names `text` introduces, so that [`Redactor::redact_text`] replaces their
    /// other mentions too.
    pub fn learn(&mut self, text: &str) {
        self.known.learn(text);
    }

    /// Declares a host or user name known from elsewhere (a fact, a command-line value).
    pub fn learn_name(&mut self, kind: Kind, name: &str) {
        self.known.add(kind, name);
    }

    /// `text` with every secret and identifying value replaced by its placeholder.
    pub fn redact_text<'t>(&mut self, text: &'t str) -> Cow<'t, str> {
        let text = secrets::redact(text, &mut self.placeholders);
        let text = network::redact(text, &mut self.placeholders);
        identity::redact(text, &mut self.known, &mut self.placeholders)
    }

    /// What has been replaced so far.
    pub fn redaction(&self) -> Redaction {
        Redaction::new(self.placeholders.counts())
    }

    /// Redacts every string of `report` and records the redaction in it.
    pub fn redact_report(&mut self, report: &mut Report) -> Redaction {
        for name in &report.facts.identity {
            if name.kind != crate::facts::identity::IdentityKind::ContainerId {
                self.known.add(Kind::Host, &name.value);
                if let Some((short, _)) = name.value.split_once('.') {
                    self.known.add(Kind::Host, short);
                }
            }
        }
        walk::report_strings(report, &mut |s: &mut String| self.known.learn(s));
        walk::report_strings(report, &mut |s: &mut String| self.redact_in_place(s));
        let redaction = self.redaction();
        report.redaction = Some(redaction.clone());
        redaction
    }

    /// Redacts timeline export rows (their member paths and texts), learning names from all rows first.
    pub fn redact_timeline(&mut self, rows: &mut [TimelineEntry]) -> Redaction {
        for row in rows.iter() {
            self.known.learn(&row.path);
            self.known.learn(&row.text);
        }
        for row in rows.iter_mut() {
            self.redact_in_place(&mut row.path);
            self.redact_in_place(&mut row.text);
        }
        self.redaction()
    }

    fn redact_in_place(&mut self, s: &mut String) {
        if let Cow::Owned(new) = self.redact_text(s) {
            *s = new;
        }
    }
}

/// Redacts `report` with a fresh [`Redactor`].
pub fn redact_report(report: &mut Report) -> Redaction {
    Redactor::new().redact_report(report)
}

/// `re`'s matches in `text` replaced by what `f` makes of them; borrowed when nothing matched.
fn rewrite<'t>(text: &'t str, re: &Regex, mut f: impl FnMut(&Captures) -> String) -> Cow<'t, str> {
    re.replace_all(text, |c: &Captures| f(c))
}

/// Replaces the matches of `re` that `accept` takes (given the match and the text before and after it) by the
/// placeholder of the kind `kind_of` gives the match.
fn replace_checked<'t>(
    text: Cow<'t, str>,
    re: &Regex,
    accept: impl Fn(&str, &str, &str) -> bool,
    kind_of: impl Fn(&str) -> placeholders::Kind,
    p: &mut Placeholders,
) -> Cow<'t, str> {
    let mut out = String::new();
    let mut last = 0;
    for m in re.find_iter(&text) {
        if !accept(m.as_str(), &text[..m.start()], &text[m.end()..]) {
            continue;
        }
        out.push_str(&text[last..m.start()]);
        out.push_str(&p.of(kind_of(m.as_str()), m.as_str()));
        last = m.end();
    }
    if last == 0 {
        return text;
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// [`rewrite`] of text that may already be rewritten.
fn rewrite_cow<'t>(text: Cow<'t, str>, re: &Regex, f: impl FnMut(&Captures) -> String) -> Cow<'t, str> {
    match text {
        Cow::Borrowed(t) => rewrite(t, re, f),
        Cow::Owned(t) => match rewrite(&t, re, f) {
            Cow::Borrowed(_) => Cow::Owned(t),
            Cow::Owned(new) => Cow::Owned(new),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_learned_anywhere_are_replaced_everywhere() {
        let mut r = Redactor::new();
        let lines = [
            "disk of app-srv-09 is full",
            "https://acct7.blob.core.windows.net/vhds/app-srv-09-osdisk.vhd?sv=2021-01-01&sig=Zm9v",
        ];
        lines.iter().for_each(|l| r.learn(l));
        assert_eq!(r.redact_text(lines[0]), "disk of <host-1> is full");
        assert_eq!(
            r.redact_text(lines[1]),
            "https://<storage-account-1>.blob.core.windows.net/vhds/<host-1>-osdisk.vhd?<sas-1>"
        );
        assert_eq!(r.redaction().replaced.get("host"), Some(&1));
        assert_eq!(r.redaction().replaced.get("sas"), Some(&1));
    }

    #[test]
    fn text_without_identifying_values_is_borrowed_back() {
        let mut r = Redactor::new();
        let text = "Snapshot of 168.63.129.16 failed with UserErrorFsFreezeFailed in 2.9.1.1";
        assert!(matches!(r.redact_text(text), Cow::Borrowed(t) if t == text));
        assert!(r.redaction().replaced.is_empty());
    }
}

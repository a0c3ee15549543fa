//! Which records a read turns into events, decided as early as possible: on the provider and event id
//! peeked from the BinXML, then, for rules that also name literals, on the record's one-line text
//! ([`super::event_text`]) made from its decoded values, before any event is made of it.
//!
//! The literals are looked for as the signature matcher looks for its own (ASCII case-insensitively,
//! anywhere in that same text), so a record a rule drops here is one that rule could not have matched.

use memchr::memmem::Finder;

/// Records one consumer wants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventRule {
    /// Providers (`Provider/@Name`, ASCII case-insensitive); empty: any.
    pub providers: Vec<String>,
    /// Event ids; empty: any.
    pub event_ids: Vec<u32>,
    /// Literals that must all occur in the event's [`super::event_text`] (ASCII case-insensitive).
    pub all: Vec<String>,
    /// Literals of which at least one must occur there, when not empty.
    pub any: Vec<String>,
}

/// A rule ready for matching: its literals lower-cased, with their searchers.
#[derive(Debug, Clone)]
struct Rule {
    providers: Vec<String>,
    event_ids: Vec<u32>,
    all: Vec<Finder<'static>>,
    any: Vec<Finder<'static>>,
}

impl Rule {
    fn wants(&self, provider: &str, event_id: u32) -> bool {
        (self.providers.is_empty() || self.providers.iter().any(|p| p.eq_ignore_ascii_case(provider)))
            && (self.event_ids.is_empty() || self.event_ids.contains(&event_id))
    }

    fn unconditional(&self) -> bool {
        self.all.is_empty() && self.any.is_empty()
    }

    /// Whether the literals hold in `lower`, a lower-cased event text.
    fn text_holds(&self, lower: &[u8]) -> bool {
        self.all.iter().all(|f| f.find(lower).is_some())
            && (self.any.is_empty() || self.any.iter().any(|f| f.find(lower).is_some()))
    }
}

/// Which records [`super::read_evtx_filtered`] turns into events: those at least one rule wants (or
/// all of them).
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    keep_all: bool,
    rules: Vec<Rule>,
}

impl EventFilter {
    /// Keeps every record.
    pub fn keep_all() -> Self {
        EventFilter { keep_all: true, rules: Vec::new() }
    }

    /// Keeps the records some rule wants (none, without rules).
    pub fn new(rules: impl IntoIterator<Item = EventRule>) -> Self {
        let finders = |literals: Vec<String>| {
            literals.iter().map(|l| Finder::new(l.to_ascii_lowercase().as_bytes()).into_owned()).collect()
        };
        let rules = rules
            .into_iter()
            .map(|r| Rule {
                providers: r.providers,
                event_ids: r.event_ids,
                all: finders(r.all),
                any: finders(r.any),
            })
            .collect();
        EventFilter { keep_all: false, rules }
    }
}

/// What the provider and event id say about a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Not wanted: it is only counted.
    Skip,
    /// Wanted.
    Keep,
    /// Wanted if its text holds some rule's literals.
    IfText,
}

/// A record selection, shared by the threads reading a file's chunks.
pub(super) trait Select: Sync {
    /// The verdict on a record of this provider and event id.
    fn verdict(&self, provider: &str, event_id: u32) -> Verdict;

    /// For [`Verdict::IfText`]: whether a rule wanting the event finds its literals in `lower`, the
    /// event's text lower-cased.
    fn text_passes(&self, provider: &str, event_id: u32, lower: &[u8]) -> bool;

    /// What becomes of a decoded record of `provider` and `event_id`, given the verdict on its peeked
    /// provider and id (`None`: they could not be peeked, so they are judged now). `text` appends the
    /// record's one-line text to the buffer it is given (`scratch`, reused), when it is needed.
    fn decide(
        &self,
        verdict: Option<Verdict>,
        provider: &str,
        event_id: u32,
        text: &dyn Fn(&mut String),
        scratch: &mut String,
    ) -> Decision {
        match verdict.unwrap_or_else(|| self.verdict(provider, event_id)) {
            Verdict::Skip => Decision::Unwanted,
            Verdict::Keep => Decision::Keep,
            Verdict::IfText => {
                scratch.clear();
                text(scratch);
                scratch.make_ascii_lowercase();
                if self.text_passes(provider, event_id, scratch.as_bytes()) {
                    Decision::Keep
                } else {
                    Decision::Dropped
                }
            }
        }
    }
}

/// What becomes of a decoded record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Decision {
    /// No rule wants its provider and event id.
    Unwanted,
    /// Its provider and event id are wanted, but its text lacks the literals.
    Dropped,
    /// It becomes an event.
    Keep,
}

impl Select for EventFilter {
    fn verdict(&self, provider: &str, event_id: u32) -> Verdict {
        if self.keep_all {
            return Verdict::Keep;
        }
        let mut conditional = false;
        for rule in self.rules.iter().filter(|r| r.wants(provider, event_id)) {
            if rule.unconditional() {
                return Verdict::Keep;
            }
            conditional = true;
        }
        if conditional {
            Verdict::IfText
        } else {
            Verdict::Skip
        }
    }

    fn text_passes(&self, provider: &str, event_id: u32, lower: &[u8]) -> bool {
        self.rules.iter().any(|r| r.wants(provider, event_id) && r.text_holds(lower))
    }
}

/// A provider and event-id predicate as a selection.
pub(super) struct Predicate<'k>(pub(super) &'k (dyn Fn(&str, u32) -> bool + Sync));

impl Select for Predicate<'_> {
    fn verdict(&self, provider: &str, event_id: u32) -> Verdict {
        if (self.0)(provider, event_id) {
            Verdict::Keep
        } else {
            Verdict::Skip
        }
    }

    fn text_passes(&self, _: &str, _: u32, _: &[u8]) -> bool {
        true
    }
}

//! The compiled signature set and the per-record matching it does.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::{Captures, Signature};
use crate::intake::ArtifactKind;

/// A signature that matched a record, with where in the text it matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordMatch {
    /// Index of the signature in the set.
    pub signature: usize,
    /// Byte offset in the matched text where the evidence starts.
    pub offset: usize,
    /// Named regex captures.
    pub captures: Captures,
}

/// Signatures compiled for matching.
#[derive(Debug)]
pub struct SignatureSet {
    signatures: Vec<Signature>,
    automaton: AhoCorasick,
    /// One literal each signature cannot match without (its longest `all` literal, else all of its `any`
    /// literals): a record none of these hit is matched by no literal signature, so the walk that records
    /// every literal's position runs only on the few records this finds something in.
    triggers: AhoCorasick,
    /// The same literals, lower-case, matched as written: for text lower-cased beforehand, where the
    /// search can use the vectorised literal prefilter that case folding rules out.
    triggers_lower: AhoCorasick,
    /// The same again as SIMD literal searchers (Teddy), a few dozen literals each, when the CPU has them.
    triggers_packed: Option<Vec<aho_corasick::packed::Searcher>>,
    /// For each signature: literal ids of its `all`, `any` and `none` lists.
    literal_ids: Vec<LiteralIds>,
    literal_count: usize,
    /// Signatures with no literal (regex only): the only ones that can match a record no literal hit.
    regex_only: Vec<usize>,
}

#[derive(Debug, Default)]
struct LiteralIds {
    all: Vec<usize>,
    any: Vec<usize>,
    none: Vec<usize>,
}

impl SignatureSet {
    /// Compiles signatures (usually the built-in ones, then any user files).
    pub fn new(signatures: Vec<Signature>) -> Self {
        let mut literals: Vec<String> = Vec::new();
        let mut intern = |lit: &str| -> usize {
            let lower = lit.to_ascii_lowercase();
            match literals.iter().position(|l| *l == lower) {
                Some(i) => i,
                None => {
                    literals.push(lower);
                    literals.len() - 1
                }
            }
        };
        let literal_ids: Vec<LiteralIds> = signatures
            .iter()
            .map(|s| LiteralIds {
                all: s.all.iter().map(|l| intern(l)).collect(),
                any: s.any.iter().map(|l| intern(l)).collect(),
                none: s.none.iter().map(|l| intern(l)).collect(),
            })
            .collect();
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&literals)
            .unwrap_or_else(|_| AhoCorasick::new(Vec::<String>::new()).expect("empty automaton builds"));
        let mut trigger_literals: Vec<String> = Vec::new();
        for s in &signatures {
            let needed: Vec<&String> = match s.all.iter().max_by_key(|l| l.len()) {
                Some(longest) => vec![longest],
                None => s.any.iter().collect(),
            };
            for lit in needed {
                let lower = lit.to_ascii_lowercase();
                if !trigger_literals.contains(&lower) {
                    trigger_literals.push(lower);
                }
            }
        }
        let triggers = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .match_kind(MatchKind::LeftmostFirst)
            .build(&trigger_literals)
            .unwrap_or_else(|_| AhoCorasick::new(Vec::<String>::new()).expect("empty automaton builds"));
        let triggers_lower = AhoCorasickBuilder::new()
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .match_kind(MatchKind::LeftmostFirst)
            .build(&trigger_literals)
            .unwrap_or_else(|_| AhoCorasick::new(Vec::<String>::new()).expect("empty automaton builds"));
        let triggers_packed = packed_searchers(&trigger_literals);
        let regex_only = literal_ids
            .iter()
            .enumerate()
            .filter(|(_, ids): &(usize, &LiteralIds)| ids.all.is_empty() && ids.any.is_empty())
            .map(|(i, _)| i)
            .collect();
        SignatureSet {
            signatures,
            automaton,
            triggers,
            triggers_lower,
            triggers_packed,
            literal_ids,
            literal_count: literals.len(),
            regex_only,
        }
    }

    /// The signatures, in set order.
    pub fn signatures(&self) -> &[Signature] {
        &self.signatures
    }

    /// True when some event-log signature wants records of `provider` / `event_id` (decided before rendering).
    pub fn wants_event(&self, provider: &str, event_id: u32) -> bool {
        self.signatures
            .iter()
            .any(|s| s.sources.contains(&ArtifactKind::Evtx) && s.wants_event(provider, event_id))
    }

    /// Matches one rendered event-log record: like [`SignatureSet::match_text`], restricted to the signatures
    /// that want its provider and id. Event-scoped signatures without literals match on provider/id alone.
    pub fn match_event(
        &self,
        provider: &str,
        event_id: u32,
        text: &str,
        scratch: &mut MatchScratch,
    ) -> Vec<RecordMatch> {
        self.match_scoped(ArtifactKind::Evtx, Some((provider, event_id)), text, scratch)
    }

    /// True when some signature applies to `kind` (so its records are worth scanning).
    pub fn covers(&self, kind: ArtifactKind) -> bool {
        self.signatures.iter().any(|s| s.applies_to(kind))
    }

    /// Matches one record's text from a source of `kind`; returns every signature that holds.
    pub fn match_text(&self, kind: ArtifactKind, text: &str, scratch: &mut MatchScratch) -> Vec<RecordMatch> {
        self.match_scoped(kind, None, text, scratch)
    }

    /// Where the literals that can start a match occur in `lower`, a run of records lower-cased (ASCII):
    /// a record no span touches can match only [regex-only](Self::has_regex_only) signatures. Spans do not
    /// overlap; a literal occurrence not reported overlaps one that is.
    pub fn trigger_spans(&self, lower: &str) -> Vec<(usize, usize)> {
        if self.literal_count == 0 {
            return Vec::new();
        }
        // Below Teddy's minimum haystack the packed searchers fall back to a slow path: use the automaton.
        match &self.triggers_packed {
            Some(groups) if lower.len() >= 64 => {
                let mut spans: Vec<(usize, usize)> =
                    groups.iter().flat_map(|g| g.find_iter(lower).map(|m| (m.start(), m.end()))).collect();
                if groups.len() > 1 {
                    spans.sort_unstable();
                }
                spans
            }
            _ => self.triggers_lower.find_iter(lower).map(|m| (m.start(), m.end())).collect(),
        }
    }

    /// Like [`SignatureSet::match_text`] for a record already known to hold a trigger literal (`hit`) or
    /// known not to (then only regex-only signatures are tried).
    pub fn match_text_known(
        &self,
        kind: ArtifactKind,
        text: &str,
        hit: bool,
        scratch: &mut MatchScratch,
    ) -> Vec<RecordMatch> {
        self.match_with(kind, None, text, Some(hit), scratch)
    }

    /// True when some signature has no literal at all (only a regex), so every record must be tried.
    pub fn has_regex_only(&self, kind: ArtifactKind) -> bool {
        self.regex_only.iter().any(|&i| self.signatures[i].applies_to(kind))
    }

    /// Matches a record; event-scoped signatures (providers / event ids) take part only for an event record of
    /// a provider and id they want.
    fn match_scoped(
        &self,
        kind: ArtifactKind,
        event: Option<(&str, u32)>,
        text: &str,
        scratch: &mut MatchScratch,
    ) -> Vec<RecordMatch> {
        self.match_with(kind, event, text, None, scratch)
    }

    /// Matches a record, its trigger hit known (`Some`) or still to be found.
    fn match_with(
        &self,
        kind: ArtifactKind,
        event: Option<(&str, u32)>,
        text: &str,
        hit: Option<bool>,
        scratch: &mut MatchScratch,
    ) -> Vec<RecordMatch> {
        scratch.reset(self.literal_count);
        // A cheap yes/no pass over the trigger literals first; the overlapping walk that records every
        // literal's position runs only on the few records that hit one.
        let hit = self.literal_count > 0 && hit.unwrap_or_else(|| self.triggers.is_match(text));
        for m in self.automaton.find_overlapping_iter(if hit { text } else { "" }) {
            let id = m.pattern().as_usize();
            if scratch.first[id].is_none() {
                scratch.first[id] = Some(m.start());
                scratch.found += 1;
            }
        }
        let mut out = Vec::new();
        // Most records hit no literal at all: then only regex-only signatures can match.
        let candidates: Box<dyn Iterator<Item = usize>> = if scratch.found == 0 {
            Box::new(self.regex_only.iter().copied())
        } else {
            Box::new(0..self.signatures.len())
        };
        for index in candidates {
            let sig = &self.signatures[index];
            if !sig.applies_to(kind) {
                continue;
            }
            let scoped = !sig.providers.is_empty() || !sig.event_ids.is_empty();
            match event {
                Some((provider, id)) if scoped && !sig.wants_event(provider, id) => continue,
                None if scoped => continue,
                _ => {}
            }
            if let Some(m) = self.check(sig, &self.literal_ids[index], text, scratch) {
                out.push(RecordMatch { signature: index, ..m });
            }
        }
        out
    }

    fn check(
        &self,
        sig: &Signature,
        ids: &LiteralIds,
        text: &str,
        scratch: &MatchScratch,
    ) -> Option<RecordMatch> {
        let at = |id: &usize| scratch.first[*id];
        let mut offset = usize::MAX;
        for id in &ids.all {
            offset = offset.min(at(id)?);
        }
        if !ids.any.is_empty() {
            offset = offset.min(ids.any.iter().filter_map(at).min()?);
        }
        if ids.none.iter().any(|id| at(id).is_some()) {
            return None;
        }
        let mut captures = Captures::new();
        if let Some(re) = &sig.regex {
            let caps = re.captures(text)?;
            if let Some(whole) = caps.get(0) {
                offset = offset.min(whole.start());
            }
            for name in re.capture_names().flatten() {
                if let Some(m) = caps.name(name) {
                    captures.insert(name.to_string(), m.as_str().to_string());
                }
            }
        }
        Some(RecordMatch { signature: 0, offset: if offset == usize::MAX { 0 } else { offset }, captures })
    }
}

/// Literals one packed searcher takes: up to 64 fit Teddy's buckets; fewer groups mean fewer passes.
const PACKED_GROUP: usize = 64;

/// Teddy searchers over `literals` in groups, or `None` when the CPU or a literal rules Teddy out.
fn packed_searchers(literals: &[String]) -> Option<Vec<aho_corasick::packed::Searcher>> {
    if literals.is_empty() {
        return None;
    }
    literals
        .chunks(PACKED_GROUP)
        .map(|group| {
            aho_corasick::packed::Config::new()
                .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
                .heuristic_pattern_limits(false)
                .builder()
                .extend(group)
                .build()
        })
        .collect()
}

/// Reusable per-thread buffers for [`SignatureSet::match_text`].
#[derive(Debug, Default)]
pub struct MatchScratch {
    first: Vec<Option<usize>>,
    found: usize,
}

impl MatchScratch {
    fn reset(&mut self, n: usize) {
        if self.found > 0 || self.first.len() != n {
            self.first.clear();
            self.first.resize(n, None);
        }
        self.found = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::load_signatures;

    fn set(toml: &str) -> SignatureSet {
        SignatureSet::new(load_signatures("test", toml).unwrap())
    }

    #[test]
    fn all_any_none_and_regex_captures() {
        let s = set(r#"
            [[signature]]
            id = "wire.fail"
            signal = "wireserver-failure"
            sources = ["waagent-log"]
            all = ["168.63.129.16"]
            any = ["timed out", "connection refused"]
            none = ["recovered"]
            regex = 'GET (?P<url>http://168\.63\.129\.16\S*)'
        "#);
        let mut scratch = MatchScratch::default();
        let text =
            "Error: [HTTP Failed] GET http://168.63.129.16/machine/ -- IOError Timed Out -- 6 attempts made";
        let got = s.match_text(ArtifactKind::WaagentLog, text, &mut scratch);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].offset, text.find("GET").unwrap());
        assert_eq!(got[0].captures.get("url").map(String::as_str), Some("http://168.63.129.16/machine/"));
        // Wrong source kind, missing `any`, a `none` literal: no match.
        assert!(s.match_text(ArtifactKind::Syslog, text, &mut scratch).is_empty());
        assert!(s
            .match_text(ArtifactKind::WaagentLog, "GET http://168.63.129.16/ ok", &mut scratch)
            .is_empty());
        let recovered = format!("{text} recovered");
        assert!(s.match_text(ArtifactKind::WaagentLog, &recovered, &mut scratch).is_empty());
    }

    #[test]
    fn scratch_is_reset_between_records() {
        let s = set("[[signature]]\nid='a'\nsignal='s'\nall=['alpha']\n[[signature]]\nid='b'\nsignal='t'\nall=['beta']\n");
        let mut scratch = MatchScratch::default();
        assert_eq!(s.match_text(ArtifactKind::WaagentLog, "alpha", &mut scratch).len(), 1);
        let got = s.match_text(ArtifactKind::WaagentLog, "beta", &mut scratch);
        assert_eq!(got.iter().map(|m| m.signature).collect::<Vec<_>>(), vec![1]);
    }
}

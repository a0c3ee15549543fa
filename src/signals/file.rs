//! Reading signature files (TOML).

use std::sync::Arc;

use serde::Deserialize;

use super::{MessageTemplate, Signature};
use crate::intake::ArtifactKind;

/// The signature files shipped in the binary, by name: one file per family of sources.
pub const BUILTIN_SIGNATURES: &[(&str, &str)] = &[
    ("agent.toml", include_str!("builtin/agent.toml")),
    ("backup.toml", include_str!("builtin/backup.toml")),
    ("kernel.toml", include_str!("builtin/kernel.toml")),
    ("progress.toml", include_str!("builtin/progress.toml")),
    ("provisioning.toml", include_str!("builtin/provisioning.toml")),
    ("windows.toml", include_str!("builtin/windows.toml")),
];

/// Every built-in signature, in file order.
pub fn builtin_signatures() -> Result<Vec<Signature>, SignatureFileError> {
    let mut all = Vec::new();
    for (name, text) in BUILTIN_SIGNATURES {
        all.extend(load_signatures(&format!("built-in {name}"), text)?);
    }
    check_unique(&all, "built-in signatures")?;
    Ok(all)
}

/// Why a signature file was rejected.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct SignatureFileError {
    /// The file (or `built-in`).
    pub origin: String,
    /// What is wrong, naming the signature.
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    signature: Vec<RawSignature>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignature {
    id: String,
    signal: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    all: Vec<String>,
    #[serde(default)]
    any: Vec<String>,
    #[serde(default)]
    none: Vec<String>,
    regex: Option<String>,
    #[serde(default)]
    providers: Vec<String>,
    #[serde(default)]
    event_ids: Vec<u32>,
    family: Option<String>,
    versions: Option<String>,
    #[serde(default)]
    periodic: bool,
    #[serde(default)]
    template: Vec<RawTemplate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    text: String,
    level: Option<String>,
    versions: Option<String>,
}

/// Parses a signature file. `origin` names it in errors.
pub fn load_signatures(origin: &str, text: &str) -> Result<Vec<Signature>, SignatureFileError> {
    let err = |message: String| SignatureFileError { origin: origin.to_string(), message };
    let raw: RawFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
    let mut out = Vec::with_capacity(raw.signature.len());
    for s in raw.signature {
        let at = |what: String| err(format!("signature `{}`: {what}", s.id));
        if s.id.trim().is_empty() || s.signal.trim().is_empty() {
            return Err(err("every signature needs a non-empty `id` and `signal`".into()));
        }
        let mut sources = Vec::with_capacity(s.sources.len());
        for name in &s.sources {
            let kind =
                ArtifactKind::from_name(name).ok_or_else(|| at(format!("unknown source kind `{name}`")))?;
            sources.push(kind);
        }
        let regex = match &s.regex {
            Some(r) => Some(regex::Regex::new(r).map_err(|e| at(format!("bad regex: {e}")))?),
            None => None,
        };
        let has_literal = s.all.iter().chain(&s.any).any(|l| !l.is_empty());
        let event_scoped = !s.providers.is_empty() || !s.event_ids.is_empty();
        if !has_literal && regex.is_none() && !event_scoped {
            return Err(at("needs at least one of `all`, `any`, `regex`, `providers` or `event_ids`".into()));
        }
        if sources.iter().any(|k| k.is_event_log()) && !event_scoped {
            return Err(at("event-log signatures need `providers` or `event_ids`".into()));
        }
        if event_scoped && sources.iter().any(|k| !k.is_event_log()) {
            return Err(at("`providers` and `event_ids` apply only to `sources = [\"evtx\"]`".into()));
        }
        if s.all.iter().chain(&s.any).chain(&s.none).any(|l| l.is_empty()) {
            return Err(at("empty literal".into()));
        }
        out.push(Signature {
            id: s.id,
            signal: Arc::from(s.signal.as_str()),
            description: s.description,
            sources,
            all: s.all,
            any: s.any,
            none: s.none,
            regex,
            providers: s.providers,
            event_ids: s.event_ids,
            family: s.family,
            versions: s.versions,
            periodic: s.periodic,
            templates: s
                .template
                .into_iter()
                .map(|t| MessageTemplate { text: t.text, level: t.level, versions: t.versions })
                .collect(),
        });
    }
    check_unique(&out, origin)?;
    Ok(out)
}

fn check_unique(signatures: &[Signature], origin: &str) -> Result<(), SignatureFileError> {
    let mut ids: Vec<&str> = signatures.iter().map(|s| s.id.as_str()).collect();
    ids.sort_unstable();
    match ids.windows(2).find(|w| w[0] == w[1]) {
        Some(dup) => Err(SignatureFileError {
            origin: origin.to_string(),
            message: format!("signature id `{}` appears twice", dup[0]),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_signatures_load() {
        let sigs = builtin_signatures().unwrap();
        assert!(sigs.len() > 100, "{}", sigs.len());
    }

    #[test]
    fn errors_name_the_signature_and_problem() {
        let bad_kind = "[[signature]]\nid='x.y'\nsignal='s'\nsources=['nope']\nall=['a']\n";
        let e = load_signatures("f.toml", bad_kind).unwrap_err().to_string();
        assert_eq!(e, "f.toml: signature `x.y`: unknown source kind `nope`");
        let no_match = "[[signature]]\nid='x.y'\nsignal='s'\n";
        assert!(load_signatures("f", no_match).unwrap_err().to_string().contains("needs at least one"));
        let unscoped = "[[signature]]\nid='x.y'\nsignal='s'\nsources=['evtx']\nall=['a']\n";
        assert!(load_signatures("f", unscoped)
            .unwrap_err()
            .to_string()
            .contains("need `providers` or `event_ids`"));
        let bad_regex = "[[signature]]\nid='x.y'\nsignal='s'\nregex='('\n";
        assert!(load_signatures("f", bad_regex).unwrap_err().to_string().contains("bad regex"));
        let dup =
            "[[signature]]\nid='a'\nsignal='s'\nall=['x']\n[[signature]]\nid='a'\nsignal='t'\nall=['y']\n";
        assert!(load_signatures("f", dup).unwrap_err().to_string().contains("appears twice"));
        let unknown_key = "[[signature]]\nid='a'\nsignal='s'\nall=['x']\ncolour='red'\n";
        assert!(load_signatures("f", unknown_key).unwrap_err().to_string().contains("unknown field"));
    }
}

//! `snaptriage rules`: the signatures and diagnoses in force.

use std::fmt::Write as _;

use anyhow::{Context, Result};
use serde::Serialize;
use snaptriage::diagnoses::registry;
use snaptriage::engine::signature_set;
use snaptriage::signals::BUILTIN_SIGNATURES;

use super::args::{RulesArgs, RulesFormat};
use super::output::Output;
use super::EXIT_CLEAN;

#[derive(Serialize)]
struct SignatureRow<'a> {
    id: &'a str,
    signal: &'a str,
    sources: Vec<&'static str>,
    description: &'a str,
}

#[derive(Serialize)]
struct DiagnosisRow {
    id: &'static str,
    rule: &'static str,
    signals: &'static [&'static str],
}

/// Prints the rules.
pub fn run(args: RulesArgs) -> Result<u8> {
    let mut out = Output::stdout();
    if args.format == RulesFormat::Toml {
        for (name, text) in BUILTIN_SIGNATURES {
            out.text(&format!("# ---- {name}\n{text}"))?;
        }
        out.finish()?;
        return Ok(EXIT_CLEAN);
    }
    let mut extra = Vec::new();
    for p in &args.signatures {
        extra.push((
            p.display().to_string(),
            std::fs::read_to_string(p).with_context(|| format!("{}: cannot read", p.display()))?,
        ));
    }
    let set = signature_set(&extra)?;
    let signatures: Vec<SignatureRow> = set
        .signatures()
        .iter()
        .map(|s| SignatureRow {
            id: &s.id,
            signal: &s.signal,
            sources: s.sources.iter().map(|k| k.name()).collect(),
            description: &s.description,
        })
        .collect();
    let diagnoses: Vec<DiagnosisRow> = registry()
        .iter()
        .map(|d| DiagnosisRow { id: d.id(), rule: d.rule(), signals: d.signals() })
        .collect();
    if args.format == RulesFormat::Json {
        #[derive(Serialize)]
        struct All<'a> {
            signatures: Vec<SignatureRow<'a>>,
            diagnoses: Vec<DiagnosisRow>,
        }
        out.text(&(serde_json::to_string_pretty(&All { signatures, diagnoses })? + "\n"))?;
        out.finish()?;
        return Ok(EXIT_CLEAN);
    }
    let mut text = String::new();
    let _ = writeln!(text, "Diagnoses ({}):", diagnoses.len());
    for d in &diagnoses {
        let _ = writeln!(text, "  {:<34} {}", d.id, d.rule);
        let _ = writeln!(text, "  {:<34} signals: {}", "", d.signals.join(", "));
    }
    let _ = writeln!(text, "\nSignatures ({}):", signatures.len());
    for s in &signatures {
        let sources = if s.sources.is_empty() { "all logs".to_string() } else { s.sources.join(",") };
        let _ = writeln!(text, "  {:<38} -> {:<28} [{}] {}", s.id, s.signal, sources, s.description);
    }
    out.text(&text)?;
    out.finish()?;
    Ok(EXIT_CLEAN)
}

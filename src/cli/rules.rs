//! `snaptriage rules`: the signatures and diagnoses in force.

use anyhow::{Context, Result};
use serde::Serialize;

use super::args::{RulesArgs, RulesFormat};
use super::EXIT_CLEAN;
use crate::diagnoses::registry;
use crate::engine::signature_set;
use crate::signals::BUILTIN_SIGNATURES;

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
    if args.format == RulesFormat::Toml {
        for (name, text) in BUILTIN_SIGNATURES {
            print!("# ---- {name}\n{text}");
        }
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
        println!("{}", serde_json::to_string_pretty(&All { signatures, diagnoses })?);
        return Ok(EXIT_CLEAN);
    }
    println!("Diagnoses ({}):", diagnoses.len());
    for d in &diagnoses {
        println!("  {:<34} {}", d.id, d.rule);
        println!("  {:<34} signals: {}", "", d.signals.join(", "));
    }
    println!("\nSignatures ({}):", signatures.len());
    for s in &signatures {
        let sources = if s.sources.is_empty() { "all logs".to_string() } else { s.sources.join(",") };
        println!("  {:<38} -> {:<28} [{}] {}", s.id, s.signal, sources, s.description);
    }
    Ok(EXIT_CLEAN)
}

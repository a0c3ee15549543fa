//! `python-unsupported`: no usable Python for the Linux backup extension.

use super::extension_of;
use crate::catalog::Catalog;
use crate::diagnoses::{evidence_of, Context, Diagnosis, Draft, Input, Signal};
use crate::facts::is_backup_extension;
use crate::intake::ArtifactKind;
use crate::model::Confidence;
use crate::report::words::count;

/// `python-unsupported`.
pub struct PythonUnsupported;

impl Diagnosis for PythonUnsupported {
    fn id(&self) -> &'static str {
        "python-unsupported"
    }

    fn rule(&self) -> &'static str {
        "shell.log or the agent log says no usable Python (`python version unknown`, interpreter not found), a \
         Python import error in the backup extension's output, or the backup extension's command exiting with \
         code 3 or 127."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["python.unusable", "python.import-error", "python.handle-exit", "ext.failure", "ext.nonzero-exit"]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::linux(ArtifactKind::WaagentLog)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let unusable: Vec<&Signal> =
            cx.named("python.unusable").filter(|s| s.is_backup_extension() || !is_agent_log(s)).collect();
        let imports: Vec<&Signal> =
            cx.named("python.import-error").filter(|s| s.is_backup_extension()).collect();
        // The launcher's exit codes that mean Python could not run it (the catalog lists them).
        let exit_codes = Catalog::get().codes_of(self.id());
        let exits: Vec<&Signal> = cx
            .any_of(&["python.handle-exit", "ext.nonzero-exit", "ext.failure"])
            .filter(|s| s.is_backup_extension() || extension_of(s).is_some_and(|n| is_backup_extension(&n)))
            .filter(|s| exit_code(s).is_some_and(|c| exit_codes.has_exit_code(&c)))
            .collect();
        if unusable.is_empty() && imports.is_empty() && exits.is_empty() {
            return None;
        }
        let evidence = evidence_of(unusable.iter().chain(&imports).chain(&exits).copied());
        let mut parts = Vec::new();
        if !unusable.is_empty() {
            parts.push(format!("no usable Python found ({})", count(unusable.len(), "time")));
        }
        let modules: Vec<&str> = imports.iter().filter_map(|s| s.capture("module")).collect();
        if !imports.is_empty() {
            let what = if modules.is_empty() {
                String::new()
            } else {
                format!(" (`{}`)", dedup(modules).join("`, `"))
            };
            parts.push(format!("Python import errors{what}"));
        }
        if !exits.is_empty() {
            let codes: Vec<String> = exits.iter().filter_map(|s| exit_code(s)).collect();
            parts.push(format!(
                "launcher exit code {}",
                dedup(codes.iter().map(String::as_str).collect()).join("/")
            ));
        }
        let confidence =
            if unusable.is_empty() && imports.is_empty() { Confidence::Medium } else { Confidence::High };
        let summary = format!("The backup extension could not run its Python code: {}.", parts.join("; "));
        Some(Draft { severity: None, confidence, summary, evidence, error_codes: None })
    }
}

fn is_agent_log(s: &Signal) -> bool {
    s.kind == crate::intake::ArtifactKind::WaagentLog
}

/// The exit code a signal reports (`Non-zero exit code: N` or `N returned from handle.py`).
fn exit_code(s: &Signal) -> Option<String> {
    if let Some(c) = s.capture("exit_code") {
        return Some(c.to_string());
    }
    let text = s.capture("message").unwrap_or(&s.text);
    let rest = text.split("Non-zero exit code:").nth(1)?;
    let code: String = rest.trim_start().chars().take_while(|c| c.is_ascii_digit() || *c == '-').collect();
    (!code.is_empty()).then_some(code)
}

fn dedup(mut v: Vec<&str>) -> Vec<&str> {
    let mut seen = Vec::new();
    v.retain(|x| {
        let fresh = !seen.contains(x);
        seen.push(*x);
        fresh
    });
    v
}

//! The HTML report of every committed sample is well-formed, self-contained and complete; bundle text is
//! escaped; and, where a Chromium is installed, the page renders headless without a script error.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use quick_xml::events::Event;
use snaptriage::report::{render_html, Report};
use snaptriage::{analyze_bytes, analyze_path, Options};

fn samples() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut all = Vec::new();
    for os in ["linux", "windows"] {
        for entry in std::fs::read_dir(root.join(os)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name.ends_with(".zip") || name.ends_with(".tar.gz") {
                all.push(path);
            }
        }
    }
    all.sort();
    all
}

fn report_of(path: &Path) -> Report {
    analyze_path(path, &Options::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display())).report
}

/// Parses the page as XML (the report writes XHTML-style markup), returning every `src`/`href` value and the
/// number of `<svg>` elements.
fn parse(html: &str) -> Result<(Vec<String>, usize), String> {
    let mut reader = quick_xml::Reader::from_str(html);
    reader.config_mut().check_end_names = true;
    let (mut links, mut svgs) = (Vec::new(), 0);
    loop {
        let event = reader.read_event().map_err(|e| format!("at byte {}: {e}", reader.buffer_position()))?;
        match event {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                svgs += usize::from(e.name().as_ref() == "svg");
                for a in e.attributes() {
                    let a = a.map_err(|e| e.to_string())?;
                    if matches!(a.key.as_ref(), "src" | "href" | "xlink:href" | "action" | "srcset") {
                        links.push(a.value.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    Ok((links, svgs))
}

#[test]
fn every_sample_renders_a_well_formed_self_contained_page_with_every_finding_and_run() {
    let paths = samples();
    assert!(paths.len() >= 30, "samples missing: {}", paths.len());
    for path in paths {
        let name = path.display().to_string();
        let report = report_of(&path);
        let html = render_html(&report);
        assert!(html.starts_with("<!doctype html>"), "{name}");
        let (links, svgs) = parse(&html).unwrap_or_else(|e| panic!("{name}: not well-formed: {e}"));
        for link in &links {
            let l = link.to_ascii_lowercase();
            assert!(
                !(l.starts_with("http:") || l.starts_with("https:") || l.starts_with("//")),
                "{name}: network reference {link}"
            );
        }
        assert!(!html.contains("url(") && !html.contains("@import"), "{name}: CSS loads something");
        for f in &report.findings {
            assert!(html.contains(&format!("id=\"finding-{}\"", f.id)), "{name}: no card for {}", f.id);
        }
        for r in &report.runs {
            assert!(html.contains(&format!("<tr id=\"{}\">", r.id)), "{name}: no row for {}", r.id);
        }
        let dated = !report.runs.is_empty() || report.findings.iter().any(|f| f.first_seen.is_some());
        if dated {
            assert!(svgs >= 1 && html.contains("<svg"), "{name}: no timeline");
        }
        if report.findings.is_empty() {
            assert!(html.contains("No backup-relevant problem found in what was read"), "{name}");
        }
        assert!(html.contains(&format!("<p>Coverage: {}", escape(&report.coverage.summary))), "{name}");
        if let Some(start) = html.find("<table class=\"runs\"") {
            let table = &html[start..start + html[start..].find("</table>").unwrap()];
            assert!(!table.contains(".000000"), "{name}: run times carry fractions");
        }
    }
}

#[test]
fn a_failed_run_over_days_gets_a_zoomed_picture_and_its_cause_leads_the_verdict() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/windows/windows-vmsnapshot-crash.zip");
    let report = report_of(&path);
    let html = render_html(&report);
    let (_, svgs) = parse(&html).unwrap();
    assert_eq!(svgs, 2, "whole span and the zoom on the failed run");
    assert!(html.contains("zoom: run-5"), "zoom caption");
    let verdict = &html[html.find("class=\"verdict").unwrap()..html.find("<h2>Backup runs").unwrap()];
    assert!(verdict.contains("vmsnapshot-crash") && verdict.contains("the failure of run-5"), "{verdict}");
    assert!(html.contains("<span class=\"badge failed\">failed</span>"));
    assert!(html.contains("2024-06-07 23:04:07"), "run start to the second");
}

#[test]
fn markup_in_a_log_line_is_shown_as_text() {
    let log = common::wireserver_outage_log()
        .replace("6 attempts made\n", "6 attempts made <script>alert(1)</script>\n");
    let bundle = common::zip_bundle(&[("var/log/waagent.log", log.as_bytes())]);
    let report = analyze_bytes("hostile.zip", bundle, &Options::default()).unwrap().report;
    let carried = report
        .findings
        .iter()
        .flat_map(|f| &f.evidence)
        .any(|e| e.text.contains("<script>alert(1)</script>"));
    assert!(carried, "the evidence should carry the line as written");
    let html = render_html(&report);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "escaped text missing");
    assert!(!html.contains("<script>alert"), "markup from the bundle reached the page");
    parse(&html).unwrap();
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The first Chromium-family browser on PATH.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
        .iter()
        .find_map(|name| std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file()))
}

/// Runs the browser headless with `args`, killing it after a minute; returns (stdout, stderr).
fn headless(browser: &Path, profile: &Path, args: &[&str]) -> (String, String) {
    let out_dir = profile.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let (stdout_path, stderr_path) = (out_dir.join("stdout"), out_dir.join("stderr"));
    let mut child = Command::new(browser)
        .args(["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).unwrap())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{} did not finish: {args:?}", browser.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    (std::fs::read_to_string(stdout_path).unwrap(), std::fs::read_to_string(stderr_path).unwrap())
}

/// Lines in which Chromium reports a script error or a console message of the page (logged as
/// `INFO:CONSOLE:1] "Uncaught ReferenceError: …", source: file:///…`; the report logs nothing itself).
fn page_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| {
            let lower = l.to_ascii_lowercase();
            lower.contains("uncaught") || lower.contains(":console")
        })
        .collect()
}

#[test]
fn headless_chromium_renders_the_pages_without_errors() {
    let Some(browser) = chromium() else {
        eprintln!(
            "skipped: no chromium, chromium-browser or google-chrome on PATH (.ci/run installs chromium)"
        );
        return;
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    for sample in ["linux/linux-vmsnapshot-failed.zip", "windows/windows-vmsnapshot-crash.zip"] {
        let report = report_of(&root.join(sample));
        assert!(
            report.runs.iter().any(|r| r.outcome.is_failure()) || !report.findings.is_empty(),
            "{sample}"
        );
        let stem = sample.replace(['/', '.'], "-");
        let page = dir.join(format!("{stem}.html"));
        std::fs::write(&page, render_html(&report)).unwrap();
        let url = format!("file://{}", page.display());
        let png = dir.join(format!("{stem}.png"));

        let (_, stderr) = headless(
            &browser,
            &dir.join(format!("{stem}-profile-shot")),
            &[
                &format!("--screenshot={}", png.display()),
                "--window-size=1280,2000",
                "--enable-logging=stderr",
                "--v=0",
                &url,
            ],
        );
        let errors = page_errors(&stderr);
        assert!(errors.is_empty(), "{sample}: page errors: {errors:#?}");
        let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("{sample}: no screenshot ({e}): {stderr}"));
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{sample}: not a PNG");
        assert!(bytes.len() > 10 * 1024, "{sample}: screenshot of {} bytes is blank", bytes.len());

        let (dom, stderr) =
            headless(&browser, &dir.join(format!("{stem}-profile-dom")), &["--dump-dom", &url]);
        assert!(dom.contains("<svg"), "{sample}: no SVG in the DOM: {stderr}");
        for f in &report.findings {
            assert!(dom.contains(&format!("finding-{}", f.id)), "{sample}: {} missing from the DOM", f.id);
        }
        for r in &report.runs {
            assert!(dom.contains(&format!("id=\"{}\"", r.id)), "{sample}: {} missing from the DOM", r.id);
        }
    }
}

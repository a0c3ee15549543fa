//! Details a failure record states anywhere in it, continuation lines included (an `Inner error:` line, the
//! last line of a traceback): the HTTP status a server answered with, the socket errno of a failed call, and
//! the attempt counter. They become captures of every signal of the record, so diagnoses can tell a server
//! that answered from a network that failed even when the evidence line does not say.

use std::sync::OnceLock;

use regex::Regex;

use super::Captures;

/// The details a record states: `http_status`, socket `errno`, local `os_errno` and `attempts`. Computed once
/// per record, then given to each of its signals with [`fill_missing`].
pub fn record_details(raw: &str) -> Captures {
    let end = (0..=raw.len().min(MAX_SCAN)).rev().find(|i| raw.is_char_boundary(*i)).unwrap_or(0);
    let text = &raw[..end];
    let mut details = Captures::new();
    let mut put = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            details.insert(name.to_string(), v);
        }
    };
    put("http_status", http_status(text).map(|c| c.to_string()));
    put("errno", socket_errno(text).map(|c| c.to_string()));
    put("os_errno", local_errno(text).map(|c| c.to_string()));
    put("attempts", attempt_counter(text).map(|c| c.to_string()));
    details
}

/// Adds the record's `details` to a signal's captures where its signature did not capture them itself; a
/// local `os_errno` only when the signal has no socket `errno`.
pub fn fill_missing(captures: &mut Captures, details: &Captures) {
    for (name, value) in details {
        if name == "os_errno" {
            continue;
        }
        captures.entry(name.clone()).or_insert_with(|| value.clone());
    }
    if let Some(os) = details.get("os_errno") {
        if !captures.contains_key("errno") {
            captures.entry("os_errno".into()).or_insert_with(|| os.clone());
        }
    }
}

/// How much of a record is read for details (tracebacks can be long; the details sit near the top).
const MAX_SCAN: usize = 16 * 1024;

/// The HTTP status a server answered with: `Status Code 404`, `[404: Not Found]`, `HTTP Error 503`,
/// `ResourceGoneError` (410).
pub fn http_status(text: &str) -> Option<u16> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?i)(?:(?:status code:?|http error:?|\bhttp/1\.[01]|\bstatus:|response code:?)\s*(?P<code>[1-5]\d\d)\b|\[(?P<bracketed>[1-5]\d\d):|\] (?P<dashed>[1-5]\d\d) - https?://)",
        )
        .expect("status regex")
    });
    let found = re
        .captures(text)
        .and_then(|c| c.name("code").or_else(|| c.name("bracketed")).or_else(|| c.name("dashed")));
    if let Some(code) = found.and_then(|m| m.as_str().parse().ok()) {
        return Some(code);
    }
    text.contains("ResourceGoneError").then_some(410)
}

/// Linux errnos of failed socket calls: EPIPE, ENETDOWN, ENETUNREACH, ENETRESET, ECONNABORTED, ECONNRESET,
/// ETIMEDOUT, ECONNREFUSED, EHOSTDOWN, EHOSTUNREACH.
const NETWORK_ERRNOS: &[u16] = &[32, 100, 101, 102, 103, 104, 110, 111, 112, 113];

/// The socket errno of a failed call (`[Errno 111]`, `errno 113`, `OSError: [Errno 101]`), or the errno its
/// words name (`Connection refused`, `No route to host`, `Network is unreachable`, `timed out`).
pub fn socket_errno(text: &str) -> Option<u16> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re =
        RE.get_or_init(|| Regex::new(r"(?i)\berrno\]?\s*[:=]?\s*(?P<n>\d{1,3})\b").expect("errno regex"));
    if let Some(n) = re.captures(text).and_then(|c| c.name("n")).and_then(|m| m.as_str().parse::<u16>().ok())
    {
        // Only socket errors: `[Errno 2] No such file or directory` says nothing about the network.
        return NETWORK_ERRNOS.contains(&n).then_some(n);
    }
    let lower = text.to_ascii_lowercase();
    [
        ("No route to host", 113),
        ("Network is unreachable", 101),
        ("Connection refused", 111),
        ("Connection reset", 104),
        ("timed out", 110),
    ]
    .iter()
    .find(|(words, _)| lower.contains(&words.to_ascii_lowercase()))
    .map(|(_, n)| *n)
}

/// The errno of a failed local operation (`[Errno 13] Permission denied`, `[Errno 2] No such file or
/// directory`, `[Errno 28] No space left on device`): a file problem on the VM, not the network.
pub fn local_errno(text: &str) -> Option<u16> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"\[Errno (?P<n>\d{1,3})\]").expect("errno regex"));
    re.captures_iter(text)
        .filter_map(|c| c.name("n").and_then(|m| m.as_str().parse::<u16>().ok()))
        .find(|n| !NETWORK_ERRNOS.contains(n))
}

/// The attempt counter a record carries: `6 attempts made`, `retry=332`, `[count=12]`, `UpdateGSErrors: 57`.
pub fn attempt_counter(text: &str) -> Option<u64> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?i)(?:(?P<a>\d+) attempts made|\bretry[=:]\s*(?P<b>\d+)|\[count=(?P<c>\d+)\]|UpdateGSErrors:\s*(?P<d>\d+))",
        )
        .expect("counter regex")
    });
    let c = re.captures(text)?;
    ["a", "b", "c", "d"].iter().find_map(|g| c.name(g)).and_then(|m| m.as_str().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_in_each_wording() {
        assert_eq!(http_status("[HTTP Failed] Status Code 404"), Some(404));
        assert_eq!(http_status("PUT http://168.63.129.16:32526/status [400: Bad Request]"), Some(400));
        assert_eq!(http_status("[ResourceGoneError] [HTTP Failed] [410: Gone]"), Some(410));
        assert_eq!(http_status("raise ResourceGoneError()"), Some(410));
        assert_eq!(http_status("HTTP Error 503: Service Unavailable"), Some(503));
        // 2.2.14 and older: `[error code] status - url`.
        assert_eq!(
            http_status(
                "Exception retrieving extension handlers: [000008] 404 - http://168.63.129.16:80/machine/"
            ),
            Some(404)
        );
        assert_eq!(
            http_status("[HTTP Failed] GET http://168.63.129.16/machine/ -- IOError [Errno 111]"),
            None
        );
        // An IP address or a port is not a status.
        assert_eq!(http_status("GET http://168.63.129.16:32526/vmSettings"), None);
    }

    #[test]
    fn errnos_by_number_and_by_words() {
        assert_eq!(socket_errno("IOError [Errno 111] Connection refused"), Some(111));
        assert_eq!(socket_errno("OSError: [Errno 113] No route to host"), Some(113));
        assert_eq!(socket_errno("<urlopen error [Errno 101] Network is unreachable>"), Some(101));
        assert_eq!(socket_errno("IOError timed out"), Some(110));
        assert_eq!(socket_errno("Status Code 404"), None);
        assert_eq!(
            socket_errno("[Errno 2] No such file or directory: '/var/lib/waagent/Certificates.pem'"),
            None
        );
        assert_eq!(
            local_errno("[Errno 13] Permission denied: '/var/lib/waagent/Certificates.p7m'"),
            Some(13)
        );
        assert_eq!(local_errno("IOError [Errno 111] Connection refused"), None);
    }

    #[test]
    fn counters() {
        assert_eq!(attempt_counter("Connection refused -- 6 attempts made"), Some(6));
        assert_eq!(attempt_counter("Retry detect protocol: retry=332"), Some(332));
        assert_eq!(attempt_counter("[DEBUG HeartbeatCounter: 1;UpdateGSErrors: 57;AutoUpdate: 1]"), Some(57));
        assert_eq!(attempt_counter("nothing to count"), None);
        let mut caps = Captures::new();
        fill_missing(
            &mut caps,
            &record_details("Error fetching the goal state\nInner error: [HTTP Failed] Status Code 404"),
        );
        assert_eq!(caps.get("http_status").map(String::as_str), Some("404"));
        assert!(!caps.contains_key("errno"));
    }
}

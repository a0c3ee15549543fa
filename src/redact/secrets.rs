//! Credentials: shared access signatures, storage keys and connection strings, bearer tokens and JWTs,
//! passwords in URLs, long base64 secrets.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::placeholders::{Kind, Placeholders};
use super::{rewrite, rewrite_cow};

/// A URL whose query is signed: the whole query goes (`sv=`, `se=`, `sp=`, `sig=` … say what the token
/// grants and when, `sig=` is the secret).
static SIGNED_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(https?://[^\s"'<>?]+)\?([^\s"'<>]*\bsig=[^\s"'<>]*)"#).expect("valid regex")
});
/// A signature outside a URL (`sig=…` logged on its own).
static SIG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)\b(sig=)([^&\s"'<>;,]+)"#).expect("valid regex"));
/// Connection-string secrets: `AccountKey=`, `SharedAccessKey=`, `SharedAccessSignature=`, `AccountName=`.
static CONNECTION_STRING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b(AccountKey|SharedAccessKey|SharedAccessSignature|AccountName)(\s*=\s*)([^;\s"'<>]+)"#,
    )
    .expect("valid regex")
});
/// `Bearer <token>`.
static BEARER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(bearer\s+)([A-Za-z0-9._~+/-]{8,}=*)").expect("valid regex"));
/// A JWT: three base64url parts, the first two JSON objects (`eyJ`).
static JWT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*").expect("valid regex")
});
/// `scheme://user:password@host`.
static URL_CREDENTIALS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b([a-z][a-z0-9+.-]*://)([^/\s:@"'<>]+):([^/\s@"'<>]+)@"#).expect("valid regex")
});
/// A base64 run of 64 characters or more (storage keys are 88 with `==`; protected settings longer).
static BASE64_RUN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9+/]{64,}={0,2}").expect("valid regex"));

/// Replaces every credential in `text`.
pub fn redact<'t>(text: &'t str, p: &mut Placeholders) -> Cow<'t, str> {
    let text = rewrite(text, &SIGNED_URL, |c: &Captures| format!("{}?{}", &c[1], p.of(Kind::Sas, &c[2])));
    let text = rewrite_cow(text, &SIG, |c| format!("{}{}", &c[1], p.of(Kind::Sas, &c[2])));
    let text = rewrite_cow(text, &CONNECTION_STRING, |c| {
        let kind = match c[1].to_ascii_lowercase().as_str() {
            "accountname" => Kind::StorageAccount,
            "sharedaccesssignature" => Kind::Sas,
            _ => Kind::Key,
        };
        if c[3].starts_with('<') {
            return c[0].to_string();
        }
        format!("{}{}{}", &c[1], &c[2], p.of(kind, &c[3]))
    });
    let text = rewrite_cow(text, &JWT, |c| p.of(Kind::Token, &c[0]));
    let text = rewrite_cow(text, &BEARER, |c| {
        if c[2].starts_with("<token-") {
            return c[0].to_string();
        }
        format!("{}{}", &c[1], p.of(Kind::Token, &c[2]))
    });
    let text = rewrite_cow(text, &URL_CREDENTIALS, |c| {
        format!("{}{}:{}@", &c[1], p.of(Kind::User, &c[2]), p.of(Kind::Secret, &c[3]))
    });
    rewrite_cow(text, &BASE64_RUN, |c| {
        let run = &c[0];
        if !looks_random(run) {
            return run.to_string();
        }
        let kind = if run.len() == 88 && run.ends_with("==") { Kind::Key } else { Kind::Secret };
        p.of(kind, run)
    })
}

/// A secret mixes upper case, lower case and digits; hex digests (lower case only) and long words do not.
fn looks_random(run: &str) -> bool {
    let b = run.as_bytes();
    b.iter().any(u8::is_ascii_uppercase)
        && b.iter().any(u8::is_ascii_lowercase)
        && b.iter().any(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn red(text: &str) -> String {
        redact(text, &mut Placeholders::default()).into_owned()
    }

    #[test]
    fn signed_url_loses_its_whole_query() {
        let url = "PUT https://acct1.blob.core.windows.net/c/b.vhd?sv=2020-08-04&se=2024-01-01T00%3A00Z&sr=b&sp=rw&sig=AbC%2Bdef%3D done";
        assert_eq!(red(url), "PUT https://acct1.blob.core.windows.net/c/b.vhd?<sas-1> done");
        assert_eq!(
            red("https://h/x?snapshot=2024-02-19T20:35:10Z"),
            "https://h/x?snapshot=2024-02-19T20:35:10Z"
        );
        assert_eq!(red("token sig=Zm9vYmFy&x=1"), "token sig=<sas-1>&x=1");
    }

    #[test]
    fn connection_string_parts_and_storage_keys() {
        let key = format!("{}==", "Ab1".repeat(28) + "x1");
        assert_eq!(key.len(), 88);
        let out = red(&format!("DefaultEndpointsProtocol=https;AccountName=acct9;AccountKey={key};EndpointSuffix=core.windows.net"));
        assert_eq!(out, "DefaultEndpointsProtocol=https;AccountName=<storage-account-1>;AccountKey=<key-1>;EndpointSuffix=core.windows.net");
        assert_eq!(red(&format!("key {key} end")), "key <key-1> end");
    }

    #[test]
    fn tokens_and_url_passwords() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl";
        assert_eq!(red(&format!("Authorization: Bearer {jwt}")), "Authorization: Bearer <token-1>");
        assert_eq!(red("Authorization: Bearer abcDEF123456"), "Authorization: Bearer <token-1>");
        assert_eq!(red("proxy http://bob:hunter2@proxy:3128"), "proxy http://<user-1>:<secret-1>@proxy:3128");
    }

    #[test]
    fn hex_digests_and_ordinary_text_stay() {
        let sha = "3f1a".repeat(16);
        assert_eq!(red(&sha), sha);
        let text = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux enable completed, code 0";
        assert_eq!(red(text), text);
    }
}

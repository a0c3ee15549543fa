//! Logical member paths. They name members in reports; they are never used to touch the file system.

/// Normalises an archive entry name into a logical path: `/` separators, no leading `/`, `./` or drive letter,
/// no empty or `.` components. `..` components are kept as text (they name nothing here).
pub fn normalize(raw: &str) -> String {
    let unified = raw.replace('\\', "/");
    let mut rest = unified.as_str();
    if rest.len() >= 2 && rest.as_bytes()[1] == b':' && rest.as_bytes()[0].is_ascii_alphabetic() {
        rest = &rest[2..];
    }
    rest.split('/').filter(|c| !c.is_empty() && *c != ".").collect::<Vec<_>>().join("/")
}

/// Joins a nested member's path under the archive member that holds it: `outer.zip!/inner/path`.
pub fn nest(outer: &str, inner: &str) -> String {
    format!("{outer}!/{inner}")
}

/// The path used for classification: nesting markers dissolved so that suffix rules see one path, with the
/// archive's own extension dropped (`history/2024-...__3.zip!/GoalState.xml` → `history/2024-...__3/GoalState.xml`).
pub fn classification_path(logical: &str) -> String {
    let mut out = String::with_capacity(logical.len());
    for (i, part) in logical.split("!/").enumerate() {
        if i > 0 {
            let lower = out.to_ascii_lowercase();
            for ext in crate::artifacts::containers::ARCHIVE_SUFFIXES {
                if lower.ends_with(ext) {
                    out.truncate(out.len() - ext.len());
                    break;
                }
            }
            out.push('/');
        }
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_prefixes_and_separators() {
        assert_eq!(normalize("/var/log/waagent.log"), "var/log/waagent.log");
        assert_eq!(normalize("./logs//var/log/waagent.log"), "logs/var/log/waagent.log");
        assert_eq!(normalize("C:\\WindowsAzure\\Logs\\WaAppAgent.log"), "WindowsAzure/Logs/WaAppAgent.log");
        assert_eq!(normalize("../../etc/passwd"), "../../etc/passwd");
    }

    #[test]
    fn classification_path_dissolves_nesting() {
        assert_eq!(
            classification_path("var/lib/waagent/history/2024-03-15T17-10-47__3.zip!/GoalState.xml"),
            "var/lib/waagent/history/2024-03-15T17-10-47__3/GoalState.xml"
        );
        assert_eq!(
            classification_path("case.tar.gz!/logs.zip!/var/log/waagent.log"),
            "case/logs/var/log/waagent.log"
        );
    }
}

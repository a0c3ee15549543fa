//! Escaping bundle text (untrusted: a log line can hold markup) for HTML and SVG.

/// Escapes `s` for element text and quoted attribute values; characters XML forbids become U+FFFD.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{fffe}' || c == '\u{ffff}' => {
                out.push('\u{fffd}')
            }
            c => out.push(c),
        }
    }
    out
}

/// Escapes `s`, showing each `backticked` span as `<code>` (an unmatched backtick stays as written).
pub fn with_code(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    let mut out = String::with_capacity(s.len() + 16);
    let paired = parts.len() - if parts.len() % 2 == 0 { 1 } else { 0 };
    for (i, part) in parts.iter().enumerate() {
        if i >= paired {
            out.push('`');
            out.push_str(&esc(part));
        } else if i % 2 == 1 {
            out.push_str("<code>");
            out.push_str(&esc(part));
            out.push_str("</code>");
        } else {
            out.push_str(&esc(part));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_and_control_characters_replaced() {
        assert_eq!(
            esc("<script>alert('1')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;1&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(esc("a\u{1}b\tc"), "a\u{fffd}b\tc");
    }

    #[test]
    fn backticks_become_code_and_an_unmatched_one_stays() {
        assert_eq!(with_code("run `fsfreeze -f /` now"), "run <code>fsfreeze -f /</code> now");
        assert_eq!(with_code("`a<b>` and `c"), "<code>a&lt;b&gt;</code> and `c");
        assert_eq!(with_code("plain"), "plain");
    }
}

//! Addresses: private IPv4, unique-local and link-local IPv6, storage account names.
//!
//! Kept: public addresses (mostly Azure endpoints the guest talks to), the platform addresses
//! `168.63.129.16` (WireServer) and `169.254.169.254` (instance metadata) and the rest of `169.254.0.0/16`
//! (an autoconfigured address says "no DHCP lease", which is diagnosis, not identity).

use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex::Regex;

use super::placeholders::{Kind, Placeholders};
use super::{replace_checked, rewrite_cow};

static IPV4: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b").expect("valid regex"));
/// An IPv6 candidate starting in `fc00::/7` or `fe80::/10`, with an optional zone (`%eth0`).
static IPV6: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:f[cd]|fe[89ab])[0-9a-f]{0,2}:[0-9a-f:]*[0-9a-f:](?:%[A-Za-z0-9_.-]+)?")
        .expect("valid regex")
});
/// `<account>.<service>.core.windows.net` (managed disks' `md-…` hosts have dashes).
static STORAGE_HOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b([a-z0-9][a-z0-9-]{2,62})(\.(?:blob|table|queue|file|dfs|web)\.core\.windows\.net)\b")
        .expect("valid regex")
});

/// Replaces private addresses and storage account names in `text`.
pub fn redact<'t>(text: Cow<'t, str>, p: &mut Placeholders) -> Cow<'t, str> {
    let text =
        rewrite_cow(text, &STORAGE_HOST, |c| format!("{}{}", p.of(Kind::StorageAccount, &c[1]), &c[2]));
    let text = replace_checked(
        text,
        &IPV4,
        |candidate, before, after| {
            // Four dotted numbers inside a longer dotted run are a version, not an address.
            let mut rest = after.chars();
            let in_run = before.ends_with('.')
                || (rest.next() == Some('.') && rest.next().is_some_and(|c| c.is_ascii_digit()));
            !in_run && candidate.parse::<Ipv4Addr>().is_ok_and(is_private_v4)
        },
        |_| Kind::Ip,
        p,
    );
    replace_checked(
        text,
        &IPV6,
        |candidate, _, after| {
            let address = candidate.split('%').next().unwrap_or(candidate);
            !after.starts_with(|c: char| c.is_ascii_alphanumeric())
                && address.parse::<Ipv6Addr>().is_ok_and(is_private_v6)
        },
        |_| Kind::Ip,
        p,
    )
}

/// Private ranges whose addresses identify a network: 10/8, 172.16/12, 192.168/16, shared 100.64/10.
pub fn is_private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    a == 10
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 168)
        || (a == 100 && (64..128).contains(&b))
}

/// Unique-local (`fc00::/7`) and link-local (`fe80::/10`) IPv6.
pub fn is_private_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
}

#[cfg(test)]
mod tests {
    use super::*;

    fn red(text: &str) -> String {
        redact(Cow::Borrowed(text), &mut Placeholders::default()).into_owned()
    }

    #[test]
    fn private_ipv4_ranges_go_and_platform_addresses_stay() {
        assert_eq!(red("from 10.0.0.4 to 10.0.0.5 and 10.0.0.4."), "from <ip-1> to <ip-2> and <ip-1>.");
        assert_eq!(red("172.16.0.1 172.31.255.1 172.32.0.1"), "<ip-1> <ip-2> 172.32.0.1");
        assert_eq!(red("192.168.1.20:80 100.64.0.1 100.128.0.1"), "<ip-1>:80 <ip-2> 100.128.0.1");
        assert_eq!(
            red("http://168.63.129.16:80/machine 169.254.169.254 169.254.10.1"),
            "http://168.63.129.16:80/machine 169.254.169.254 169.254.10.1"
        );
        assert_eq!(red("13.77.1.2 8.8.8.8"), "13.77.1.2 8.8.8.8");
    }

    #[test]
    fn versions_are_not_addresses() {
        assert_eq!(red("version 10.0.0.4.1 and 1.10.0.5.3"), "version 10.0.0.4.1 and 1.10.0.5.3");
        assert_eq!(red("1.0.92.0 10.0.17763.1 10.300.1.1"), "1.0.92.0 10.0.17763.1 10.300.1.1");
    }

    #[test]
    fn ipv6_unique_local_and_link_local() {
        assert_eq!(red("addr fe80::215:5dff:fe01:2%eth0 up"), "addr <ip-1> up");
        assert_eq!(red("fd12:3456:789a::1 and 2001:db8::1"), "<ip-1> and 2001:db8::1");
        assert_eq!(red("feature: fd"), "feature: fd");
    }

    #[test]
    fn storage_account_names() {
        assert_eq!(
            red("https://erpdisks01.blob.core.windows.net/vhds/a.vhd and erpdisks01.table.core.windows.net md-hdd-x7.blob.core.windows.net"),
            "https://<storage-account-1>.blob.core.windows.net/vhds/a.vhd and <storage-account-1>.table.core.windows.net <storage-account-2>.blob.core.windows.net"
        );
    }
}

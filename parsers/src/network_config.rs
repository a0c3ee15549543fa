//! Guest network configuration files, read for one question: is DHCP on for an interface?
//!
//! Handles Red Hat / SUSE `ifcfg-<nic>` (`BOOTPROTO=`), netplan YAML (`dhcp4:` under an interface), and Debian
//! `/etc/network/interfaces` (`iface <nic> inet dhcp|static`).

use crate::lines::lines;

/// An interface's addressing mode as a file declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceAddressing {
    /// Interface name when the file says (`eth0`), else `None`.
    pub interface: Option<String>,
    /// True when the interface gets its address by DHCP (IPv4).
    pub dhcp: bool,
    /// 1-based line of the deciding setting.
    pub line: u32,
    /// The deciding line, trimmed.
    pub text: String,
}

/// Which layout a file is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkFileKind {
    /// `ifcfg-<nic>` (key=value).
    Ifcfg,
    /// netplan YAML.
    Netplan,
    /// Debian interfaces(5).
    Interfaces,
}

/// Reads the addressing declarations of a network configuration file. `file_name` gives the `ifcfg-<nic>`
/// interface name when the file has no `DEVICE=`.
pub fn parse(kind: NetworkFileKind, file_name: &str, text: &str) -> Vec<InterfaceAddressing> {
    match kind {
        NetworkFileKind::Ifcfg => parse_ifcfg(file_name, text).into_iter().collect(),
        NetworkFileKind::Netplan => parse_netplan(text),
        NetworkFileKind::Interfaces => parse_interfaces(text),
    }
}

fn unquote(v: &str) -> &str {
    v.trim().trim_matches(|c| c == '"' || c == '\'')
}

fn parse_ifcfg(file_name: &str, text: &str) -> Option<InterfaceAddressing> {
    let mut device = file_name.strip_prefix("ifcfg-").map(str::to_string);
    let mut decision = None;
    for l in lines(text) {
        let t = l.text.trim();
        if t.starts_with('#') {
            continue;
        }
        let Some((k, v)) = t.split_once('=') else { continue };
        match k.trim().to_ascii_uppercase().as_str() {
            "DEVICE" => device = Some(unquote(v).to_string()),
            "BOOTPROTO" => {
                let mode = unquote(v).to_ascii_lowercase();
                // dhcp, dhcp4, dhcp+autoip (SUSE), bootp count as dynamic; static, none, '' do not.
                let dhcp = mode.starts_with("dhcp") || mode == "bootp";
                decision = Some((dhcp, l.number, t.to_string()));
            }
            _ => {}
        }
    }
    decision.map(|(dhcp, line, text)| InterfaceAddressing { interface: device, dhcp, line, text })
}

fn parse_netplan(text: &str) -> Vec<InterfaceAddressing> {
    // Track the most recent key at the interface level: netplan nests `ethernets: <nic>: dhcp4: ...`.
    let mut out = Vec::new();
    let mut ethernets_indent: Option<usize> = None;
    let mut current: Option<(String, usize)> = None;
    for l in lines(text) {
        let raw = l.text;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = raw.len() - raw.trim_start().len();
        let Some((key, value)) = trimmed.split_once(':') else { continue };
        let key = key.trim();
        if key == "ethernets" || key == "bonds" || key == "vlans" || key == "bridges" {
            ethernets_indent = Some(indent);
            current = None;
            continue;
        }
        if let Some(ei) = ethernets_indent {
            if indent <= ei {
                ethernets_indent = None;
                current = None;
                continue;
            }
            if value.trim().is_empty() && current.as_ref().is_none_or(|(_, ci)| indent <= *ci) {
                current = Some((key.to_string(), indent));
                continue;
            }
            if key == "dhcp4" {
                let v = unquote(value).to_ascii_lowercase();
                let dhcp = matches!(v.as_str(), "true" | "yes" | "on" | "y");
                out.push(InterfaceAddressing {
                    interface: current.as_ref().map(|(n, _)| n.clone()),
                    dhcp,
                    line: l.number,
                    text: trimmed.to_string(),
                });
            }
        }
    }
    out
}

fn parse_interfaces(text: &str) -> Vec<InterfaceAddressing> {
    let mut out = Vec::new();
    for l in lines(text) {
        let t = l.text.trim();
        let words: Vec<&str> = t.split_whitespace().collect();
        if let ["iface", name, "inet", method, ..] = words.as_slice() {
            if *name == "lo" || *method == "loopback" {
                continue;
            }
            out.push(InterfaceAddressing {
                interface: Some((*name).to_string()),
                dhcp: *method == "dhcp",
                line: l.number,
                text: t.to_string(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{decoded_bytes, fragment_text};
    use proptest::prelude::*;

    #[test]
    fn ifcfg_static_and_dhcp() {
        let got = parse(
            NetworkFileKind::Ifcfg,
            "ifcfg-eth0",
            "DEVICE=eth0\nONBOOT=yes\nBOOTPROTO=\"static\"\nIPADDR=10.0.0.4\n",
        );
        assert_eq!(
            got,
            vec![InterfaceAddressing {
                interface: Some("eth0".into()),
                dhcp: false,
                line: 3,
                text: "BOOTPROTO=\"static\"".into()
            }]
        );
        let got = parse(NetworkFileKind::Ifcfg, "ifcfg-eth1", "# c\nBOOTPROTO=dhcp\n");
        assert_eq!(got[0].interface.as_deref(), Some("eth1"));
        assert!(got[0].dhcp);
        assert!(parse(NetworkFileKind::Ifcfg, "ifcfg-eth0", "ONBOOT=yes\n").is_empty());
    }

    #[test]
    fn netplan_dhcp4_per_interface() {
        let yaml = "network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: false\n      addresses: [10.0.0.4/24]\n    eth1:\n      dhcp4: true\n";
        let got = parse(NetworkFileKind::Netplan, "50-cloud-init.yaml", yaml);
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].interface.as_deref(), got[0].dhcp, got[0].line), (Some("eth0"), false, 5));
        assert_eq!((got[1].interface.as_deref(), got[1].dhcp, got[1].line), (Some("eth1"), true, 8));
    }

    #[test]
    fn debian_interfaces() {
        let text = "auto lo\niface lo inet loopback\nauto eth0\niface eth0 inet static\n  address 10.0.0.4\n";
        let got = parse(NetworkFileKind::Interfaces, "interfaces", text);
        assert_eq!(
            got,
            vec![InterfaceAddressing {
                interface: Some("eth0".into()),
                dhcp: false,
                line: 4,
                text: "iface eth0 inet static".into()
            }]
        );
    }

    /// Pieces of the three layouts, for generating text that reaches the deeper parsing paths.
    const FRAGMENTS: &[&str] = &[
        "BOOTPROTO=dhcp",
        "BOOTPROTO='static'",
        "DEVICE=eth1",
        "ethernets:",
        "bonds:",
        "  eth0:",
        "    dhcp4: true",
        "iface eth0 inet dhcp",
        "iface lo inet loopback",
        "\n",
        "\r\n",
        "#",
        " ",
    ];

    /// Every finding names a real line of the file and quotes it trimmed.
    fn check_findings(text: &str) {
        for kind in [NetworkFileKind::Ifcfg, NetworkFileKind::Netplan, NetworkFileKind::Interfaces] {
            for found in parse(kind, "ifcfg-eth0", text) {
                let line = lines(text).nth(found.line.saturating_sub(1) as usize);
                assert_eq!(line.map(|l| l.text.trim()), Some(found.text.as_str()), "{found:?}");
            }
        }
    }

    proptest! {
        #[test]
        fn config_like_text_never_panics(text in fragment_text(FRAGMENTS)) {
            check_findings(&text);
        }

        #[test]
        fn arbitrary_bytes_never_panic(text in decoded_bytes()) {
            check_findings(&text);
        }
    }
}

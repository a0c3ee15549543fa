//! What names the VM: host names (the agent's status report, event-log records), its name in Azure (the
//! goal state's role) and the goal state's container id; gathered per source and summarised with how
//! many sources agree.

use std::collections::BTreeMap;

use serde::Serialize;

/// Which name a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityKind {
    /// The guest's host or computer name.
    Hostname,
    /// The VM's name in Azure (the goal state's role name).
    VmName,
    /// The goal state's container id (changes when the VM is redeployed).
    ContainerId,
}

impl IdentityKind {
    /// A short label (`host name`, `VM name`, `container id`).
    pub fn label(self) -> &'static str {
        match self {
            IdentityKind::Hostname => "host name",
            IdentityKind::VmName => "VM name",
            IdentityKind::ContainerId => "container id",
        }
    }
}

/// One source naming the VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityFact {
    /// Member path.
    pub path: String,
    /// Which name.
    pub kind: IdentityKind,
    /// The value as written.
    pub value: String,
}

/// A name of the VM and the sources that give it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdentityName {
    /// Which name.
    pub kind: IdentityKind,
    /// The value (a host name in its shortest form seen: `vm1`, not `vm1.contoso.local`).
    pub value: String,
    /// How many members give it.
    pub sources: usize,
    /// The first of those members.
    pub source: String,
}

/// The key values are grouped by: host names by their first DNS label, case-insensitively; the others
/// case-insensitively.
fn group_key(kind: IdentityKind, value: &str) -> String {
    let value = value.trim();
    match kind {
        IdentityKind::Hostname => value.split('.').next().unwrap_or(value).to_ascii_lowercase(),
        IdentityKind::VmName | IdentityKind::ContainerId => value.to_ascii_lowercase(),
    }
}

/// The names, each value once: by kind, then the value most members give first (so the first of a kind
/// is the VM's; another value of the same kind means the bundle mixes machines or the VM was renamed). A
/// member giving one value several times counts once.
pub fn summarise(facts: &[IdentityFact]) -> Vec<IdentityName> {
    let mut groups: BTreeMap<(IdentityKind, String), IdentityName> = BTreeMap::new();
    let mut counted: std::collections::HashSet<(IdentityKind, String, &str)> = Default::default();
    for f in facts {
        let value = f.value.trim();
        let key = group_key(f.kind, value);
        if value.is_empty() || !counted.insert((f.kind, key.clone(), f.path.as_str())) {
            continue;
        }
        let entry = groups.entry((f.kind, key)).or_insert_with(|| IdentityName {
            kind: f.kind,
            value: value.to_string(),
            sources: 0,
            source: f.path.clone(),
        });
        entry.sources += 1;
        if value.len() < entry.value.len() {
            entry.value = value.to_string();
        }
    }
    let mut out: Vec<IdentityName> = groups.into_values().collect();
    out.sort_by(|a, b| a.kind.cmp(&b.kind).then(b.sources.cmp(&a.sources)).then(a.value.cmp(&b.value)));
    out
}

/// The VM's name of `kind`: the value most sources give.
pub fn primary(names: &[IdentityName], kind: IdentityKind) -> Option<&str> {
    names.iter().find(|n| n.kind == kind).map(|n| n.value.as_str())
}

/// The VM's name from its role name: Azure names a VM's role `_<vm name>`.
pub fn vm_name_from_role(role: &str) -> Option<&str> {
    let role = role.trim();
    let name = role.strip_prefix('_').unwrap_or(role);
    (!name.is_empty()).then_some(name)
}

/// The VM's name inside a goal state's role instance id (`<deployment id>._<vm name>`).
pub fn role_from_instance_id(instance_id: &str) -> Option<&str> {
    let (_, role) = instance_id.split_once('.')?;
    let role = vm_name_from_role(role)?;
    // A cloud-service role instance is `<role>_IN_<n>`.
    let role = match role.rsplit_once("_IN_") {
        Some((name, n)) if n.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => role,
    };
    (!role.is_empty()).then_some(role)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(path: &str, kind: IdentityKind, value: &str) -> IdentityFact {
        IdentityFact { path: path.into(), kind, value: value.into() }
    }

    #[test]
    fn host_names_group_by_first_label_and_the_most_given_comes_first() {
        let names = summarise(&[
            fact("System.evtx", IdentityKind::Hostname, "SQLNODE7.contoso.local"),
            fact("Application.evtx", IdentityKind::Hostname, "sqlnode7.contoso.local"),
            fact("aggregatestatus.json", IdentityKind::Hostname, "sqlnode7"),
            fact("old.evtx", IdentityKind::Hostname, "TEMPLATE01"),
            fact("SharedConfig.xml", IdentityKind::VmName, "sqlnode7"),
            fact("empty", IdentityKind::ContainerId, "  "),
            fact("System.evtx", IdentityKind::Hostname, "sqlnode7.contoso.local"),
        ]);
        assert_eq!(names.len(), 3, "{names:?}");
        assert_eq!(
            names[0],
            IdentityName {
                kind: IdentityKind::Hostname,
                value: "sqlnode7".into(),
                sources: 3,
                source: "System.evtx".into()
            }
        );
        assert_eq!((names[1].value.as_str(), names[1].sources), ("TEMPLATE01", 1));
        assert_eq!(primary(&names, IdentityKind::VmName), Some("sqlnode7"));
        assert_eq!(primary(&names, IdentityKind::ContainerId), None);
    }

    #[test]
    fn the_role_name_is_read_from_the_instance_id() {
        assert_eq!(role_from_instance_id("b61f93d0-e1ed-40b2-b067-22c243233448.myvm"), Some("myvm"));
        assert_eq!(role_from_instance_id("2f6e5a6d8c7e4b8f.web_IN_0"), Some("web"));
        assert_eq!(role_from_instance_id("2f6e5a6d8c7e4b8f.my_vm.prod"), Some("my_vm.prod"));
        assert_eq!(role_from_instance_id("nodot"), None);
        assert_eq!(role_from_instance_id("x."), None);
        assert_eq!(role_from_instance_id("x._"), None);
        assert_eq!(role_from_instance_id("6254ea6838cd48099caf7ff999e4fbb6._mysql-02"), Some("mysql-02"));
        assert_eq!(vm_name_from_role("_web-prod-02"), Some("web-prod-02"));
    }
}

//! WireServer goal-state documents the Linux agent keeps in `/var/lib/waagent` (and, from 2.8 on, in
//! `history/<timestamp>__<incarnation>[-<etag>]/`): `GoalState.xml`, `HostingEnvironmentConfig.xml`,
//! `SharedConfig.xml`, plus the names of the history folders themselves.

use crate::error::ParseError;
use crate::lines::decode;
use crate::time::{parse_datetime_prefix, SourceTime};
use crate::xml_tree::{self, Element};

/// What a `GoalState.N.xml` file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GoalStateFile {
    /// `<xml>empty placeholder file</xml>`: agents from 2.8 on purge the legacy copies and leave this in
    /// `GoalState.1.xml`; the real goal state is in `history/`.
    Placeholder,
    /// A real goal state.
    GoalState(GoalState),
}

/// The WireServer goal state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoalState {
    /// Schema version (`<Version>`, e.g. `2012-11-30`).
    pub version: Option<String>,
    /// `<Incarnation>`: bumps whenever the fabric changes the VM's configuration.
    pub incarnation: Option<u64>,
    /// `<Machine><ExpectedState>` (normally `Started`).
    pub expected_state: Option<String>,
    /// `<Container><ContainerId>`.
    pub container_id: Option<String>,
    /// `<RoleInstanceList><RoleInstance>` entries (a VM has one).
    pub role_instances: Vec<RoleInstance>,
}

impl GoalState {
    /// The first role instance, which is the VM itself.
    pub fn role_instance(&self) -> Option<&RoleInstance> {
        self.role_instances.first()
    }
}

/// One `<RoleInstance>` with the URLs of the documents that make up its configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleInstance {
    /// `<InstanceId>`.
    pub instance_id: Option<String>,
    /// `<State>` (e.g. `Started`).
    pub state: Option<String>,
    /// `<Configuration><HostingEnvironmentConfig>` URL.
    pub hosting_environment_config: Option<String>,
    /// `<Configuration><SharedConfig>` URL.
    pub shared_config: Option<String>,
    /// `<Configuration><ExtensionsConfig>` URL; absent when the VM has no extensions goal state.
    pub extensions_config: Option<String>,
    /// `<Configuration><FullConfig>` URL.
    pub full_config: Option<String>,
    /// `<Configuration><Certificates>` URL; absent when there are no certificates.
    pub certificates: Option<String>,
    /// `<Configuration><ConfigName>`.
    pub config_name: Option<String>,
}

/// Deployment and role facts shared by `HostingEnvironmentConfig.xml` and `SharedConfig.xml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeploymentInfo {
    /// The root's `goalStateIncarnation` attribute.
    pub goal_state_incarnation: Option<u64>,
    /// `<Deployment name=…>` (classic deployments; absent for modern VMs).
    pub deployment_name: Option<String>,
    /// `<Deployment incarnation=…>`.
    pub deployment_incarnation: Option<u64>,
    /// `<Role name=…>`.
    pub role_name: Option<String>,
    /// `<Incarnation number=…>`.
    pub incarnation_number: Option<u64>,
    /// `<Incarnation instance=…>`: the role instance name (e.g. `_myvm`).
    pub role_instance: Option<String>,
}

/// `SharedConfig.xml`: deployment facts plus the role instances and their addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharedConfig {
    /// Deployment, role and incarnation.
    pub deployment: DeploymentInfo,
    /// `<Instances><Instance id=… address=…>`.
    pub instances: Vec<InstanceAddress>,
}

/// A role instance and its private address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstanceAddress {
    /// `id` attribute.
    pub id: Option<String>,
    /// `address` attribute (private IP).
    pub address: Option<String>,
}

/// Reads `GoalState.N.xml` / history `GoalState.xml`.
pub fn parse(bytes: &[u8]) -> Result<GoalStateFile, ParseError> {
    let root = xml_tree::parse(&decode(bytes))?;
    if root.name == "xml" {
        return Ok(GoalStateFile::Placeholder);
    }
    root.expect_name("GoalState")?;
    let container = root.child("Container");
    let role_instances = container
        .and_then(|c| c.child("RoleInstanceList"))
        .map(|list| list.children_named("RoleInstance").map(role_instance).collect())
        .unwrap_or_default();
    Ok(GoalStateFile::GoalState(GoalState {
        version: root.child_text("Version"),
        incarnation: root.child_text("Incarnation").and_then(|s| s.parse().ok()),
        expected_state: root.find(&["Machine", "ExpectedState"]).and_then(Element::text),
        container_id: container.and_then(|c| c.child_text("ContainerId")),
        role_instances,
    }))
}

fn role_instance(el: &Element) -> RoleInstance {
    let config = el.child("Configuration");
    let url = |name: &str| config.and_then(|c| c.child_text(name));
    RoleInstance {
        instance_id: el.child_text("InstanceId"),
        state: el.child_text("State"),
        hosting_environment_config: url("HostingEnvironmentConfig"),
        shared_config: url("SharedConfig"),
        extensions_config: url("ExtensionsConfig"),
        full_config: url("FullConfig"),
        certificates: url("Certificates"),
        config_name: url("ConfigName"),
    }
}

/// Reads `HostingEnvironmentConfig.xml`.
pub fn parse_hosting_environment(bytes: &[u8]) -> Result<DeploymentInfo, ParseError> {
    let root = xml_tree::parse_root(bytes, "HostingEnvironmentConfig")?;
    Ok(deployment_info(&root))
}

/// Reads `SharedConfig.xml`.
pub fn parse_shared_config(bytes: &[u8]) -> Result<SharedConfig, ParseError> {
    let root = xml_tree::parse_root(bytes, "SharedConfig")?;
    let instances = root
        .child("Instances")
        .map(|list| {
            list.children_named("Instance")
                .map(|i| InstanceAddress {
                    id: i.attr("id").map(str::to_string),
                    address: i.attr("address").map(str::to_string),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(SharedConfig { deployment: deployment_info(&root), instances })
}

fn deployment_info(root: &Element) -> DeploymentInfo {
    let deployment = root.child("Deployment");
    let incarnation = root.child("Incarnation");
    DeploymentInfo {
        goal_state_incarnation: root.attr_u64("goalStateIncarnation"),
        deployment_name: deployment.and_then(|d| d.attr("name")).map(str::to_string),
        deployment_incarnation: deployment.and_then(|d| d.attr_u64("incarnation")),
        role_name: root.child("Role").and_then(|r| r.attr("name")).map(str::to_string),
        incarnation_number: incarnation.and_then(|i| i.attr_u64("number")),
        role_instance: incarnation.and_then(|i| i.attr("instance")).map(str::to_string),
    }
}

/// A goal-state history folder (or its `.zip`) under `/var/lib/waagent/history/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryDir {
    /// When the agent archived the goal state (UTC).
    pub time: SourceTime,
    /// The WireServer incarnation, when the name carries one.
    pub incarnation: Option<u64>,
    /// The HostGAPlugin vmSettings eTag (`__<incarnation>-<etag>`), when the name carries one.
    pub etag: Option<String>,
    /// `_status` archives hold only a status report, not a goal state.
    pub status_only: bool,
    /// The name ended in `.zip` (older folders are zipped by the agent).
    pub zipped: bool,
    /// Colon-separated timestamp (`2018-04-06T08:21:37.142697…`), written by agents before 2.8.
    pub legacy: bool,
}

/// Reads a history folder name: `2024-03-15T17-10-47__3`, `2024-03-15T17-10-47__3-<etag>`, the legacy
/// `2018-04-06T08:21:37.142697[_incarnation_N | _N | _N-<etag> | _status]`, each optionally with `.zip`.
pub fn parse_history_dir_name(name: &str) -> Option<HistoryDir> {
    let (stem, zipped) = match name.strip_suffix(".zip") {
        Some(stem) => (stem, true),
        None => (name, false),
    };
    let bytes = stem.as_bytes();
    let time_sep = *bytes.get(13)?;
    if !matches!(time_sep, b':' | b'-') || bytes.get(16) != Some(&time_sep) {
        return None;
    }
    // Current names use '-' between time fields (safe in file names); make them parseable as ISO time.
    let normalised: String =
        stem.char_indices().map(|(i, c)| if i == 13 || i == 16 { ':' } else { c }).collect();
    let (time, consumed) = parse_datetime_prefix(&normalised, b'-', b'T')?;
    let rest = stem.get(consumed..)?;
    let mut dir = HistoryDir {
        time: SourceTime::Utc(time),
        incarnation: None,
        etag: None,
        status_only: false,
        zipped,
        legacy: time_sep == b':',
    };
    if rest.is_empty() {
        return Some(dir);
    }
    if !rest.starts_with('_') {
        return None;
    }
    let token = rest.strip_prefix("_incarnation").unwrap_or(rest);
    let token = token.strip_prefix('_')?.trim_start_matches('_');
    let (head, etag) = match token.split_once('-') {
        Some((head, etag)) => (head, Some(etag)),
        None => (token, None),
    };
    if head == "status" {
        dir.status_only = true;
    } else if !head.is_empty() && head.bytes().all(|b| b.is_ascii_digit()) {
        dir.incarnation = Some(head.parse().ok()?);
    } else {
        return None;
    }
    if let Some(etag) = etag {
        if etag.is_empty() || !etag.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        dir.etag = Some(etag.to_string());
    }
    Some(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::utc_time;
    use proptest::prelude::*;

    const LEGACY_GOAL_STATE: &[u8] = include_bytes!("../tests/data/linux/var_lib_waagent/GoalState.1.xml");
    const HISTORY_GOAL_STATE: &[u8] = include_bytes!("../tests/data/linux/history_sample/GoalState.xml");
    const LEGACY_HOSTING: &[u8] =
        include_bytes!("../tests/data/linux/var_lib_waagent/HostingEnvironmentConfig.xml");
    const HISTORY_HOSTING: &[u8] =
        include_bytes!("../tests/data/linux/history_sample/HostingEnvironmentConfig.xml");
    const LEGACY_SHARED: &[u8] = include_bytes!("../tests/data/linux/var_lib_waagent/SharedConfig.xml");
    const HISTORY_SHARED: &[u8] = include_bytes!("../tests/data/linux/history_sample/SharedConfig.xml");

    fn goal_state(bytes: &[u8]) -> GoalState {
        match parse(bytes).unwrap() {
            GoalStateFile::GoalState(gs) => gs,
            GoalStateFile::Placeholder => panic!("unexpected placeholder"),
        }
    }

    #[test]
    fn legacy_goal_state_fields_and_unescaped_urls() {
        let gs = goal_state(LEGACY_GOAL_STATE);
        assert_eq!(gs.version.as_deref(), Some("2010-12-15"));
        assert_eq!(gs.incarnation, Some(1));
        assert_eq!(gs.expected_state.as_deref(), Some("Started"));
        assert_eq!(gs.container_id.as_deref(), Some("c6d5526c-5ac2-4200-b6e2-56f2b70c5ab2"));
        assert_eq!(gs.role_instances.len(), 1);
        let ri = gs.role_instance().unwrap();
        assert_eq!(ri.instance_id.as_deref(), Some("b61f93d0-e1ed-40b2-b067-22c243233448.MachineRole_IN_0"));
        assert_eq!(ri.state.as_deref(), Some("Started"));
        assert_eq!(
            ri.extensions_config.as_deref(),
            Some(
                "http://168.63.129.16:80/machine/865a6683-91d8-450f-99ae/\
                 bc8b9d47%2Db5ed%2D4704%2D85d9%2Dfd74cc967ec2.%5Fcanary?comp=config&type=extensionsConfig&incarnation=1"
            )
        );
        assert!(ri.certificates.as_deref().unwrap().ends_with("?comp=certificates&incarnation=1"));
        assert!(ri.hosting_environment_config.as_deref().unwrap().contains("type=hostingEnvironmentConfig"));
        assert!(ri.shared_config.as_deref().unwrap().contains("type=sharedConfig"));
        assert!(ri.full_config.as_deref().unwrap().contains("type=fullConfig"));
        assert_eq!(
            ri.config_name.as_deref(),
            Some(
                "bc8b9d47-b5ed-4704-85d9-fd74cc967ec2.5.bc8b9d47-b5ed-4704-85d9-fd74cc967ec2.5._canary.1.xml"
            )
        );
    }

    #[test]
    fn history_goal_state_fields() {
        let gs = goal_state(HISTORY_GOAL_STATE);
        assert_eq!(gs.version.as_deref(), Some("2012-11-30"));
        assert_eq!(gs.incarnation, Some(1));
        assert_eq!(gs.container_id.as_deref(), Some("06185f00-1f00-4545-abaa-4b7baa121869"));
        let ri = gs.role_instance().unwrap();
        assert_eq!(ri.instance_id.as_deref(), Some("8cd0ae53-1baa-4f00-9356-a4e1a34f004c._test-vm"));
    }

    #[test]
    fn placeholder_is_a_value_not_an_error() {
        assert_eq!(parse(b"<xml>empty placeholder file</xml>"), Ok(GoalStateFile::Placeholder));
        assert_eq!(parse(b"<xml>empty placeholder file</xml>\n"), Ok(GoalStateFile::Placeholder));
    }

    #[test]
    fn goal_state_without_container_or_extensions() {
        let gs = goal_state(b"<GoalState><Incarnation>12</Incarnation><Machine/></GoalState>");
        assert_eq!(gs.incarnation, Some(12));
        assert_eq!(gs.container_id, None);
        assert!(gs.role_instances.is_empty());
    }

    #[test]
    fn bad_goal_state_input_gives_clear_errors() {
        let truncated = parse(b"<GoalState>\n  <Incarnation>3</Incarnation>\n  <Container>").unwrap_err();
        assert_eq!(truncated.message, "truncated XML: <Container> is not closed");
        assert_eq!(truncated.line, Some(3));

        let cut_tag = parse(b"<GoalState>\n<Incarn").unwrap_err();
        assert!(cut_tag.message.starts_with("invalid XML: "), "{}", cut_tag.message);
        assert_eq!(cut_tag.line, Some(2));

        let mismatched = parse(b"<GoalState><Incarnation>3</Version></GoalState>").unwrap_err();
        assert!(mismatched.message.starts_with("invalid XML: "), "{}", mismatched.message);

        let wrong_root = parse(b"<SharedConfig/>").unwrap_err();
        assert_eq!(wrong_root.message, "expected root element <GoalState>, found <SharedConfig>");

        assert_eq!(parse(b"").unwrap_err().message, "empty file");
        assert_eq!(parse(b"   \n").unwrap_err().message, "empty file");
        assert_eq!(parse(b"not xml at all").unwrap_err().message, "text outside the root element");
        assert_eq!(parse(b"<a/><b/>").unwrap_err().message, "second root element <b>");
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let doc = "<a>".repeat(10_000);
        assert_eq!(parse(doc.as_bytes()).unwrap_err().message, "XML nested too deeply");
    }

    #[test]
    fn hosting_environment_legacy_and_history() {
        let legacy = parse_hosting_environment(LEGACY_HOSTING).unwrap();
        assert_eq!(
            legacy,
            DeploymentInfo {
                goal_state_incarnation: Some(1),
                deployment_name: Some("db00a7755a5e4e8a8fe4b19bc3b330c3".into()),
                deployment_incarnation: Some(2),
                role_name: Some("MachineRole".into()),
                incarnation_number: Some(1),
                role_instance: Some("MachineRole_IN_0".into()),
            }
        );
        let history = parse_hosting_environment(HISTORY_HOSTING).unwrap();
        assert_eq!(
            history,
            DeploymentInfo {
                goal_state_incarnation: Some(1),
                incarnation_number: Some(1),
                role_instance: Some("_test-vm".into()),
                ..DeploymentInfo::default()
            }
        );
        let err = parse_hosting_environment(LEGACY_SHARED).unwrap_err();
        assert_eq!(err.message, "expected root element <HostingEnvironmentConfig>, found <SharedConfig>");
    }

    #[test]
    fn shared_config_legacy_and_history() {
        let legacy = parse_shared_config(LEGACY_SHARED).unwrap();
        assert_eq!(legacy.deployment.deployment_name.as_deref(), Some("db00a7755a5e4e8a8fe4b19bc3b330c3"));
        assert_eq!(legacy.deployment.role_instance.as_deref(), Some("MachineRole_IN_0"));
        assert_eq!(legacy.deployment.role_name.as_deref(), Some("MachineRole"));
        assert_eq!(
            legacy.instances,
            vec![InstanceAddress {
                id: Some("MachineRole_IN_0".into()),
                address: Some("10.115.153.75".into())
            }]
        );
        let history = parse_shared_config(HISTORY_SHARED).unwrap();
        assert_eq!(history.deployment.deployment_name, None);
        assert_eq!(history.deployment.role_instance.as_deref(), Some("_test-vm"));
        assert_eq!(
            history.instances,
            vec![InstanceAddress { id: Some("_test-vm".into()), address: Some("10.1.52.28".into()) }]
        );
        assert!(parse_shared_config(b"<SharedConfig><Instances>").is_err());
    }

    #[test]
    fn history_dir_names_current_forms() {
        assert_eq!(
            parse_history_dir_name("2024-03-15T17-10-47__3"),
            Some(HistoryDir {
                time: utc_time("2024-03-15 17:10:47"),
                incarnation: Some(3),
                etag: None,
                status_only: false,
                zipped: false,
                legacy: false,
            })
        );
        let with_etag = parse_history_dir_name("2024-03-15T17-10-47__3-13848932411473871259.zip").unwrap();
        assert_eq!(with_etag.incarnation, Some(3));
        assert_eq!(with_etag.etag.as_deref(), Some("13848932411473871259"));
        assert!(with_etag.zipped);
        assert!(!with_etag.legacy);
    }

    #[test]
    fn history_dir_names_legacy_forms() {
        let plain = parse_history_dir_name("2018-04-06T08:21:37.142697").unwrap();
        assert_eq!(plain.time, utc_time("2018-04-06 08:21:37.142697"));
        assert_eq!((plain.incarnation, plain.legacy, plain.zipped), (None, true, false));

        let inc = parse_history_dir_name("2018-04-06T08:21:37.142697_incarnation_7.zip").unwrap();
        assert_eq!((inc.incarnation, inc.zipped), (Some(7), true));
        assert_eq!(parse_history_dir_name("2018-04-06T08:21:37.142697_12").unwrap().incarnation, Some(12));
        let etag = parse_history_dir_name("2018-04-06T08:21:37.142697_12-345").unwrap();
        assert_eq!((etag.incarnation, etag.etag.as_deref()), (Some(12), Some("345")));
        assert!(parse_history_dir_name("2018-04-06T08:21:37.142697_status").unwrap().status_only);
    }

    #[test]
    fn history_dir_names_rejects_other_names() {
        for name in [
            "",
            "history",
            "GoalState.xml",
            "2024-03-15T17-10-47_",
            "2024-03-15T17-10-47__",
            "2024-03-15T17-10-47__x",
            "2024-03-15T17-10-47__3-",
            "2024-03-15T17:10-47__3",
            "2024-13-15T17-10-47__3",
            "2024-03-15T17-10-47junk",
        ] {
            assert_eq!(parse_history_dir_name(name), None, "{name}");
        }
    }

    proptest! {
        #[test]
        fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse(&bytes);
            let _ = parse_hosting_environment(&bytes);
            let _ = parse_shared_config(&bytes);
        }

        #[test]
        fn xml_like_input_never_panics(text in "(<[A-Za-z:]{1,6}( [a-z]{1,3}=\"[^\"<]{0,5}\")?/?>|</[A-Za-z]{1,6}>|[^<]{0,6}|&[a-z#0-9]{0,4};?){0,40}") {
            let _ = parse(text.as_bytes());
            let _ = parse_shared_config(text.as_bytes());
        }

        #[test]
        fn history_names_never_panic(name in "\\PC{0,40}") {
            let _ = parse_history_dir_name(&name);
        }

        #[test]
        fn history_names_near_valid_never_panic(name in "20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}[-:][0-9]{2}[-:][0-9]{2}(\\.[0-9]{1,6})?[_a-z0-9.-]{0,20}") {
            let _ = parse_history_dir_name(&name);
        }
    }
}

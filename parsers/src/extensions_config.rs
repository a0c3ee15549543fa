//! `ExtensionsConfig.N.xml` (agents up to 2.7, in `/var/lib/waagent`) and history `ExtensionsConfig.xml`
//! (2.8 on, with SAS tokens and protected settings already replaced by `***REDACTED***`): the extensions
//! the VM is asked to run, their settings, the agent families and the status blob.
//!
//! Nothing secret is kept: URLs are reduced to their host, protected settings to a presence flag.

use crate::error::ParseError;
use crate::handler::{settings_from_value, HandlerSettings};
use crate::time::SourceTime;
use crate::xml_tree::{self, Element};
use chrono::{NaiveDate, TimeDelta};

/// A parsed extensions goal state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExtensionsConfig {
    /// The root's `goalStateIncarnation` attribute.
    pub goal_state_incarnation: Option<u64>,
    /// `<GuestAgentExtension><GAFamilies><GAFamily>` entries.
    pub ga_families: Vec<GaFamily>,
    /// `<GuestAgentExtension><Location>` (Azure region).
    pub location: Option<String>,
    /// `<GuestAgentExtension><ServiceName>` (e.g. `CRP`).
    pub service_name: Option<String>,
    /// `<StatusUploadBlob>`: where the agent uploads the VM status.
    pub status_upload_blob: Option<StatusUploadBlob>,
    /// An `<InVMArtifactsProfileBlob>` URL is present.
    pub has_artifacts_profile_blob: bool,
    /// `<RequiredFeatures><RequiredFeature><Name>` values (e.g. `MultipleExtensionsPerHandler`).
    pub required_features: Vec<String>,
    /// `<Plugins><Plugin>`: the requested extension handlers.
    pub plugins: Vec<Plugin>,
    /// `<PluginSettings><Plugin>`: their settings.
    pub plugin_settings: Vec<PluginSettings>,
    /// `<InVMGoalStateMetaData>`.
    pub metadata: Option<GoalStateMetadata>,
}

impl ExtensionsConfig {
    /// The requested plugin with this name (ASCII case ignored, as the agent matches names).
    pub fn plugin(&self, name: &str) -> Option<&Plugin> {
        self.plugins.iter().find(|p| p.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name)))
    }

    /// The settings block of the plugin with this name (ASCII case ignored).
    pub fn settings_for(&self, name: &str) -> Option<&PluginSettings> {
        self.plugin_settings.iter().find(|p| p.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name)))
    }
}

/// One guest-agent family (normally `Prod`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GaFamily {
    /// `<Name>`.
    pub name: Option<String>,
    /// `<Version>`: the agent version the platform asks for (newer goal states only).
    pub version: Option<String>,
    /// `<IsVersionFromRSM>`.
    pub is_version_from_rsm: Option<bool>,
    /// `<IsVMEnabledForRSMUpgrades>`.
    pub is_vm_enabled_for_rsm_upgrades: Option<bool>,
    /// Number of `<Uris><Uri>` manifest locations.
    pub uri_count: usize,
}

/// `<StatusUploadBlob>`, without its SAS token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusUploadBlob {
    /// `statusBlobType` (`BlockBlob` or `PageBlob`).
    pub blob_type: Option<String>,
    /// A URL is present.
    pub has_url: bool,
    /// Host of the URL (the storage endpoint the agent must reach).
    pub host: Option<String>,
}

/// A plugin's requested state.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PluginState {
    /// `enabled`.
    Enabled,
    /// `disabled`.
    Disabled,
    /// `uninstall`.
    Uninstall,
    /// Anything else, as written.
    Other(String),
}

impl PluginState {
    fn from_attr(value: &str) -> PluginState {
        match value.trim().to_ascii_lowercase().as_str() {
            "enabled" => PluginState::Enabled,
            "disabled" => PluginState::Disabled,
            "uninstall" => PluginState::Uninstall,
            _ => PluginState::Other(value.to_string()),
        }
    }
}

/// `<Plugins><Plugin>`: a requested extension handler.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plugin {
    /// `name` (e.g. `Microsoft.Azure.RecoveryServices.VMSnapshotLinux`).
    pub name: Option<String>,
    /// `version`.
    pub version: Option<String>,
    /// Host of the `location` manifest URL.
    pub location_host: Option<String>,
    /// `state`.
    pub state: Option<PluginState>,
    /// `autoUpgrade`.
    pub auto_upgrade: Option<bool>,
    /// `isJson`.
    pub is_json: Option<bool>,
    /// `useExactVersion`.
    pub use_exact_version: Option<bool>,
    /// `runAsStartupTask`.
    pub run_as_startup_task: Option<bool>,
}

/// `<PluginSettings><Plugin>`: the settings for one handler.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PluginSettings {
    /// `name`.
    pub name: Option<String>,
    /// `version`.
    pub version: Option<String>,
    /// `<RuntimeSettings>` (single-config) and `<ExtensionRuntimeSettings>` (multi-config) entries.
    pub runtime_settings: Vec<RuntimeSettings>,
}

/// One `<RuntimeSettings>` / `<ExtensionRuntimeSettings>` element.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuntimeSettings {
    /// `seqNo`: the sequence number the extension's `<seq>.settings` / `<seq>.status` files use.
    pub seq_no: Option<u64>,
    /// `name` of the extension (multi-config only).
    pub extension_name: Option<String>,
    /// `state` of the extension (multi-config only).
    pub state: Option<String>,
    /// The decoded JSON body, when present and readable.
    pub settings: Option<HandlerSettings>,
    /// Why the JSON body could not be read.
    pub settings_error: Option<String>,
}

/// `<InVMGoalStateMetaData>`: which CRP operation produced this goal state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoalStateMetadata {
    /// `inSvdSeqNo`.
    pub in_svd_seq_no: Option<u64>,
    /// `createdOnTicks` (.NET ticks).
    pub created_on_ticks: Option<u64>,
    /// `createdOnTicks` as a UTC time.
    pub created_on: Option<SourceTime>,
    /// `activityId` (CRP activity; matches the backup job's operation).
    pub activity_id: Option<String>,
    /// `correlationId`.
    pub correlation_id: Option<String>,
}

/// Reads `ExtensionsConfig.N.xml` / history `ExtensionsConfig.xml`.
pub fn parse(bytes: &[u8]) -> Result<ExtensionsConfig, ParseError> {
    let root = xml_tree::parse_root(bytes, "Extensions")?;
    let agent = root.child("GuestAgentExtension");
    let ga_families = agent
        .and_then(|a| a.child("GAFamilies"))
        .map(|f| f.children_named("GAFamily").map(ga_family).collect())
        .unwrap_or_default();
    Ok(ExtensionsConfig {
        goal_state_incarnation: root.attr_u64("goalStateIncarnation"),
        ga_families,
        location: agent.and_then(|a| a.child_text("Location")),
        service_name: agent.and_then(|a| a.child_text("ServiceName")),
        status_upload_blob: root.child("StatusUploadBlob").map(status_upload_blob),
        has_artifacts_profile_blob: root.child_text("InVMArtifactsProfileBlob").is_some(),
        required_features: root
            .child("RequiredFeatures")
            .map(|r| r.children_named("RequiredFeature").filter_map(|f| f.child_text("Name")).collect())
            .unwrap_or_default(),
        plugins: root
            .child("Plugins")
            .map(|p| p.children_named("Plugin").map(plugin).collect())
            .unwrap_or_default(),
        plugin_settings: root
            .child("PluginSettings")
            .map(|p| p.children_named("Plugin").map(plugin_settings).collect())
            .unwrap_or_default(),
        metadata: root.child("InVMGoalStateMetaData").map(metadata),
    })
}

fn ga_family(el: &Element) -> GaFamily {
    GaFamily {
        name: el.child_text("Name"),
        version: el.child_text("Version"),
        is_version_from_rsm: el.child_text("IsVersionFromRSM").as_deref().and_then(xml_bool),
        is_vm_enabled_for_rsm_upgrades: el
            .child_text("IsVMEnabledForRSMUpgrades")
            .as_deref()
            .and_then(xml_bool),
        uri_count: el
            .child("Uris")
            .map_or(0, |u| u.children_named("Uri").filter(|u| u.text().is_some()).count()),
    }
}

fn status_upload_blob(el: &Element) -> StatusUploadBlob {
    let url = el.text();
    StatusUploadBlob {
        blob_type: el.attr("statusBlobType").map(str::to_string),
        has_url: url.is_some(),
        host: url.as_deref().and_then(url_host),
    }
}

fn plugin(el: &Element) -> Plugin {
    let flag = |name: &str| el.attr(name).and_then(xml_bool);
    Plugin {
        name: el.attr("name").map(str::to_string),
        version: el.attr("version").map(str::to_string),
        location_host: el.attr("location").and_then(url_host),
        state: el.attr("state").map(PluginState::from_attr),
        auto_upgrade: flag("autoUpgrade"),
        is_json: flag("isJson"),
        use_exact_version: flag("useExactVersion"),
        run_as_startup_task: flag("runAsStartupTask"),
    }
}

fn plugin_settings(el: &Element) -> PluginSettings {
    let runtime_settings = el
        .children
        .iter()
        .filter(|c| c.name == "RuntimeSettings" || c.name == "ExtensionRuntimeSettings")
        .map(runtime_settings)
        .collect();
    PluginSettings {
        name: el.attr("name").map(str::to_string),
        version: el.attr("version").map(str::to_string),
        runtime_settings,
    }
}

fn runtime_settings(el: &Element) -> RuntimeSettings {
    let mut rs = RuntimeSettings {
        seq_no: el.attr_u64("seqNo"),
        extension_name: el.attr("name").map(str::to_string),
        state: el.attr("state").map(str::to_string),
        ..RuntimeSettings::default()
    };
    if let Some(body) = el.text() {
        match serde_json::from_str(&body).map_err(ParseError::from).and_then(|v| settings_from_value(&v)) {
            Ok(settings) => rs.settings = Some(settings),
            Err(e) => rs.settings_error = Some(e.message),
        }
    }
    rs
}

fn metadata(el: &Element) -> GoalStateMetadata {
    let ticks = el.attr_u64("createdOnTicks");
    GoalStateMetadata {
        in_svd_seq_no: el.attr_u64("inSvdSeqNo"),
        created_on_ticks: ticks,
        created_on: ticks.and_then(ticks_to_utc),
        activity_id: el.attr("activityId").map(str::to_string),
        correlation_id: el.attr("correlationId").map(str::to_string),
    }
}

/// `true`/`false` in any case, as the goal state writes them (`FALSE` appears too).
fn xml_bool(s: &str) -> Option<bool> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Converts .NET ticks (100 ns units since 0001-01-01T00:00:00, here UTC) to a UTC time.
pub fn ticks_to_utc(ticks: u64) -> Option<SourceTime> {
    let micros = i64::try_from(ticks / 10).ok()?;
    let rest_nanos = i64::try_from(ticks % 10).ok()?.saturating_mul(100);
    let epoch = NaiveDate::from_ymd_opt(1, 1, 1)?.and_hms_opt(0, 0, 0)?;
    let time = epoch
        .checked_add_signed(TimeDelta::microseconds(micros))?
        .checked_add_signed(TimeDelta::nanoseconds(rest_nanos))?;
    Some(SourceTime::Utc(time))
}

/// The host (and port) of an absolute URL; path, query (SAS tokens) and user info are dropped.
pub fn url_host(url: &str) -> Option<String> {
    let (_, rest) = url.trim().split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..end)?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    (!host.is_empty()).then(|| host.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::utc_time;
    use chrono::Datelike;
    use proptest::prelude::*;
    use serde_json::json;

    const LEGACY: &[u8] = include_bytes!("../tests/data/linux/var_lib_waagent/ExtensionsConfig.1.xml");
    const NO_EXTENSIONS: &[u8] =
        include_bytes!("../tests/data/linux/var_lib_waagent/ExtensionsConfig-no_extensions.xml");
    const HISTORY: &[u8] = include_bytes!("../tests/data/linux/history_sample/ExtensionsConfig.xml");

    #[test]
    fn legacy_file_plugins_settings_and_metadata() {
        let c = parse(LEGACY).unwrap();
        assert_eq!(c.goal_state_incarnation, Some(9));
        assert_eq!(c.ga_families.len(), 2);
        assert_eq!(
            c.ga_families[0],
            GaFamily {
                name: Some("Prod".into()),
                version: None,
                is_version_from_rsm: None,
                is_vm_enabled_for_rsm_upgrades: None,
                uri_count: 1
            }
        );
        assert_eq!(c.ga_families[1].name.as_deref(), Some("Test"));
        assert_eq!(c.location, None);
        assert_eq!(
            c.status_upload_blob,
            Some(StatusUploadBlob {
                blob_type: Some("BlockBlob".into()),
                has_url: true,
                host: Some("test.blob.core.windows.net".into())
            })
        );
        assert_eq!(
            c.plugins,
            vec![Plugin {
                name: Some("OSTCExtensions.ExampleHandlerLinux".into()),
                version: Some("1.0.0".into()),
                location_host: Some("mock-goal-state".into()),
                state: Some(PluginState::Enabled),
                auto_upgrade: Some(false),
                is_json: Some(true),
                use_exact_version: None,
                run_as_startup_task: Some(false),
            }]
        );
        let settings = c.settings_for("ostcextensions.examplehandlerlinux").unwrap();
        assert_eq!(settings.version.as_deref(), Some("1.0.0"));
        assert_eq!(settings.runtime_settings.len(), 1);
        let rs = &settings.runtime_settings[0];
        assert_eq!((rs.seq_no, rs.extension_name.clone(), rs.settings_error.clone()), (Some(0), None, None));
        let hs = rs.settings.as_ref().unwrap();
        assert_eq!(hs.public_settings, Some(json!({"foo": "bar"})));
        assert!(hs.has_protected_settings);
        assert_eq!(
            hs.protected_settings_cert_thumbprint.as_deref(),
            Some("F6ABAA61098A301EBB8A571C3C7CF77F355F7FA9")
        );
        assert_eq!(
            c.metadata,
            Some(GoalStateMetadata {
                in_svd_seq_no: Some(10),
                created_on_ticks: Some(637726657706205217),
                created_on: Some(utc_time("2021-11-16 13:22:50.6205217")),
                activity_id: Some("a33f6f53-43d6-4625-b322-1a39651a00c9".into()),
                correlation_id: Some("9a47a2a2-e740-4bfc-b11b-4f2f7cfe7d2e".into()),
            })
        );
        let debug = format!("{c:?}");
        assert!(!debug.contains("sig=") && !debug.contains("MIICWgYJK"), "secrets must not be kept");
    }

    #[test]
    fn history_file_rsm_families_redacted_blob_and_settings() {
        let c = parse(HISTORY).unwrap();
        assert_eq!(c.goal_state_incarnation, Some(1));
        assert_eq!(
            c.ga_families,
            vec![GaFamily {
                name: Some("Prod".into()),
                version: Some("2.13.1.1".into()),
                is_version_from_rsm: Some(false),
                is_vm_enabled_for_rsm_upgrades: Some(false),
                uri_count: 5,
            }]
        );
        assert_eq!((c.location.as_deref(), c.service_name.as_deref()), (Some("westus2"), Some("CRP")));
        let blob = c.status_upload_blob.as_ref().unwrap();
        assert_eq!(blob.blob_type.as_deref(), Some("PageBlob"));
        assert_eq!(blob.host.as_deref(), Some("foo-bar.z6.blob.storage.azure.net"));
        assert!(c.has_artifacts_profile_blob);
        assert_eq!(c.plugins.len(), 3);
        let cse = c.plugin("Microsoft.Azure.Extensions.CustomScript").unwrap();
        assert_eq!(cse.version.as_deref(), Some("2.1.13"));
        assert_eq!(cse.location_host.as_deref(), Some("umsawhl4grhgzs0z1rmq.blob.core.windows.net"));
        assert_eq!(
            (cse.auto_upgrade, cse.use_exact_version, cse.is_json),
            (Some(true), Some(true), Some(true))
        );
        assert_eq!(c.plugin_settings.len(), 2);
        let gc =
            &c.settings_for("Microsoft.GuestConfiguration.ConfigurationforLinux").unwrap().runtime_settings
                [0];
        let gc_settings = gc.settings.as_ref().unwrap();
        assert_eq!(gc_settings.public_settings, Some(json!({})));
        assert!(gc_settings.has_protected_settings, "***REDACTED*** still means protected settings exist");
        let cse_rs = &c.settings_for("Microsoft.Azure.Extensions.CustomScript").unwrap().runtime_settings[0];
        assert_eq!(cse_rs.seq_no, Some(4));
        assert_eq!(cse_rs.settings.as_ref().unwrap().public_settings, None);
        assert_eq!(
            c.plugin("Microsoft.CPlat.Core.LinuxHibernateExtension").unwrap().state,
            Some(PluginState::Enabled)
        );
        assert_eq!(c.settings_for("Microsoft.CPlat.Core.LinuxHibernateExtension"), None);
        let meta = c.metadata.as_ref().unwrap();
        assert_eq!(meta.in_svd_seq_no, Some(9));
        assert_eq!(meta.activity_id.as_deref(), Some("f32f99b5-4347-4ad2-b901-6e795254ac5b"));
        assert_eq!(meta.created_on, ticks_to_utc(638852747570627097));
    }

    #[test]
    fn no_extensions_file() {
        let c = parse(NO_EXTENSIONS).unwrap();
        assert_eq!(c.goal_state_incarnation, Some(9));
        assert!(c.ga_families.is_empty() && c.plugins.is_empty() && c.plugin_settings.is_empty());
        assert_eq!(c.status_upload_blob.as_ref().and_then(|b| b.host.as_deref()), Some("foo"));
        assert_eq!(c.metadata.as_ref().and_then(|m| m.in_svd_seq_no), Some(10));
    }

    #[test]
    fn multi_config_vmsnapshot_states_and_bad_settings() {
        let text = r#"<?xml version="1.0" encoding="utf-8"?>
<Extensions version="1.0.0.0" goalStateIncarnation="4">
<RequiredFeatures><RequiredFeature><Name>MultipleExtensionsPerHandler</Name></RequiredFeature></RequiredFeatures>
<StatusUploadBlob statusBlobType="PageBlob" />
<Plugins>
  <Plugin name="Microsoft.Azure.RecoveryServices.VMSnapshotLinux" version="1.0.9225.0" location="https://umsa.blob.core.windows.net/x/y_manifest.xml" state="uninstall" autoUpgrade="TRUE" isJson="true" />
  <Plugin name="Microsoft.CPlat.Core.RunCommandHandlerLinux" version="1.3.2" state="Disabled" />
  <Plugin name="Weird" state="paused" />
</Plugins>
<PluginSettings>
  <Plugin name="Microsoft.CPlat.Core.RunCommandHandlerLinux" version="1.3.2">
    <ExtensionRuntimeSettings seqNo="2" name="firstRunCommand" state="enabled">{"runtimeSettings":[{"handlerSettings":{"publicSettings":{"source":{"script":"echo 1"}}}}]}</ExtensionRuntimeSettings>
    <ExtensionRuntimeSettings seqNo="1" name="secondRunCommand" state="disabled">{"runtimeSettings": [</ExtensionRuntimeSettings>
  </Plugin>
  <Plugin name="Microsoft.Azure.RecoveryServices.VMSnapshotLinux" version="1.0.9225.0">
    <RuntimeSettings seqNo="12" />
  </Plugin>
</PluginSettings>
<InVMGoalStateMetaData inSvdSeqNo="3" createdOnTicks="not-a-number" />
</Extensions>"#;
        let c = parse(text.as_bytes()).unwrap();
        assert_eq!(c.required_features, vec!["MultipleExtensionsPerHandler".to_string()]);
        assert_eq!(
            c.status_upload_blob,
            Some(StatusUploadBlob { blob_type: Some("PageBlob".into()), has_url: false, host: None })
        );
        let snap = c.plugin("Microsoft.Azure.RecoveryServices.VMSnapshotLinux").unwrap();
        assert_eq!((snap.state.clone(), snap.auto_upgrade), (Some(PluginState::Uninstall), Some(true)));
        assert_eq!(snap.location_host.as_deref(), Some("umsa.blob.core.windows.net"));
        assert_eq!(c.plugins[1].state, Some(PluginState::Disabled));
        assert_eq!(c.plugins[2].state, Some(PluginState::Other("paused".into())));
        let rc = c.settings_for("Microsoft.CPlat.Core.RunCommandHandlerLinux").unwrap();
        assert_eq!(rc.runtime_settings.len(), 2);
        let first = &rc.runtime_settings[0];
        assert_eq!(
            (first.seq_no, first.extension_name.as_deref(), first.state.as_deref()),
            (Some(2), Some("firstRunCommand"), Some("enabled"))
        );
        assert_eq!(
            first.settings.as_ref().unwrap().public_settings,
            Some(json!({"source": {"script": "echo 1"}}))
        );
        let second = &rc.runtime_settings[1];
        assert_eq!(second.settings, None);
        assert!(second.settings_error.as_deref().unwrap().starts_with("invalid JSON: "));
        let snap_rs =
            &c.settings_for("Microsoft.Azure.RecoveryServices.VMSnapshotLinux").unwrap().runtime_settings[0];
        assert_eq!(
            (snap_rs.seq_no, snap_rs.settings.clone(), snap_rs.settings_error.clone()),
            (Some(12), None, None)
        );
        let meta = c.metadata.unwrap();
        assert_eq!((meta.in_svd_seq_no, meta.created_on_ticks, meta.created_on), (Some(3), None, None));
    }

    #[test]
    fn bad_input_errors() {
        assert_eq!(parse(b"").unwrap_err().message, "empty file");
        assert_eq!(
            parse(b"<GoalState/>").unwrap_err().message,
            "expected root element <Extensions>, found <GoalState>"
        );
        let truncated =
            parse(b"<Extensions goalStateIncarnation=\"1\">\n<Plugins>\n<Plugin name=\"a\"").unwrap_err();
        assert!(truncated.message.starts_with("invalid XML: "), "{}", truncated.message);
        assert_eq!(truncated.line, Some(3));
        let unclosed = parse(b"<Extensions>\n<Plugins>\n").unwrap_err();
        assert_eq!(unclosed.message, "truncated XML: <Plugins> is not closed");
    }

    #[test]
    fn ticks_and_hosts() {
        assert_eq!(ticks_to_utc(0), Some(utc_time("0001-01-01 00:00:00")));
        assert_eq!(ticks_to_utc(621355968000000000), Some(utc_time("1970-01-01 00:00:00")));
        assert_eq!(ticks_to_utc(638852747570627097), Some(utc_time("2025-06-11 21:39:17.0627097")));
        // The largest tick count is still a representable (far-future) date, not a panic.
        assert!(ticks_to_utc(u64::MAX).is_some_and(|t| t.naive().year() > 50_000));
        assert_eq!(
            url_host("https://a.blob.core.windows.net/c/b?sv=1&sig=secret").as_deref(),
            Some("a.blob.core.windows.net")
        );
        assert_eq!(url_host("http://user:pw@10.0.0.4:3128").as_deref(), Some("10.0.0.4:3128"));
        assert_eq!(url_host("https://h.example#frag").as_deref(), Some("h.example"));
        assert_eq!(url_host("not a url"), None);
        assert_eq!(url_host("https:///path"), None);
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn shaped_input_never_panics(
            attr in "[^\"<&]{0,12}",
            body in "\\PC{0,40}",
            ticks in any::<u64>(),
        ) {
            let doc = format!(
                "<Extensions goalStateIncarnation=\"{attr}\"><Plugins><Plugin name=\"{attr}\" location=\"{attr}\" state=\"{attr}\"/></Plugins>\
                 <PluginSettings><Plugin name=\"a\"><RuntimeSettings seqNo=\"{attr}\"><![CDATA[{body}]]></RuntimeSettings></Plugin></PluginSettings>\
                 <InVMGoalStateMetaData createdOnTicks=\"{ticks}\"/></Extensions>"
            );
            let parsed = parse(doc.as_bytes());
            prop_assert!(parsed.is_ok() || body.contains("]]>"));
            let _ = url_host(&attr);
        }
    }
}

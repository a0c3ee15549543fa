//! Golden output of every parser: the records each line-log parser yields (every field) and the value each
//! structured parser returns, over small inputs written here that cover the layouts each module documents.
//! The snapshots in `tests/snapshots/` pin today's behaviour, so any change in what a parser reads shows up
//! as a failing test and a diff.
//!
//! After an intended change, regenerate and review with
//! `INSTA_UPDATE=always cargo test -p snaptriage-parsers --test record_snapshots` (or `cargo insta test
//! --review`).

use serde::Serialize;
use snaptriage_parsers::ext_status;
use snaptriage_parsers::extensions_config;
use snaptriage_parsers::generic_log;
use snaptriage_parsers::goal_state;
use snaptriage_parsers::handler;
use snaptriage_parsers::network_config::{self, NetworkFileKind};
use snaptriage_parsers::shell_log;
use snaptriage_parsers::syslog;
use snaptriage_parsers::vmsnapshot_log;
use snaptriage_parsers::vssadmin;
use snaptriage_parsers::waagent_conf;
use snaptriage_parsers::waagent_log;
use snaptriage_parsers::waagent_status;
use snaptriage_parsers::waappagent_log;
use snaptriage_parsers::{Level, LineFormat, LogRecord, SourceTime};

// ------------------------------------------------------------------------------------------------
// Line-oriented logs
// ------------------------------------------------------------------------------------------------

/// A record with every field, in a form that serialises: the time carries its clock and all nine
/// fraction digits, so a change of clock or precision shows.
#[derive(Serialize)]
struct Record<'a> {
    line: u32,
    lines: u32,
    time: Option<String>,
    level: Level,
    format: LineFormat,
    thread: Option<&'a str>,
    prefix: Option<&'a str>,
    message: &'a str,
    raw: &'a str,
}

fn time_text(t: SourceTime) -> String {
    let clock = if t.is_utc() { "utc" } else { "local" };
    format!("{clock} {}", t.naive().format("%Y-%m-%dT%H:%M:%S%.9f"))
}

fn records<'a>(parsed: impl Iterator<Item = LogRecord<'a>>) -> Vec<Record<'a>> {
    parsed
        .map(|r| Record {
            line: r.line,
            lines: r.lines,
            time: r.time.map(time_text),
            level: r.level,
            format: r.format,
            thread: r.thread,
            prefix: r.prefix,
            message: r.message,
            raw: r.raw,
        })
        .collect()
}

/// Every waagent layout, extension-written lines, continuations (traceback, command output), a syslog
/// wrapper, stray bytes before a stamp, text before the first header and trailing blank lines.
const WAAGENT_LOG: &str = concat!(
    "waagent.log started by logrotate\n",
    "2016/02/17 07:54:53 ERROR:timed out\n",
    "2016/02/17 07:54:54 INFO:Retry getting goal state\n",
    "2018/03/05 14:31:57.742721 INFO [Microsoft.OSTCExtensions.VMAccessForLinux-1.4.7.1] Target handler state: enabled\n",
    "2018/03/05 14:31:58.000100 INFO Daemon is already running\n",
    "2021/03/30 19:35:35.971742 INFO Daemon Azure Linux Agent Version:2.2.45\n",
    "2021/03/30 19:35:36.000001 WARNING ExtHandler [PERIODIC] Firewall rules were reset\n",
    "2021/03/30 19:45:31 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9172.0] cwd is /var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9172.0\n",
    "2021/03/30 19:45:32 [HEARTBEAT] not an extension prefix\n",
    "2021-05-28T01:17:40.683072Z INFO ExtHandler [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9172.0] Target handler state: enabled [incarnation_2]\n",
    "2021-05-28T01:17:41.000000Z INFO Daemon Daemon ended with exception\n",
    "2023-10-27T07:57:10.702114Z INFO MonitorHandler ExtHandler Stopped tracking cgroup walinuxagent.service\n",
    "2023-10-27T07:57:11.123456Z WARNING ExtHandler ExtHandler Fetch goal state failed: [ProtocolError] timed out\n",
    "Traceback (most recent call last):\n",
    "  File \"/usr/lib/python3/dist-packages/azurelinuxagent/common/protocol/wire.py\", line 712, in fetch\n",
    "TimeoutError: timed out\n",
    "2023-10-27T07:58:01.000000Z ERROR ExtHandler ExtHandler Non-zero exit code: 3, main/handle.sh enable\n",
    "[stdout]\n",
    "python version unknown\n",
    "\n",
    "[stderr]\n",
    "\n",
    "2023-10-27T07:58:02.000000Z INFO EnvHandler ExtHandler Set block dev timeout: sda with timeout: 300\n",
    "2023-10-27T07:58:03.000000Z INFO Daemon Daemon Azure Linux Agent Version: 2.9.1.1\n",
    "Jul 06 13:18:04 localhost python[255]: 2018/07/06 13:18:04.180810 INFO Daemon Daemon Provisioning complete\n",
    "Jul 06 13:18:05 localhost python3[1686]: 2022-07-14T18:48:37.879806Z INFO ExtHandler ExtHandler Goal state incarnation 5\n",
    "Jul 06 13:18:06 localhost python3[1686]: 2022-07-14 this line only mentions a date\n",
    "\0\0q2017/08/02 15:09:57.713136 INFO Event: name=WALinuxAgent, op=HeartBeat, message=, duration=0\n",
    "q2017/08/02 15:09:58 no level behind junk\n",
    "2024-01-14T22:16:48.000001Z INFO ExtHandler ExtHandler last line\r\n",
    "\n",
    "\n",
);

#[test]
fn waagent_log_records() {
    insta::assert_json_snapshot!("waagent_log", records(waagent_log::parse(WAAGENT_LOG)));
}

/// Python 3 and Python 2 extension loggers, backuplogger and safefreeze lines, continuations (traceback,
/// Python 2 repeated stamps), the freeze-window buffer and leading blanks.
const VMSNAPSHOT_LOG: &str = concat!(
    "stray text before the first record\n",
    "2024-01-14 22:16:48.796446 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]T:S freeze, timeout value 60\n",
    "2024-01-14 22:16:48 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0] PreSnapshot: Status Code: 200\n",
    "2024-01-14 22:16:48.100000 Taking Snapshot through Host\n",
    "2024-01-14 22:16:49.792020 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]Unable to parse context, stack trace: Traceback (most recent call last):\n",
    "  File \"/var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/main/handle.py\", line 3, in main\n",
    "KeyError: 'taskId'\n",
    "   2024-01-14 22:16:50.000001 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]****** 5. Snaphotting (Host) Started\n",
    "2024-01-14 22:16:51.000000 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]================== Logs during Freeze Start ==============\n",
    "2021/02/26 09:41:45.748281  Info  /etc/azure/MicrosoftRecoverySvcsSafeFreezeLock/SafeFreezeLockFile file opened Sucessfully \n",
    "2021/02/26 09:41:45.748364  Warning  Failed to open file or aquire lock:  [Errno 11] Resource temporarily unavailable\n",
    "2024-01-14 22:16:52 Freezing: /data\n",
    "2024-01-14 22:16:53.000000 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]================== Logs during Freeze End ==============\n",
    "2019-11-23 21:11:18.333008  Info  T:S freeze, timeout value 60 \n",
    "2019-11-23 21:11:18  Error  fsfreeze failed \n",
    "2017/11/14 03:06:52 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]T:S snapshot result: errorcode: 409\n",
    "2017/11/14 03:06:52  StatusCode.FailedRetryableSnapshotFailedRestrictedNetwork,\n",
    "2017/11/14 03:06:52 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]2017-11-14 03:06:52 Thawing: /mnt\n",
    "2016/12/10 01:11:00 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]2016-12-10 01:11:00.519872  Info  T:S freeze, timeout value 60 \n",
    "2016/12/10 01:11:00 2016-12-10 01:11:00.600000  Info  fsfreeze mount :/ \n",
    "2019/03/01 17:58:36 ERROR:[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]Unable to read settings\n",
    "2019/03/01 17:58:36 ERROR:second line of the error\n",
    "2019/03/01 17:58:39 ERROR:unrelated error later\n",
    "2019/03/01 17:58:40 WARNING:[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]MountsToSkip is set\n",
    "2019/03/01 17:58:41 plain line without prefix\n",
);

#[test]
fn vmsnapshot_log_records() {
    insta::assert_json_snapshot!("vmsnapshot_log", records(vmsnapshot_log::parse(VMSNAPSHOT_LOG)));
}

/// `date -u` and the other locale layouts the module lists, zones (UTC, GMT, offset, other, none), the
/// `-` glued or not, a stamp ending the line, continuations and text before the first stamp.
const SHELL_LOG: &str = concat!(
    "handle.sh started\n",
    "Mon Nov 18 00:05:10 UTC 2019- python version unknown\n",
    "  3 returned from handle.py\n",
    "Mon Nov  4 00:05:10 UTC 2019 - padded day\n",
    "Mon 18 Nov 2019 00:05:10 UTC- day before month\n",
    "Mon 18 Nov 00:05:10 UTC 2019- year after zone\n",
    "Mon 18 Nov 2019 12:05:10 AM UTC- twelve-hour clock\n",
    "Mon, 18 Nov 2019 00:05:10 +0000- numeric offset\n",
    "Mon Nov 18 05:35:10 +0530 2019- positive offset\n",
    "Mon Nov 18 00:05:10 GMT 2019- gmt\n",
    "Mon Nov 18 00:05:10 IST 2019- named zone is local\n",
    "Nov 18 00:05:10 2019- no weekday, no zone\n",
    "Mon Nov 18 00:05:11 UTC 2019\n",
    "not a stamp - continues\n",
);

#[test]
fn shell_log_records() {
    insta::assert_json_snapshot!("shell_log", records(shell_log::parse(SHELL_LOG)));
}

/// RFC 3164 and journald short lines (with a year rollover), RFC 3339 stamps with and without a zone, a
/// wrapped agent line, lines without host or tag, continuations and text before the first header.
const SYSLOG: &str = concat!(
    "-- Logs begin at Sun 2023-12-31 23:00:00 UTC. --\n",
    "Dec 31 23:59:58 vm-01 systemd[1]: Starting Daily apt upgrade and clean activities...\n",
    "Jan  1 00:00:01 vm-01 CRON[2101]: (root) CMD (test -x /usr/sbin/anacron)\n",
    "Jan 01 00:00:02 vm-01 dhclient[970]: DHCPREQUEST for 10.0.0.4 on eth0 to 168.63.129.16 port 67\n",
    "Jul  6 13:18:04 localhost python[255]: 2018/07/06 13:18:04.180810 INFO Daemon Daemon Provisioning complete\n",
    "Jul 6 13:18:04.123456 vm-01 systemd-journald[91]: Journal started\n",
    "Jul  6 13:18:05 kernel: Linux version 5.15.0-1051-azure\n",
    "Jul  6 13:18:06 vm-01 last message repeated 2 times\n",
    "Jul  6 13:18:07 vm-01 kernel: [  123.456789] hv_storvsc: sense key 0x5\n",
    "    continuation of the kernel line\n",
    "2024-01-14T22:16:48.123456+00:00 vm-01 python3[1686]: 2024-01-14T22:16:48.000001Z INFO Daemon Daemon x\n",
    "2024-01-14T22:16:48.5+05:30 vm-01 waagent: offset applied\n",
    "2024-01-01T01:00:00-0800 vm-01 sshd[77]: compact offset\n",
    "2024-01-14T22:16:48Z vm-01 p: zulu\n",
    "2024-01-14T22:16:48 vm-01 p: no zone is local\n",
    "<4>Jul  6 13:18:09 vm-01 kernel: priority prefix\n",
);

#[test]
fn syslog_records() {
    insta::assert_json_snapshot!("syslog", records(syslog::parse(SYSLOG, 2024)));
}

/// `dmesg` (uptime stamps, one record per line), `dmesg -T` and `dmesg -r` priorities.
const DMESG: &str = concat!(
    "[    0.000000] Linux version 5.15.0-1051-azure\n",
    "[    1.234567] hv_vmbus: registering driver\n",
    "  continuation\n",
    "<4>[   12.5] EXT4-fs warning\n",
    "<3>[   13.000001] blk_update_request: I/O error\n",
    "[Mon Nov 18 00:05:10 2019] eth0: link up\n",
);

#[test]
fn dmesg_records() {
    insta::assert_json_snapshot!("dmesg", records(syslog::parse(DMESG, 2019)));
}

/// Both Windows agent header styles, every level word, thread ids, headers without one, stack-trace
/// continuations and the date variants the module lists.
const WAAPPAGENT_LOG: &str = concat!(
    "Log opened\r\n",
    "[00000006] [11/14/2019 05:52:13.44] [INFO]  WindowsAzureGuestAgent starting. Version 2.7.41491.949\r\n",
    "[00000020] [11/14/2019 06:02:33.43] [HEART] WindowsAzureGuestAgent Heartbeat.\r\n",
    "[00000011] [12/11/2018 06:27:55.66] [WARN]  (Ignoring) Exception while fetching supported versions from HostGAPlugin: System.Net.WebException: Unable to connect to the remote server\r\n",
    "   at System.Net.HttpWebRequest.GetResponse()\r\n",
    "   at Microsoft.WindowsAzure.GuestAgent.HostGAPluginClient.Get()\r\n",
    "--- End of inner exception stack trace ---\r\n",
    "[00000006] [06/20/2019 07:44:28.93] [ERROR] Did not discover fabric address on interface Npcap Loopback Adapter\r\n",
    "[00000010] 2021-01-12T16:35:45Z [ERROR] InstallPlugins() failed with exception: System.AggregateException\r\n",
    "[0000000A] 2021-01-12T16:35:45.1234567Z [INFO]  seven fraction digits\r\n",
    "[00000010] 2021-01-12T17:35:45+01:00 [WARN]  offset applied\r\n",
    "[00000010] 2021-01-12T16:35:45 [WARN]  no zone is local\r\n",
    "[11/14/2019 05:52:13.44] [INFO] Waiting for OOBE to Complete ...\r\n",
    "[00000007] [11/14/2019 5:52:13 PM] [VERBOSE] twelve-hour clock\r\n",
    "[00000007] [1/2/2019 05:52:13.1] [DEBUG] one-digit month and day\r\n",
    "[00000007] [25/12/2019 05:52:13.10] [WARNING] day first\r\n",
    "[00000007] [11/14/2019 05:52:14.00] [NOTICE] unknown level word\r\n",
    "[00000007] [11/14/2019 05:52:15.00] no level word\r\n",
    "{\"wrapped\": \"json\"}\r\n",
);

#[test]
fn waappagent_log_records() {
    insta::assert_json_snapshot!("waappagent_log", records(waappagent_log::parse(WAAPPAGENT_LOG)));
}

/// `VmAgentInstaller.xml` events, nested, self-closed, escaped and without a time.
const VM_AGENT_INSTALLER_XML: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n",
    "<Events>\n",
    "  <Event time=\"2019-12-12T12:49:05.123Z\" category=\"INFO\" source=\"GuestAgent\">Installing Windows Azure Guest Agent</Event>\n",
    "  <Group>\n",
    "    <Event time=\"2019-12-12T12:49:07Z\" category=\"ERROR\" source=\"GuestAgent\">  RequiredDotNetVersionPresent=False &amp; exit code 1603  </Event>\n",
    "  </Group>\n",
    "  <Event category=\"WARNING\" source=\"GuestAgent\">no time</Event>\n",
    "  <Event time=\"2019-12-12T12:49:09Z\" category=\"INFO\"/>\n",
    "</Events>\n",
);

#[test]
fn waappagent_installer_events() {
    insta::assert_debug_snapshot!(
        "waappagent_installer_events",
        waappagent_log::parse_installer_events(VM_AGENT_INSTALLER_XML)
    );
}

/// Every leading timestamp the generic reader lists, its level forms, and lines it must not take as
/// headers.
const GENERIC_LOG: &str = concat!(
    "banner line before any stamp\n",
    "2024-01-01T10:00:00.123Z [INFO] iso with zulu\n",
    "2024-01-01T10:00:00+02:00 ERROR: iso with offset\n",
    "2024-01-01T10:00:00+0200 Warning: compact offset\n",
    "2024-01-01T10:00:00 WARN bare upper-case level\n",
    "2024-01-01 10:00:00,123 - root - ERROR - python asctime\n",
    "2024-01-01 10:00:00,124 - ERROR - python level separators\n",
    "2024-01-01 10:00:00.5 UTC utc word\n",
    "2018/01/30 15:07:31.634504 Error opening keeps its first word\n",
    "11/14/2019 05:52:13.44 us date\n",
    "11/14/2019 5:52:13 PM twelve-hour clock\n",
    "1/2/2019 5:52:13 AM one-digit fields\n",
    "25/12/2019 05:52:13 day first\n",
    "[2024-01-01 10:00:00] bracketed\n",
    "[00000006] [11/14/2019 05:52:13.44] [INFO]  thread id first\n",
    "time=\"2024-01-01T00:00:00Z\" level=info msg=\"logrus line\"\n",
    "time=2024-01-01T00:00:00Z version=v1 operation=enable seq=0 event=start\n",
    "2024-01-02 03:04:05, Error, comma separated\n",
    "2024-01-02 03:04:06 | ERROR | pipe separated\n",
    "2024-01-02 03:04:07;Info;semicolon separated\n",
    "INFO 2024-01-02 03:04:08 level first is a continuation\n",
    "Jul 06 13:18:04 syslog stamp is a continuation\n",
    "1704067200 epoch is a continuation\n",
    "\n",
    "2024-01-02 03:04:09 last record\n",
);

#[test]
fn generic_log_records() {
    insta::assert_json_snapshot!("generic_log", records(generic_log::parse(GENERIC_LOG)));
}

// ------------------------------------------------------------------------------------------------
// Structured files
// ------------------------------------------------------------------------------------------------

/// A status file as most extensions write it.
const EXT_STATUS_PLAIN: &str = r#"[{"version": "1.0", "timestampUTC": "2024-03-15T17:11:58Z", "status": {"name": "Microsoft.Azure.Extensions.CustomScript", "operation": "Enable", "status": "error", "code": 1, "formattedMessage": {"lang": "en-US", "message": "Command execution finished, but failed because it returned a non-zero exit code of: '1'"}, "substatus": [{"name": "StdOut", "status": "success", "code": 0, "formattedMessage": {"lang": "en-US", "message": "hello"}}, {"name": "StdErr", "status": "success", "code": "0", "formattedMessage": {"lang": "en-US", "message": ""}}]}}]"#;

/// A VMSnapshotLinux status for an ARM VM: top level forced to success, the real report in the substatus
/// name and an ExtensionResponse in the message, with the extension's own keys.
const EXT_STATUS_VMSNAPSHOT: &str = concat!(
    r#"[{"version": "1.0", "timestampUTC": "2024-01-10T20:36:48Z", "status": {"name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "operation": "Enable", "status": "success", "code": "122", "#,
    r#""formattedMessage": {"lang": "en-US", "message": "{\"messageStr\": \"T:S Enable failed\", \"snapshotConsistency\": 0, \"jobMessage\": \"\", \"isSizeComputationFailed\": false}"}, "#,
    r#""substatus": [{"name": "[{\"status\": {\"status\": \"error\", \"code\": \"122\", \"name\": \"Microsoft.Azure.RecoveryServices.VMSnapshotLinux\", \"operation\": \"Enable\", \"formattedMessage\": {\"lang\": \"en-US\", \"message\": \"T:S Enable failed with error: freeze took longer than timeout StatusCode.FailedRetryableFsFreezeTimeout,\"}, \"telemetryData\": [{\"Key\": \"extErrorCode\", \"Value\": \"FailedRetryableFsFreezeTimeout\"}, {\"Key\": \"hostStatusCodePreSnapshot\", \"Value\": \"555\"}], \"vmHealthInfo\": {\"vmHealthStatusCode\": 122, \"vmHealthState\": 128}, \"taskId\": \"t-1\", \"substatus\": []}, \"version\": \"1.0\", \"timestampUTC\": \"\\\\/Date(1704919008000)\\\\/\"}]", "status": "success", "code": "0", "formattedMessage": null}], "#,
    r#""taskId": "t-1", "commandStartTimeUTCTicks": "638404860000000000", "uniqueMachineId": "m-1", "telemetryData": null, "snapshotInfo": [{"snapshotUri": "https://md-abc.blob.core.windows.net/disk0?snapshot=x", "isSuccessful": "true", "errorMessage": ""}, {"snapshotUri": "https://md-def.blob.core.windows.net/disk1?sv=x", "isSuccessful": "false", "errorMessage": "SnapshotCountExceeded"}], "#,
    r#""storageDetails": {"totalUsedSizeInBytes": 10000000000, "partitionCount": 3, "isSizeComputationFailed": false, "isStoragespacePresent": false}, "vmHealthInfo": null}}]"#,
);

/// The code-4 placeholder the extension writes while a run is in progress.
const EXT_STATUS_TRANSITIONING: &str = r#"[{"version": 1.0, "timestampUTC": "\/Date(1704919008000)\/", "status": {"name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "operation": "Enable", "status": "transitioning", "code": 4, "formattedMessage": {"lang": "en-US", "message": "Transitioning state in extension"}}}]"#;

#[test]
fn ext_status_values() {
    let cases: Vec<(&str, Result<ext_status::ExtensionStatus, _>)> = vec![
        ("plain", ext_status::parse(EXT_STATUS_PLAIN.as_bytes())),
        ("vmsnapshot", ext_status::parse(EXT_STATUS_VMSNAPSHOT.as_bytes())),
        ("transitioning", ext_status::parse(EXT_STATUS_TRANSITIONING.as_bytes())),
        ("bare object", ext_status::parse(br#"{"status": {"status": "Success", "code": 0}}"#)),
        ("unknown status word", ext_status::parse(br#"[{"status": {"status": "done"}}]"#)),
        ("missing status", ext_status::parse(br#"[{"version": "1.0"}]"#)),
        ("truncated", ext_status::parse(b"[{\"status\": {\n\"status\": ")),
        ("bom and nuls", ext_status::parse(b"\xEF\xBB\xBF[{\"status\": {\"status\": \"success\"}}]\0\0")),
    ];
    insta::assert_debug_snapshot!("ext_status", cases);
    let effective: Vec<(&str, Option<&str>)> = [
        ("plain", EXT_STATUS_PLAIN),
        ("vmsnapshot", EXT_STATUS_VMSNAPSHOT),
        ("transitioning", EXT_STATUS_TRANSITIONING),
    ]
    .into_iter()
    .map(|(name, text)| {
        (name, ext_status::parse(text.as_bytes()).ok().map(|s| s.effective_status().as_str()))
    })
    .collect();
    insta::assert_debug_snapshot!("ext_status_effective", effective);
}

#[test]
fn ext_status_heartbeats() {
    let cases = vec![
        ext_status::parse_heartbeat(
            br#"[{"version": 1.0, "heartbeat": {"status": "ready", "code": 0, "formattedMessage": {"lang": "en-US", "message": "Extension is running"}}}]"#,
        ),
        ext_status::parse_heartbeat(
            br#"[{"version":1.0,"heartbeat":{"status":"notready","code":"12","Message":"VSS writer failed"}}]"#,
        ),
        ext_status::parse_heartbeat(br#"{"heartbeat": {"status": "ready", "message": "bare object"}}"#),
        ext_status::parse_heartbeat(br#"[{"version": 1.0}]"#),
        ext_status::parse_heartbeat(b"[]"),
    ];
    insta::assert_debug_snapshot!("ext_status_heartbeat", cases);
}

#[test]
fn handler_files() {
    let states: Vec<_> = ["Enabled", "NotInstalled\n", "  Installed \r\n", "FailedUpgrade", "enabled", " \n"]
        .into_iter()
        .map(|s| (s, handler::parse_handler_state(s.as_bytes())))
        .collect();
    insta::assert_debug_snapshot!("handler_state", states);

    let statuses = vec![
        handler::parse_handler_status(
            br#"{"name": "Microsoft.OSTCExtensions.VMAccessForLinux", "version": "1.4.7.1", "status": "Ready", "code": 0, "message": "Plugin enabled", "extensions": ["Microsoft.OSTCExtensions.VMAccessForLinux"]}"#,
        ),
        handler::parse_handler_status(
            br#"{"name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "version": "1.0.9225.0", "status": "NotReady", "code": 1009, "message": "Non-zero exit code: 3, main/handle.sh enable", "supports_multi_config": false, "extension_status": {"name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "configurationAppliedTime": "2024-03-15T17:11:58.123456Z", "operation": "Enable", "status": "error", "sequenceNumber": 12, "code": "122", "message": "freeze failed", "substatusList": [{"name": "n", "status": "success", "code": "0", "formattedMessage": {"lang": "en-US", "message": "ok"}}]}}"#,
        ),
        handler::parse_handler_status(
            br#"{"name": "X", "version": "1.0", "status": "Ready", "code": 0, "message": null, "extension_status": null}"#,
        ),
        handler::parse_handler_status(b"[]"),
    ];
    insta::assert_debug_snapshot!("handler_status", statuses);

    let environment = handler::parse_handler_environment(
        br#"[{"name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "version": 1.0, "handlerEnvironment": {"logFolder": "/var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "configFolder": "/var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/config", "statusFolder": "/var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/status", "heartbeatFile": "/var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/heartbeat.log", "eventsFolder": "/var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/events"}}]"#,
    );
    insta::assert_debug_snapshot!("handler_environment", environment);

    let manifest = handler::parse_handler_manifest(
        br#"[{"name": "VMSnapshotLinux", "version": "1.0.9225.0", "handlerManifest": {"installCommand": "main/handle.sh install", "uninstallCommand": "main/handle.sh uninstall", "updateCommand": "main/handle.sh update", "enableCommand": "main/handle.sh enable", "disableCommand": "main/handle.sh disable", "rebootAfterInstall": false, "reportHeartbeat": "True", "updateMode": "UpdateWithInstall", "continueOnUpdateFailure": "false", "supportsMultipleExtensions": "maybe"}}]"#,
    );
    insta::assert_debug_snapshot!("handler_manifest", manifest);

    let mrseq: Vec<_> = ["12", " 7\n", "0\r\n\0", "", "-1"]
        .into_iter()
        .map(|s| (s, handler::parse_mrseq(s.as_bytes())))
        .collect();
    insta::assert_debug_snapshot!("handler_mrseq", mrseq);

    let settings = vec![
        handler::parse_settings(
            br#"{"runtimeSettings":[{"handlerSettings":{"protectedSettingsCertThumbprint":"F6ABAA61098A301EBB8A571C3C7CF77F355F7FA9","protectedSettings":"MIICWgYJK","publicSettings":{"taskId":"t-1","locale":"en-us","commandToExecute":"snapshot"}}}]}"#,
        ),
        handler::parse_settings(
            br#"{"runtimeSettings":[{"handlerSettings":{"publicSettings":{"commandToExecute":"snapshot"},"protectedSettings":""}}]}"#,
        ),
        handler::parse_settings(br#"{"runtimeSettings":[{}]}"#),
        handler::parse_settings(br#"{"runtimeSettings":[]}"#),
        handler::parse_settings(b"{}"),
    ];
    insta::assert_debug_snapshot!("handler_settings", settings);

    let names: Vec<_> = [
        "Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0",
        "WALinuxAgent-2.9.1.1",
        "Microsoft.Azure.Extensions.CustomScript-latest",
        "-1.0",
    ]
    .into_iter()
    .map(|d| (d, handler::parse_handler_dir_name(d)))
    .collect();
    let seqs: Vec<_> = ["12.status", "3.settings", "ext.7.settings", "x.status", "status"]
        .into_iter()
        .map(|f| (f, handler::parse_seq_file_name(f)))
        .collect();
    insta::assert_debug_snapshot!("handler_names", (names, seqs));
}

const GOAL_STATE_XML: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<GoalState xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="goalstate10.xsd">
  <Version>2012-11-30</Version>
  <Incarnation>3</Incarnation>
  <Machine>
    <ExpectedState>Started</ExpectedState>
    <StopRolesDeadlineHint>300000</StopRolesDeadlineHint>
  </Machine>
  <Container>
    <ContainerId>06185f00-1f00-4545-abaa-4b7baa121869</ContainerId>
    <RoleInstanceList>
      <RoleInstance>
        <InstanceId>8cd0ae53-1baa-4f00-9356-a4e1a34f004c._test-vm</InstanceId>
        <State>Started</State>
        <Configuration>
          <HostingEnvironmentConfig>http://168.63.129.16:80/machine/06185f00/8cd0ae53?comp=config&amp;type=hostingEnvironmentConfig&amp;incarnation=3</HostingEnvironmentConfig>
          <SharedConfig>http://168.63.129.16:80/machine/06185f00/8cd0ae53?comp=config&amp;type=sharedConfig&amp;incarnation=3</SharedConfig>
          <ExtensionsConfig>http://168.63.129.16:80/machine/06185f00/8cd0ae53?comp=config&amp;type=extensionsConfig&amp;incarnation=3</ExtensionsConfig>
          <FullConfig>http://168.63.129.16:80/machine/06185f00/8cd0ae53?comp=config&amp;type=fullConfig&amp;incarnation=3</FullConfig>
          <Certificates>http://168.63.129.16:80/machine/06185f00/8cd0ae53?comp=certificates&amp;incarnation=3</Certificates>
          <ConfigName>8cd0ae53-1baa-4f00-9356-a4e1a34f004c.3.8cd0ae53-1baa-4f00-9356-a4e1a34f004c.3._test-vm.1.xml</ConfigName>
        </Configuration>
      </RoleInstance>
    </RoleInstanceList>
  </Container>
</GoalState>
"#;

const HOSTING_ENVIRONMENT_XML: &str = r#"<HostingEnvironmentConfig version="1.0.0.0" goalStateIncarnation="3">
  <Deployment name="db00a7755a5e4e8a8fe4b19bc3b330c3" guid="{ce5a036f-5c93-40e7-8adf-2613631008ab}" incarnation="2">
    <Service name="MyVMRoleService" guid="{00000000-0000-0000-0000-000000000000}" />
  </Deployment>
  <Incarnation number="1" instance="MachineRole_IN_0" guid="{a0faca35-52e5-4ec7-8fd1-63d2bc107d9b}" />
  <Role guid="{73d95f1c-6472-e58e-7a1a-523554e11d46}" name="MachineRole" settleTimeSeconds="10" />
</HostingEnvironmentConfig>
"#;

const SHARED_CONFIG_XML: &str = r#"<SharedConfig version="1.0.0.0" goalStateIncarnation="3">
  <Deployment name="db00a7755a5e4e8a8fe4b19bc3b330c3" incarnation="2" />
  <Incarnation number="1" instance="MachineRole_IN_0" />
  <Role name="MachineRole" settleTimeSeconds="10" />
  <Instances>
    <Instance id="MachineRole_IN_0" address="10.0.0.4">
      <FaultDomains randomId="0" updateId="0" updateCount="0" />
    </Instance>
    <Instance id="MachineRole_IN_1" />
  </Instances>
</SharedConfig>
"#;

#[test]
fn goal_state_documents() {
    let goal_states = vec![
        goal_state::parse(GOAL_STATE_XML.as_bytes()),
        goal_state::parse(b"<xml>empty placeholder file</xml>\n"),
        goal_state::parse(b"<GoalState><Incarnation>12</Incarnation><Machine/></GoalState>"),
        goal_state::parse(b"<GoalState>\n  <Incarnation>3</Incarnation>\n  <Container>"),
        goal_state::parse(b"<SharedConfig/>"),
    ];
    insta::assert_debug_snapshot!("goal_state", goal_states);
    let deployment = (
        goal_state::parse_hosting_environment(HOSTING_ENVIRONMENT_XML.as_bytes()),
        goal_state::parse_shared_config(SHARED_CONFIG_XML.as_bytes()),
    );
    insta::assert_debug_snapshot!("goal_state_deployment", deployment);
    let history: Vec<_> = [
        "2024-03-15T17-10-50__3",
        "2024-03-15T17-10-50__3-a1b2c3",
        "2024-03-15T17-10-50__status",
        "2024-03-15T17:10:50.123456_incarnation_3",
        "2024-03-15T17-10-50__3.zip",
        "2024-03-15T17-10-50",
        "2024-03-15T17-10-50__x",
        "GoalState.3.xml",
    ]
    .into_iter()
    .map(|n| (n, goal_state::parse_history_dir_name(n)))
    .collect();
    insta::assert_debug_snapshot!("goal_state_history_dirs", history);
}

const EXTENSIONS_CONFIG_XML: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<Extensions version="1.0.0.0" goalStateIncarnation="3"><GuestAgentExtension xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
  <GAFamilies>
    <GAFamily>
      <Name>Prod</Name>
      <Version>2.13.1.1</Version>
      <IsVersionFromRSM>false</IsVersionFromRSM>
      <IsVMEnabledForRSMUpgrades>TRUE</IsVMEnabledForRSMUpgrades>
      <Uris>
        <Uri>https://umsa1.blob.core.windows.net/568bb00f/568bb00f_manifest.xml</Uri>
        <Uri>https://umsa2.blob.core.windows.net/568bb00f/568bb00f_manifest.xml</Uri>
        <Uri></Uri>
      </Uris>
    </GAFamily>
    <GAFamily>
      <Name>Test</Name>
    </GAFamily>
  </GAFamilies>
  <Location>westus2</Location>
  <ServiceName>CRP</ServiceName>
</GuestAgentExtension>
<RequiredFeatures>
  <RequiredFeature><Name>MultipleExtensionsPerHandler</Name><Value>1.0</Value></RequiredFeature>
</RequiredFeatures>
<StatusUploadBlob statusBlobType="PageBlob">https://user@foo-bar.z6.blob.storage.azure.net:443/$system/test-vm.status?sv=***REDACTED***</StatusUploadBlob>
<Plugins>
  <Plugin name="Microsoft.Azure.RecoveryServices.VMSnapshotLinux" version="1.0.9225.0" location="https://umsa3.blob.core.windows.net/a56f582c/a56f582c_manifest.xml" state="enabled" autoUpgrade="true" runAsStartupTask="false" isJson="true" useExactVersion="true" />
  <Plugin name="Microsoft.Azure.Extensions.CustomScript" version="2.1.13" location="https://umsa4.blob.core.windows.net/5237dd14/5237dd14_manifest.xml" state="uninstall" autoUpgrade="FALSE" isJson="maybe" />
  <Plugin name="Contoso.Agent" version="1.0" state="Paused" />
</Plugins>
<PluginSettings>
  <Plugin name="Microsoft.Azure.RecoveryServices.VMSnapshotLinux" version="1.0.9225.0">
    <RuntimeSettings seqNo="12">{"runtimeSettings": [{"handlerSettings": {"protectedSettingsCertThumbprint": "1AF52E2E892C3A0DBC589F301F80073CBA924E26", "protectedSettings": "***REDACTED***", "publicSettings": {"taskId": "t-1", "commandToExecute": "snapshot"}}}]}</RuntimeSettings>
  </Plugin>
  <Plugin name="Microsoft.Azure.Extensions.CustomScript" version="2.1.13">
    <ExtensionRuntimeSettings seqNo="4" name="first" state="enabled">{"runtimeSettings": [{"handlerSettings": {}}]}</ExtensionRuntimeSettings>
    <ExtensionRuntimeSettings seqNo="5" name="second" state="disabled">{"runtimeSettings": </ExtensionRuntimeSettings>
  </Plugin>
</PluginSettings>
<InVMArtifactsProfileBlob>https://foo-bar.z6.blob.storage.azure.net/$system/test-vm.vmSettings?sv=***REDACTED***</InVMArtifactsProfileBlob>
<InVMGoalStateMetaData inSvdSeqNo="9" createdOnTicks="638852747570627097" activityId="f32f99b5-4347-4ad2-b901-6e795254ac5b" correlationId="6dcbeebc-d90e-4c71-b058-6ac175dc65ee" /></Extensions>
"#;

#[test]
fn extensions_config_documents() {
    let cases = vec![
        extensions_config::parse(EXTENSIONS_CONFIG_XML.as_bytes()),
        extensions_config::parse(
            br#"<Extensions version="1.0.0.0" goalStateIncarnation="1"><GuestAgentExtension/><Plugins/></Extensions>"#,
        ),
        extensions_config::parse(b"<GoalState/>"),
    ];
    insta::assert_debug_snapshot!("extensions_config", cases);
}

/// A 2.8+ status blob with a forwarded VMSnapshotLinux report and a failed handler.
const STATUS_BLOB: &str = r#"{"version": "1.1", "timestampUTC": "2024-03-15T17:12:03Z",
 "aggregateStatus": {
  "guestAgentStatus": {"version": "2.9.1.1", "status": "Ready", "formattedMessage": {"lang": "en-US", "message": "Guest Agent is running"},
   "updateStatus": {"expectedVersion": "2.10.0.8", "status": "Error", "code": 1, "formattedMessage": {"lang": "en-US", "message": "Unable to update Agent"}}},
  "handlerAggregateStatus": [
   {"handlerVersion": "1.0.9225.0", "handlerName": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "status": "Ready", "code": 0, "useExactVersion": true,
    "formattedMessage": {"lang": "en-US", "message": "Plugin enabled"},
    "runtimeSettingsStatus": {"settingsStatus": {"status": {"name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "configurationAppliedTime": null, "operation": "Enable", "status": "success", "code": 122,
      "formattedMessage": {"lang": "en-US", "message": "{\"messageStr\": \"freeze\"}"},
      "substatus": [{"name": "[{...}]", "status": "success", "code": "0", "formattedMessage": {"lang": "en-US", "message": null}}]},
     "version": 1.0, "timestampUTC": "2024-03-15T17:11:58Z"}, "sequenceNumber": 12}},
   {"handlerVersion": "2.1.13", "handlerName": "Microsoft.Azure.Extensions.CustomScript", "status": "NotReady", "code": 1009, "useExactVersion": true,
    "formattedMessage": {"lang": "en-US", "message": "Non-zero exit code: 1"}}],
  "vmArtifactsAggregateStatus": {"goalStateAggregateStatus": {"formattedMessage": {"lang": "en-US", "message": "GoalState executed successfully"},
   "timestampUTC": "2024-03-15T17:10:50Z", "inSvdSeqNo": "9", "status": "Success", "code": 0}}},
 "guestOSInfo": {"computerName": "vm1", "osName": "ubuntu", "osVersion": "22.04", "version": "2.9.1.1"},
 "supportedFeatures": [{"Key": "MultipleExtensionsPerHandler", "Value": "1.0"}, {"Key": "FastTrack", "Value": "1.0"}]}"#;

/// A 2.5–2.7 blob: the same shape plus the agent's own metadata, multi-config handler fields.
const LEGACY_STATUS_BLOB: &str = r#"{"version": "1.1", "timestampUTC": "2022-06-01T02:03:04Z",
 "_metadataNotSentToCRP": {"agentName": "WALinuxAgent", "daemonVersion": "2.2.45", "pythonVersion": "Python: 3.6.9", "extensionSupportedFeatures": []},
 "aggregateStatus": {"guestAgentStatus": {"version": "2.7.0.6", "status": "Ready"},
  "handlerAggregateStatus": [{"handlerVersion": "1.0.9200.0", "handlerName": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "status": "Ready", "code": 0, "supportsMultiConfig": false,
   "runtimeSettingsStatus": {"extensionName": "first", "sequenceNumber": 7, "settingsStatus": {"status": {"operation": "Enable", "status": "transitioning", "code": 4}, "timestampUTC": "2022-06-01T02:03:00Z"}}}]}}"#;

/// The 2.2.x info file.
const INFO_FILE: &str = r#"{"agent_name": "WALinuxAgent", "current_version": "2.2.53", "goal_state_version": "2.2.53", "distro_details": "ubuntu:18.04", "last_successful_status_upload_time": "2021-03-30T19:45:33Z", "python_version": "Python: 3.6.9", "extensions_status": [{"name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "version": "1.0.9172.0", "status": "Ready"}, {"name": "Microsoft.CPlat.Core.RunCommandLinux", "version": "1.0.1", "status": "NotReady", "supports_multi_config": false, "extension_status": {"name": "Microsoft.CPlat.Core.RunCommandLinux", "sequenceNumber": 3, "status": "error", "code": 1, "operation": "Enable", "message": "script failed", "substatusList": []}}]}"#;

#[test]
fn waagent_status_shapes() {
    let mut nul_padded =
        br#"{"aggregateStatus": {"guestAgentStatus": {"version": "2.7.41491.1102", "status": "Ready"}, "handlerAggregateStatus": []}}"#
            .to_vec();
    nul_padded.extend_from_slice(&[0u8; 8]);
    let cases = vec![
        ("status blob", waagent_status::parse(STATUS_BLOB.as_bytes())),
        ("legacy status blob", waagent_status::parse(LEGACY_STATUS_BLOB.as_bytes())),
        ("info file", waagent_status::parse(INFO_FILE.as_bytes())),
        ("windows aggregate status with NULs", waagent_status::parse(&nul_padded)),
        ("unrecognised", waagent_status::parse(br#"{"foo": 1}"#)),
        ("empty", waagent_status::parse(b"")),
    ];
    insta::assert_debug_snapshot!("waagent_status", cases);
}

/// A flat waagent.conf with comments, quotes, trailing comments, repeated keys, CRLF and bad lines.
const WAAGENT_CONF: &str = concat!(
    "#\n",
    "# Microsoft Azure Linux Agent Configuration\n",
    "#\n",
    "Extensions.Enabled=y\r\n",
    "Provisioning.Agent=auto\n",
    "HttpProxy.Host=\"10.0.0.4\"\n",
    "HttpProxy.Port=3128 # proxy port\n",
    "ResourceDisk.MountOptions=None\n",
    "OS.EnableFirewall = y \n",
    "Extensions.Enabled=n\n",
    "AutoUpdate.Enabled=\n",
    "=orphan value\n",
    "garbage line\n",
    "  Logs.Verbose=n\n",
);

/// The INI vmbackup.conf: sections, both delimiters, comments, folded values and a bad line.
const VMBACKUP_CONF: &str = concat!(
    "[SnapshotThread]\n",
    "timeout = 120\n",
    "MountsToSkip: /mnt/data, /mnt/scratch\n",
    "; a comment\n",
    "SnapshotMethod=onlyGuest ; inline comment\n",
    "seqsnapshot = 1\n",
    "  2\n",
    "\n",
    "[Monitor]\n",
    "Run = 1 # another\n",
    "bad\n",
    "= empty key\n",
);

#[test]
fn waagent_conf_files() {
    insta::assert_debug_snapshot!("waagent_conf", waagent_conf::parse(WAAGENT_CONF));
    insta::assert_debug_snapshot!("vmbackup_conf", waagent_conf::parse(VMBACKUP_CONF));
}

const VSSADMIN_ENGLISH: &str = concat!(
    "\r\nvssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\r\n",
    "(C) Copyright 2001-2013 Microsoft Corp.\r\n",
    "\r\n",
    "Waiting for responses.\r\n",
    "These may be delayed if a shadow copy is being prepared.\r\n",
    "\r\n",
    "Writer name: 'Task Scheduler Writer'\r\n",
    "   Writer Id: {d61d61c8-d73a-4eee-8cdd-f6f9786b7124}\r\n",
    "   Writer Instance Id: {1bddd48e-5052-49db-9b07-b96f96727e6b}\r\n",
    "   State: [1] Stable\r\n",
    "   Last error: No error\r\n",
    "\r\n",
    "Writer name: 'SqlServerWriter'\r\n",
    "   Writer Id: {a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}\r\n",
    "   Writer Instance Id: {9075f235-fd01-4ebd-9d25-1ac3a24e5d6a}\r\n",
    "   State: [8] Failed\r\n",
    "   Last error: Timed out\r\n",
    "\r\n",
    "Writer name: 'Microsoft Hyper-V VSS Writer'\r\n",
    "   Writer Id: {66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}\r\n",
    "   Writer Instance Id: {3ffe3c68-3dbb-4b82-9e53-d4b59a7ad6e1}\r\n",
    "   State: [5] Waiting for completion\r\n",
    "   Last error: Non-retryable error\r\n",
    "\r\n",
    "Provider name: 'Microsoft Software Shadow Copy provider 1.0'\r\n",
    "   Provider type: System\r\n",
);

/// German labels, which the parser reads by the shape of the values.
const VSSADMIN_GERMAN: &str = concat!(
    "Verfassername: \"System Writer\"\n",
    "   Verfasserkennung: {e8132975-6f93-4464-a53e-1050253ae220}\n",
    "   Verfasserinstanzkennung: {7848396d-00b1-47cd-8ba9-769b7ce402d2}\n",
    "   Status: [1] Stabil\n",
    "   Letzter Fehler: Kein Fehler\n",
    "\n",
    "Verfassername: \"ASR Writer\"\n",
    "   Verfasserkennung: {be000cbe-11fe-4426-9c58-531aa6355fc4}\n",
    "   Verfasserinstanzkennung: {2f4a3c5d-0a8e-4a34-b0a1-0f1b8a8c1a22}\n",
    "   Status: [9] Fehlgeschlagen\n",
    "   Letzter Fehler: Wiederholbarer Fehler\n",
);

#[test]
fn vssadmin_writers() {
    let utf16: Vec<u8> = VSSADMIN_ENGLISH.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let cases = vec![
        ("english", vssadmin::parse(VSSADMIN_ENGLISH)),
        ("german", vssadmin::parse(VSSADMIN_GERMAN)),
        ("utf-16 without bom", vssadmin::parse_bytes(&utf16)),
        (
            "banner only",
            vssadmin::parse("vssadmin 1.1 - Volume Shadow Copy Service\r\nError: Access is denied.\r\n"),
        ),
    ];
    insta::assert_debug_snapshot!("vssadmin", cases);
    let judged: Vec<_> = vssadmin::parse(VSSADMIN_ENGLISH)
        .iter()
        .map(|w| (w.name.clone(), w.is_failed(), w.last_error_kind()))
        .collect();
    insta::assert_debug_snapshot!("vssadmin_judged", judged);
}

#[test]
fn network_config_files() {
    let cases = vec![
        (
            "ifcfg static",
            network_config::parse(
                NetworkFileKind::Ifcfg,
                "ifcfg-eth0",
                "DEVICE=eth0\nONBOOT=yes\nBOOTPROTO=\"static\"\nIPADDR=10.0.0.4\n",
            ),
        ),
        (
            "ifcfg dhcp, device from the file name",
            network_config::parse(NetworkFileKind::Ifcfg, "ifcfg-eth1", "# comment\nBOOTPROTO=dhcp\n"),
        ),
        (
            "ifcfg suse dhcp+autoip",
            network_config::parse(NetworkFileKind::Ifcfg, "ifcfg-eth2", "BOOTPROTO='dhcp+autoip'\nSTARTMODE=auto\n"),
        ),
        ("ifcfg without bootproto", network_config::parse(NetworkFileKind::Ifcfg, "ifcfg-eth0", "ONBOOT=yes\n")),
        (
            "netplan",
            network_config::parse(
                NetworkFileKind::Netplan,
                "50-cloud-init.yaml",
                "network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: false\n      addresses: [10.0.0.4/24]\n    eth1:\n      match:\n        macaddress: 00:0d:3a:00:00:01\n      dhcp4: yes\n  bonds:\n    bond0:\n      dhcp4: \"true\"\n",
            ),
        ),
        (
            "debian interfaces",
            network_config::parse(
                NetworkFileKind::Interfaces,
                "interfaces",
                "auto lo\niface lo inet loopback\nauto eth0\niface eth0 inet static\n  address 10.0.0.4\niface eth1 inet dhcp\n",
            ),
        ),
    ];
    insta::assert_debug_snapshot!("network_config", cases);
}

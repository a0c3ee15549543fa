use proptest::prelude::*;

use super::*;
use crate::test_support::{decoded_bytes, fragment_text, local, single, tiled, utc};

fn one(line: &str) -> LogRecord<'_> {
    single(line, parse(line))
}

/// (thread, time, level, message) of a one-line record.
fn fields(line: &str) -> (Option<&str>, Option<SourceTime>, Level, &str) {
    let r = one(line);
    assert_eq!(r.format, LineFormat::WaAppAgent, "{line}");
    (r.thread, r.time, r.level, r.message)
}

#[test]
fn older_agents_bracket_a_local_us_date_with_centiseconds() {
    assert_eq!(
        fields(
            "[00000006] [11/14/2019 05:52:13.44] [INFO]  WindowsAzureGuestAgent starting. \
             Version 2.7.41491.949"
        ),
        (
            Some("00000006"),
            local("2019-11-14 05:52:13.44"),
            Level::Info,
            "WindowsAzureGuestAgent starting. Version 2.7.41491.949"
        )
    );
    assert_eq!(
        fields("[00000020] [11/14/2019 06:02:33.43] [HEART] WindowsAzureGuestAgent Heartbeat."),
        (Some("00000020"), local("2019-11-14 06:02:33.43"), Level::Info, "WindowsAzureGuestAgent Heartbeat.")
    );
    assert_eq!(
        fields(
            "[00000011] [12/11/2018 06:27:55.66] [WARN]  (Ignoring) Exception while fetching supported \
             versions from HostGAPlugin: System.Net.WebException: Unable to connect to the remote server"
        ),
        (
            Some("00000011"),
            local("2018-12-11 06:27:55.66"),
            Level::Warning,
            "(Ignoring) Exception while fetching supported versions from HostGAPlugin: \
             System.Net.WebException: Unable to connect to the remote server"
        )
    );
    assert_eq!(
        fields(
            "[00000006] [06/20/2019 07:44:28.93] [ERROR] Did not discover fabric address on interface \
             Npcap Loopback Adapter"
        ),
        (
            Some("00000006"),
            local("2019-06-20 07:44:28.93"),
            Level::Error,
            "Did not discover fabric address on interface Npcap Loopback Adapter"
        )
    );
}

#[test]
fn newer_agents_write_iso_utc() {
    assert_eq!(
        fields(
            "[00000010] 2021-01-12T16:35:45Z [ERROR] InstallPlugins() failed with exception: \
             System.AggregateException"
        ),
        (
            Some("00000010"),
            utc("2021-01-12 16:35:45"),
            Level::Error,
            "InstallPlugins() failed with exception: System.AggregateException"
        )
    );
    assert_eq!(
        fields("[0000000A] 2021-01-12T16:35:45.1234567Z [INFO]  x"),
        (Some("0000000A"), utc("2021-01-12 16:35:45.1234567"), Level::Info, "x")
    );
    assert_eq!(fields("[00000010] 2021-01-12T17:35:45+01:00 [WARN]  y").1, utc("2021-01-12 16:35:45"));
    assert_eq!(fields("[00000010] 2021-01-12T16:35:45 [WARN]  z").1, local("2021-01-12 16:35:45"));
}

#[test]
fn variants_of_the_header() {
    // No thread id.
    assert_eq!(
        fields("[11/14/2019 05:52:13.44] [INFO] Waiting for OOBE to Complete ..."),
        (None, local("2019-11-14 05:52:13.44"), Level::Info, "Waiting for OOBE to Complete ...")
    );
    // A 12-hour clock, one-digit fields, a day-first date.
    assert_eq!(fields("[00000006] [1/2/2020 5:52:13 PM] [INFO]  a").1, local("2020-01-02 17:52:13"));
    assert_eq!(fields("[00000006] [25/12/2019 05:52:13.44] [INFO]  b").1, local("2019-12-25 05:52:13.44"));
    // Levels beyond the four the agent writes, an unknown word, and none at all.
    assert_eq!(fields("[00000006] [11/14/2019 05:52:13.44] [VERBOSE] c").2, Level::Verbose);
    assert_eq!(fields("[00000006] [11/14/2019 05:52:13.44] [WARNING] d").2, Level::Warning);
    assert_eq!(fields("[00000006] [11/14/2019 05:52:13.44] [AUDIT] e").2, Level::Unknown);
    assert_eq!(fields("[00000006] [11/14/2019 05:52:13.44] [AUDIT] e").3, "e");
    assert_eq!(fields("[00000006] [11/14/2019 05:52:13.44] no level").2, Level::Unknown);
    assert_eq!(fields("[00000006] [11/14/2019 05:52:13.44] no level").3, "no level");
    assert_eq!(fields("[00000006] [11/14/2019 05:52:13.44] [ERROR]").3, "");
}

#[test]
fn lines_that_are_not_headers_continue() {
    for line in [
        "   at Microsoft.WindowsAzure.GuestAgent.ContainerStateMachine.GoalStateExecutor.Run()",
        "--- End of inner exception stack trace ---",
        "[xyz] [11/14/2019 05:52:13.44] [INFO] x",
        "[00000006]",
        "[00000006] not a date",
        "[00000006][11/14/2019 05:52:13.44] [INFO] glued",
        "[00000006] [11/14/2019 05:52:13.44][INFO] glued",
        "[00000006] [13/13/2019 05:52:13.44] [INFO] no such date",
        "[00000006] 2021-01-12T16:35:45Zulu [INFO] x",
        "[0000000000000000000] [11/14/2019 05:52:13.44] [INFO] id too long",
        "{\"Microsoft Azure VM Health Report\": 1}",
    ] {
        assert_eq!(one(line).format, LineFormat::Untimed, "{line}");
    }
}

#[test]
fn exceptions_join_the_record_above_and_blank_lines_are_trimmed() {
    let text = concat!(
        "[00000010] 2021-01-12T16:35:45Z [ERROR] InstallPlugins() failed with exception: ",
        "System.AggregateException: One or more errors occurred. ---> System.Net.WebException: ",
        "The remote server returned an error: (404) Not Found.\r\n",
        "   at System.Net.HttpWebRequest.GetResponse()\r\n",
        "   at Microsoft.WindowsAzure.GuestAgent.Plugins.PluginManager.InstallPlugins()\r\n",
        "   --- End of inner exception stack trace ---\r\n",
        "---> (Inner Exception #0) System.Net.WebException: Not Found<---\r\n",
        "\r\n",
        "[00000006] [01/12/2021 16:35:46.00] [HEART] WindowsAzureGuestAgent Heartbeat.\r\n",
    );
    let records = tiled(text, parse(text));
    assert_eq!(records.len(), 2);
    let e = &records[0];
    assert_eq!((e.line, e.lines, e.level, e.thread), (1, 6, Level::Error, Some("00000010")));
    assert!(e
        .message
        .starts_with("InstallPlugins() failed with exception: System.AggregateException: One or more"));
    let tail = "   --- End of inner exception stack trace ---\r\n\
                ---> (Inner Exception #0) System.Net.WebException: Not Found<---";
    assert!(e.message.ends_with(tail), "{}", e.message);
    assert_eq!(e.first_line(), e.message.lines().next().unwrap());
    let h = &records[1];
    assert_eq!(
        (h.line, h.lines, h.time, h.message),
        (7, 1, local("2021-01-12 16:35:46"), "WindowsAzureGuestAgent Heartbeat.")
    );
}

#[test]
fn text_before_the_first_header_is_untimed() {
    let text = "log opened\n\
                [00000001] [01/12/2019 00:30:47.24] [INFO]  Microsoft Azure VM Health Report {\"a\":1}\n";
    let records = tiled(text, parse(text));
    assert_eq!((records[0].format, records[0].message), (LineFormat::Untimed, "log opened"));
    assert_eq!(records[1].message, "Microsoft Azure VM Health Report {\"a\":1}");
}

#[test]
fn installer_events_with_attributes_entities_and_lines() {
    let xml = concat!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n",
        "<Events>\n",
        "  <Event time=\"2019-12-12T12:49:05.123Z\" category=\"INFO\" source=\"GuestAgent\">",
        "Installing the agent</Event>\n",
        "  <Event time=\"2019-12-12T12:49:09Z\" category=\"ERROR\" source=\"GuestAgent\">\n",
        "    Setup failed: exit code 1603 &amp; &lt;rollback&gt; &#65;\n",
        "  </Event>\n",
        "  <Event category=\"WARNING\"/>\n",
        "  <Other>ignored</Other>\n",
        "</Events>\n",
    );
    let events = parse_installer_events(xml);
    assert_eq!(
        events,
        [
            InstallerEvent {
                line: 3,
                time: utc("2019-12-12 12:49:05.123"),
                level: Level::Info,
                source: Some("GuestAgent".into()),
                message: "Installing the agent".into(),
            },
            InstallerEvent {
                line: 4,
                time: utc("2019-12-12 12:49:09"),
                level: Level::Error,
                source: Some("GuestAgent".into()),
                message: "Setup failed: exit code 1603 & <rollback> A".into(),
            },
            InstallerEvent {
                line: 7,
                time: None,
                level: Level::Warning,
                source: None,
                message: String::new()
            },
        ]
    );
}

#[test]
fn installer_events_without_a_root_or_cut_short() {
    let xml = "<Event time=\"2019-12-12T12:49:05Z\" category=\"INFO\" source=\"GA\">a</Event>\n\
               <Event time=\"bad\" category=\"Mystery\" source=\"GA\">b</Event>\n\
               <Event time=\"2019-12-12T12:50:05Z\" category=\"ERROR\" source=\"GA\">cut";
    let events = parse_installer_events(xml);
    let got: Vec<_> = events.iter().map(|e| (e.line, e.time, e.level, e.message.as_str())).collect();
    assert_eq!(got, [(1, utc("2019-12-12 12:49:05"), Level::Info, "a"), (2, None, Level::Unknown, "b")]);
    assert!(parse_installer_events("").is_empty());
    assert!(parse_installer_events("<Event>unclosed <b></Event>").is_empty());
}

const FRAGMENTS: &[&str] = &[
    "[00000006] ",
    "[11/14/2019 05:52:13.44] ",
    "2021-01-12T16:35:45Z ",
    "[1/2/2020 5:52:13 PM] ",
    "[INFO]  ",
    "[HEART] ",
    "[ERROR]",
    "   at X.Y()",
    "\n",
    "\r\n",
];

const INSTALLER_FRAGMENTS: &[&str] =
    &["<Event time=\"2019-12-12T12:49:05Z\" category=\"INFO\">", "</Event>", "&amp;", "<Events>", "\n"];

proptest! {
    #[test]
    fn never_panics_and_keeps_every_line(text in fragment_text(FRAGMENTS)) {
        tiled(&text, parse(&text));
    }

    #[test]
    fn arbitrary_bytes_never_panic(text in decoded_bytes()) {
        tiled(&text, parse(&text));
        let _ = parse_installer_events(&text);
    }

    #[test]
    fn installer_fragments_never_panic(text in fragment_text(INSTALLER_FRAGMENTS)) {
        for e in parse_installer_events(&text) {
            prop_assert!(e.line >= 1);
        }
    }
}

//! Helpers shared by the integration tests: small bundles built in the test itself.
#![allow(dead_code)]

pub mod eras;

use std::io::Write;
use std::path::PathBuf;

use zip::write::SimpleFileOptions;

/// A zip bundle holding `files` (path, content), deflated, with fixed timestamps.
pub fn zip_bundle(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::from_date_and_time(2024, 3, 15, 12, 0, 0).unwrap());
    for (path, data) in files {
        w.start_file(*path, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// gzip of `data`.
pub fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A tar archive of `files`.
pub fn tar(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(1_710_500_000);
        h.set_cksum();
        b.append_data(&mut h, path, *data).unwrap();
    }
    b.into_inner().unwrap()
}

/// A healthy new-agent waagent.log: start-up, heartbeats, goal states, a successful backup extension enable.
pub fn healthy_waagent_log() -> String {
    let mut s = String::new();
    s.push_str("2024-03-15T08:00:01.100000Z INFO Daemon Daemon Azure Linux Agent Version: 2.9.1.1\n");
    s.push_str("2024-03-15T08:00:01.200000Z INFO Daemon Daemon OS: ubuntu 22.04\n");
    s.push_str("2024-03-15T08:00:02.000000Z INFO ExtHandler ExtHandler Azure Linux Agent (Goal State Agent version 2.10.0.8)\n");
    for h in 0..12 {
        s.push_str(&format!(
            "2024-03-15T{:02}:18:19.565463Z INFO ExtHandler ExtHandler [HEARTBEAT] Agent WALinuxAgent-2.10.0.8 is running as the goal state agent [DEBUG HeartbeatCounter: {h};HeartbeatId: 6E49977D-8796-46D0-9A5F-B6571D6B542A;DroppedPackets: 0;UpdateGSErrors: 0;AutoUpdate: 1]\n",
            8 + h
        ));
    }
    s.push_str("2024-03-15T19:30:00.000000Z INFO ExtHandler [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0] Enable extension: [main/handle.sh enable]\n");
    s.push_str("2024-03-15T19:30:02.000000Z INFO ExtHandler ExtHandler ProcessExtensionsGoalState completed [etag_1 2000 ms]\n");
    s
}

/// A waagent.log in which the WireServer is unreachable for hours.
pub fn wireserver_outage_log() -> String {
    let mut s = healthy_waagent_log();
    for m in 0..8 {
        s.push_str(&format!(
            "2024-03-15T20:{:02}:00.000000Z ERROR ExtHandler ExtHandler Error fetching the goal state: [ProtocolError] [Wireserver Exception] [HttpError] [HTTP Failed] GET http://168.63.129.16/machine/ -- IOError timed out -- 6 attempts made\n",
            m * 5
        ));
    }
    s
}

/// A fresh, empty folder of the test's own under the system temporary folder, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// `tag` keeps the folders of different tests apart (the process id, those of concurrent runs).
    pub fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("snaptriage-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// Writes `bytes` to `name` inside the folder.
    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

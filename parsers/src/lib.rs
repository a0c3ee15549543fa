//! Pure parsers for the artifacts of Azure VM guest support bundles.
//!
//! Every parser is a function of bytes or text: it never opens files, never knows where a member came
//! from and never panics, whatever the input. Line-oriented logs yield [`LogRecord`]s that borrow from the
//! input; structured files (XML, JSON, INI) yield typed values or a [`ParseError`] saying where they broke.
#![forbid(unsafe_code)]

pub mod error;
pub mod lines;
pub mod record;
pub mod stream;
pub mod time;

// Line-oriented logs.
pub mod generic_log;
pub mod shell_log;
pub mod syslog;
pub mod vmsnapshot_log;
pub mod waagent_log;
pub mod waappagent_log;

// Structured state files.
pub mod ext_status;
pub mod extensions_config;
pub mod goal_state;
pub mod handler;
pub mod network_config;
pub mod vssadmin;
pub mod waagent_conf;
pub mod waagent_status;

// Windows binary artifacts.
pub mod evtx_log;
pub mod registry;

// Crate-internal building blocks shared by the parsers above.
mod assemble;
mod guard;
mod json_util;
mod scan;
mod xml_tree;

#[cfg(test)]
mod test_support;

pub use error::ParseError;
pub use record::{Level, LineFormat, LogRecord};
pub use time::SourceTime;

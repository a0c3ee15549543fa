//! Pure parsers for the artifacts of Azure VM guest support bundles.
//!
//! Every parser is a function of bytes or text: it never opens files, never knows where a member came
//! from and never panics, whatever the input. Line-oriented logs yield [`LogRecord`]s that borrow from the
//! input; structured files (XML, JSON, INI) yield typed values or a [`ParseError`] saying where they broke.
#![forbid(unsafe_code)]

pub mod error;
pub mod lines;
pub mod record;
pub mod time;

pub use error::ParseError;
pub use record::{Level, LineFormat, LogRecord};
pub use time::SourceTime;

//! Runs third-party parsers that may panic on hostile input (`evtx`, `notatin`), turning a panic into an
//! error. The panic hook still reports the panic on stderr; the caller records it as a problem.

use std::panic::{catch_unwind, AssertUnwindSafe};

/// A third-party parser panicked; the text is the panic's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub(crate) struct Panicked {
    message: String,
}

/// `f()`, or the panic's message if it panicked. State `f` mutated before panicking stays as it was
/// left, which the callers accept: they only append results.
pub(crate) fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, Panicked> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|panic| {
        let message = if let Some(s) = panic.downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = panic.downcast_ref::<String>() {
            s.clone()
        } else {
            "unknown panic".to_string()
        };
        Panicked { message }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message<T>(result: Result<T, Panicked>) -> Option<String> {
        result.err().map(|p| p.to_string())
    }

    #[test]
    fn panics_become_their_message() {
        assert_eq!(catch_panic(|| 7), Ok(7));
        assert_eq!(message(catch_panic(|| -> u8 { panic!("bad {}", 1) })).as_deref(), Some("bad 1"));
        assert_eq!(message(catch_panic(|| -> u8 { panic!("static") })).as_deref(), Some("static"));
        assert_eq!(
            message(catch_panic(|| -> u8 { std::panic::panic_any(42) })).as_deref(),
            Some("unknown panic")
        );
    }
}

//! Runs third-party parsers that may panic on hostile input (`evtx`, `notatin`), turning a panic into an
//! error message. The panic hook still reports the panic on stderr; the caller records it as a problem.

use std::panic::{catch_unwind, AssertUnwindSafe};

/// `f()`, or the panic's message if it panicked. State `f` mutated before panicking stays as it was
/// left, which the callers accept: they only append results.
pub(crate) fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|panic| {
        if let Some(s) = panic.downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = panic.downcast_ref::<String>() {
            s.clone()
        } else {
            "unknown panic".to_string()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_their_message() {
        assert_eq!(catch_panic(|| 7), Ok(7));
        assert_eq!(catch_panic(|| -> u8 { panic!("bad {}", 1) }), Err("bad 1".to_string()));
        assert_eq!(catch_panic(|| -> u8 { panic!("static") }), Err("static".to_string()));
    }
}

//! CLI (being written)

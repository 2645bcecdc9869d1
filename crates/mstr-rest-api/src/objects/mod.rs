//! Typed object APIs. (being written)

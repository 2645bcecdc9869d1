//! Dataset push through upload sessions. (being written)

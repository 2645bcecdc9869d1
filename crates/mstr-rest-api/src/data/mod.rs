//! Report and cube data (JSON Data API v2), streamed. (being written)

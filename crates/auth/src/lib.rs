//! Identity and access.

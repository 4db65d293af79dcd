//! Tables of the taxonomy, one file each.

pub mod audience;
pub mod field_of_action;
pub mod phase;
pub mod theme;

//! Routes the server itself owns: health, version, metrics, and the answer for every
//! path or method that no route claims. Domain crates bring their own routes.

pub mod fallback;
pub mod health;
pub mod meta;

//! The academy server: configuration, start-up, telemetry, OpenAPI and the routes the
//! server owns. Domain crates bring their routes; this crate mounts them.

pub mod config;
pub mod demo;
pub mod middleware;
pub mod openapi;
pub mod routes;
pub mod startup;
pub mod telemetry;

pub use config::Config;
pub use startup::Application;

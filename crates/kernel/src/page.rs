//! Bounded pagination for every list: `limit` (default 20, at most 100) and `offset` (at
//! most a million), answered with the items, the total count and the bounds used.
//!
//! The bounds reach the OpenAPI document from the same constants: list queries declare
//! their page parameters with `#[param(schema_with = academy_kernel::page::limit_schema)]`
//! and `#[param(schema_with = academy_kernel::page::offset_schema)]`.

use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, SchemaFormat, Type};

use crate::{AppError, FieldError};

/// Items per page when the client does not say.
pub const DEFAULT_LIMIT: u64 = 20;
/// Most items per page.
pub const MAX_LIMIT: u64 = 100;
/// Deepest a list may be read. Far beyond what anyone pages through (filters narrow a
/// list long before), and far inside what every database accepts as an offset (a signed
/// 64-bit number).
pub const MAX_OFFSET: u64 = 1_000_000;

/// Checked `limit` and `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub limit: u64,
    pub offset: u64,
}

impl Bounds {
    /// 422 when `limit` is 0 or above [`MAX_LIMIT`], or `offset` above [`MAX_OFFSET`].
    pub fn new(limit: Option<u64>, offset: Option<u64>) -> Result<Self, AppError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        let offset = offset.unwrap_or(0);
        let mut errors = Vec::new();
        if !(1..=MAX_LIMIT).contains(&limit) {
            errors.push(FieldError::new(
                "limit",
                "out_of_range",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        if offset > MAX_OFFSET {
            errors.push(FieldError::new(
                "offset",
                "out_of_range",
                format!("must be between 0 and {MAX_OFFSET}"),
            ));
        }
        if errors.is_empty() {
            Ok(Self { limit, offset })
        } else {
            Err(AppError::validation(errors))
        }
    }
}

/// The OpenAPI schema of the `limit` parameter.
pub fn limit_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .description(Some(format!(
            "Items per page, 1–{MAX_LIMIT} (default {DEFAULT_LIMIT})."
        )))
        .minimum(Some(1))
        .maximum(Some(MAX_LIMIT))
        .default(Some(DEFAULT_LIMIT.into()))
        .build()
}

/// The OpenAPI schema of the `offset` parameter.
pub fn offset_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .description(Some(format!("Items to skip, 0–{MAX_OFFSET} (default 0).")))
        .minimum(Some(0_u64))
        .maximum(Some(MAX_OFFSET))
        .default(Some(0_u64.into()))
        .build()
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The items of this page, in the list's stable order.
    pub items: Vec<T>,
    /// How many items the whole list has.
    pub total: u64,
    /// The page size used.
    pub limit: u64,
    /// How many items were skipped.
    pub offset: u64,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, total: u64, bounds: Bounds) -> Self {
        Self {
            items,
            total,
            limit: bounds.limit,
            offset: bounds.offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_default_and_are_bounded() {
        assert_eq!(
            Bounds::new(None, None).unwrap(),
            Bounds {
                limit: 20,
                offset: 0
            }
        );
        assert_eq!(Bounds::new(Some(100), Some(5)).unwrap().limit, 100);
        assert_eq!(
            Bounds::new(Some(0), None).unwrap_err().code(),
            "validation_failed"
        );
        assert!(Bounds::new(Some(101), None).is_err());
        assert_eq!(
            Bounds::new(None, Some(MAX_OFFSET)).unwrap().offset,
            MAX_OFFSET
        );
        let too_deep = Bounds::new(Some(0), Some(9_223_372_036_854_775_808)).unwrap_err();
        let fields: Vec<_> = too_deep
            .problem()
            .errors
            .iter()
            .map(|e| e.field.to_string())
            .collect();
        assert_eq!(fields, ["limit", "offset"]);
    }

    #[test]
    fn the_schemas_carry_the_bounds() {
        let limit = serde_json::to_value(limit_schema()).unwrap();
        assert_eq!(limit["maximum"], MAX_LIMIT);
        assert_eq!(limit["minimum"], 1);
        let offset = serde_json::to_value(offset_schema()).unwrap();
        assert_eq!(offset["maximum"], MAX_OFFSET);
    }
}

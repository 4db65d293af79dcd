//! Bounded pagination for every list: `limit` (default 20, at most 100) and `offset`,
//! answered with the items, the total count and the bounds used.

use serde::Serialize;
use utoipa::ToSchema;

use crate::{AppError, FieldError};

/// Items per page when the client does not say.
pub const DEFAULT_LIMIT: u64 = 20;
/// Most items per page.
pub const MAX_LIMIT: u64 = 100;

/// Checked `limit` and `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub limit: u64,
    pub offset: u64,
}

impl Bounds {
    /// 422 when `limit` is 0 or above [`MAX_LIMIT`].
    pub fn new(limit: Option<u64>, offset: Option<u64>) -> Result<Self, AppError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(AppError::validation(vec![FieldError::new(
                "limit",
                "out_of_range",
                format!("must be between 1 and {MAX_LIMIT}"),
            )]));
        }
        Ok(Self {
            limit,
            offset: offset.unwrap_or(0),
        })
    }
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
    }
}

//! `guides`: the stable identity of a guide and which of its revisions is live or worked on.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "guides")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Stable, unique, URL-friendly name.
    #[sea_orm(unique)]
    pub slug: String,
    /// The publishing organisation; its authors edit the guide.
    pub organisation_id: Uuid,
    /// The published revision everyone sees, if any.
    pub live_revision_id: Option<Uuid>,
    /// The revision being written or reviewed, if any.
    pub working_revision_id: Option<Uuid>,
    pub archived_at: Option<DateTimeUtc>,
    /// After this, coordinators see the guide as due for review.
    pub review_due_at: Option<DateTimeUtc>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Raised by every change; the `ETag`.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl From<Model> for academy_publishing::Item {
    fn from(guide: Model) -> Self {
        Self {
            id: guide.id,
            slug: guide.slug,
            organisation_id: guide.organisation_id,
            live_revision_id: guide.live_revision_id,
            working_revision_id: guide.working_revision_id,
            archived_at: guide.archived_at,
            review_due_at: guide.review_due_at,
            created_by: guide.created_by,
            created_at: guide.created_at,
            updated_at: guide.updated_at,
            version: guide.version,
        }
    }
}

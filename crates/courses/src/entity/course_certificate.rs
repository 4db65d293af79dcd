//! `course_certificates`: the certificate of one completed enrolment, as the public
//! verification page shows it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "course_certificates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub enrolment_id: Uuid,
    pub course_id: Uuid,
    pub user_id: Uuid,
    /// Its bit in the revocation status list.
    pub status_index: i32,
    pub recipient_name: String,
    pub course_title: String,
    #[sea_orm(column_type = "Text")]
    pub course_summary: String,
    pub hours: f64,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub issued_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub revoked_by: Option<Uuid>,
    #[sea_orm(column_type = "Text", nullable)]
    pub revocation_reason: Option<String>,
    pub notified_at: Option<DateTimeUtc>,
    pub expiry_reminded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

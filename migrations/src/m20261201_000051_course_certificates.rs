//! Certificates of completed courses: what the public verification page shows (name,
//! course, hours, date, issuing organisation, status), the place of each certificate in
//! the revocation status list, and revocation and expiry. The signed Open Badges 3.0
//! credential is made from these columns on request; nothing secret is stored.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(name: &str) -> Alias {
    Alias::new(name)
}

fn cascade(from: &str, column: &str, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(a(from), a(column))
        .to(a(to), a("id"))
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(a("course_certificates"))
                    .col(pk_uuid(a("id")))
                    .col(uuid_uniq(a("enrolment_id")))
                    .col(uuid(a("course_id")))
                    .col(uuid(a("user_id")))
                    // The certificate's bit in the revocation status list.
                    .col(integer_uniq(a("status_index")).check(Expr::cust("status_index >= 0")))
                    .col(string_len(a("recipient_name"), 200))
                    .col(string_len(a("course_title"), 200))
                    .col(text(a("course_summary")))
                    .col(double(a("hours")))
                    .col(uuid(a("organisation_id")))
                    .col(string_len(a("organisation_name"), 200))
                    .col(timestamp_with_time_zone(a("issued_at")))
                    .col(timestamp_with_time_zone_null(a("expires_at")))
                    .col(timestamp_with_time_zone_null(a("revoked_at")))
                    .col(uuid_null(a("revoked_by")))
                    .col(text_null(a("revocation_reason")))
                    // The completion mail and the reminder before expiry, once each.
                    .col(timestamp_with_time_zone_null(a("notified_at")))
                    .col(timestamp_with_time_zone_null(a("expiry_reminded_at")))
                    .foreign_key(&mut cascade(
                        "course_certificates",
                        "enrolment_id",
                        "course_enrolments",
                    ))
                    .foreign_key(&mut cascade("course_certificates", "course_id", "courses"))
                    .foreign_key(&mut cascade("course_certificates", "user_id", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_course_certificates_user")
                    .table(a("course_certificates"))
                    .col(a("user_id"))
                    .to_owned(),
            )
            .await?;
        // The next free place in the status list; one row, raised by a conditional
        // update so that parallel issuers never share a place.
        manager
            .create_table(
                Table::create()
                    .table(a("course_certificate_counter"))
                    .col(integer(a("id")).primary_key())
                    .col(integer(a("next_index")))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(a("course_certificate_counter"))
                    .columns([a("id"), a("next_index")])
                    .values_panic([1.into(), 0.into()])
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["course_certificate_counter", "course_certificates"] {
            manager
                .drop_table(Table::drop().table(a(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}

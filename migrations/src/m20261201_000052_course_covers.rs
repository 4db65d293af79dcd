//! A course's cover image: one picture per course, kept in the file store, with what its
//! header states and a text alternative for screen readers.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(name: &str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(a("course_covers"))
                    .col(uuid(a("course_id")).primary_key())
                    // A new id for every upload: the picture's address changes with it.
                    .col(uuid_uniq(a("id")))
                    .col(string_len(a("filename"), 255))
                    .col(string_len(a("media_type"), 64))
                    .col(big_integer(a("size_bytes")))
                    .col(string_len(a("sha256"), 64))
                    .col(string_len_uniq(a("storage_key"), 255))
                    .col(integer(a("width")))
                    .col(integer(a("height")))
                    // Empty when the picture is decorative.
                    .col(string_len(a("alt"), 300))
                    .col(uuid(a("uploaded_by")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("course_covers"), a("course_id"))
                            .to(a("courses"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(a("course_covers")).to_owned())
            .await
    }
}

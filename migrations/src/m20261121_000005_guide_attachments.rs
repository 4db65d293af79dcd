//! Templates (Vorlagen) and other files attached to guides. The bytes live in the object
//! store; this table holds what is needed to find, check and offer them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(GuideAttachments::Table)
                    .col(pk_uuid(GuideAttachments::Id))
                    .col(uuid(GuideAttachments::GuideId))
                    .col(string(GuideAttachments::Title))
                    .col(string(GuideAttachments::Filename))
                    .col(string(GuideAttachments::MediaType))
                    .col(big_integer(GuideAttachments::SizeBytes))
                    .col(string_len(GuideAttachments::Sha256, 64))
                    .col(string_uniq(GuideAttachments::StorageKey))
                    .col(big_integer(GuideAttachments::DownloadCount))
                    .col(uuid(GuideAttachments::UploadedBy))
                    .col(timestamp_with_time_zone(GuideAttachments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(GuideAttachments::Table, GuideAttachments::GuideId)
                            .to(Guides::Table, Guides::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_guide_attachments_guide")
                    .table(GuideAttachments::Table)
                    .col(GuideAttachments::GuideId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(GuideAttachments::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum GuideAttachments {
    Table,
    Id,
    GuideId,
    Title,
    Filename,
    MediaType,
    SizeBytes,
    Sha256,
    StorageKey,
    DownloadCount,
    UploadedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Guides {
    Table,
    Id,
}

//! Attachments belong to revisions: which files each revision of a guide carries. An
//! upload or removal while a guide is live changes its working revision only, and the
//! public sees the files of the live revision. Files already attached are carried by the
//! guide's live and working revisions.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(GuideRevisionAttachments::Table)
                    .col(
                        ColumnDef::new(GuideRevisionAttachments::RevisionId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(GuideRevisionAttachments::AttachmentId)
                            .uuid()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(GuideRevisionAttachments::RevisionId)
                            .col(GuideRevisionAttachments::AttachmentId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                GuideRevisionAttachments::Table,
                                GuideRevisionAttachments::RevisionId,
                            )
                            .to(GuideRevisions::Table, GuideRevisions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                GuideRevisionAttachments::Table,
                                GuideRevisionAttachments::AttachmentId,
                            )
                            .to(GuideAttachments::Table, GuideAttachments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_guide_revision_attachments_attachment")
                    .table(GuideRevisionAttachments::Table)
                    .col(GuideRevisionAttachments::AttachmentId)
                    .to_owned(),
            )
            .await?;
        // Existing files: carried by the revisions that were showing them.
        let mut select = Query::select();
        select
            .column((GuideRevisions::Table, GuideRevisions::Id))
            .column((GuideAttachments::Table, GuideAttachments::Id))
            .from(GuideAttachments::Table)
            .inner_join(
                Guides::Table,
                Expr::col((Guides::Table, Guides::Id))
                    .equals((GuideAttachments::Table, GuideAttachments::GuideId)),
            )
            .inner_join(
                GuideRevisions::Table,
                Condition::any()
                    .add(
                        Expr::col((GuideRevisions::Table, GuideRevisions::Id))
                            .equals((Guides::Table, Guides::LiveRevisionId)),
                    )
                    .add(
                        Expr::col((GuideRevisions::Table, GuideRevisions::Id))
                            .equals((Guides::Table, Guides::WorkingRevisionId)),
                    ),
            );
        let insert = Query::insert()
            .into_table(GuideRevisionAttachments::Table)
            .columns([
                GuideRevisionAttachments::RevisionId,
                GuideRevisionAttachments::AttachmentId,
            ])
            .select_from(select)
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .to_owned();
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(GuideRevisionAttachments::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum GuideRevisionAttachments {
    Table,
    RevisionId,
    AttachmentId,
}

#[derive(DeriveIden)]
enum GuideRevisions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum GuideAttachments {
    Table,
    Id,
    GuideId,
}

#[derive(DeriveIden)]
enum Guides {
    Table,
    Id,
    LiveRevisionId,
    WorkingRevisionId,
}

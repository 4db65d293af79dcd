//! Guides (Leitfäden): a guide owns its revisions; at most one of them is live (published)
//! and at most one is the working revision an author edits and a coordinator reviews.
//! Each revision carries its own taxonomy terms and co-publishing organisations, so a
//! published revision stays exactly as it was approved. Foreign keys make sure a guide's
//! live and working revision are its own, and a check that they are not the same one.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The states a revision can be in; enforced by a check constraint.
const STATES: &[&str] = &["draft", "in_review", "scheduled", "published", "superseded"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sqlite = manager.get_database_backend() == sea_orm::DbBackend::Sqlite;
        let mut guides = Table::create();
        guides
            .table(Guides::Table)
            .col(pk_uuid(Guides::Id))
            .col(string_len_uniq(Guides::Slug, 64))
            .col(uuid(Guides::OrganisationId))
            .col(uuid_null(Guides::LiveRevisionId))
            .col(uuid_null(Guides::WorkingRevisionId))
            .col(timestamp_with_time_zone_null(Guides::ArchivedAt))
            .col(timestamp_with_time_zone_null(Guides::ReviewDueAt))
            .col(uuid(Guides::CreatedBy))
            .col(timestamp_with_time_zone(Guides::CreatedAt))
            .col(timestamp_with_time_zone(Guides::UpdatedAt))
            .col(integer(Guides::Version))
            .foreign_key(
                ForeignKey::create()
                    .from(Guides::Table, Guides::OrganisationId)
                    .to(Organisations::Table, Organisations::Id)
                    .on_delete(ForeignKeyAction::Restrict),
            )
            .check(Expr::cust(
                "live_revision_id IS NULL OR working_revision_id IS NULL \
                         OR live_revision_id <> working_revision_id",
            ));
        // SQLite cannot add a foreign key later; it resolves the reference to the revisions
        // table, created next, when rows are written. PostgreSQL gets them once both exist.
        if sqlite {
            for mut fk in revision_references() {
                guides.foreign_key(&mut fk);
            }
        }
        manager.create_table(guides.to_owned()).await?;
        for (name, column) in [
            ("idx_guides_organisation", Guides::OrganisationId),
            ("idx_guides_updated_at", Guides::UpdatedAt),
            ("idx_guides_review_due_at", Guides::ReviewDueAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Guides::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        let states = STATES
            .iter()
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join(", ");
        manager
            .create_table(
                Table::create()
                    .table(GuideRevisions::Table)
                    .col(pk_uuid(GuideRevisions::Id))
                    .col(uuid(GuideRevisions::GuideId))
                    .col(integer(GuideRevisions::Number))
                    .col(
                        string_len(GuideRevisions::State, 16)
                            .check(Expr::cust(format!("state IN ({states})"))),
                    )
                    .col(timestamp_with_time_zone_null(GuideRevisions::PublishAt))
                    .col(string_len(GuideRevisions::Title, 200))
                    .col(text(GuideRevisions::Summary))
                    .col(text(GuideRevisions::Context))
                    .col(json_binary(GuideRevisions::Steps))
                    .col(text(GuideRevisions::SuccessFactors))
                    .col(text(GuideRevisions::Pitfalls))
                    .col(text(GuideRevisions::Body))
                    .col(string_len(GuideRevisions::Language, 8))
                    .col(uuid_null(GuideRevisions::EasyLanguageGuideId))
                    .col(string_null(GuideRevisions::ContactName))
                    .col(string_null(GuideRevisions::ContactEmail))
                    .col(integer_null(GuideRevisions::ReadingMinutes))
                    .col(text_null(GuideRevisions::ReviewComment))
                    .col(text_null(GuideRevisions::ChangeNote))
                    .col(uuid(GuideRevisions::CreatedBy))
                    .col(timestamp_with_time_zone(GuideRevisions::CreatedAt))
                    .col(timestamp_with_time_zone(GuideRevisions::UpdatedAt))
                    .col(timestamp_with_time_zone_null(GuideRevisions::SubmittedAt))
                    .col(uuid_null(GuideRevisions::SubmittedBy))
                    .col(timestamp_with_time_zone_null(GuideRevisions::PublishedAt))
                    .col(uuid_null(GuideRevisions::PublishedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(GuideRevisions::Table, GuideRevisions::GuideId)
                            .to(Guides::Table, Guides::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(GuideRevisions::Table, GuideRevisions::EasyLanguageGuideId)
                            .to(Guides::Table, Guides::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_guide_revisions_number")
                    .table(GuideRevisions::Table)
                    .col(GuideRevisions::GuideId)
                    .col(GuideRevisions::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // A guide's live and working revision must be its own: the pair (guide, revision)
        // is what the guide refers to.
        manager
            .create_index(
                Index::create()
                    .name("uq_guide_revisions_guide_id")
                    .table(GuideRevisions::Table)
                    .col(GuideRevisions::GuideId)
                    .col(GuideRevisions::Id)
                    .unique()
                    .to_owned(),
            )
            .await?;
        if !sqlite {
            for fk in revision_references() {
                manager
                    .alter_table(
                        Table::alter()
                            .table(Guides::Table)
                            .add_foreign_key(fk.get_foreign_key())
                            .to_owned(),
                    )
                    .await?;
            }
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_guide_revisions_due")
                    .table(GuideRevisions::Table)
                    .col(GuideRevisions::State)
                    .col(GuideRevisions::PublishAt)
                    .to_owned(),
            )
            .await?;

        // Per-revision links; a term or organisation in use cannot be deleted.
        for (table, column, target, target_column) in [
            (
                RevisionLinks::GuideRevisionFieldsOfAction,
                RevisionLinks::FieldOfActionSlug,
                RevisionLinks::FieldsOfAction,
                RevisionLinks::Slug,
            ),
            (
                RevisionLinks::GuideRevisionPhases,
                RevisionLinks::PhaseSlug,
                RevisionLinks::Phases,
                RevisionLinks::Slug,
            ),
            (
                RevisionLinks::GuideRevisionAudiences,
                RevisionLinks::AudienceSlug,
                RevisionLinks::Audiences,
                RevisionLinks::Slug,
            ),
        ] {
            manager
                .create_table(
                    Table::create()
                        .table(table)
                        .col(uuid(RevisionLinks::RevisionId))
                        .col(string(column))
                        .primary_key(Index::create().col(RevisionLinks::RevisionId).col(column))
                        .foreign_key(
                            ForeignKey::create()
                                .from(table, RevisionLinks::RevisionId)
                                .to(GuideRevisions::Table, GuideRevisions::Id)
                                .on_delete(ForeignKeyAction::Cascade),
                        )
                        .foreign_key(
                            ForeignKey::create()
                                .from(table, column)
                                .to(target, target_column)
                                .on_update(ForeignKeyAction::Restrict)
                                .on_delete(ForeignKeyAction::Restrict),
                        )
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(RevisionLinks::GuideRevisionOrganisations)
                    .col(uuid(RevisionLinks::RevisionId))
                    .col(uuid(RevisionLinks::OrganisationId))
                    .primary_key(
                        Index::create()
                            .col(RevisionLinks::RevisionId)
                            .col(RevisionLinks::OrganisationId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                RevisionLinks::GuideRevisionOrganisations,
                                RevisionLinks::RevisionId,
                            )
                            .to(GuideRevisions::Table, GuideRevisions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                RevisionLinks::GuideRevisionOrganisations,
                                RevisionLinks::OrganisationId,
                            )
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_guide_revision_organisations_org")
                    .table(RevisionLinks::GuideRevisionOrganisations)
                    .col(RevisionLinks::OrganisationId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RevisionLinks::GuideRevisionOrganisations.into_iden(),
            RevisionLinks::GuideRevisionAudiences.into_iden(),
            RevisionLinks::GuideRevisionPhases.into_iden(),
            RevisionLinks::GuideRevisionFieldsOfAction.into_iden(),
            GuideRevisions::Table.into_iden(),
            Guides::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// `guides (id, live_revision_id)` and `(id, working_revision_id)` name revisions of the
/// same guide; a NULL revision refers to nothing.
fn revision_references() -> Vec<ForeignKeyCreateStatement> {
    [
        ("fk_guides_live_revision", Guides::LiveRevisionId),
        ("fk_guides_working_revision", Guides::WorkingRevisionId),
    ]
    .into_iter()
    .map(|(name, column)| {
        ForeignKey::create()
            .name(name)
            .from_tbl(Guides::Table)
            .from_col(Guides::Id)
            .from_col(column)
            .to_tbl(GuideRevisions::Table)
            .to_col(GuideRevisions::GuideId)
            .to_col(GuideRevisions::Id)
            .on_delete(ForeignKeyAction::NoAction)
            .to_owned()
    })
    .collect()
}

#[derive(DeriveIden)]
enum Guides {
    Table,
    Id,
    Slug,
    OrganisationId,
    LiveRevisionId,
    WorkingRevisionId,
    ArchivedAt,
    ReviewDueAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum GuideRevisions {
    Table,
    Id,
    GuideId,
    Number,
    State,
    PublishAt,
    Title,
    Summary,
    Context,
    Steps,
    SuccessFactors,
    Pitfalls,
    Body,
    Language,
    EasyLanguageGuideId,
    ContactName,
    ContactEmail,
    ReadingMinutes,
    ReviewComment,
    ChangeNote,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    SubmittedAt,
    SubmittedBy,
    PublishedAt,
    PublishedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum RevisionLinks {
    GuideRevisionFieldsOfAction,
    GuideRevisionPhases,
    GuideRevisionAudiences,
    GuideRevisionOrganisations,
    FieldsOfAction,
    Phases,
    Audiences,
    Slug,
    RevisionId,
    FieldOfActionSlug,
    PhaseSlug,
    AudienceSlug,
    OrganisationId,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

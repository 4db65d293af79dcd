//! Full-text search over published guides. One row per live guide holds its title and
//! text. PostgreSQL indexes them with German text search (a generated, weighted tsvector
//! with a GIN index); SQLite keeps an FTS5 table of German word stems beside it, written
//! by the application.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(GuideSearch::Table)
                    .col(uuid(GuideSearch::GuideId).primary_key())
                    .col(text(GuideSearch::Title))
                    .col(text(GuideSearch::Content))
                    .foreign_key(
                        ForeignKey::create()
                            .from(GuideSearch::Table, GuideSearch::GuideId)
                            .to(Guides::Table, Guides::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "ALTER TABLE guide_search ADD COLUMN document tsvector GENERATED ALWAYS AS \
                     (setweight(to_tsvector('german', title), 'A') || \
                      setweight(to_tsvector('german', content), 'B')) STORED",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE INDEX idx_guide_search_document ON guide_search USING GIN (document)",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE VIRTUAL TABLE guide_search_fts USING fts5(\
                     guide_id UNINDEXED, title, content, tokenize = 'unicode61')",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP TABLE IF EXISTS guide_search_fts")
                .await?;
        }
        manager
            .drop_table(Table::drop().table(GuideSearch::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum GuideSearch {
    Table,
    GuideId,
    Title,
    Content,
}

#[derive(DeriveIden)]
enum Guides {
    Table,
    Id,
}

//! Full-text search over published tutorials: one row per live tutorial with its title
//! and text (summary, description, chapters, transcripts), indexed like guides
//! (PostgreSQL: a weighted German tsvector with a GIN index; SQLite: an FTS5 table of
//! German word stems). The spoken text is searched cue by cue so that a hit names its
//! time: PostgreSQL indexes each cue's German tsvector, SQLite keeps the cues' stems in
//! an FTS5 table beside them.

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
                    .table(Alias::new("tutorial_search"))
                    .col(uuid(Alias::new("tutorial_id")).primary_key())
                    .col(text(Alias::new("title")))
                    .col(text(Alias::new("content")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Alias::new("tutorial_search"), Alias::new("tutorial_id"))
                            .to(Alias::new("tutorials"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "ALTER TABLE tutorial_search ADD COLUMN document tsvector GENERATED ALWAYS AS \
                     (setweight(to_tsvector('german', title), 'A') || \
                      setweight(to_tsvector('german', content), 'B')) STORED",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE INDEX idx_tutorial_search_document ON tutorial_search USING GIN (document)",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE INDEX idx_tutorial_cues_text ON tutorial_cues \
                     USING GIN (to_tsvector('german', text))",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE VIRTUAL TABLE tutorial_search_fts USING fts5(\
                     tutorial_id UNINDEXED, title, content, tokenize = 'unicode61')",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE VIRTUAL TABLE tutorial_cues_fts USING fts5(\
                     track_id UNINDEXED, seq UNINDEXED, tutorial_id UNINDEXED, stems, \
                     tokenize = 'unicode61')",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP INDEX IF EXISTS idx_tutorial_cues_text")
                .await?;
        } else {
            db.execute_unprepared("DROP TABLE IF EXISTS tutorial_cues_fts")
                .await?;
            db.execute_unprepared("DROP TABLE IF EXISTS tutorial_search_fts")
                .await?;
        }
        manager
            .drop_table(
                Table::drop()
                    .table(Alias::new("tutorial_search"))
                    .to_owned(),
            )
            .await
    }
}

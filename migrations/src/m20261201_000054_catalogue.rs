//! The catalogue: one read model of everything public — live, unarchived guides, tutorials
//! and courses — written in the same transaction that publishes, archives or deletes, so a
//! page of the catalogue is one indexed statement and never stale.
//!
//! - `catalogue_entries`: one row per public item with what a list shows (title, plain
//!   summary, language, dates, taxonomy as JSON, the kind's details as JSON), the plain
//!   text snippets are cut from, and the normalised German search terms of title and text
//!   (transliterated umlauts, Snowball stems, written by the application so that both
//!   backends search the same terms). PostgreSQL keeps a weighted `tsvector` of the terms
//!   with a GIN index; SQLite an FTS5 table beside it.
//! - `catalogue_facets`: (facet, value) pairs per entry — type, field of action, theme,
//!   phase, audience, organisation, accessibility — for filters and facet counts.
//! - `catalogue_words`: the words of titles and summaries, for "did you mean" (PostgreSQL:
//!   a trigram index of `pg_trgm`; SQLite: an FTS5 trigram table).
//! - `catalogue_state`: one row; `version` is raised by a trigger on every change of an
//!   entry (the `ETag` of every catalogue page, and what invalidates in-process caches on
//!   every instance), `built` is false until the entries have been written from the live
//!   content (the server does that at start-up, once across instances).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES: &str = r#"
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER TABLE catalogue_entries ADD COLUMN document tsvector GENERATED ALWAYS AS
    (setweight(to_tsvector('simple', title_terms), 'A') ||
     setweight(to_tsvector('simple', body_terms), 'B')) STORED;
CREATE INDEX idx_catalogue_entries_document ON catalogue_entries USING GIN (document);
CREATE INDEX idx_catalogue_words_trigram ON catalogue_words USING GIN (word gin_trgm_ops);
CREATE FUNCTION catalogue_raise_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalogue_state SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER catalogue_entries_raise_version
    AFTER INSERT OR UPDATE OR DELETE ON catalogue_entries
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_raise_version();
"#;

const SQLITE: [&str; 5] = [
    "CREATE VIRTUAL TABLE catalogue_fts USING fts5(\
     item_id UNINDEXED, title, body, tokenize = 'unicode61', prefix = '2 3 4')",
    "CREATE VIRTUAL TABLE catalogue_words_fts USING fts5(word, tokenize = 'trigram')",
    "CREATE TRIGGER catalogue_entries_raise_version_insert AFTER INSERT ON catalogue_entries \
     BEGIN UPDATE catalogue_state SET version = version + 1 WHERE id = 1; END",
    "CREATE TRIGGER catalogue_entries_raise_version_update AFTER UPDATE ON catalogue_entries \
     BEGIN UPDATE catalogue_state SET version = version + 1 WHERE id = 1; END",
    "CREATE TRIGGER catalogue_entries_raise_version_delete AFTER DELETE ON catalogue_entries \
     BEGIN UPDATE catalogue_state SET version = version + 1 WHERE id = 1; END",
];

fn entries() -> Alias {
    Alias::new("catalogue_entries")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("catalogue_state"))
                    .col(integer(Alias::new("id")).primary_key())
                    .col(big_integer(Alias::new("version")))
                    .col(boolean(Alias::new("built")))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO catalogue_state (id, version, built) VALUES (1, 1, false)",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(entries())
                    .col(uuid(Alias::new("item_id")).primary_key())
                    .col(string_len(Alias::new("kind"), 16))
                    .col(text(Alias::new("slug")))
                    .col(text(Alias::new("title")))
                    .col(text(Alias::new("title_key")))
                    .col(text(Alias::new("summary")))
                    .col(string_len(Alias::new("language"), 35))
                    .col(uuid(Alias::new("organisation_id")))
                    .col(timestamp_with_time_zone(Alias::new("published_at")))
                    .col(text(Alias::new("tags")))
                    .col(text(Alias::new("details")))
                    .col(text(Alias::new("body")))
                    .col(text(Alias::new("title_terms")))
                    .col(text(Alias::new("body_terms")))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("idx_catalogue_entries_newest", ["published_at", "item_id"]),
            ("idx_catalogue_entries_title", ["title_key", "item_id"]),
        ] {
            let mut index = Index::create();
            index.name(name).table(entries());
            for column in columns {
                index.col(Alias::new(column));
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("catalogue_facets"))
                    .col(string_len(Alias::new("facet"), 16))
                    .col(string_len(Alias::new("value"), 100))
                    .col(uuid(Alias::new("item_id")))
                    .primary_key(
                        Index::create()
                            .col(Alias::new("facet"))
                            .col(Alias::new("value"))
                            .col(Alias::new("item_id")),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Alias::new("catalogue_facets"), Alias::new("item_id"))
                            .to(entries(), Alias::new("item_id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_catalogue_facets_item")
                    .table(Alias::new("catalogue_facets"))
                    .col(Alias::new("item_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("catalogue_words"))
                    .col(string_len(Alias::new("word"), 100))
                    .col(uuid(Alias::new("item_id")))
                    .primary_key(
                        Index::create()
                            .col(Alias::new("word"))
                            .col(Alias::new("item_id")),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Alias::new("catalogue_words"), Alias::new("item_id"))
                            .to(entries(), Alias::new("item_id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_catalogue_words_item")
                    .table(Alias::new("catalogue_words"))
                    .col(Alias::new("item_id"))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(POSTGRES).await?;
            }
            _ => {
                for statement in SQLITE {
                    db.execute_unprepared(statement).await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(
                "DROP TRIGGER IF EXISTS catalogue_entries_raise_version ON catalogue_entries; \
                 DROP FUNCTION IF EXISTS catalogue_raise_version()",
            )
            .await?;
        } else {
            for table in ["catalogue_words_fts", "catalogue_fts"] {
                db.execute_unprepared(&format!("DROP TABLE IF EXISTS {table}"))
                    .await?;
            }
        }
        for table in [
            "catalogue_words",
            "catalogue_facets",
            "catalogue_entries",
            "catalogue_state",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}

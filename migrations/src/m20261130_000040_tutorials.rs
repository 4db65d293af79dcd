//! Video tutorials. A tutorial has revisions in the shared publishing workflow (the same
//! workflow columns as guides, and four per-revision link tables of the same shape), and
//! beside them what is not revised: its files (posters, uploaded videos), sources,
//! text tracks with their cues, transcripts, and each learner's watch progress.
//!
//! Progress rows belong to the learner's account and go with it; every other row goes
//! with its tutorial.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(name: &str) -> Alias {
    Alias::new(name)
}

/// `column IN ('x', 'y')`.
fn one_of(column: &str, values: &[&str]) -> Expr {
    let list = values
        .iter()
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ");
    Expr::cust(format!("{column} IN ({list})"))
}

const STATES: &[&str] = &["draft", "in_review", "scheduled", "published", "superseded"];

fn cascade(from: &str, column: &str, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(a(from), a(column))
        .to(a(to), a("id"))
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: &str,
    columns: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(a(table));
    for column in columns {
        index.col(a(column));
    }
    if unique {
        index.unique();
    }
    manager.create_index(index.to_owned()).await
}

/// `tutorials (id, live_revision_id)` and `(id, working_revision_id)` name revisions of
/// the same tutorial; a NULL revision refers to nothing.
fn revision_references() -> Vec<ForeignKeyCreateStatement> {
    [
        ("fk_tutorials_live_revision", "live_revision_id"),
        ("fk_tutorials_working_revision", "working_revision_id"),
    ]
    .into_iter()
    .map(|(name, column)| {
        ForeignKey::create()
            .name(name)
            .from_tbl(a("tutorials"))
            .from_col(a("id"))
            .from_col(a(column))
            .to_tbl(a("tutorial_revisions"))
            .to_col(a("tutorial_id"))
            .to_col(a("id"))
            .on_delete(ForeignKeyAction::NoAction)
            .to_owned()
    })
    .collect()
}

/// `tutorials.poster_file_id` names one of the tutorial's files; removing the file
/// removes the poster.
fn poster_reference() -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name("fk_tutorials_poster")
        .from_tbl(a("tutorials"))
        .from_col(a("poster_file_id"))
        .to_tbl(a("tutorial_files"))
        .to_col(a("id"))
        .on_delete(ForeignKeyAction::SetNull)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sqlite = manager.get_database_backend() == sea_orm::DbBackend::Sqlite;

        let mut tutorials = Table::create();
        tutorials
            .table(a("tutorials"))
            .col(pk_uuid(a("id")))
            .col(string_len_uniq(a("slug"), 64))
            .col(uuid(a("organisation_id")))
            .col(uuid_null(a("live_revision_id")))
            .col(uuid_null(a("working_revision_id")))
            .col(timestamp_with_time_zone_null(a("archived_at")))
            .col(timestamp_with_time_zone_null(a("review_due_at")))
            .col(uuid(a("created_by")))
            .col(timestamp_with_time_zone(a("created_at")))
            .col(timestamp_with_time_zone(a("updated_at")))
            .col(integer(a("version")))
            // A coordinator's recorded reason to publish without approved German captions.
            .col(text_null(a("captions_exemption")))
            .col(uuid_null(a("captions_exempted_by")))
            .col(timestamp_with_time_zone_null(a("captions_exempted_at")))
            // The poster image, one of the tutorial's files.
            .col(uuid_null(a("poster_file_id")))
            .foreign_key(
                ForeignKey::create()
                    .from(a("tutorials"), a("organisation_id"))
                    .to(a("organisations"), a("id"))
                    .on_delete(ForeignKeyAction::Restrict),
            )
            .check(Expr::cust(
                "live_revision_id IS NULL OR working_revision_id IS NULL \
                 OR live_revision_id <> working_revision_id",
            ));
        if sqlite {
            for mut fk in revision_references() {
                tutorials.foreign_key(&mut fk);
            }
            tutorials.foreign_key(&mut poster_reference());
        }
        manager.create_table(tutorials.to_owned()).await?;
        index(
            manager,
            "idx_tutorials_organisation",
            "tutorials",
            &["organisation_id"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_tutorials_updated_at",
            "tutorials",
            &["updated_at"],
            false,
        )
        .await?;

        // Files before revisions and sources, which name them.
        manager
            .create_table(
                Table::create()
                    .table(a("tutorial_files"))
                    .col(pk_uuid(a("id")))
                    .col(uuid(a("tutorial_id")))
                    .col(
                        string_len(a("purpose"), 16).check(one_of("purpose", &["poster", "video"])),
                    )
                    .col(string_len(a("filename"), 255))
                    .col(string_len(a("media_type"), 64))
                    .col(big_integer(a("size_bytes")))
                    .col(string_len(a("sha256"), 64))
                    .col(string_len_uniq(a("storage_key"), 255))
                    .col(integer_null(a("width")))
                    .col(integer_null(a("height")))
                    .col(big_integer_null(a("duration_ms")))
                    .col(uuid(a("uploaded_by")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .foreign_key(&mut cascade("tutorial_files", "tutorial_id", "tutorials"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_tutorial_files_tutorial",
            "tutorial_files",
            &["tutorial_id"],
            false,
        )
        .await?;
        if !sqlite {
            manager
                .alter_table(
                    Table::alter()
                        .table(a("tutorials"))
                        .add_foreign_key(poster_reference().get_foreign_key())
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(a("tutorial_revisions"))
                    .col(pk_uuid(a("id")))
                    .col(uuid(a("tutorial_id")))
                    .col(integer(a("number")))
                    .col(string_len(a("state"), 16).check(one_of("state", STATES)))
                    .col(timestamp_with_time_zone_null(a("publish_at")))
                    .col(string_len(a("title"), 200))
                    .col(text(a("summary")))
                    .col(text(a("description")))
                    .col(string_len(a("language"), 35))
                    .col(big_integer(a("duration_ms")).check(Expr::cust("duration_ms > 0")))
                    .col(
                        string_len(a("kind"), 16)
                            .check(one_of("kind", &["impulse", "orientation", "in_depth"])),
                    )
                    .col(json_binary(a("speakers")))
                    .col(string_len_null(a("licence"), 64))
                    .col(json_binary(a("related_guides")))
                    .col(json_binary(a("chapters")))
                    .col(uuid_null(a("easy_language_tutorial_id")))
                    .col(double(a("completion_threshold")).check(Expr::cust(
                        "completion_threshold > 0 AND completion_threshold <= 1",
                    )))
                    .col(text_null(a("review_comment")))
                    .col(text_null(a("change_note")))
                    .col(uuid(a("created_by")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .col(timestamp_with_time_zone_null(a("submitted_at")))
                    .col(uuid_null(a("submitted_by")))
                    .col(timestamp_with_time_zone_null(a("published_at")))
                    .col(uuid_null(a("published_by")))
                    .foreign_key(&mut cascade(
                        "tutorial_revisions",
                        "tutorial_id",
                        "tutorials",
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("tutorial_revisions"), a("easy_language_tutorial_id"))
                            .to(a("tutorials"), a("id"))
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_tutorial_revisions_number",
            "tutorial_revisions",
            &["tutorial_id", "number"],
            true,
        )
        .await?;
        index(
            manager,
            "uq_tutorial_revisions_tutorial_id",
            "tutorial_revisions",
            &["tutorial_id", "id"],
            true,
        )
        .await?;
        index(
            manager,
            "idx_tutorial_revisions_due",
            "tutorial_revisions",
            &["state", "publish_at"],
            false,
        )
        .await?;
        if !sqlite {
            for fk in revision_references() {
                manager
                    .alter_table(
                        Table::alter()
                            .table(a("tutorials"))
                            .add_foreign_key(fk.get_foreign_key())
                            .to_owned(),
                    )
                    .await?;
            }
        }

        // Per-revision links; a term or organisation in use cannot be deleted.
        for (table, column, target, target_column) in [
            (
                "tutorial_revision_fields_of_action",
                "field_of_action_slug",
                "fields_of_action",
                "slug",
            ),
            ("tutorial_revision_phases", "phase_slug", "phases", "slug"),
            (
                "tutorial_revision_audiences",
                "audience_slug",
                "audiences",
                "slug",
            ),
            (
                "tutorial_revision_organisations",
                "organisation_id",
                "organisations",
                "id",
            ),
        ] {
            let value = if column == "organisation_id" {
                uuid(a(column))
            } else {
                string(a(column))
            };
            manager
                .create_table(
                    Table::create()
                        .table(a(table))
                        .col(uuid(a("revision_id")))
                        .col(value)
                        .primary_key(Index::create().col(a("revision_id")).col(a(column)))
                        .foreign_key(&mut cascade(table, "revision_id", "tutorial_revisions"))
                        .foreign_key(
                            ForeignKey::create()
                                .from(a(table), a(column))
                                .to(a(target), a(target_column))
                                .on_update(ForeignKeyAction::Restrict)
                                .on_delete(ForeignKeyAction::Restrict),
                        )
                        .to_owned(),
                )
                .await?;
            index(
                manager,
                &format!("idx_{table}_value"),
                table,
                &[column],
                false,
            )
            .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(a("tutorial_sources"))
                    .col(pk_uuid(a("id")))
                    .col(uuid(a("tutorial_id")))
                    .col(string_len(a("role"), 16).check(one_of(
                        "role",
                        &["main", "audio_described", "sign_language"],
                    )))
                    .col(
                        string_len(a("delivery"), 8)
                            .check(one_of("delivery", &["embed", "file", "hls"])),
                    )
                    .col(text_null(a("url")))
                    .col(uuid_null(a("file_id")))
                    .col(string_len_null(a("media_type"), 64))
                    .col(integer_null(a("height")))
                    .col(integer_null(a("bitrate_kbps")))
                    .col(uuid(a("created_by")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .foreign_key(&mut cascade("tutorial_sources", "tutorial_id", "tutorials"))
                    .foreign_key(&mut cascade(
                        "tutorial_sources",
                        "file_id",
                        "tutorial_files",
                    ))
                    .check(Expr::cust("(url IS NULL) <> (file_id IS NULL)"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_tutorial_sources_tutorial",
            "tutorial_sources",
            &["tutorial_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("tutorial_tracks"))
                    .col(pk_uuid(a("id")))
                    .col(uuid(a("tutorial_id")))
                    .col(string_len(a("kind"), 16).check(one_of(
                        "kind",
                        &["captions", "subtitles", "descriptions", "chapters"],
                    )))
                    .col(string_len(a("language"), 35))
                    .col(string_len(a("label"), 100))
                    .col(boolean(a("is_default")))
                    .col(
                        string_len(a("provenance"), 8)
                            .check(one_of("provenance", &["human", "machine"])),
                    )
                    .col(string_len(a("status"), 8).check(one_of("status", &["draft", "approved"])))
                    .col(text(a("body")))
                    .col(string_len(a("sha256"), 64))
                    .col(integer(a("cue_count")))
                    .col(big_integer(a("last_cue_end_ms")))
                    .col(uuid(a("created_by")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .col(uuid_null(a("approved_by")))
                    .col(timestamp_with_time_zone_null(a("approved_at")))
                    .foreign_key(&mut cascade("tutorial_tracks", "tutorial_id", "tutorials"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_tutorial_tracks_kind_language",
            "tutorial_tracks",
            &["tutorial_id", "kind", "language"],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("tutorial_cues"))
                    .col(uuid(a("track_id")))
                    .col(integer(a("seq")))
                    .col(uuid(a("tutorial_id")))
                    .col(big_integer(a("start_ms")))
                    .col(big_integer(a("end_ms")))
                    .col(text(a("text")))
                    .primary_key(Index::create().col(a("track_id")).col(a("seq")))
                    .foreign_key(&mut cascade("tutorial_cues", "track_id", "tutorial_tracks"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_tutorial_cues_tutorial",
            "tutorial_cues",
            &["tutorial_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("tutorial_transcripts"))
                    .col(uuid(a("tutorial_id")))
                    .col(string_len(a("language"), 35))
                    .col(text(a("body")))
                    .col(uuid(a("updated_by")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .primary_key(Index::create().col(a("tutorial_id")).col(a("language")))
                    .foreign_key(&mut cascade(
                        "tutorial_transcripts",
                        "tutorial_id",
                        "tutorials",
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("tutorial_progress"))
                    .col(uuid(a("user_id")))
                    .col(uuid(a("tutorial_id")))
                    .col(json_binary(a("coverage")))
                    .col(big_integer(a("covered_ms")))
                    .col(double(a("progress")))
                    .col(big_integer(a("position_ms")))
                    .col(big_integer(a("credit_ms")))
                    .col(integer(a("reports")))
                    .col(timestamp_with_time_zone(a("started_at")))
                    .col(timestamp_with_time_zone(a("last_report_at")))
                    .col(timestamp_with_time_zone_null(a("completed_at")))
                    .primary_key(Index::create().col(a("user_id")).col(a("tutorial_id")))
                    .foreign_key(&mut cascade("tutorial_progress", "user_id", "users"))
                    .foreign_key(&mut cascade(
                        "tutorial_progress",
                        "tutorial_id",
                        "tutorials",
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_tutorial_progress_tutorial",
            "tutorial_progress",
            &["tutorial_id"],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "tutorial_progress",
            "tutorial_transcripts",
            "tutorial_cues",
            "tutorial_tracks",
            "tutorial_sources",
            "tutorial_revision_organisations",
            "tutorial_revision_audiences",
            "tutorial_revision_phases",
            "tutorial_revision_fields_of_action",
            "tutorial_revisions",
            "tutorial_files",
            "tutorials",
        ] {
            manager
                .drop_table(Table::drop().table(a(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}

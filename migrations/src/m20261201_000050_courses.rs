//! Courses. A course has revisions in the shared publishing workflow (the same workflow
//! columns as guides and tutorials, and four per-revision link tables of the same shape);
//! each revision holds its modules and lessons, so that a published revision stays what
//! its learners take while the next one is written.
//!
//! Beside the revisions: enrolments (each pinned to the revision its learner takes),
//! whole-municipality teams, lesson progress and quiz attempts. A team is kept in sync by
//! triggers on `users`: whoever becomes a confirmed member of the municipality is
//! enrolled, whoever leaves it is withdrawn — on every path that confirms a membership,
//! on every instance, in the same transaction.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

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

fn restrict(from: &str, column: &str, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(a(from), a(column))
        .to(a(to), a("id"))
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

/// Checked when the statement ends, so that deleting a course with everything it has
/// succeeds whatever order the cascade takes.
fn no_action(from: &str, column: &str, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(a(from), a(column))
        .to(a(to), a("id"))
        .on_delete(ForeignKeyAction::NoAction)
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

/// `courses (id, live_revision_id)` and `(id, working_revision_id)` name revisions of the
/// same course; a NULL revision refers to nothing.
fn revision_references() -> Vec<ForeignKeyCreateStatement> {
    [
        ("fk_courses_live_revision", "live_revision_id"),
        ("fk_courses_working_revision", "working_revision_id"),
    ]
    .into_iter()
    .map(|(name, column)| {
        ForeignKey::create()
            .name(name)
            .from_tbl(a("courses"))
            .from_col(a("id"))
            .from_col(a(column))
            .to_tbl(a("course_revisions"))
            .to_col(a("course_id"))
            .to_col(a("id"))
            .on_delete(ForeignKeyAction::NoAction)
            .to_owned()
    })
    .collect()
}

/// Enrolments that hold a place: one per learner and course at a time.
const HOLDING: &str = "state IN ('active', 'completed')";

/// PostgreSQL: the team triggers on `users`.
const POSTGRES_TEAM_SYNC: &str = r#"
CREATE FUNCTION course_team_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.municipality_id IS NOT NULL
       AND OLD.municipality_confirmed_at IS NOT NULL
       AND (NEW.municipality_id IS DISTINCT FROM OLD.municipality_id
            OR NEW.municipality_confirmed_at IS NULL) THEN
        UPDATE course_enrolments SET state = 'withdrawn', withdrawn_at = now(),
               version = version + 1
         WHERE user_id = NEW.id AND state = 'active' AND source = 'team'
           AND team_id IN (SELECT id FROM course_teams
                            WHERE municipality_id = OLD.municipality_id);
    END IF;
    IF NEW.municipality_id IS NOT NULL AND NEW.municipality_confirmed_at IS NOT NULL
       AND (TG_OP = 'INSERT' OR OLD.municipality_confirmed_at IS NULL
            OR OLD.municipality_id IS DISTINCT FROM NEW.municipality_id) THEN
        INSERT INTO course_enrolments (id, course_id, user_id, revision_id, state, source,
                                       team_id, due_at, enrolled_at, version)
        SELECT gen_random_uuid(), t.course_id, NEW.id, c.live_revision_id, 'active', 'team',
               t.id, t.due_at, now(), 1
          FROM course_teams t JOIN courses c ON c.id = t.course_id
         WHERE t.municipality_id = NEW.municipality_id
           AND c.live_revision_id IS NOT NULL AND c.archived_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM course_enrolments e
                            WHERE e.course_id = t.course_id AND e.user_id = NEW.id
                              AND e.state IN ('active', 'completed'));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER course_team_sync_insert AFTER INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION course_team_sync();
CREATE TRIGGER course_team_sync_update
    AFTER UPDATE OF municipality_id, municipality_confirmed_at ON users
    FOR EACH ROW EXECUTE FUNCTION course_team_sync();
"#;

/// SQLite: the same rules, as three triggers; times are written the way the application
/// writes them.
const SQLITE_NOW: &str = "strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')";

fn sqlite_team_sync() -> Vec<String> {
    // Sixteen random bytes, the way the application stores a UUID.
    let id = "randomblob(16)";
    let enrol = |new: &str| {
        format!(
            "INSERT INTO course_enrolments (id, course_id, user_id, revision_id, state, source, \
                 team_id, due_at, enrolled_at, version) \
             SELECT {id}, t.course_id, {new}.id, c.live_revision_id, 'active', 'team', t.id, \
                 t.due_at, {SQLITE_NOW}, 1 \
             FROM course_teams t JOIN courses c ON c.id = t.course_id \
             WHERE t.municipality_id = {new}.municipality_id \
               AND c.live_revision_id IS NOT NULL AND c.archived_at IS NULL \
               AND NOT EXISTS (SELECT 1 FROM course_enrolments e \
                   WHERE e.course_id = t.course_id AND e.user_id = {new}.id \
                     AND e.state IN ('active', 'completed'));"
        )
    };
    vec![
        format!(
            "CREATE TRIGGER course_team_sync_insert AFTER INSERT ON users \
             WHEN NEW.municipality_id IS NOT NULL AND NEW.municipality_confirmed_at IS NOT NULL \
             BEGIN {} END",
            enrol("NEW")
        ),
        format!(
            "CREATE TRIGGER course_team_sync_leave \
             AFTER UPDATE OF municipality_id, municipality_confirmed_at ON users \
             WHEN OLD.municipality_id IS NOT NULL AND OLD.municipality_confirmed_at IS NOT NULL \
               AND (NEW.municipality_id IS NOT OLD.municipality_id \
                    OR NEW.municipality_confirmed_at IS NULL) \
             BEGIN UPDATE course_enrolments SET state = 'withdrawn', withdrawn_at = {SQLITE_NOW}, \
                 version = version + 1 \
               WHERE user_id = NEW.id AND state = 'active' AND source = 'team' \
                 AND team_id IN (SELECT id FROM course_teams \
                                  WHERE municipality_id = OLD.municipality_id); END"
        ),
        format!(
            "CREATE TRIGGER course_team_sync_join \
             AFTER UPDATE OF municipality_id, municipality_confirmed_at ON users \
             WHEN NEW.municipality_id IS NOT NULL AND NEW.municipality_confirmed_at IS NOT NULL \
               AND (OLD.municipality_confirmed_at IS NULL \
                    OR OLD.municipality_id IS NOT NEW.municipality_id) \
             BEGIN {} END",
            enrol("NEW")
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sqlite = manager.get_database_backend() == DbBackend::Sqlite;

        let mut courses = Table::create();
        courses
            .table(a("courses"))
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
            // Self-enrolled places taken; checked against the live revision's capacity
            // by a conditional update.
            .col(
                integer(a("seats_taken"))
                    .default(0)
                    .check(Expr::cust("seats_taken >= 0")),
            )
            .foreign_key(&mut restrict("courses", "organisation_id", "organisations"))
            .check(Expr::cust(
                "live_revision_id IS NULL OR working_revision_id IS NULL \
                 OR live_revision_id <> working_revision_id",
            ));
        if sqlite {
            for mut fk in revision_references() {
                courses.foreign_key(&mut fk);
            }
        }
        manager.create_table(courses.to_owned()).await?;
        index(
            manager,
            "idx_courses_organisation",
            "courses",
            &["organisation_id"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_courses_updated_at",
            "courses",
            &["updated_at"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("course_revisions"))
                    .col(pk_uuid(a("id")))
                    .col(uuid(a("course_id")))
                    .col(integer(a("number")))
                    .col(string_len(a("state"), 16).check(one_of("state", STATES)))
                    .col(timestamp_with_time_zone_null(a("publish_at")))
                    .col(string_len(a("title"), 200))
                    .col(text(a("summary")))
                    .col(text(a("description")))
                    .col(json_binary(a("objectives")))
                    .col(string_len(a("language"), 35))
                    .col(double(a("estimated_hours")).check(Expr::cust(
                        "estimated_hours > 0 AND estimated_hours <= 1000",
                    )))
                    .col(json_binary(a("prerequisites")))
                    .col(timestamp_with_time_zone_null(a("enrolment_opens_at")))
                    .col(timestamp_with_time_zone_null(a("enrolment_closes_at")))
                    .col(timestamp_with_time_zone_null(a("closes_at")))
                    .col(boolean(a("self_enrolment")))
                    .col(
                        integer_null(a("capacity"))
                            .check(Expr::cust("capacity IS NULL OR capacity > 0")),
                    )
                    .col(boolean(a("sequential")))
                    .col(
                        integer_null(a("validity_months"))
                            .check(Expr::cust("validity_months IS NULL OR validity_months > 0")),
                    )
                    .col(text_null(a("review_comment")))
                    .col(text_null(a("change_note")))
                    .col(uuid(a("created_by")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .col(timestamp_with_time_zone_null(a("submitted_at")))
                    .col(uuid_null(a("submitted_by")))
                    .col(timestamp_with_time_zone_null(a("published_at")))
                    .col(uuid_null(a("published_by")))
                    .foreign_key(&mut cascade("course_revisions", "course_id", "courses"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_course_revisions_number",
            "course_revisions",
            &["course_id", "number"],
            true,
        )
        .await?;
        index(
            manager,
            "uq_course_revisions_course_id",
            "course_revisions",
            &["course_id", "id"],
            true,
        )
        .await?;
        index(
            manager,
            "idx_course_revisions_due",
            "course_revisions",
            &["state", "publish_at"],
            false,
        )
        .await?;
        if !sqlite {
            for fk in revision_references() {
                manager
                    .alter_table(
                        Table::alter()
                            .table(a("courses"))
                            .add_foreign_key(fk.get_foreign_key())
                            .to_owned(),
                    )
                    .await?;
            }
        }

        // Per-revision links; a term or organisation in use cannot be deleted.
        for (table, column, target, target_column) in [
            (
                "course_revision_fields_of_action",
                "field_of_action_slug",
                "fields_of_action",
                "slug",
            ),
            ("course_revision_phases", "phase_slug", "phases", "slug"),
            (
                "course_revision_audiences",
                "audience_slug",
                "audiences",
                "slug",
            ),
            (
                "course_revision_organisations",
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
                        .foreign_key(&mut cascade(table, "revision_id", "course_revisions"))
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
                    .table(a("course_modules"))
                    .col(pk_uuid(a("id")))
                    .col(uuid(a("revision_id")))
                    // Stable across revisions: the same module in the next revision.
                    .col(uuid(a("key")))
                    .col(integer(a("position")))
                    .col(string_len(a("title"), 200))
                    .col(text(a("description")))
                    .col(
                        string_len(a("completion"), 8).check(one_of("completion", &["all", "any"])),
                    )
                    .col(boolean(a("sequential")))
                    .col(timestamp_with_time_zone_null(a("unlock_at")))
                    .foreign_key(&mut cascade(
                        "course_modules",
                        "revision_id",
                        "course_revisions",
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_course_modules_key",
            "course_modules",
            &["revision_id", "key"],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("course_lessons"))
                    .col(pk_uuid(a("id")))
                    .col(uuid(a("revision_id")))
                    .col(uuid(a("module_id")))
                    // Stable across revisions; progress follows the key while the
                    // fingerprint stays the same.
                    .col(uuid(a("key")))
                    .col(integer(a("position")))
                    .col(string_len(a("title"), 200))
                    .col(
                        string_len(a("kind"), 16)
                            .check(one_of("kind", &["text", "guide", "tutorial", "quiz"])),
                    )
                    .col(text(a("body")))
                    .col(uuid_null(a("guide_id")))
                    .col(uuid_null(a("tutorial_id")))
                    .col(json_binary_null(a("quiz")))
                    .col(
                        string_len(a("rule"), 16)
                            .check(one_of("rule", &["viewed", "done", "tutorial", "quiz"])),
                    )
                    .col(
                        integer_null(a("min_seconds"))
                            .check(Expr::cust("min_seconds IS NULL OR min_seconds > 0")),
                    )
                    .col(timestamp_with_time_zone_null(a("unlock_at")))
                    .col(string_len(a("fingerprint"), 64))
                    .foreign_key(&mut cascade(
                        "course_lessons",
                        "revision_id",
                        "course_revisions",
                    ))
                    .foreign_key(&mut cascade(
                        "course_lessons",
                        "module_id",
                        "course_modules",
                    ))
                    .foreign_key(&mut restrict("course_lessons", "guide_id", "guides"))
                    .foreign_key(&mut restrict("course_lessons", "tutorial_id", "tutorials"))
                    .check(Expr::cust(
                        "(kind = 'guide') = (guide_id IS NOT NULL) \
                         AND (kind = 'tutorial') = (tutorial_id IS NOT NULL) \
                         AND (kind = 'quiz') = (quiz IS NOT NULL)",
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_course_lessons_key",
            "course_lessons",
            &["revision_id", "key"],
            true,
        )
        .await?;
        index(
            manager,
            "idx_course_lessons_module",
            "course_lessons",
            &["module_id"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_course_lessons_guide",
            "course_lessons",
            &["guide_id"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_course_lessons_tutorial",
            "course_lessons",
            &["tutorial_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("course_teams"))
                    .col(pk_uuid(a("id")))
                    .col(uuid(a("course_id")))
                    .col(uuid(a("municipality_id")))
                    .col(timestamp_with_time_zone_null(a("due_at")))
                    .col(uuid(a("created_by")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .foreign_key(&mut cascade("course_teams", "course_id", "courses"))
                    .foreign_key(&mut cascade(
                        "course_teams",
                        "municipality_id",
                        "municipalities",
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_course_teams",
            "course_teams",
            &["course_id", "municipality_id"],
            true,
        )
        .await?;
        index(
            manager,
            "idx_course_teams_municipality",
            "course_teams",
            &["municipality_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("course_enrolments"))
                    .col(pk_uuid(a("id")))
                    .col(uuid(a("course_id")))
                    .col(uuid(a("user_id")))
                    // The revision the learner takes.
                    .col(uuid(a("revision_id")))
                    .col(string_len(a("state"), 16).check(one_of(
                        "state",
                        &["active", "completed", "withdrawn", "expired"],
                    )))
                    .col(string_len(a("source"), 16).check(one_of(
                        "source",
                        &["self", "coordinator", "contact", "team"],
                    )))
                    .col(uuid_null(a("team_id")))
                    .col(timestamp_with_time_zone_null(a("due_at")))
                    .col(timestamp_with_time_zone(a("enrolled_at")))
                    .col(uuid_null(a("enrolled_by")))
                    .col(timestamp_with_time_zone_null(a("completed_at")))
                    .col(timestamp_with_time_zone_null(a("withdrawn_at")))
                    .col(timestamp_with_time_zone_null(a("expired_at")))
                    // The enrolment mail and the due-date reminder, once each.
                    .col(timestamp_with_time_zone_null(a("notified_at")))
                    .col(timestamp_with_time_zone_null(a("reminded_at")))
                    .col(boolean(a("holds_seat")).default(false))
                    .col(integer(a("version")))
                    .foreign_key(&mut cascade("course_enrolments", "course_id", "courses"))
                    .foreign_key(&mut cascade("course_enrolments", "user_id", "users"))
                    .foreign_key(&mut no_action(
                        "course_enrolments",
                        "revision_id",
                        "course_revisions",
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("course_enrolments"), a("team_id"))
                            .to(a("course_teams"), a("id"))
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_course_enrolments_user",
            "course_enrolments",
            &["user_id", "state"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_course_enrolments_course",
            "course_enrolments",
            &["course_id", "state"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_course_enrolments_unnotified",
            "course_enrolments",
            &["notified_at"],
            false,
        )
        .await?;
        let db = manager.get_connection();
        // One enrolment that holds a place per learner and course; withdrawn and expired
        // ones stay as history beside it.
        db.execute_unprepared(&format!(
            "CREATE UNIQUE INDEX uq_course_enrolments_holding \
             ON course_enrolments (course_id, user_id) WHERE {HOLDING}"
        ))
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("course_lesson_progress"))
                    .col(uuid(a("enrolment_id")))
                    .col(uuid(a("lesson_key")))
                    // The lesson's fingerprint when this was recorded; progress counts
                    // for a lesson of the same key and fingerprint only.
                    .col(string_len(a("fingerprint"), 64))
                    .col(timestamp_with_time_zone(a("started_at")))
                    .col(timestamp_with_time_zone_null(a("completed_at")))
                    .primary_key(Index::create().col(a("enrolment_id")).col(a("lesson_key")))
                    .foreign_key(&mut cascade(
                        "course_lesson_progress",
                        "enrolment_id",
                        "course_enrolments",
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("course_quiz_attempts"))
                    .col(pk_uuid(a("id")))
                    .col(uuid(a("enrolment_id")))
                    // The lesson row, and with it the quiz version the attempt started on.
                    .col(uuid(a("lesson_id")))
                    .col(uuid(a("lesson_key")))
                    .col(integer(a("number")).check(Expr::cust("number > 0")))
                    // The questions drawn, in the order shown, with their options' order.
                    .col(json_binary(a("layout")))
                    .col(json_binary(a("answers")))
                    .col(timestamp_with_time_zone(a("started_at")))
                    .col(timestamp_with_time_zone_null(a("deadline_at")))
                    .col(timestamp_with_time_zone_null(a("submitted_at")))
                    .col(double_null(a("score")))
                    .col(double(a("max_score")))
                    .col(boolean_null(a("passed")))
                    .col(json_binary_null(a("results")))
                    // A regrade keeps the score it replaced.
                    .col(double_null(a("score_before_regrade")))
                    .col(timestamp_with_time_zone_null(a("regraded_at")))
                    .col(uuid_null(a("regraded_by")))
                    .col(integer(a("version")))
                    .foreign_key(&mut cascade(
                        "course_quiz_attempts",
                        "enrolment_id",
                        "course_enrolments",
                    ))
                    .foreign_key(&mut no_action(
                        "course_quiz_attempts",
                        "lesson_id",
                        "course_lessons",
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_course_quiz_attempts_number",
            "course_quiz_attempts",
            &["enrolment_id", "lesson_key", "number"],
            true,
        )
        .await?;
        index(
            manager,
            "idx_course_quiz_attempts_lesson",
            "course_quiz_attempts",
            &["lesson_id"],
            false,
        )
        .await?;

        if sqlite {
            for statement in sqlite_team_sync() {
                db.execute_unprepared(&statement).await?;
            }
        } else {
            db.execute_unprepared(POSTGRES_TEAM_SYNC).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Sqlite {
            for name in [
                "course_team_sync_insert",
                "course_team_sync_leave",
                "course_team_sync_join",
            ] {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}"))
                    .await?;
            }
        } else {
            db.execute_unprepared("DROP TRIGGER IF EXISTS course_team_sync_insert ON users")
                .await?;
            db.execute_unprepared("DROP TRIGGER IF EXISTS course_team_sync_update ON users")
                .await?;
            db.execute_unprepared("DROP FUNCTION IF EXISTS course_team_sync()")
                .await?;
        }
        for table in [
            "course_quiz_attempts",
            "course_lesson_progress",
            "course_enrolments",
            "course_teams",
            "course_lessons",
            "course_modules",
            "course_revision_organisations",
            "course_revision_audiences",
            "course_revision_phases",
            "course_revision_fields_of_action",
        ] {
            manager
                .drop_table(Table::drop().table(a(table)).to_owned())
                .await?;
        }
        if manager.get_database_backend() != DbBackend::Sqlite {
            for name in ["fk_courses_live_revision", "fk_courses_working_revision"] {
                manager
                    .alter_table(
                        Table::alter()
                            .table(a("courses"))
                            .drop_foreign_key(a(name))
                            .to_owned(),
                    )
                    .await?;
            }
        }
        manager
            .drop_table(Table::drop().table(a("course_revisions")).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(a("courses")).to_owned())
            .await
    }
}

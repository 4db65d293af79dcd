//! A limited course's place is given back by the database whenever an enrolment stops
//! holding it: withdrawn, expired (`holds_seat` turned off), or deleted — by the learner
//! erasing their account or by any later code path. One rule for every path, in the
//! transaction of the change; the counter never goes below zero.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES: &str = r#"
CREATE FUNCTION course_enrolment_release_seat() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.holds_seat AND (TG_OP = 'DELETE' OR NOT NEW.holds_seat) THEN
        UPDATE courses SET seats_taken = seats_taken - 1
        WHERE id = OLD.course_id AND seats_taken > 0;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER course_enrolments_release_seat
    AFTER UPDATE OF holds_seat OR DELETE ON course_enrolments
    FOR EACH ROW EXECUTE FUNCTION course_enrolment_release_seat();
"#;

const SQLITE: [&str; 2] = [
    "CREATE TRIGGER course_enrolments_release_seat_update \
     AFTER UPDATE OF holds_seat ON course_enrolments \
     FOR EACH ROW WHEN OLD.holds_seat AND NOT NEW.holds_seat BEGIN \
     UPDATE courses SET seats_taken = seats_taken - 1 WHERE id = OLD.course_id AND seats_taken > 0; \
     END",
    "CREATE TRIGGER course_enrolments_release_seat_delete \
     AFTER DELETE ON course_enrolments \
     FOR EACH ROW WHEN OLD.holds_seat BEGIN \
     UPDATE courses SET seats_taken = seats_taken - 1 WHERE id = OLD.course_id AND seats_taken > 0; \
     END",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == sea_orm::DbBackend::Sqlite {
            for statement in SQLITE {
                db.execute_unprepared(statement).await?;
            }
        } else {
            db.execute_unprepared(POSTGRES).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == sea_orm::DbBackend::Sqlite {
            for name in [
                "course_enrolments_release_seat_update",
                "course_enrolments_release_seat_delete",
            ] {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}"))
                    .await?;
            }
        } else {
            db.execute_unprepared(
                "DROP TRIGGER IF EXISTS course_enrolments_release_seat ON course_enrolments; \
                 DROP FUNCTION IF EXISTS course_enrolment_release_seat()",
            )
            .await?;
        }
        Ok(())
    }
}

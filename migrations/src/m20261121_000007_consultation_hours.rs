//! Consultation hours (Sprechstunden): offers, their slots, bookings, waitlists, the
//! per-municipality fair-use locks, idempotency keys of booking requests and calendar
//! feed tokens.
//!
//! The invariants live here, so they hold however many API instances run:
//! - a slot never has more seats booked and held than it has
//!   (`CHECK booked + held <= capacity`; bookings take a seat with a conditional update);
//! - a person holds at most one open booking and one waitlist place per slot
//!   (partial unique indexes);
//! - a consultant never has two overlapping slots, buffer included: an exclusion
//!   constraint over `tstzrange(starts_at, blocked_until)` on PostgreSQL, triggers that
//!   abort the write on SQLite (whose writers are serialised, so the check cannot race).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const FORMATS: &str = "'online', 'phone', 'on_site'";
const OFFER_STATUSES: &str = "'active', 'archived'";
const WAITLIST_MODES: &str = "'offer', 'direct'";
const BOOKING_STATUSES: &str =
    "'pending', 'confirmed', 'declined', 'cancelled', 'completed', 'no_show'";
const WAITLIST_STATUSES: &str = "'waiting', 'offered', 'booked', 'expired', 'left'";

/// The message both engines report when a write would overlap a consultant's slots.
pub const SLOT_OVERLAP: &str = "consultation_slot_overlap";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let db = manager.get_connection();

        manager
            .create_table(
                Table::create()
                    .table(Offers::Table)
                    .col(pk_uuid(Offers::Id))
                    .col(uuid(Offers::ConsultantId))
                    .col(uuid(Offers::OrganisationId))
                    .col(string_len(Offers::Title, 200))
                    .col(text(Offers::Description))
                    .col(
                        string_len(Offers::Format, 16)
                            .check(Expr::cust(format!("format IN ({FORMATS})"))),
                    )
                    .col(text(Offers::Location))
                    .col(
                        integer(Offers::SlotMinutes)
                            .check(Expr::cust("slot_minutes BETWEEN 5 AND 480")),
                    )
                    .col(integer(Offers::Seats).check(Expr::cust("seats BETWEEN 1 AND 500")))
                    .col(
                        integer(Offers::MinNoticeMinutes)
                            .check(Expr::cust("min_notice_minutes >= 0")),
                    )
                    .col(
                        integer(Offers::MaxAdvanceDays)
                            .check(Expr::cust("max_advance_days BETWEEN 1 AND 365")),
                    )
                    .col(
                        integer(Offers::CancelDeadlineMinutes)
                            .check(Expr::cust("cancel_deadline_minutes >= 0")),
                    )
                    .col(
                        integer(Offers::BufferMinutes)
                            .check(Expr::cust("buffer_minutes BETWEEN 0 AND 240")),
                    )
                    .col(boolean(Offers::RequiresConfirmation))
                    .col(json_binary(Offers::IntakeQuestions))
                    .col(integer_null(Offers::MunicipalityLimit).check(Expr::cust(
                        "municipality_limit IS NULL OR municipality_limit >= 1",
                    )))
                    .col(
                        string_len(Offers::WaitlistMode, 8)
                            .check(Expr::cust(format!("waitlist_mode IN ({WAITLIST_MODES})"))),
                    )
                    .col(
                        integer(Offers::WaitlistHoldMinutes)
                            .check(Expr::cust("waitlist_hold_minutes BETWEEN 5 AND 10080")),
                    )
                    .col(json_binary(Offers::Availability))
                    .col(
                        string_len(Offers::Status, 8)
                            .check(Expr::cust(format!("status IN ({OFFER_STATUSES})"))),
                    )
                    .col(uuid(Offers::CreatedBy))
                    .col(timestamp_with_time_zone(Offers::CreatedAt))
                    .col(timestamp_with_time_zone(Offers::UpdatedAt))
                    .col(integer(Offers::Version))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Offers::Table, Offers::ConsultantId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Offers::Table, Offers::OrganisationId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_consultation_offers_consultant",
            Offers::Table,
            &[Offers::ConsultantId],
        )
        .await?;
        index(
            manager,
            "idx_consultation_offers_organisation",
            Offers::Table,
            &[Offers::OrganisationId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(OfferFields::Table)
                    .col(uuid(OfferFields::OfferId))
                    .col(string(OfferFields::FieldOfActionSlug))
                    .primary_key(
                        Index::create()
                            .col(OfferFields::OfferId)
                            .col(OfferFields::FieldOfActionSlug),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(OfferFields::Table, OfferFields::OfferId)
                            .to(Offers::Table, Offers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(OfferFields::Table, OfferFields::FieldOfActionSlug)
                            .to(FieldsOfAction::Table, FieldsOfAction::Slug)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_consultation_offer_fields_slug",
            OfferFields::Table,
            &[OfferFields::FieldOfActionSlug],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Slots::Table)
                    .col(pk_uuid(Slots::Id))
                    .col(uuid(Slots::OfferId))
                    .col(uuid(Slots::ConsultantId))
                    .col(timestamp_with_time_zone(Slots::StartsAt))
                    .col(timestamp_with_time_zone(Slots::EndsAt))
                    .col(timestamp_with_time_zone(Slots::BlockedUntil))
                    .col(integer(Slots::Capacity))
                    .col(integer(Slots::Booked).default(0))
                    .col(integer(Slots::Held).default(0))
                    .check(Expr::cust(
                        "booked >= 0 AND held >= 0 AND capacity >= 1 AND booked + held <= capacity",
                    ))
                    .check(Expr::cust(
                        "starts_at < ends_at AND ends_at <= blocked_until",
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Slots::Table, Slots::OfferId)
                            .to(Offers::Table, Offers::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_consultation_slots_offer_start")
                    .table(Slots::Table)
                    .col(Slots::OfferId)
                    .col(Slots::StartsAt)
                    .unique()
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_consultation_slots_starts_at",
            Slots::Table,
            &[Slots::StartsAt],
        )
        .await?;
        index(
            manager,
            "idx_consultation_slots_consultant",
            Slots::Table,
            &[Slots::ConsultantId, Slots::StartsAt],
        )
        .await?;
        index(
            manager,
            "idx_consultation_slots_consultant_blocked",
            Slots::Table,
            &[Slots::ConsultantId, Slots::BlockedUntil],
        )
        .await?;

        match backend {
            DbBackend::Postgres => {
                db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS btree_gist")
                    .await?;
                db.execute_unprepared(&format!(
                    "ALTER TABLE consultation_slots ADD CONSTRAINT {SLOT_OVERLAP} \
                     EXCLUDE USING gist (consultant_id WITH =, \
                     tstzrange(starts_at, blocked_until, '[)') WITH &&)"
                ))
                .await?;
            }
            _ => {
                for (event, row) in [
                    ("INSERT", "NEW"),
                    ("UPDATE OF consultant_id, starts_at, blocked_until", "NEW"),
                ] {
                    let name = if event == "INSERT" {
                        "insert"
                    } else {
                        "update"
                    };
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER trg_consultation_slots_no_overlap_{name} \
                         BEFORE {event} ON consultation_slots \
                         WHEN EXISTS (SELECT 1 FROM consultation_slots s \
                           WHERE s.consultant_id = {row}.consultant_id AND s.id <> {row}.id \
                           AND s.starts_at < {row}.blocked_until \
                           AND s.blocked_until > {row}.starts_at) \
                         BEGIN SELECT RAISE(ABORT, '{SLOT_OVERLAP}'); END"
                    ))
                    .await?;
                }
            }
        }

        manager
            .create_table(
                Table::create()
                    .table(Bookings::Table)
                    .col(pk_uuid(Bookings::Id))
                    .col(uuid_null(Bookings::SlotId))
                    .col(uuid(Bookings::OfferId))
                    .col(uuid(Bookings::ParticipantId))
                    .col(uuid(Bookings::MunicipalityId))
                    .col(
                        string_len(Bookings::Status, 16)
                            .check(Expr::cust(format!("status IN ({BOOKING_STATUSES})"))),
                    )
                    .col(timestamp_with_time_zone(Bookings::StartsAt))
                    .col(timestamp_with_time_zone(Bookings::EndsAt))
                    .col(text_null(Bookings::Concern))
                    .col(json_binary_null(Bookings::Answers))
                    .col(timestamp_with_time_zone_null(Bookings::AnonymisedAt))
                    .col(text_null(Bookings::Reason))
                    .col(uuid_null(Bookings::ClosedBy))
                    .col(integer(Bookings::Sequence))
                    .col(timestamp_with_time_zone_null(Bookings::ReminderSentAt))
                    .col(timestamp_with_time_zone(Bookings::CreatedAt))
                    .col(timestamp_with_time_zone(Bookings::UpdatedAt))
                    .col(integer(Bookings::Version))
                    .check(Expr::cust(
                        "slot_id IS NOT NULL OR status NOT IN ('pending', 'confirmed')",
                    ))
                    // Only free slots are ever removed; a closed booking keeps its copy of
                    // the times and lets go of the slot.
                    .foreign_key(
                        ForeignKey::create()
                            .from(Bookings::Table, Bookings::SlotId)
                            .to(Slots::Table, Slots::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Bookings::Table, Bookings::OfferId)
                            .to(Offers::Table, Offers::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Bookings::Table, Bookings::ParticipantId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Bookings::Table, Bookings::MunicipalityId)
                            .to(Municipalities::Table, Municipalities::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_consultation_bookings_open_per_person \
             ON consultation_bookings (slot_id, participant_id) \
             WHERE status IN ('pending', 'confirmed')",
        )
        .await?;
        index(
            manager,
            "idx_consultation_bookings_participant",
            Bookings::Table,
            &[Bookings::ParticipantId, Bookings::StartsAt],
        )
        .await?;
        index(
            manager,
            "idx_consultation_bookings_offer",
            Bookings::Table,
            &[Bookings::OfferId, Bookings::StartsAt],
        )
        .await?;
        index(
            manager,
            "idx_consultation_bookings_slot",
            Bookings::Table,
            &[Bookings::SlotId],
        )
        .await?;
        index(
            manager,
            "idx_consultation_bookings_municipality",
            Bookings::Table,
            &[Bookings::MunicipalityId, Bookings::StartsAt],
        )
        .await?;
        index(
            manager,
            "idx_consultation_bookings_starts_at",
            Bookings::Table,
            &[Bookings::StartsAt],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Waitlist::Table)
                    .col(pk_uuid(Waitlist::Id))
                    .col(uuid(Waitlist::SlotId))
                    .col(uuid(Waitlist::UserId))
                    .col(uuid(Waitlist::MunicipalityId))
                    .col(text(Waitlist::Concern))
                    .col(json_binary(Waitlist::Answers))
                    .col(
                        string_len(Waitlist::Status, 8)
                            .check(Expr::cust(format!("status IN ({WAITLIST_STATUSES})"))),
                    )
                    .col(timestamp_with_time_zone_null(Waitlist::OfferedUntil))
                    .col(uuid_null(Waitlist::BookingId))
                    .col(timestamp_with_time_zone(Waitlist::CreatedAt))
                    .col(timestamp_with_time_zone(Waitlist::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Waitlist::Table, Waitlist::SlotId)
                            .to(Slots::Table, Slots::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Waitlist::Table, Waitlist::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Waitlist::Table, Waitlist::MunicipalityId)
                            .to(Municipalities::Table, Municipalities::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_consultation_waitlist_open_per_person \
             ON consultation_waitlist (slot_id, user_id) \
             WHERE status IN ('waiting', 'offered')",
        )
        .await?;
        index(
            manager,
            "idx_consultation_waitlist_slot",
            Waitlist::Table,
            &[Waitlist::SlotId, Waitlist::Status, Waitlist::CreatedAt],
        )
        .await?;
        index(
            manager,
            "idx_consultation_waitlist_offered",
            Waitlist::Table,
            &[Waitlist::Status, Waitlist::OfferedUntil],
        )
        .await?;

        // One row per (offer, municipality) that bookings lock before counting the
        // municipality's open bookings: the count and the new booking cannot race.
        manager
            .create_table(
                Table::create()
                    .table(QuotaLocks::Table)
                    .col(uuid(QuotaLocks::OfferId))
                    .col(uuid(QuotaLocks::MunicipalityId))
                    .col(timestamp_with_time_zone(QuotaLocks::TouchedAt))
                    .primary_key(
                        Index::create()
                            .col(QuotaLocks::OfferId)
                            .col(QuotaLocks::MunicipalityId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(QuotaLocks::Table, QuotaLocks::OfferId)
                            .to(Offers::Table, Offers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        // The booking is written after its key in the same transaction (a concurrent
        // retry waits on the key), so the booking id carries no foreign key.
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(uuid(IdempotencyKeys::UserId))
                    .col(string_len(IdempotencyKeys::Key, 255))
                    .col(string_len(IdempotencyKeys::RequestHash, 64))
                    .col(uuid(IdempotencyKeys::BookingId))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKeys::UserId)
                            .col(IdempotencyKeys::Key),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IdempotencyKeys::Table, IdempotencyKeys::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_booking_idempotency_keys_created",
            IdempotencyKeys::Table,
            &[IdempotencyKeys::CreatedAt],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CalendarFeeds::Table)
                    .col(uuid(CalendarFeeds::UserId).primary_key())
                    .col(string_len_uniq(CalendarFeeds::TokenHash, 64))
                    .col(timestamp_with_time_zone(CalendarFeeds::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CalendarFeeds::Table, CalendarFeeds::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CalendarFeeds::Table.into_iden(),
            IdempotencyKeys::Table.into_iden(),
            QuotaLocks::Table.into_iden(),
            Waitlist::Table.into_iden(),
            Bookings::Table.into_iden(),
            Slots::Table.into_iden(),
            OfferFields::Table.into_iden(),
            Offers::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn index<T: IntoIden + Copy + 'static, C: IntoIden + Copy + 'static>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    columns: &[C],
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(*column);
    }
    manager.create_index(index.to_owned()).await
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Municipalities {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum FieldsOfAction {
    Table,
    Slug,
}

#[derive(DeriveIden, Clone, Copy)]
enum Offers {
    #[sea_orm(iden = "consultation_offers")]
    Table,
    Id,
    ConsultantId,
    OrganisationId,
    Title,
    Description,
    Format,
    Location,
    SlotMinutes,
    Seats,
    MinNoticeMinutes,
    MaxAdvanceDays,
    CancelDeadlineMinutes,
    BufferMinutes,
    RequiresConfirmation,
    IntakeQuestions,
    MunicipalityLimit,
    WaitlistMode,
    WaitlistHoldMinutes,
    Availability,
    Status,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum OfferFields {
    #[sea_orm(iden = "consultation_offer_fields")]
    Table,
    OfferId,
    FieldOfActionSlug,
}

#[derive(DeriveIden, Clone, Copy)]
enum Slots {
    #[sea_orm(iden = "consultation_slots")]
    Table,
    Id,
    OfferId,
    ConsultantId,
    StartsAt,
    EndsAt,
    BlockedUntil,
    Capacity,
    Booked,
    Held,
}

#[derive(DeriveIden, Clone, Copy)]
enum Bookings {
    #[sea_orm(iden = "consultation_bookings")]
    Table,
    Id,
    SlotId,
    OfferId,
    ParticipantId,
    MunicipalityId,
    Status,
    StartsAt,
    EndsAt,
    Concern,
    Answers,
    AnonymisedAt,
    Reason,
    ClosedBy,
    Sequence,
    ReminderSentAt,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum Waitlist {
    #[sea_orm(iden = "consultation_waitlist")]
    Table,
    Id,
    SlotId,
    UserId,
    MunicipalityId,
    Concern,
    Answers,
    Status,
    OfferedUntil,
    BookingId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum QuotaLocks {
    #[sea_orm(iden = "consultation_quota_locks")]
    Table,
    OfferId,
    MunicipalityId,
    TouchedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum IdempotencyKeys {
    #[sea_orm(iden = "booking_idempotency_keys")]
    Table,
    UserId,
    Key,
    RequestHash,
    BookingId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CalendarFeeds {
    Table,
    UserId,
    TokenHash,
    CreatedAt,
}

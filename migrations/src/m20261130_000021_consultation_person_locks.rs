//! Consultation hours: one row per (offer, person) that a booking locks before it counts
//! the person's open bookings, so parallel bookings of one person are counted one after
//! the other, without holding up other people of the same municipality.

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
                    .table(PersonLocks::Table)
                    .col(uuid(PersonLocks::OfferId))
                    .col(uuid(PersonLocks::UserId))
                    .col(timestamp_with_time_zone(PersonLocks::TouchedAt))
                    .primary_key(
                        Index::create()
                            .col(PersonLocks::OfferId)
                            .col(PersonLocks::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PersonLocks::Table, PersonLocks::OfferId)
                            .to(Offers::Table, Offers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PersonLocks::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum PersonLocks {
    #[sea_orm(iden = "consultation_person_locks")]
    Table,
    OfferId,
    UserId,
    TouchedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Offers {
    #[sea_orm(iden = "consultation_offers")]
    Table,
    Id,
}

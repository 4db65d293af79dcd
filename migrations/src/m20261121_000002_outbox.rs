//! The mail outbox: mails are written in the transaction of the event that causes them and
//! delivered later by a worker that claims rows atomically.

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
                    .table(OutboxMails::Table)
                    .col(pk_uuid(OutboxMails::Id))
                    .col(string(OutboxMails::Recipient))
                    .col(string(OutboxMails::Subject))
                    .col(text(OutboxMails::BodyText))
                    .col(text(OutboxMails::BodyHtml))
                    .col(json_null(OutboxMails::Attachments))
                    .col(
                        string(OutboxMails::Status).check(
                            Expr::col(OutboxMails::Status).is_in(["pending", "sent", "failed"]),
                        ),
                    )
                    .col(integer(OutboxMails::Attempts))
                    .col(timestamp_with_time_zone(OutboxMails::NextAttemptAt))
                    .col(uuid_null(OutboxMails::ClaimToken))
                    .col(timestamp_with_time_zone_null(OutboxMails::ClaimedUntil))
                    .col(text_null(OutboxMails::LastError))
                    .col(timestamp_with_time_zone(OutboxMails::CreatedAt))
                    .col(timestamp_with_time_zone_null(OutboxMails::SentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_mails_due")
                    .table(OutboxMails::Table)
                    .col(OutboxMails::Status)
                    .col(OutboxMails::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OutboxMails::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum OutboxMails {
    Table,
    Id,
    Recipient,
    Subject,
    BodyText,
    BodyHtml,
    Attachments,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimToken,
    ClaimedUntil,
    LastError,
    CreatedAt,
    SentAt,
}

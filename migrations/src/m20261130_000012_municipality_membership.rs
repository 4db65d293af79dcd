//! Confirmed municipality membership: a learner's municipality counts once a coordinator
//! confirmed it, or at once when the address's domain is one the municipality registered
//! (`municipality_email_domains`). Memberships that existed before are kept as confirmed,
//! so that nobody loses access by this change.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(timestamp_with_time_zone_null(
                        Users::MunicipalityConfirmedAt,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::update()
                    .table(Users::Table)
                    .value(Users::MunicipalityConfirmedAt, Expr::col(Users::UpdatedAt))
                    .and_where(Expr::col(Users::MunicipalityId).is_not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MunicipalityEmailDomains::Table)
                    .col(string(MunicipalityEmailDomains::Domain).primary_key())
                    .col(uuid(MunicipalityEmailDomains::MunicipalityId))
                    .col(timestamp_with_time_zone(
                        MunicipalityEmailDomains::CreatedAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                MunicipalityEmailDomains::Table,
                                MunicipalityEmailDomains::MunicipalityId,
                            )
                            .to(Municipalities::Table, Municipalities::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_municipality_email_domains_municipality")
                    .table(MunicipalityEmailDomains::Table)
                    .col(MunicipalityEmailDomains::MunicipalityId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(MunicipalityEmailDomains::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::MunicipalityConfirmedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    MunicipalityId,
    MunicipalityConfirmedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Municipalities {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum MunicipalityEmailDomains {
    Table,
    Domain,
    MunicipalityId,
    CreatedAt,
}

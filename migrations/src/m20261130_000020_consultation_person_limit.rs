//! Consultation hours: a per-person limit of open bookings per offer, beside the
//! per-municipality one. Existing offers get the default of one open booking per person.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Offers::Table)
                    .add_column(
                        ColumnDef::new(Offers::PersonLimit)
                            .integer()
                            .not_null()
                            .default(1)
                            .check(Expr::cust("person_limit BETWEEN 1 AND 100")),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Offers::Table)
                    .drop_column(Offers::PersonLimit)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Offers {
    #[sea_orm(iden = "consultation_offers")]
    Table,
    PersonLimit,
}

//! The shared taxonomy: the programme's four themes (Themenfelder) and ten fields of action
//! (Handlungsfelder), its phases, and target audiences — seeded with stable slugs that
//! every content type refers to.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (slug, code, name)
const THEMES: &[(&str, &str, &str)] = &[
    (
        "participation-integration",
        "A",
        "Gesellschaftliche Teilhabe und Integration",
    ),
    (
        "quality-of-life",
        "B",
        "Lebens- und Aufenthaltsqualität im Quartier",
    ),
    (
        "sustainability-environment",
        "C",
        "Nachhaltigkeit und Umweltbewusstsein",
    ),
    (
        "economy-services",
        "D",
        "Wirtschaftliche Stabilität und Versorgung",
    ),
];

/// (slug, theme slug, name)
const FIELDS_OF_ACTION: &[(&str, &str, &str)] = &[
    (
        "neighbourhood-integration-inclusion",
        "participation-integration",
        "Nachbarschaftliches Zusammenleben, Integration, Inklusion",
    ),
    (
        "activation-participation",
        "participation-integration",
        "Aktivierung und Beteiligung",
    ),
    (
        "social-cultural-infrastructure",
        "participation-integration",
        "Soziale und kulturelle Infrastruktur sowie Bildungsorte",
    ),
    (
        "public-spaces",
        "quality-of-life",
        "Öffentliche Räume und Freiflächen für Begegnung, Freizeit, Bewegung, Sport und Gesundheit",
    ),
    ("housing", "quality-of-life", "Wohnen und Wohnumfeld"),
    ("image-safety", "quality-of-life", "Image und Sicherheit"),
    (
        "climate-environmental-justice",
        "sustainability-environment",
        "Klimaschutz, Klimafolgenanpassung, grün-blaue Infrastruktur und Umweltgerechtigkeit",
    ),
    (
        "sustainable-mobility",
        "sustainability-environment",
        "Nachhaltige Mobilität",
    ),
    (
        "local-economy-employment",
        "economy-services",
        "Lokale Ökonomie, Arbeitsmarkt und Qualifizierung",
    ),
    (
        "local-supply-services",
        "economy-services",
        "Nahversorgung und Daseinsvorsorge",
    ),
];

/// (slug, name)
const PHASES: &[(&str, &str)] = &[
    (
        "concept",
        "Konzept (integriertes städtebauliches Entwicklungskonzept, ISEK)",
    ),
    ("implementation", "Umsetzung"),
    ("consolidation", "Verstetigung"),
];

/// (slug, name)
const AUDIENCES: &[(&str, &str)] = &[
    ("administration", "Kommunalverwaltung"),
    ("policy-makers", "Kommunalpolitik"),
    ("neighbourhood-management", "Quartiersmanagement"),
    ("local-actors", "Lokale Akteurinnen und Akteure"),
    ("housing-companies", "Wohnungsunternehmen"),
    ("civil-society", "Zivilgesellschaft und Ehrenamt"),
];

fn seed_error(error: impl std::fmt::Display) -> DbErr {
    DbErr::Migration(format!("cannot seed the taxonomy: {error}"))
}

/// The columns every taxonomy table shares, after its key.
fn term_columns(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(string(Term::Name))
        .col(text_null(Term::Description))
        .col(integer(Term::Position))
        .col(integer(Term::Version))
        .col(timestamp_with_time_zone(Term::UpdatedAt))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut themes = Table::create();
        themes
            .table(Themes::Table)
            .col(string(Term::Slug).primary_key())
            .col(char_len_uniq(Themes::Code, 1));
        manager
            .create_table(term_columns(&mut themes).to_owned())
            .await?;

        let mut fields = Table::create();
        fields
            .table(FieldsOfAction::Table)
            .col(string(Term::Slug).primary_key())
            .col(string(FieldsOfAction::ThemeSlug))
            .foreign_key(
                ForeignKey::create()
                    .from(FieldsOfAction::Table, FieldsOfAction::ThemeSlug)
                    .to(Themes::Table, Term::Slug)
                    .on_update(ForeignKeyAction::Restrict)
                    .on_delete(ForeignKeyAction::Restrict),
            );
        manager
            .create_table(term_columns(&mut fields).to_owned())
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_fields_of_action_theme")
                    .table(FieldsOfAction::Table)
                    .col(FieldsOfAction::ThemeSlug)
                    .to_owned(),
            )
            .await?;

        for table in [Phases::Table.into_iden(), Audiences::Table.into_iden()] {
            let mut create = Table::create();
            create.table(table).col(string(Term::Slug).primary_key());
            manager
                .create_table(term_columns(&mut create).to_owned())
                .await?;
        }

        let now = chrono::Utc::now();
        let mut insert = Query::insert();
        insert.into_table(Themes::Table).columns([
            Term::Slug.into_iden(),
            Themes::Code.into_iden(),
            Term::Name.into_iden(),
            Term::Position.into_iden(),
            Term::Version.into_iden(),
            Term::UpdatedAt.into_iden(),
        ]);
        for (position, (slug, code, name)) in THEMES.iter().enumerate() {
            insert
                .values([
                    (*slug).into(),
                    (*code).into(),
                    (*name).into(),
                    (position as i32 + 1).into(),
                    1.into(),
                    now.into(),
                ])
                .map_err(seed_error)?;
        }
        manager.exec_stmt(insert).await?;

        let mut insert = Query::insert();
        insert.into_table(FieldsOfAction::Table).columns([
            Term::Slug.into_iden(),
            FieldsOfAction::ThemeSlug.into_iden(),
            Term::Name.into_iden(),
            Term::Position.into_iden(),
            Term::Version.into_iden(),
            Term::UpdatedAt.into_iden(),
        ]);
        for (position, (slug, theme, name)) in FIELDS_OF_ACTION.iter().enumerate() {
            insert
                .values([
                    (*slug).into(),
                    (*theme).into(),
                    (*name).into(),
                    (position as i32 + 1).into(),
                    1.into(),
                    now.into(),
                ])
                .map_err(seed_error)?;
        }
        manager.exec_stmt(insert).await?;

        for (table, terms) in [
            (Phases::Table.into_iden(), PHASES),
            (Audiences::Table.into_iden(), AUDIENCES),
        ] {
            let mut insert = Query::insert();
            insert.into_table(table).columns([
                Term::Slug.into_iden(),
                Term::Name.into_iden(),
                Term::Position.into_iden(),
                Term::Version.into_iden(),
                Term::UpdatedAt.into_iden(),
            ]);
            for (position, (slug, name)) in terms.iter().enumerate() {
                insert
                    .values([
                        (*slug).into(),
                        (*name).into(),
                        (position as i32 + 1).into(),
                        1.into(),
                        now.into(),
                    ])
                    .map_err(seed_error)?;
            }
            manager.exec_stmt(insert).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Audiences::Table.into_iden(),
            Phases::Table.into_iden(),
            FieldsOfAction::Table.into_iden(),
            Themes::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Term {
    Slug,
    Name,
    Description,
    Position,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Themes {
    Table,
    Code,
}

#[derive(DeriveIden)]
enum FieldsOfAction {
    Table,
    ThemeSlug,
}

#[derive(DeriveIden)]
enum Phases {
    Table,
}

#[derive(DeriveIden)]
enum Audiences {
    Table,
}

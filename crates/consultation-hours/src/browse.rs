//! Reading many at once: free slots, booking lists, the consultant's export and the
//! coordinating office's counts.

use std::collections::BTreeMap;

use academy_auth::entity::{municipality, organisation, user};
use academy_auth::{Principal, Role};
use academy_kernel::{AppError, Bounds};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, IntoTableRef, Order, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, ExprTrait, FromQueryResult,
    JoinType, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, SelectModel, Selector,
};
use uuid::Uuid;

use crate::bookings::BookingView;
use crate::domain::{BookingStatus, Format};
use crate::entity::{booking, offer, slot};
use crate::offers::{is_consultant, is_staff, manages};
use crate::schedule::ZONE;

/// Names shown beside ids: people, organisations and municipalities, each kind loaded
/// in one query for a whole page.
#[derive(Debug, Clone, Default)]
pub struct Names {
    people: BTreeMap<Uuid, String>,
    organisations: BTreeMap<Uuid, String>,
    municipalities: BTreeMap<Uuid, String>,
}

impl Names {
    /// Loads the names of the given ids (three queries at most, none for an empty kind).
    pub async fn load(
        db: &impl ConnectionTrait,
        people: impl IntoIterator<Item = Uuid>,
        organisations: impl IntoIterator<Item = Uuid>,
        municipalities: impl IntoIterator<Item = Uuid>,
    ) -> Result<Self, DbErr> {
        let people: Vec<Uuid> = people.into_iter().collect();
        let organisations: Vec<Uuid> = organisations.into_iter().collect();
        let municipalities: Vec<Uuid> = municipalities.into_iter().collect();
        let mut names = Self::default();
        if !people.is_empty() {
            names.people = user::Entity::find()
                .filter(user::Column::Id.is_in(people))
                .all(db)
                .await?
                .into_iter()
                .map(|u| (u.id, u.display_name))
                .collect();
        }
        if !organisations.is_empty() {
            names.organisations = organisation::Entity::find()
                .filter(organisation::Column::Id.is_in(organisations))
                .all(db)
                .await?
                .into_iter()
                .map(|o| (o.id, o.name))
                .collect();
        }
        if !municipalities.is_empty() {
            names.municipalities = municipality::Entity::find()
                .filter(municipality::Column::Id.is_in(municipalities))
                .all(db)
                .await?
                .into_iter()
                .map(|m| (m.id, m.name))
                .collect();
        }
        Ok(names)
    }

    /// The names a page of bookings shows: consultants, participants, municipalities.
    pub async fn of_bookings(
        db: &impl ConnectionTrait,
        views: &[&BookingView],
    ) -> Result<Self, DbErr> {
        Self::load(
            db,
            views
                .iter()
                .flat_map(|v| [v.offer.consultant_id, v.booking.participant_id]),
            views.iter().map(|v| v.offer.organisation_id),
            views.iter().map(|v| v.booking.municipality_id),
        )
        .await
    }

    pub fn person(&self, id: Uuid) -> String {
        self.people.get(&id).cloned().unwrap_or_default()
    }

    pub fn organisation(&self, id: Uuid) -> String {
        self.organisations.get(&id).cloned().unwrap_or_default()
    }

    pub fn municipality(&self, id: Uuid) -> String {
        self.municipalities.get(&id).cloned().unwrap_or_default()
    }
}

/// A slot with the names shown beside it: its consultant, and its offer's organisation.
#[derive(Debug, Clone, FromQueryResult)]
pub struct SlotRow {
    #[sea_orm(nested)]
    pub slot: slot::Model,
    pub organisation_id: Uuid,
    pub consultant_name: String,
    pub organisation_name: String,
}

/// Slots joined to their offer, consultant and organisation, so a page with its names is
/// one statement.
fn with_names(slots: Select<slot::Entity>) -> Selector<SelectModel<SlotRow>> {
    slots
        .join(
            JoinType::InnerJoin,
            slot::Entity::belongs_to(offer::Entity)
                .from(slot::Column::OfferId)
                .to(offer::Column::Id)
                .into(),
        )
        .join(
            JoinType::InnerJoin,
            slot::Entity::belongs_to(user::Entity)
                .from(slot::Column::ConsultantId)
                .to(user::Column::Id)
                .into(),
        )
        .join(
            JoinType::InnerJoin,
            offer::Entity::belongs_to(organisation::Entity)
                .from(offer::Column::OrganisationId)
                .to(organisation::Column::Id)
                .into(),
        )
        .column_as(offer::Column::OrganisationId, "organisation_id")
        .column_as(user::Column::DisplayName, "consultant_name")
        .column_as(organisation::Column::Name, "organisation_name")
        .into_model::<SlotRow>()
}

/// One slot with its names.
pub async fn slot_row(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<SlotRow>, DbErr> {
    with_names(slot::Entity::find().filter(slot::Column::Id.eq(id)))
        .one(db)
        .await
}

/// Filters of the public slot list.
#[derive(Debug, Clone, Default)]
pub struct SlotFilter {
    pub offer: Option<Uuid>,
    /// Any of these fields of action (empty: any).
    pub field_of_action: Vec<String>,
    /// Any of these formats (empty: any).
    pub format: Vec<Format>,
    /// Any of these organisations (empty: any).
    pub organisation: Vec<Uuid>,
    /// Any of these consultants (empty: any).
    pub consultant: Vec<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Also list full slots (for joining their waitlist).
    pub include_full: bool,
}

/// Future slots of active offers, soonest first.
pub async fn list_slots(
    db: &impl ConnectionTrait,
    filter: SlotFilter,
    bounds: Bounds,
    now: DateTime<Utc>,
) -> Result<(Vec<SlotRow>, u64), AppError> {
    crate::offers::check_filter(
        db,
        &filter.field_of_action,
        filter.format.len(),
        &filter.organisation,
        &filter.consultant,
    )
    .await?;
    let mut offers = Query::select();
    offers
        .column(offer::Column::Id)
        .from(offer::Entity)
        .and_where(offer::Column::Status.eq("active"));
    if !filter.format.is_empty() {
        offers.and_where(offer::Column::Format.is_in(filter.format.iter().map(|f| f.as_str())));
    }
    if !filter.organisation.is_empty() {
        offers.and_where(offer::Column::OrganisationId.is_in(filter.organisation));
    }
    if !filter.field_of_action.is_empty() {
        offers.and_where(
            offer::Column::Id.in_subquery(crate::offers::with_fields(filter.field_of_action)),
        );
    }
    let mut condition = Condition::all()
        .add(slot::Column::StartsAt.gt(whole_seconds(now)))
        .add(slot::Column::OfferId.in_subquery(offers.to_owned()));
    if let Some(from) = filter.from {
        condition = condition.add(slot::Column::StartsAt.gte(from));
    }
    if let Some(to) = filter.to {
        condition = condition.add(slot::Column::StartsAt.lt(to));
    }
    if let Some(id) = filter.offer {
        condition = condition.add(slot::Column::OfferId.eq(id));
    }
    if !filter.consultant.is_empty() {
        condition = condition.add(slot::Column::ConsultantId.is_in(filter.consultant));
    }
    if !filter.include_full {
        condition = condition.add(
            Expr::col((slot::Entity, slot::Column::Booked))
                .add(Expr::col((slot::Entity, slot::Column::Held)))
                .lt(Expr::col((slot::Entity, slot::Column::Capacity))),
        );
    }
    let total = slot::Entity::find()
        .filter(condition.clone())
        .count(db)
        .await?;
    // The page is chosen on the slots alone, and only its rows are joined for their
    // names: joining before the offset would join every skipped row too.
    let page = Query::select()
        .column(slot::Column::Id)
        .from(slot::Entity)
        .cond_where(condition)
        .order_by(slot::Column::StartsAt, Order::Asc)
        .order_by(slot::Column::Id, Order::Asc)
        .limit(bounds.limit)
        .offset(bounds.offset)
        .to_owned();
    let slots = with_names(
        slot::Entity::find()
            .filter(slot::Column::Id.in_subquery(page))
            .order_by_asc(slot::Column::StartsAt)
            .order_by_asc(slot::Column::Id),
    )
    .all(db)
    .await?;
    Ok((slots, total))
}

/// Rounds down to whole seconds: SQLite compares instants as text, and slot times carry
/// no fraction.
fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

/// Whose bookings a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The caller's own bookings as participant.
    Mine,
    /// Bookings of the caller's offers (consultants).
    Consultant,
    /// Every booking (coordinating office).
    All,
}

/// Filters of booking lists.
#[derive(Debug, Clone, Default)]
pub struct BookingFilter {
    pub offer: Option<Uuid>,
    pub municipality: Option<Uuid>,
    pub status: Option<BookingStatus>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Bookings in `scope`, by start time.
pub async fn list_bookings(
    db: &impl ConnectionTrait,
    caller: &Principal,
    scope: Scope,
    filter: BookingFilter,
    bounds: Bounds,
) -> Result<(Vec<BookingView>, u64), AppError> {
    let mut condition = Condition::all();
    match scope {
        Scope::Mine => condition = condition.add(booking::Column::ParticipantId.eq(caller.user_id)),
        Scope::Consultant if !caller.has(Role::Consultant) => return Err(AppError::forbidden()),
        Scope::Consultant => {
            condition = condition.add(
                booking::Column::OfferId.in_subquery(
                    Query::select()
                        .column(offer::Column::Id)
                        .from(offer::Entity)
                        .and_where(offer::Column::ConsultantId.eq(caller.user_id))
                        .to_owned(),
                ),
            );
        }
        Scope::All if is_staff(caller) => {}
        Scope::All => return Err(AppError::forbidden()),
    }
    if let Some(id) = filter.offer {
        condition = condition.add(booking::Column::OfferId.eq(id));
    }
    if let Some(id) = filter.municipality {
        condition = condition.add(booking::Column::MunicipalityId.eq(id));
    }
    if let Some(status) = filter.status {
        condition = condition.add(booking::Column::Status.eq(status.as_str()));
    }
    if let Some(from) = filter.from {
        condition = condition.add(booking::Column::StartsAt.gte(from));
    }
    if let Some(to) = filter.to {
        condition = condition.add(booking::Column::StartsAt.lt(to));
    }
    let query = booking::Entity::find().filter(condition);
    let total = query.clone().count(db).await?;
    let bookings = query
        .order_by_asc(booking::Column::StartsAt)
        .order_by_asc(booking::Column::Id)
        .limit(bounds.limit)
        .offset(bounds.offset)
        .all(db)
        .await?;
    let offer_ids: Vec<Uuid> = bookings.iter().map(|b| b.offer_id).collect();
    let offers: BTreeMap<Uuid, offer::Model> = offer::Entity::find()
        .filter(offer::Column::Id.is_in(offer_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let views = bookings
        .into_iter()
        .filter_map(|booking| {
            let offer = offers.get(&booking.offer_id)?.clone();
            Some(BookingView {
                manager: manages(caller, &offer),
                booking,
                offer,
            })
        })
        .collect();
    Ok((views, total))
}

fn csv_field(text: &str) -> String {
    // Formula injection: a cell starting with = + - @ is read as a formula by spreadsheets.
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The consultant's bookings between `from` and `to` as CSV (semicolon-separated, as
/// German spreadsheets expect, with a byte order mark), local times, states in German.
pub async fn export_csv(
    db: &impl ConnectionTrait,
    caller: &Principal,
    consultant: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<String, AppError> {
    if !is_staff(caller) && !is_consultant(caller, consultant) {
        return Err(AppError::forbidden());
    }
    let offers: BTreeMap<Uuid, offer::Model> = offer::Entity::find()
        .filter(offer::Column::ConsultantId.eq(consultant))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let bookings = booking::Entity::find()
        .filter(booking::Column::OfferId.is_in(offers.keys().copied()))
        .filter(booking::Column::StartsAt.gte(from))
        .filter(booking::Column::StartsAt.lt(to))
        .order_by_asc(booking::Column::StartsAt)
        .order_by_asc(booking::Column::Id)
        .limit(10_000)
        .all(db)
        .await?;
    let people: BTreeMap<Uuid, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(bookings.iter().map(|b| b.participant_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let places: BTreeMap<Uuid, municipality::Model> = municipality::Entity::find()
        .filter(municipality::Column::Id.is_in(bookings.iter().map(|b| b.municipality_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    // The byte order mark makes spreadsheets (German Excel above all) read UTF-8.
    let mut out = String::from(
        "\u{feff}Beginn;Ende;Angebot;Status;Teilnehmer*in;E-Mail;Kommune;Anliegen;Antworten;Buchungs-ID\r\n",
    );
    for b in bookings {
        let person = people.get(&b.participant_id);
        let row = [
            b.starts_at
                .with_timezone(&ZONE)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            b.ends_at
                .with_timezone(&ZONE)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            offers
                .get(&b.offer_id)
                .map(|o| o.title.clone())
                .unwrap_or_default(),
            BookingStatus::parse(&b.status)
                .map_or_else(|| b.status.clone(), |s| s.german().to_owned()),
            person.map(|p| p.display_name.clone()).unwrap_or_default(),
            person.map(|p| p.email.clone()).unwrap_or_default(),
            places
                .get(&b.municipality_id)
                .map(|m| m.name.clone())
                .unwrap_or_default(),
            b.concern.clone().unwrap_or_default(),
            b.answers
                .as_ref()
                .and_then(|a| a.as_object())
                .map(|a| {
                    a.iter()
                        .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or_default()))
                        .collect::<Vec<_>>()
                        .join(" | ")
                })
                .unwrap_or_default(),
            b.id.to_string(),
        ];
        let line: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(";"));
        out.push_str("\r\n");
    }
    Ok(out)
}

/// Counts of one group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub total: u64,
    pub by_status: BTreeMap<String, u64>,
}

/// Bookings per municipality and per field of action for appointments in `[from, to)`.
pub async fn report(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<(Vec<(Uuid, String, Counts)>, Vec<(String, Counts)>), AppError> {
    #[derive(FromQueryResult)]
    struct ByMunicipality {
        municipality_id: Uuid,
        status: String,
        n: i64,
    }
    #[derive(FromQueryResult)]
    struct ByField {
        field_of_action_slug: String,
        status: String,
        n: i64,
    }
    let backend = db.get_database_backend();
    let b = Alias::new("b");
    let per_municipality = Query::select()
        .expr_as(
            Expr::col((b.clone(), Alias::new("municipality_id"))),
            Alias::new("municipality_id"),
        )
        .expr_as(
            Expr::col((b.clone(), Alias::new("status"))),
            Alias::new("status"),
        )
        .expr_as(
            Expr::col((b.clone(), Alias::new("id"))).count(),
            Alias::new("n"),
        )
        .from_as(booking::Entity, b.clone())
        .and_where(Expr::col((b.clone(), Alias::new("starts_at"))).gte(from))
        .and_where(Expr::col((b.clone(), Alias::new("starts_at"))).lt(to))
        .group_by_col((b.clone(), Alias::new("municipality_id")))
        .group_by_col((b.clone(), Alias::new("status")))
        .to_owned();
    let f = Alias::new("f");
    let per_field = Query::select()
        .expr_as(
            Expr::col((f.clone(), Alias::new("field_of_action_slug"))),
            Alias::new("field_of_action_slug"),
        )
        .expr_as(
            Expr::col((b.clone(), Alias::new("status"))),
            Alias::new("status"),
        )
        .expr_as(
            Expr::col((b.clone(), Alias::new("id"))).count(),
            Alias::new("n"),
        )
        .from_as(booking::Entity, b.clone())
        .inner_join(
            Alias::new("consultation_offer_fields")
                .into_table_ref()
                .alias(f.clone()),
            Expr::col((f.clone(), Alias::new("offer_id")))
                .equals((b.clone(), Alias::new("offer_id"))),
        )
        .and_where(Expr::col((b.clone(), Alias::new("starts_at"))).gte(from))
        .and_where(Expr::col((b.clone(), Alias::new("starts_at"))).lt(to))
        .group_by_col((f.clone(), Alias::new("field_of_action_slug")))
        .group_by_col((b.clone(), Alias::new("status")))
        .to_owned();
    let rows = ByMunicipality::find_by_statement(backend.build(&per_municipality))
        .all(db)
        .await?;
    let mut municipalities: BTreeMap<Uuid, Counts> = BTreeMap::new();
    for row in rows {
        let counts = municipalities.entry(row.municipality_id).or_default();
        let n = u64::try_from(row.n).unwrap_or(0);
        counts.total += n;
        *counts.by_status.entry(row.status).or_default() += n;
    }
    let names: BTreeMap<Uuid, String> = municipality::Entity::find()
        .filter(municipality::Column::Id.is_in(municipalities.keys().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m.name))
        .collect();
    let mut by_municipality: Vec<(Uuid, String, Counts)> = municipalities
        .into_iter()
        .map(|(id, c)| (id, names.get(&id).cloned().unwrap_or_default(), c))
        .collect();
    by_municipality.sort_by(|a, b| b.2.total.cmp(&a.2.total).then(a.1.cmp(&b.1)));
    let rows = ByField::find_by_statement(backend.build(&per_field))
        .all(db)
        .await?;
    let mut fields: BTreeMap<String, Counts> = BTreeMap::new();
    for row in rows {
        let counts = fields.entry(row.field_of_action_slug).or_default();
        let n = u64::try_from(row.n).unwrap_or(0);
        counts.total += n;
        *counts.by_status.entry(row.status).or_default() += n;
    }
    let mut by_field: Vec<(String, Counts)> = fields.into_iter().collect();
    by_field.sort_by(|a, b| b.1.total.cmp(&a.1.total).then(a.0.cmp(&b.0)));
    Ok((by_municipality, by_field))
}

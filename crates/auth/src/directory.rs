//! The directory: member organisations of the alliance and municipalities (funded sites).
//! Anyone may read it; coordinators manage it, and every change is audited.

use academy_kernel::db::begin_write;
use academy_kernel::{AppError, Bounds, FieldError};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, DatabaseTransaction, EntityTrait, IntoActiveModel, PaginatorTrait,
    PrimaryKeyTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit;
use crate::domain::{Checks, check_ags, check_text, check_url};
use crate::entity::{municipality, organisation, user};
use crate::principal::Principal;

/// What kind of body a member organisation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    /// Chamber (e.g. of crafts, of industry and commerce, of architects).
    Chamber,
    WelfareAssociation,
    University,
    Foundation,
    HousingCompany,
    Ministry,
    /// Association of municipalities or districts.
    MunicipalAssociation,
    /// Other registered association.
    Association,
    Company,
    Other,
}

/// How a member organisation contributes to the alliance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleProfile {
    /// Vermitteln: connects municipalities with the right partners.
    Mediate,
    /// Impulse geben: brings ideas and examples.
    GiveImpulses,
    /// Beraten: advises.
    Advise,
    /// Patenschaft: accompanies a site over time.
    Sponsorship,
}

/// Programme phase of a funded site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Integrated urban development concept (ISEK) being drawn up.
    Concept,
    Implementation,
    /// Verstetigung: making results last beyond the funding.
    Consolidation,
}

fn to_text<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn from_text<T: for<'de> Deserialize<'de>>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

/// Stored kind → enum (unknown values read as `other`).
pub fn kind_of(model: &organisation::Model) -> OrganisationKind {
    from_text(&model.kind).unwrap_or(OrganisationKind::Other)
}

/// Stored profiles → enums.
pub fn profiles_of(model: &organisation::Model) -> Vec<RoleProfile> {
    model
        .role_profiles
        .split(',')
        .filter_map(from_text)
        .collect()
}

/// Stored phase → enum.
pub fn phase_of(model: &municipality::Model) -> Option<Phase> {
    model.phase.as_deref().and_then(from_text)
}

fn profiles_text(profiles: &[RoleProfile]) -> String {
    let mut sorted = profiles.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted.iter().map(to_text).collect::<Vec<_>>().join(",")
}

/// Longest name, in characters.
/// Longest name of an organisation, municipality or district.
pub const NAME_MAX: usize = 200;
/// Years a municipality may have entered the programme.
pub const COHORT_YEARS: (i32, i32) = (1971, 2100);

/// The editable fields of an organisation.
pub struct OrganisationFields {
    /// Name, at most 200 characters.
    pub name: String,
    /// What kind of body it is.
    pub kind: OrganisationKind,
    /// Its website, an `http(s)` address.
    pub website: Option<String>,
    /// How it contributes to the alliance.
    pub role_profiles: Vec<RoleProfile>,
}

fn check_organisation(fields: &OrganisationFields) -> Result<(String, Option<String>), AppError> {
    let mut checks = Checks::default();
    let name = checks.check(check_text("name", &fields.name, NAME_MAX));
    let website = match fields
        .website
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        Some(w) => checks.check(check_url("website", w)).map(Some),
        None => Some(None),
    };
    checks.finish()?;
    match (name, website) {
        (Some(name), Some(website)) => Ok((name, website)),
        _ => Err(AppError::internal(anyhow::anyhow!(
            "checks passed without values"
        ))),
    }
}

/// Organisations by name, optionally matching `q` and of one kind, with the total.
pub async fn list_organisations(
    db: &DatabaseConnection,
    q: Option<&str>,
    kind: Option<OrganisationKind>,
    bounds: Bounds,
) -> Result<(Vec<organisation::Model>, u64), AppError> {
    let mut condition = Condition::all();
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        condition = condition.add(crate::domain::contains_ignoring_case(
            organisation::Column::Name,
            q,
        ));
    }
    if let Some(kind) = kind {
        condition = condition.add(organisation::Column::Kind.eq(to_text(&kind)));
    }
    let query = organisation::Entity::find().filter(condition);
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_asc(organisation::Column::Name)
        .order_by_asc(organisation::Column::Id)
        .limit(bounds.limit)
        .offset(bounds.offset)
        .all(db)
        .await?;
    Ok((items, total))
}

/// One organisation; 404 when there is none.
pub async fn get_organisation(
    db: &DatabaseConnection,
    id: Uuid,
) -> Result<organisation::Model, AppError> {
    organisation::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)
}

/// Creates an organisation (audited as `organisation.created`).
pub async fn create_organisation(
    db: &DatabaseConnection,
    caller: &Principal,
    fields: OrganisationFields,
) -> Result<organisation::Model, AppError> {
    let (name, website) = check_organisation(&fields)?;
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let created = organisation::Entity::insert(organisation::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        kind: Set(to_text(&fields.kind)),
        website: Set(website),
        role_profiles: Set(profiles_text(&fields.role_profiles)),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    })
    .exec_with_returning(&txn)
    .await?;
    audit::record(
        &txn,
        Some(caller.user_id),
        "organisation.created",
        "organisation",
        Some(created.id),
        json!({"name": created.name}),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Replaces an organisation's fields if it is still at the expected version (412
/// otherwise); audited as `organisation.updated`.
pub async fn update_organisation(
    db: &DatabaseConnection,
    caller: &Principal,
    id: Uuid,
    fields: OrganisationFields,
    expected_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<organisation::Model, AppError> {
    let (name, website) = check_organisation(&fields)?;
    let txn = begin_write(db).await?;
    let current = organisation::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    expected_version(current.version)?;
    let version = current.version;
    let mut active = current.into_active_model();
    active.name = Set(name);
    active.kind = Set(to_text(&fields.kind));
    active.website = Set(website);
    active.role_profiles = Set(profiles_text(&fields.role_profiles));
    active.updated_at = Set(Utc::now());
    active.version = Set(version + 1);
    let saved = save_versioned::<organisation::Entity>(
        &txn,
        caller,
        "organisation",
        id,
        version,
        active,
        (organisation::Column::Id, organisation::Column::Version),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Deletes an organisation no account belongs to (409 `reference_conflict` otherwise).
pub async fn delete_organisation(
    db: &DatabaseConnection,
    caller: &Principal,
    id: Uuid,
) -> Result<(), AppError> {
    delete_audited::<organisation::Entity>(db, caller, "organisation", id).await
}

/// The editable fields of a municipality.
pub struct MunicipalityFields {
    /// Name, at most 200 characters.
    pub name: String,
    /// Amtlicher Gemeindeschlüssel: 8 digits, starting with the state code.
    pub ags: String,
    /// The district (Landkreis) or "kreisfreie Stadt".
    pub district: String,
    /// Whether it is a site of the "Sozialer Zusammenhalt" programme.
    pub funded_site: bool,
    /// Year it joined the programme (1971–2100).
    pub cohort_year: Option<i32>,
    /// Where the funded site stands in the programme.
    pub phase: Option<Phase>,
}

fn check_municipality(fields: &MunicipalityFields) -> Result<(String, String, String), AppError> {
    let mut checks = Checks::default();
    let name = checks.check(check_text("name", &fields.name, NAME_MAX));
    let ags = fields.ags.trim().to_owned();
    checks.check(check_ags("ags", &ags));
    let district = checks.check(check_text("district", &fields.district, NAME_MAX));
    if let Some(year) = fields.cohort_year
        && !(COHORT_YEARS.0..=COHORT_YEARS.1).contains(&year)
    {
        checks.push(academy_kernel::FieldError::new(
            "cohortYear",
            "out_of_range",
            format!(
                "must be a year between {} and {}",
                COHORT_YEARS.0, COHORT_YEARS.1
            ),
        ));
    }
    checks.finish()?;
    match (name, district) {
        (Some(name), Some(district)) => Ok((name, ags, district)),
        _ => Err(AppError::internal(anyhow::anyhow!(
            "checks passed without values"
        ))),
    }
}

/// Municipalities by name, optionally matching `q` (name, district, AGS), funded or not,
/// in one phase, with the total.
pub async fn list_municipalities(
    db: &DatabaseConnection,
    q: Option<&str>,
    funded_site: Option<bool>,
    phase: Option<Phase>,
    bounds: Bounds,
) -> Result<(Vec<municipality::Model>, u64), AppError> {
    let mut condition = Condition::all();
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", q.to_lowercase().replace(['%', '_'], ""));
        condition = condition.add(
            Condition::any()
                .add(crate::domain::contains_ignoring_case(
                    municipality::Column::Name,
                    q,
                ))
                .add(crate::domain::contains_ignoring_case(
                    municipality::Column::District,
                    q,
                ))
                .add(municipality::Column::Ags.like(pattern.as_str())),
        );
    }
    if let Some(funded) = funded_site {
        condition = condition.add(municipality::Column::FundedSite.eq(funded));
    }
    if let Some(phase) = phase {
        condition = condition.add(municipality::Column::Phase.eq(to_text(&phase)));
    }
    let query = municipality::Entity::find().filter(condition);
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_asc(municipality::Column::Name)
        .order_by_asc(municipality::Column::Id)
        .limit(bounds.limit)
        .offset(bounds.offset)
        .all(db)
        .await?;
    Ok((items, total))
}

/// One municipality; 404 when there is none.
pub async fn get_municipality(
    db: &DatabaseConnection,
    id: Uuid,
) -> Result<municipality::Model, AppError> {
    municipality::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)
}

/// Creates a municipality (audited as `municipality.created`).
pub async fn create_municipality(
    db: &DatabaseConnection,
    caller: &Principal,
    fields: MunicipalityFields,
) -> Result<municipality::Model, AppError> {
    let (name, ags, district) = check_municipality(&fields)?;
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let created = municipality::Entity::insert(municipality::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        ags: Set(ags),
        district: Set(district),
        funded_site: Set(fields.funded_site),
        cohort_year: Set(fields.cohort_year),
        phase: Set(fields.phase.as_ref().map(to_text)),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    })
    .exec_with_returning(&txn)
    .await?;
    audit::record(
        &txn,
        Some(caller.user_id),
        "municipality.created",
        "municipality",
        Some(created.id),
        json!({"ags": created.ags}),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Replaces a municipality's fields if it is still at the expected version (412
/// otherwise); audited as `municipality.updated`.
pub async fn update_municipality(
    db: &DatabaseConnection,
    caller: &Principal,
    id: Uuid,
    fields: MunicipalityFields,
    expected_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<municipality::Model, AppError> {
    let (name, ags, district) = check_municipality(&fields)?;
    let txn = begin_write(db).await?;
    let current = municipality::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    expected_version(current.version)?;
    let version = current.version;
    let mut active = current.into_active_model();
    active.name = Set(name);
    active.ags = Set(ags);
    active.district = Set(district);
    active.funded_site = Set(fields.funded_site);
    active.cohort_year = Set(fields.cohort_year);
    active.phase = Set(fields.phase.as_ref().map(to_text));
    active.updated_at = Set(Utc::now());
    active.version = Set(version + 1);
    let saved = save_versioned::<municipality::Entity>(
        &txn,
        caller,
        "municipality",
        id,
        version,
        active,
        (municipality::Column::Id, municipality::Column::Version),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Deletes a municipality no account belongs to (409 `reference_conflict` otherwise).
pub async fn delete_municipality(
    db: &DatabaseConnection,
    caller: &Principal,
    id: Uuid,
) -> Result<(), AppError> {
    delete_audited::<municipality::Entity>(db, caller, "municipality", id).await
}

/// Writes `changed` (an entity with `id` and `version` columns) if the row is still at
/// `version` — 412 otherwise, someone else changed it first — audits the change as
/// `<subject>.updated`, and returns the saved row.
async fn save_versioned<E>(
    txn: &DatabaseTransaction,
    caller: &Principal,
    subject: &'static str,
    id: Uuid,
    version: i32,
    changed: E::ActiveModel,
    columns: (E::Column, E::Column),
) -> Result<E::Model, AppError>
where
    E: EntityTrait,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    let (id_column, version_column) = columns;
    let updated = E::update_many()
        .set(changed)
        .filter(id_column.eq(id))
        .filter(version_column.eq(version))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(AppError::precondition_failed());
    }
    audit::record(
        txn,
        Some(caller.user_id),
        &format!("{subject}.updated"),
        subject,
        Some(id),
        json!(null),
    )
    .await?;
    E::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(AppError::not_found)
}

/// Deletes the row `id` and audits it as `<subject>.deleted`; 404 when there is none,
/// 409 `reference_conflict` while accounts still refer to it.
async fn delete_audited<E>(
    db: &DatabaseConnection,
    caller: &Principal,
    subject: &'static str,
    id: Uuid,
) -> Result<(), AppError>
where
    E: EntityTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    let txn = begin_write(db).await?;
    let deleted = E::delete_by_id(id).exec(&txn).await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::not_found());
    }
    audit::record(
        &txn,
        Some(caller.user_id),
        &format!("{subject}.deleted"),
        subject,
        Some(id),
        json!(null),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The values of an id filter (`parameter`) that name no organisation, as field errors
/// (`organisation[1]`: `unknown`) for a 422: an unknown id is a mistake, not a filter that
/// matches nothing.
pub async fn unknown_organisations(
    db: &impl ConnectionTrait,
    parameter: &str,
    ids: &[Uuid],
) -> Result<Vec<FieldError>, AppError> {
    unknown_ids(
        db,
        organisation::Column::Id,
        parameter,
        ids,
        "no such organisation",
    )
    .await
}

/// The values of an id filter (`parameter`) that name no account, like
/// [`unknown_organisations`].
pub async fn unknown_accounts(
    db: &impl ConnectionTrait,
    parameter: &str,
    ids: &[Uuid],
) -> Result<Vec<FieldError>, AppError> {
    unknown_ids(db, user::Column::Id, parameter, ids, "no such account").await
}

/// The ids that no row of `id`'s table has, in one query.
async fn unknown_ids<C: ColumnTrait>(
    db: &impl ConnectionTrait,
    id: C,
    parameter: &str,
    ids: &[Uuid],
    message: &str,
) -> Result<Vec<FieldError>, AppError>
where
    C::EntityName: EntityTrait<Column = C>,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let known: Vec<Uuid> = <C::EntityName as EntityTrait>::find()
        .select_only()
        .column(id)
        .filter(id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(unknown(parameter, ids, &known, message))
}

fn unknown(parameter: &str, ids: &[Uuid], known: &[Uuid], message: &str) -> Vec<FieldError> {
    ids.iter()
        .enumerate()
        .filter(|(_, id)| !known.contains(id))
        .map(|(i, _)| FieldError::new(format!("{parameter}[{i}]"), "unknown", message.to_owned()))
        .collect()
}

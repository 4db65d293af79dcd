//! `/organisations` and `/municipalities`: readable by anyone, managed by coordinators.

use academy_kernel::extract::{Json, Query};
use academy_kernel::{AppError, Bounds, Db, Page};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{created, if_match, tagged};
use crate::directory::{
    self, MunicipalityFields, OrganisationFields, OrganisationKind, Phase, RoleProfile,
};
use crate::entity::{municipality, organisation};
use crate::principal::{Coordinators, Require};

/// A member organisation of the alliance.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationResponse {
    /// The organisation's id.
    pub id: Uuid,
    /// Full name, unique.
    #[schema(example = "Beispielstiftung Hessen")]
    pub name: String,
    /// What kind of body it is.
    pub kind: OrganisationKind,
    /// Its website.
    #[schema(example = "https://www.example.org")]
    pub website: Option<String>,
    /// How the organisation contributes.
    pub role_profiles: Vec<RoleProfile>,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<organisation::Model> for OrganisationResponse {
    fn from(model: organisation::Model) -> Self {
        Self {
            kind: directory::kind_of(&model),
            role_profiles: directory::profiles_of(&model),
            id: model.id,
            name: model.name,
            website: model.website,
            created_at: model.created_at,
            updated_at: model.updated_at,
        }
    }
}

/// The fields of an organisation (all of them; `PUT` replaces).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrganisationRequest {
    /// Full name, unique; 1–200 characters.
    #[schema(example = "Beispielstiftung Hessen")]
    pub name: String,
    /// What kind of body it is.
    pub kind: OrganisationKind,
    /// An http(s) address; empty or absent for none.
    #[schema(example = "https://www.example.org")]
    pub website: Option<String>,
    /// How it contributes to the alliance (default none).
    #[serde(default)]
    pub role_profiles: Vec<RoleProfile>,
}

impl From<OrganisationRequest> for OrganisationFields {
    fn from(body: OrganisationRequest) -> Self {
        Self {
            name: body.name,
            kind: body.kind,
            website: body.website,
            role_profiles: body.role_profiles,
        }
    }
}

/// Filters and page of the organisation list.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct OrganisationListQuery {
    /// Part of the name, case-insensitive.
    pub q: Option<String>,
    /// Only organisations of this kind.
    pub kind: Option<OrganisationKind>,
    /// Items per page, 1–100 (default 20).
    #[param(schema_with = academy_kernel::page::limit_schema)]
    pub limit: Option<u64>,
    /// Items to skip (default 0).
    #[param(schema_with = academy_kernel::page::offset_schema)]
    pub offset: Option<u64>,
}

/// Lists member organisations by name. Public.
#[utoipa::path(
    tag = "directory",
    params(OrganisationListQuery),
    responses((status = OK, description = "One page of organisations.", body = Page<OrganisationResponse>))
)]
#[get("/organisations")]
pub async fn list_organisations(
    db: web::Data<Db>,
    query: Query<OrganisationListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let bounds = Bounds::new(query.limit, query.offset)?;
    let (items, total) =
        directory::list_organisations(&db, query.q.as_deref(), query.kind, bounds).await?;
    let items = items.into_iter().map(OrganisationResponse::from).collect();
    Ok(HttpResponse::Ok().json(Page::new(items, total, bounds)))
}

/// Adds a member organisation. Coordinators.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    request_body = OrganisationRequest,
    responses(
        (status = CREATED, description = "Created.", body = OrganisationResponse),
        (status = CONFLICT, description = "`already_exists`: the name is taken.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[post("/organisations")]
pub async fn create_organisation(
    db: web::Data<Db>,
    caller: Require<Coordinators>,
    body: Json<OrganisationRequest>,
) -> Result<HttpResponse, AppError> {
    let model = directory::create_organisation(&db, &caller, body.into_inner().into()).await?;
    let version = model.version;
    let location = format!("/api/v1/organisations/{}", model.id);
    Ok(created(
        location,
        version,
        &OrganisationResponse::from(model),
    ))
}

/// One organisation, with its `ETag`. Public.
#[utoipa::path(
    tag = "directory",
    params(("id" = Uuid, Path, description = "The organisation's id.")),
    responses(
        (status = OK, description = "The organisation.", body = OrganisationResponse),
        academy_kernel::responses::Cached,
    )
)]
#[get("/organisations/{id}")]
pub async fn get_organisation(
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let model = directory::get_organisation(&db, id.into_inner()).await?;
    let version = model.version;
    Ok(tagged(&req, version, &OrganisationResponse::from(model)))
}

/// Replaces an organisation's fields. Coordinators; send `If-Match` with the `ETag` you read.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    request_body = OrganisationRequest,
    params(
        ("id" = Uuid, Path, description = "The organisation's id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the change is based on."),
    ),
    responses(
        (status = OK, description = "Updated.", body = OrganisationResponse),
        academy_kernel::responses::SignedIn,
        academy_kernel::responses::VersionOptional,
    )
)]
#[put("/organisations/{id}")]
pub async fn replace_organisation(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Require<Coordinators>,
    id: web::Path<Uuid>,
    body: Json<OrganisationRequest>,
) -> Result<HttpResponse, AppError> {
    let model = directory::update_organisation(
        &db,
        &caller,
        id.into_inner(),
        body.into_inner().into(),
        if_match(&req),
    )
    .await?;
    let version = model.version;
    Ok(tagged(&req, version, &OrganisationResponse::from(model)))
}

/// Deletes an organisation that no account belongs to. Coordinators.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organisation's id.")),
    responses(
        (status = NO_CONTENT, description = "Deleted."),
        (status = CONFLICT, description = "`reference_conflict`: accounts still belong to it.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[delete("/organisations/{id}")]
pub async fn delete_organisation(
    db: web::Data<Db>,
    caller: Require<Coordinators>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    directory::delete_organisation(&db, &caller, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A municipality of the programme.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MunicipalityResponse {
    /// The municipality's id.
    pub id: Uuid,
    /// Name of the municipality.
    #[schema(example = "Musterstadt")]
    pub name: String,
    /// Amtlicher Gemeindeschlüssel (8 digits).
    #[schema(example = "06411000")]
    pub ags: String,
    /// The district (Landkreis) or, for a district-free city, the city.
    #[schema(example = "Landkreis Beispiel")]
    pub district: String,
    /// Whether the municipality is a funded site of the programme.
    pub funded_site: bool,
    /// Year the site entered the programme.
    #[schema(example = 2023)]
    pub cohort_year: Option<i32>,
    /// Where the funded site stands in the programme.
    pub phase: Option<Phase>,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<municipality::Model> for MunicipalityResponse {
    fn from(model: municipality::Model) -> Self {
        Self {
            phase: directory::phase_of(&model),
            id: model.id,
            name: model.name,
            ags: model.ags,
            district: model.district,
            funded_site: model.funded_site,
            cohort_year: model.cohort_year,
            created_at: model.created_at,
            updated_at: model.updated_at,
        }
    }
}

/// The fields of a municipality (all of them; `PUT` replaces).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MunicipalityRequest {
    /// Name of the municipality; 1–200 characters.
    #[schema(example = "Musterstadt")]
    pub name: String,
    /// Amtlicher Gemeindeschlüssel: 8 digits, starting with the state code (06 for Hessen); unique.
    #[schema(example = "06411000")]
    pub ags: String,
    /// The district (Landkreis); 1–200 characters.
    #[schema(example = "Landkreis Beispiel")]
    pub district: String,
    /// Whether it is a funded site of the programme (default false).
    #[serde(default)]
    pub funded_site: bool,
    /// Year the site entered the programme.
    pub cohort_year: Option<i32>,
    /// Where the funded site stands in the programme.
    pub phase: Option<Phase>,
}

impl From<MunicipalityRequest> for MunicipalityFields {
    fn from(body: MunicipalityRequest) -> Self {
        Self {
            name: body.name,
            ags: body.ags,
            district: body.district,
            funded_site: body.funded_site,
            cohort_year: body.cohort_year,
            phase: body.phase,
        }
    }
}

/// Filters and page of the municipality list.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct MunicipalityListQuery {
    /// Part of the name, district or key, case-insensitive.
    pub q: Option<String>,
    /// Only funded sites (`true`) or only others (`false`).
    pub funded_site: Option<bool>,
    /// Only sites in this phase.
    pub phase: Option<Phase>,
    /// Items per page, 1–100 (default 20).
    #[param(schema_with = academy_kernel::page::limit_schema)]
    pub limit: Option<u64>,
    /// Items to skip (default 0).
    #[param(schema_with = academy_kernel::page::offset_schema)]
    pub offset: Option<u64>,
}

/// Lists municipalities by name. Public.
#[utoipa::path(
    tag = "directory",
    params(MunicipalityListQuery),
    responses((status = OK, description = "One page of municipalities.", body = Page<MunicipalityResponse>))
)]
#[get("/municipalities")]
pub async fn list_municipalities(
    db: web::Data<Db>,
    query: Query<MunicipalityListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let bounds = Bounds::new(query.limit, query.offset)?;
    let (items, total) = directory::list_municipalities(
        &db,
        query.q.as_deref(),
        query.funded_site,
        query.phase,
        bounds,
    )
    .await?;
    let items = items.into_iter().map(MunicipalityResponse::from).collect();
    Ok(HttpResponse::Ok().json(Page::new(items, total, bounds)))
}

/// Adds a municipality. Coordinators.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    request_body = MunicipalityRequest,
    responses(
        (status = CREATED, description = "Created.", body = MunicipalityResponse),
        (status = CONFLICT, description = "`already_exists`: the key is taken.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[post("/municipalities")]
pub async fn create_municipality(
    db: web::Data<Db>,
    caller: Require<Coordinators>,
    body: Json<MunicipalityRequest>,
) -> Result<HttpResponse, AppError> {
    let model = directory::create_municipality(&db, &caller, body.into_inner().into()).await?;
    let version = model.version;
    let location = format!("/api/v1/municipalities/{}", model.id);
    Ok(created(
        location,
        version,
        &MunicipalityResponse::from(model),
    ))
}

/// One municipality, with its `ETag`. Public.
#[utoipa::path(
    tag = "directory",
    params(("id" = Uuid, Path, description = "The municipality's id.")),
    responses(
        (status = OK, description = "The municipality.", body = MunicipalityResponse),
        academy_kernel::responses::Cached,
    )
)]
#[get("/municipalities/{id}")]
pub async fn get_municipality(
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let model = directory::get_municipality(&db, id.into_inner()).await?;
    let version = model.version;
    Ok(tagged(&req, version, &MunicipalityResponse::from(model)))
}

/// Replaces a municipality's fields. Coordinators; send `If-Match` with the `ETag` you read.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    request_body = MunicipalityRequest,
    params(
        ("id" = Uuid, Path, description = "The municipality's id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the change is based on."),
    ),
    responses(
        (status = OK, description = "Updated.", body = MunicipalityResponse),
        academy_kernel::responses::SignedIn,
        academy_kernel::responses::VersionOptional,
    )
)]
#[put("/municipalities/{id}")]
pub async fn replace_municipality(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Require<Coordinators>,
    id: web::Path<Uuid>,
    body: Json<MunicipalityRequest>,
) -> Result<HttpResponse, AppError> {
    let model = directory::update_municipality(
        &db,
        &caller,
        id.into_inner(),
        body.into_inner().into(),
        if_match(&req),
    )
    .await?;
    let version = model.version;
    Ok(tagged(&req, version, &MunicipalityResponse::from(model)))
}

/// Deletes a municipality that no account belongs to. Coordinators.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The municipality's id.")),
    responses(
        (status = NO_CONTENT, description = "Deleted."),
        (status = CONFLICT, description = "`reference_conflict`: accounts still belong to it.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[delete("/municipalities/{id}")]
pub async fn delete_municipality(
    db: web::Data<Db>,
    caller: Require<Coordinators>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    directory::delete_municipality(&db, &caller, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

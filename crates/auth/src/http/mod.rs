//! HTTP handlers of the identity capability: thin, each a use case from `accounts`,
//! `sessions` or `directory` plus its DTOs.

mod audit_log;
mod auth;
mod directory;
mod dto;
mod me;
mod memberships;
mod pages;
mod users;

use academy_kernel::contract::{Constraint, Link, NOT_BLANK, Rule};
use academy_kernel::etag;
use actix_web::{HttpRequest, HttpResponse, http::header};
use utoipa_actix_web::service_config::ServiceConfig;

pub use pages::configure_pages;

/// OpenAPI tags of this capability, with descriptions.
pub const TAGS: &[(&str, &str)] = &[
    (
        "auth",
        "Registration, email verification, sign-in, token refresh, sign-out, invitations and password reset.",
    ),
    ("me", "The signed-in user's own account."),
    (
        "users",
        "Account administration: search, invite, change roles, disable.",
    ),
    (
        "directory",
        "Member organisations of the alliance and municipalities (funded sites).",
    ),
    ("audit", "Who changed what, when."),
];

/// Mounts every route of the capability (under `/api/v1`).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(auth::register)
        .service(auth::verify_email)
        .service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(auth::logout_all)
        .service(auth::request_password_reset)
        .service(auth::confirm_password_reset)
        .service(auth::accept_invitation)
        .service(me::get_me)
        .service(me::update_me)
        .service(me::change_password)
        .service(me::delete_me)
        .service(users::list_users)
        .service(users::invite_user)
        .service(users::resend_invitation)
        .service(users::get_user)
        .service(users::update_user)
        .service(directory::list_organisations)
        .service(directory::create_organisation)
        .service(directory::get_organisation)
        .service(directory::replace_organisation)
        .service(directory::delete_organisation)
        .service(directory::list_municipalities)
        .service(directory::create_municipality)
        .service(directory::get_municipality)
        .service(directory::replace_municipality)
        .service(directory::delete_municipality)
        .service(memberships::get_email_domains)
        .service(memberships::replace_email_domains)
        .service(memberships::list_membership_requests)
        .service(memberships::confirm_membership)
        .service(memberships::decline_membership)
        .service(audit_log::list_audit_log);
}

/// 200 with the body and its `ETag`, or 304 when the client's copy is current.
fn tagged<T: serde::Serialize>(req: &HttpRequest, version: i32, body: &T) -> HttpResponse {
    let tag = etag::of(version);
    if etag::not_modified(req, &tag) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .finish();
    }
    HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(body)
}

/// 201 with `Location`, `ETag` and the body.
fn created<T: serde::Serialize>(location: String, version: i32, body: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::ETAG, etag::of(version)))
        .json(body)
}

/// The `If-Match` check as a closure over the stored version, for the use cases.
fn if_match(req: &HttpRequest) -> impl FnOnce(i32) -> Result<(), academy_kernel::AppError> + '_ {
    move |version| etag::check_if_match(req, &etag::of(version))
}

/// Where the identity and directory responses lead: a new account, organisation or
/// municipality to what can be done with it, a list's first item to the item.
pub fn links() -> Vec<Link> {
    const ID: (&str, &str) = ("id", "$response.body#/id");
    const FIRST: (&str, &str) = ("id", "$response.body#/items/0/id");
    const FIRST_USER: (&str, &str) = ("id", "$response.body#/items/0/userId");
    let user = ["get_user", "update_user", "resend_invitation"];
    let organisation = [
        "get_organisation",
        "replace_organisation",
        "delete_organisation",
    ];
    let municipality = [
        "get_municipality",
        "replace_municipality",
        "delete_municipality",
        "get_email_domains",
        "replace_email_domains",
    ];
    [
        Link::each("invite_user", "201", &user, &[ID]),
        Link::each("list_users", "200", &user, &[FIRST]),
        Link::each("create_organisation", "201", &organisation, &[ID]),
        Link::each("list_organisations", "200", &organisation, &[FIRST]),
        Link::each("create_municipality", "201", &municipality, &[ID]),
        Link::each("list_municipalities", "200", &municipality, &[FIRST]),
        Link::each(
            "list_membership_requests",
            "200",
            &["confirm_membership", "decline_membership"],
            &[FIRST_USER],
        ),
    ]
    .concat()
}

/// The bounds the identity and directory checks apply, for the contract (from the same
/// constants).
pub fn contract() -> Vec<Constraint> {
    use crate::accounts::DISPLAY_NAME_MAX;
    use crate::directory::{COHORT_YEARS, NAME_MAX};
    use crate::domain::{
        AGS_PATTERN, EMAIL_MAX, OPTIONAL_URL_PATTERN, PASSWORD_MAX, PASSWORD_MIN, URL_MAX,
    };
    use crate::membership::EMAIL_DOMAINS_MAX;
    use Rule::{Format, Items, Length, MinItems, Pattern, Range};
    let field = Constraint::field;
    let mut all = Vec::new();
    for (schema, name) in [
        ("RegisterRequest", "email"),
        ("LoginRequest", "email"),
        ("PasswordResetRequest", "email"),
        ("InviteRequest", "email"),
    ] {
        all.push(field(schema, name, Length(3, EMAIL_MAX)));
        all.push(field(schema, name, Format("email")));
    }
    for schema in ["InviteRequest", "UpdateUserRequest"] {
        all.push(field(schema, "roles", MinItems(1)));
    }
    for (schema, name) in [
        ("RegisterRequest", "password"),
        ("SetPasswordRequest", "password"),
        ("ChangePasswordRequest", "newPassword"),
    ] {
        all.push(field(schema, name, Length(PASSWORD_MIN, PASSWORD_MAX)));
    }
    for (schema, name) in [
        ("RegisterRequest", "displayName"),
        ("InviteRequest", "displayName"),
        ("UpdateMeRequest", "displayName"),
        ("UpdateUserRequest", "displayName"),
    ] {
        all.push(field(schema, name, Length(1, DISPLAY_NAME_MAX)));
        all.push(field(schema, name, Pattern(NOT_BLANK)));
    }
    all.extend([
        field("OrganisationRequest", "name", Length(1, NAME_MAX)),
        field("OrganisationRequest", "name", Pattern(NOT_BLANK)),
        field("OrganisationRequest", "website", Length(0, URL_MAX)),
        field(
            "OrganisationRequest",
            "website",
            Pattern(OPTIONAL_URL_PATTERN),
        ),
        field("MunicipalityRequest", "name", Length(1, NAME_MAX)),
        field("MunicipalityRequest", "name", Pattern(NOT_BLANK)),
        field("MunicipalityRequest", "ags", Pattern(AGS_PATTERN)),
        field("MunicipalityRequest", "district", Length(1, NAME_MAX)),
        field("MunicipalityRequest", "district", Pattern(NOT_BLANK)),
        field(
            "MunicipalityRequest",
            "cohortYear",
            Range(COHORT_YEARS.0.into(), COHORT_YEARS.1.into()),
        ),
        field("EmailDomains", "domains", Items(0, EMAIL_DOMAINS_MAX)),
    ]);
    all
}

//! Certificates and credentials: `/certificates/{id}` (the public verification page, its
//! Open Badges credential and its PDF), revocation, `/me/certificates`, and the issuer's
//! profile, keys and status list under `/credentials`.

use academy_auth::{Coordinators, Principal, Require};
use academy_kernel::extract::Json;
use academy_kernel::{AppError, Db};
use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::Settings;
use crate::certificates::{self, CertificateStatus};
use crate::credentials::{self, Issuer, VC_JWT};
use crate::entity::course_certificate;

/// A certificate as anyone with its address sees it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CertificateResponse {
    pub id: Uuid,
    /// Who completed the course.
    pub recipient_name: String,
    pub course_id: Uuid,
    pub course_title: String,
    /// The hours the course is estimated at.
    pub hours: f64,
    pub issued_at: DateTime<Utc>,
    /// After this the certificate is `expired`; none when it does not expire.
    pub expires_at: Option<DateTime<Utc>>,
    /// The organisation that published the course.
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub status: CertificateStatus,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Why it was revoked.
    pub revocation_reason: Option<String>,
    /// This page's address: what the QR code on the PDF leads to.
    pub verification_url: String,
    /// The signed Open Badges 3.0 credential (VC-JWT).
    pub credential_url: String,
    /// The PDF.
    pub pdf_url: String,
}

fn response(settings: &Settings, c: course_certificate::Model) -> CertificateResponse {
    let verification_url = credentials::certificate_url(&settings.public_url, c.id);
    CertificateResponse {
        status: certificates::status(&c, Utc::now()),
        credential_url: format!("{verification_url}/credential"),
        pdf_url: format!("{verification_url}/pdf"),
        verification_url,
        id: c.id,
        recipient_name: c.recipient_name,
        course_id: c.course_id,
        course_title: c.course_title,
        hours: c.hours,
        issued_at: c.issued_at,
        expires_at: c.expires_at,
        organisation_id: c.organisation_id,
        organisation_name: c.organisation_name,
        revoked_at: c.revoked_at,
        revocation_reason: c.revocation_reason,
    }
}

fn issuer(settings: &Settings) -> Result<&Issuer, AppError> {
    settings.issuer.as_ref().ok_or_else(|| {
        AppError::unavailable(
            "credentials_unavailable",
            "This academy signs no credentials: no signing key is configured.",
        )
    })
}

/// For every operation on one certificate.
// Only documents the response: handlers answer with `AppError`, never build it.
#[allow(dead_code)]
#[derive(utoipa::IntoResponses)]
pub enum CertificateNotFound {
    /// `not_found`: no such certificate.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(academy_kernel::Problem),
}

/// When no signing key is configured.
#[allow(dead_code)]
#[derive(utoipa::IntoResponses)]
pub enum Unsigned {
    /// `credentials_unavailable`: the academy has no credential signing key.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(academy_kernel::Problem),
}

/// The public verification page of a certificate: who, which course, hours, date,
/// issuing organisation, and whether it is valid, revoked (when, why) or expired.
#[utoipa::path(
    tag = "certificates",
    params(("id" = Uuid, Path, description = "The certificate's id.")),
    responses(
        (status = OK, description = "The certificate.", body = CertificateResponse),
        CertificateNotFound,
    )
)]
#[get("/certificates/{id}")]
pub async fn get_certificate(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let certificate = certificates::find(db.get_ref(), id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(response(&settings, certificate)))
}

/// The certificate as an Open Badges 3.0 `OpenBadgeCredential`, secured as a VC-JWT
/// (`EdDSA`, Ed25519; the header carries the public key, also published at
/// `/credentials/keys`). Its `credentialStatus` points at the revocation status list.
#[utoipa::path(
    tag = "certificates",
    params(("id" = Uuid, Path, description = "The certificate's id.")),
    responses(
        (status = OK, description = "The compact JWS.", body = String, content_type = "application/vc+jwt"),
        CertificateNotFound,
        Unsigned,
    )
)]
#[get("/certificates/{id}/credential")]
pub async fn get_certificate_credential(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let certificate = certificates::find(db.get_ref(), id.into_inner()).await?;
    let issuer = issuer(&settings)?;
    let token = issuer
        .sign(&credentials::credential(issuer, &certificate))
        .map_err(AppError::internal)?;
    Ok(HttpResponse::Ok().content_type(VC_JWT).body(token))
}

/// The certificate as a tagged PDF in German, with its verification address and QR code.
#[utoipa::path(
    tag = "certificates",
    params(("id" = Uuid, Path, description = "The certificate's id.")),
    responses(
        (status = OK, description = "The PDF.", body = String, content_type = "application/pdf"),
        CertificateNotFound,
    )
)]
#[get("/certificates/{id}/pdf")]
pub async fn get_certificate_pdf(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let c = certificates::find(db.get_ref(), id.into_inner()).await?;
    let url = credentials::certificate_url(&settings.public_url, c.id);
    let pdf = crate::pdf::render(&crate::pdf::Certificate {
        recipient: &c.recipient_name,
        course: &c.course_title,
        hours: c.hours,
        issued_at: c.issued_at,
        expires_at: c.expires_at,
        organisation: &c.organisation_name,
        issuer: "Akademie für sozialen Zusammenhalt",
        verification_url: &url,
        revoked: c.revoked_at.is_some(),
    });
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"zertifikat-{}.pdf\"", c.id),
        ))
        .body(pdf))
}

/// Why a certificate is revoked.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RevokeCertificateRequest {
    /// Shown on the verification page; required, at most 2000 characters.
    #[schema(example = "Irrtümlich ausgestellt.")]
    pub reason: String,
}

/// Revokes a certificate (audited): its page says so, with date and reason, and the
/// status list sets its bit. Coordinators.
#[utoipa::path(
    tag = "certificates",
    security(("bearer" = [])),
    request_body = RevokeCertificateRequest,
    params(("id" = Uuid, Path, description = "The certificate's id.")),
    responses(
        (status = OK, description = "Revoked.", body = CertificateResponse),
        (status = FORBIDDEN, description = "Not a coordinator.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`already_revoked`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "`reason` missing or too long.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        CertificateNotFound,
    )
)]
#[post("/certificates/{id}/revoke")]
pub async fn revoke_certificate(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    caller: Require<Coordinators>,
    id: web::Path<Uuid>,
    body: Json<RevokeCertificateRequest>,
) -> Result<web::Json<CertificateResponse>, AppError> {
    let certificate = certificates::revoke(&db, &caller, id.into_inner(), &body.reason).await?;
    Ok(web::Json(response(&settings, certificate)))
}

/// The caller's certificates, newest first.
#[utoipa::path(
    tag = "certificates",
    security(("bearer" = [])),
    responses(
        (status = OK, description = "The certificates.", body = Vec<CertificateResponse>),
        academy_kernel::responses::SignedIn,
    )
)]
#[get("/me/certificates")]
pub async fn list_my_certificates(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    caller: Principal,
) -> Result<web::Json<Vec<CertificateResponse>>, AppError> {
    let list = certificates::mine(&db, &caller).await?;
    Ok(web::Json(
        list.into_iter().map(|c| response(&settings, c)).collect(),
    ))
}

/// The issuer's Open Badges profile, with its public key (`publicKeyJwk`).
#[utoipa::path(
    tag = "certificates",
    responses(
        (status = OK, description = "The profile.", body = Object),
        Unsigned,
    )
)]
#[get("/credentials/issuer")]
pub async fn get_credential_issuer(
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let issuer = issuer(&settings)?;
    Ok(HttpResponse::Ok().json(issuer.profile()))
}

/// The public keys credentials are signed with, as a JWK set; the `kid` of a
/// credential's header names one.
#[utoipa::path(
    tag = "certificates",
    responses(
        (status = OK, description = "The key set.", body = Object),
        Unsigned,
    )
)]
#[get("/credentials/keys")]
pub async fn get_credential_keys(settings: web::Data<Settings>) -> Result<HttpResponse, AppError> {
    let issuer = issuer(&settings)?;
    Ok(HttpResponse::Ok().json(json!({"keys": [issuer.jwk()]})))
}

/// The revocation status list (W3C Bitstring Status List) as a signed VC-JWT: bit `i`
/// is set when the certificate whose `statusListIndex` is `i` is revoked.
#[utoipa::path(
    tag = "certificates",
    responses(
        (status = OK, description = "The compact JWS of the `BitstringStatusListCredential`.", body = String, content_type = "application/vc+jwt"),
        Unsigned,
    )
)]
#[get("/credentials/status/revocation")]
pub async fn get_revocation_list(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let issuer = issuer(&settings)?;
    let revoked = certificates::revoked_indexes(db.get_ref()).await?;
    let list = credentials::status_list(issuer, credentials::encoded_list(revoked), Utc::now());
    let token = issuer.sign(&list).map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(VC_JWT)
        .insert_header((header::CACHE_CONTROL, "max-age=60"))
        .body(token))
}

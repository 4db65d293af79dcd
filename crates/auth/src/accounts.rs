//! Accounts: self-registration with email verification, invitations, password reset and
//! change, the own profile, administration, and the first administrator.

use academy_kernel::db::begin_write;
use academy_kernel::{AppError, Bounds, FieldError};
use actix_web::http::StatusCode;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use crate::audit;
use crate::domain::{Checks, Email, Role, Roles, UserStatus, check_password, check_text};
use crate::entity::{municipality, organisation, user, user_token};
use crate::mails;
use crate::principal::Principal;
use crate::sessions::{self, TokenPair};
use crate::settings::{Auth, INVITATION_TTL, PASSWORD_RESET_TTL, VERIFY_EMAIL_TTL};
use crate::tokens;

/// Longest display name, in characters.
pub const DISPLAY_NAME_MAX: usize = 100;

/// What a mailed token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    VerifyEmail,
    Invitation,
    PasswordReset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::Invitation => "invitation",
            Purpose::PasswordReset => "password_reset",
        }
    }
}

fn invalid_token() -> AppError {
    AppError::bad_request(
        "invalid_token",
        "The link or code is invalid, expired or already used.",
    )
}

/// Creates a single-use token for `user` and returns the secret to mail.
async fn create_token(
    db: &impl ConnectionTrait,
    user: Uuid,
    purpose: Purpose,
    ttl: std::time::Duration,
) -> Result<String, AppError> {
    let secret = tokens::generate();
    let now = Utc::now();
    user_token::Entity::insert(user_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user),
        purpose: Set(purpose.as_str().to_owned()),
        token_hash: Set(tokens::digest(&secret)),
        expires_at: Set(now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(1))),
        used_at: Set(None),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(secret)
}

/// Marks a token used and returns its user. The conditional update makes it single-use
/// even when two requests present it at once.
async fn consume_token(
    db: &impl ConnectionTrait,
    secret: &str,
    purpose: Purpose,
) -> Result<Uuid, AppError> {
    let now = Utc::now();
    let digest = tokens::digest(secret);
    let found = user_token::Entity::find()
        .filter(user_token::Column::TokenHash.eq(digest.as_str()))
        .filter(user_token::Column::Purpose.eq(purpose.as_str()))
        .one(db)
        .await?
        .ok_or_else(invalid_token)?;
    let consumed = user_token::Entity::update_many()
        .col_expr(user_token::Column::UsedAt, Expr::value(now))
        .filter(user_token::Column::Id.eq(found.id))
        .filter(user_token::Column::UsedAt.is_null())
        .filter(user_token::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    if consumed.rows_affected != 1 {
        return Err(invalid_token());
    }
    Ok(found.user_id)
}

async fn find_by_email(
    db: &impl ConnectionTrait,
    email: &Email,
) -> Result<Option<user::Model>, AppError> {
    Ok(user::Entity::find()
        .filter(user::Column::EmailNormalized.eq(email.normalized()))
        .one(db)
        .await?)
}

async fn municipality_exists(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, AppError> {
    Ok(municipality::Entity::find_by_id(id).count(db).await? > 0)
}

async fn organisation_exists(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, AppError> {
    Ok(organisation::Entity::find_by_id(id).count(db).await? > 0)
}

/// Takes one mail from the quiet limits of mails to an address a caller chose: per
/// recipient and, for anonymous requests, per client. `false` means: answer as usual but
/// send nothing. Counted in the caller's transaction, atomically (see
/// [`academy_kernel::throttle`]).
async fn may_mail(
    conn: &impl ConnectionTrait,
    auth: &Auth,
    recipient: &str,
    client: Option<&str>,
) -> Result<bool, AppError> {
    use academy_kernel::throttle::{self, Quota};
    let limits = &auth.settings.mail_limit;
    let mut quotas = vec![Quota::new(
        format!("mail:recipient:{recipient}"),
        limits.per_recipient,
        limits.window,
    )];
    if let Some(client) = client {
        quotas.push(Quota::new(
            format!("mail:client:{client}"),
            limits.per_client,
            limits.window,
        ));
    }
    let granted = throttle::take_in(conn, &quotas).await?.is_granted();
    if !granted {
        metrics::counter!("mails_withheld_total").increment(1);
        tracing::info!("mail limit reached; the mail is not sent");
    }
    Ok(granted)
}

/// What an invitation of `account` grants, with the names of its organisation and
/// municipality.
async fn grant_of(
    conn: &impl ConnectionTrait,
    account: &user::Model,
) -> Result<mails::Grant, AppError> {
    let organisation = match account.organisation_id {
        Some(id) => organisation::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|o| o.name),
        None => None,
    };
    let municipality = match account.municipality_id {
        Some(id) => municipality::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|m| m.name),
        None => None,
    };
    Ok(mails::Grant {
        roles: Roles::from_stored(&account.roles),
        organisation,
        municipality,
    })
}

fn unknown(field: &'static str) -> FieldError {
    FieldError::new(field, "unknown", "does not exist")
}

/// Input of a self-registration.
pub struct Registration {
    pub email: String,
    pub password: String,
    pub display_name: String,
    pub municipality_id: Option<Uuid>,
}

/// Registers a learner, or — when the address is taken — mails its owner instead. The
/// caller sees the same outcome either way.
pub async fn register(
    db: &DatabaseConnection,
    auth: &Auth,
    input: Registration,
    client: &str,
) -> Result<(), AppError> {
    let mut checks = Checks::default();
    let email = checks.check(Email::parse("email", &input.email));
    checks.check(check_password("password", &input.password));
    let name = checks.check(check_text(
        "displayName",
        &input.display_name,
        DISPLAY_NAME_MAX,
    ));
    if let Some(id) = input.municipality_id
        && !municipality_exists(db, id).await?
    {
        checks.push(unknown("municipalityId"));
    }
    checks.finish()?;
    let (Some(email), Some(name)) = (email, name) else {
        return Err(AppError::internal(anyhow::anyhow!(
            "checks passed without values"
        )));
    };
    // Hashed whether or not the address is taken, so both take the same time.
    let hash = auth.hasher.hash(input.password).await?;

    let txn = begin_write(db).await?;
    match register_in(
        &txn,
        auth,
        &email,
        &name,
        hash,
        input.municipality_id,
        client,
    )
    .await
    {
        Ok(()) => Ok(txn.commit().await?),
        // Two registrations of one new address raced; the other one created the account.
        Err(error) if error.code() == "already_exists" => Ok(()),
        Err(error) => Err(error),
    }
}

async fn register_in(
    txn: &impl ConnectionTrait,
    auth: &Auth,
    email: &Email,
    name: &str,
    hash: String,
    municipality_id: Option<Uuid>,
    client: &str,
) -> Result<(), AppError> {
    match find_by_email(txn, email).await? {
        None => {
            let now = Utc::now();
            let id = Uuid::now_v7();
            // A claimed municipality counts at once only for an address at one of its
            // registered domains; otherwise a coordinator confirms it.
            let confirmed = match municipality_id {
                Some(m) => crate::membership::confirmed_by_domain(txn, m, email.normalized())
                    .await?
                    .then_some(now),
                None => None,
            };
            user::Entity::insert(user::ActiveModel {
                id: Set(id),
                email: Set(email.as_str().to_owned()),
                email_normalized: Set(email.normalized().to_owned()),
                display_name: Set(name.to_owned()),
                password_hash: Set(Some(hash)),
                roles: Set(Roles::new([Role::Learner]).to_stored()),
                organisation_id: Set(None),
                municipality_id: Set(municipality_id),
                municipality_confirmed_at: Set(confirmed),
                status: Set(UserStatus::Active.as_str().to_owned()),
                email_verified_at: Set(None),
                last_login_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            })
            .exec_without_returning(txn)
            .await?;
            if may_mail(txn, auth, email.normalized(), Some(client)).await? {
                let token = create_token(txn, id, Purpose::VerifyEmail, VERIFY_EMAIL_TTL).await?;
                academy_notifications::enqueue(
                    txn,
                    mails::verify_email(auth, email.as_str(), name, &token),
                )
                .await?;
            }
        }
        Some(existing) => match UserStatus::parse(&existing.status) {
            Some(UserStatus::Disabled) => {}
            _ if !may_mail(txn, auth, email.normalized(), Some(client)).await? => {}
            Some(UserStatus::Active) if existing.email_verified_at.is_none() => {
                let token =
                    create_token(txn, existing.id, Purpose::VerifyEmail, VERIFY_EMAIL_TTL).await?;
                academy_notifications::enqueue(
                    txn,
                    mails::verify_email(auth, &existing.email, &existing.display_name, &token),
                )
                .await?;
            }
            _ => {
                academy_notifications::enqueue(
                    txn,
                    mails::already_registered(auth, &existing.email, &existing.display_name),
                )
                .await?;
            }
        },
    }
    Ok(())
}

/// Confirms the address of a self-registered account.
pub async fn verify_email(db: &DatabaseConnection, secret: &str) -> Result<(), AppError> {
    let txn = begin_write(db).await?;
    let user_id = consume_token(&txn, secret, Purpose::VerifyEmail).await?;
    user::Entity::update_many()
        .col_expr(user::Column::EmailVerifiedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::EmailVerifiedAt.is_null())
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Mails a reset link to an account that can sign in. Says nothing about the outcome.
pub async fn request_password_reset(
    db: &DatabaseConnection,
    auth: &Auth,
    email: &str,
    client: &str,
) -> Result<(), AppError> {
    let Ok(email) = Email::parse("email", email) else {
        return Ok(());
    };
    let txn = begin_write(db).await?;
    if let Some(account) = find_by_email(&txn, &email).await?
        && UserStatus::parse(&account.status) == Some(UserStatus::Active)
        && may_mail(&txn, auth, email.normalized(), Some(client)).await?
    {
        // Only the newest link works.
        user_token::Entity::delete_many()
            .filter(user_token::Column::UserId.eq(account.id))
            .filter(user_token::Column::Purpose.eq(Purpose::PasswordReset.as_str()))
            .filter(user_token::Column::UsedAt.is_null())
            .exec(&txn)
            .await?;
        let token =
            create_token(&txn, account.id, Purpose::PasswordReset, PASSWORD_RESET_TTL).await?;
        academy_notifications::enqueue(
            &txn,
            mails::password_reset(auth, &account.email, &account.display_name, &token),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Sets a new password with a mailed reset token; every session of the account ends.
pub async fn confirm_password_reset(
    db: &DatabaseConnection,
    auth: &Auth,
    secret: &str,
    password: String,
) -> Result<(), AppError> {
    check_password("password", &password).map_err(|e| AppError::validation(vec![e]))?;
    let hash = auth.hasher.hash(password).await?;
    let txn = begin_write(db).await?;
    let user_id = consume_token(&txn, secret, Purpose::PasswordReset).await?;
    let now = Utc::now();
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user_id))
        .exec(&txn)
        .await?;
    // The mailbox was just proven.
    user::Entity::update_many()
        .col_expr(user::Column::EmailVerifiedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::EmailVerifiedAt.is_null())
        .exec(&txn)
        .await?;
    sessions::revoke_all(&txn, user_id, None).await?;
    audit::record(
        &txn,
        Some(user_id),
        "user.password_reset",
        "user",
        Some(user_id),
        json!(null),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Changes the caller's password after checking the current one; the caller's other
/// sessions end, this one stays.
pub async fn change_password(
    db: &DatabaseConnection,
    auth: &Auth,
    caller: &Principal,
    current: String,
    new: String,
) -> Result<(), AppError> {
    check_password("newPassword", &new).map_err(|e| AppError::validation(vec![e]))?;
    let account = load(db, caller.user_id).await?;
    let verified = auth
        .hasher
        .verify(current, account.password_hash.clone())
        .await?;
    if verified == crate::password::Verified::No {
        return Err(AppError::validation(vec![FieldError::new(
            "currentPassword",
            "wrong_password",
            "is not your current password",
        )]));
    }
    let hash = auth.hasher.hash(new).await?;
    let txn = begin_write(db).await?;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(account.id))
        .exec(&txn)
        .await?;
    sessions::revoke_all(&txn, account.id, Some(caller.session_id)).await?;
    audit::record(
        &txn,
        Some(account.id),
        "user.password_changed",
        "user",
        Some(account.id),
        json!(null),
    )
    .await?;
    academy_notifications::enqueue(
        &txn,
        mails::password_changed(auth, &account.email, &account.display_name),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Loads an account the caller is known to have (their own).
pub async fn load(db: &impl ConnectionTrait, id: Uuid) -> Result<user::Model, AppError> {
    user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)
}

/// Input of an invitation.
pub struct Invitation {
    pub email: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub organisation_id: Option<Uuid>,
    pub municipality_id: Option<Uuid>,
}

/// Checks roles against organisation and municipality, and who may grant them.
async fn check_assignment(
    db: &impl ConnectionTrait,
    checks: &mut Checks,
    caller: &Principal,
    roles: &Roles,
    organisation_id: Option<Uuid>,
    municipality_id: Option<Uuid>,
) -> Result<(), AppError> {
    if roles.contains_any(&[Role::Admin]) && !caller.has(Role::Admin) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "cannot_grant_admin",
            "Only administrators can grant the admin role.",
        ));
    }
    check_roles(db, checks, roles, organisation_id, municipality_id).await
}

/// Checks roles against organisation and municipality, whoever grants them: at least one
/// role, authors and consultants in an organisation, both places existing.
async fn check_roles(
    db: &impl ConnectionTrait,
    checks: &mut Checks,
    roles: &Roles,
    organisation_id: Option<Uuid>,
    municipality_id: Option<Uuid>,
) -> Result<(), AppError> {
    if roles.is_empty() {
        checks.push(FieldError::new(
            "roles",
            "required",
            "must name at least one role",
        ));
    }
    if roles.contains_any(&[Role::Author, Role::Consultant]) && organisation_id.is_none() {
        checks.push(FieldError::new(
            "organisationId",
            "required",
            "authors and consultants belong to a member organisation",
        ));
    }
    if roles.contains(Role::ContactPerson) && municipality_id.is_none() {
        checks.push(FieldError::new(
            "municipalityId",
            "required",
            "a contact person speaks for a municipality",
        ));
    }
    if let Some(id) = organisation_id
        && !organisation_exists(db, id).await?
    {
        checks.push(unknown("organisationId"));
    }
    if let Some(id) = municipality_id
        && !municipality_exists(db, id).await?
    {
        checks.push(unknown("municipalityId"));
    }
    Ok(())
}

/// Invites someone with preset roles, organisation or municipality.
pub async fn invite(
    db: &DatabaseConnection,
    auth: &Auth,
    caller: &Principal,
    input: Invitation,
) -> Result<user::Model, AppError> {
    let mut checks = Checks::default();
    let email = checks.check(Email::parse("email", &input.email));
    let name = checks.check(check_text(
        "displayName",
        &input.display_name,
        DISPLAY_NAME_MAX,
    ));
    let roles = Roles::new(input.roles);
    check_assignment(
        db,
        &mut checks,
        caller,
        &roles,
        input.organisation_id,
        input.municipality_id,
    )
    .await?;
    checks.finish()?;
    let (Some(email), Some(name)) = (email, name) else {
        return Err(AppError::internal(anyhow::anyhow!(
            "checks passed without values"
        )));
    };

    let txn = begin_write(db).await?;
    if find_by_email(&txn, &email).await?.is_some() {
        return Err(AppError::conflict(
            "email_taken",
            "An account with this email address exists already.",
        ));
    }
    let inviter = load(&txn, caller.user_id).await?;
    let now = Utc::now();
    let account = user::Entity::insert(user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email.as_str().to_owned()),
        email_normalized: Set(email.normalized().to_owned()),
        display_name: Set(name),
        password_hash: Set(None),
        roles: Set(roles.to_stored()),
        organisation_id: Set(input.organisation_id),
        municipality_id: Set(input.municipality_id),
        // The coordinator who invites grants the membership.
        municipality_confirmed_at: Set(input.municipality_id.map(|_| now)),
        status: Set(UserStatus::Invited.as_str().to_owned()),
        email_verified_at: Set(None),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    })
    .exec_with_returning(&txn)
    .await?;
    send_invitation(&txn, auth, &account, &inviter).await?;
    audit::record(
        &txn,
        Some(caller.user_id),
        "user.invited",
        "user",
        Some(account.id),
        json!({"roles": roles.to_vec(), "organisationId": input.organisation_id, "municipalityId": input.municipality_id}),
    )
    .await?;
    txn.commit().await?;
    Ok(account)
}

/// A fresh invitation token for `account`, mailed unless the mail limits hold it back.
async fn send_invitation(
    txn: &sea_orm::DatabaseTransaction,
    auth: &Auth,
    account: &user::Model,
    inviter: &user::Model,
) -> Result<(), AppError> {
    let token = create_token(txn, account.id, Purpose::Invitation, INVITATION_TTL).await?;
    if may_mail(txn, auth, &account.email_normalized, None).await? {
        academy_notifications::enqueue(
            txn,
            mails::invitation(
                auth,
                &account.email,
                &account.display_name,
                &inviter.display_name,
                &grant_of(txn, account).await?,
                &token,
            ),
        )
        .await?;
    }
    Ok(())
}

/// Sends an invited account a fresh invitation; earlier unused ones stop working. For
/// invitations that expired or got lost.
pub async fn resend_invitation(
    db: &DatabaseConnection,
    auth: &Auth,
    caller: &Principal,
    id: Uuid,
) -> Result<(), AppError> {
    let txn = begin_write(db).await?;
    let account = load(&txn, id).await?;
    if UserStatus::parse(&account.status) != Some(UserStatus::Invited) {
        return Err(AppError::conflict(
            "not_invited",
            "The account is not waiting for an invitation to be accepted.",
        ));
    }
    if Roles::from_stored(&account.roles).contains(Role::Admin) && !caller.has(Role::Admin) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "cannot_grant_admin",
            "Only administrators can invite administrators.",
        ));
    }
    user_token::Entity::delete_many()
        .filter(user_token::Column::UserId.eq(account.id))
        .filter(user_token::Column::Purpose.eq(Purpose::Invitation.as_str()))
        .filter(user_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    let inviter = load(&txn, caller.user_id).await?;
    send_invitation(&txn, auth, &account, &inviter).await?;
    audit::record(
        &txn,
        Some(caller.user_id),
        "user.invitation_resent",
        "user",
        Some(account.id),
        json!(null),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Sets the invitee's password and signs them in.
pub async fn accept_invitation(
    db: &DatabaseConnection,
    auth: &Auth,
    secret: &str,
    password: String,
) -> Result<TokenPair, AppError> {
    check_password("password", &password).map_err(|e| AppError::validation(vec![e]))?;
    let hash = auth.hasher.hash(password).await?;
    let txn = begin_write(db).await?;
    let user_id = consume_token(&txn, secret, Purpose::Invitation).await?;
    let account = load(&txn, user_id).await?;
    if UserStatus::parse(&account.status) != Some(UserStatus::Invited) {
        return Err(invalid_token());
    }
    let now = Utc::now();
    let mut active = account.into_active_model();
    active.password_hash = Set(Some(hash));
    active.status = Set(UserStatus::Active.as_str().to_owned());
    active.email_verified_at = Set(Some(now));
    active.last_login_at = Set(Some(now));
    active.updated_at = Set(now);
    let account = active.update(&txn).await?;
    audit::record(
        &txn,
        Some(user_id),
        "user.invitation_accepted",
        "user",
        Some(user_id),
        json!(null),
    )
    .await?;
    let pair = sessions::open_session(&txn, auth, &account).await?;
    txn.commit().await?;
    Ok(pair)
}

/// Changes the caller's own profile: only what is theirs to change. Naming a
/// municipality asks to belong to it: pending until a coordinator confirms it, unless the
/// address is at one of the municipality's registered domains.
pub async fn update_me(
    db: &DatabaseConnection,
    caller: &Principal,
    display_name: Option<String>,
    municipality_id: Option<Uuid>,
    expected_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<user::Model, AppError> {
    let account = load(db, caller.user_id).await?;
    expected_version(account.version)?;
    let mut checks = Checks::default();
    let name =
        display_name.and_then(|n| checks.check(check_text("displayName", &n, DISPLAY_NAME_MAX)));
    checks.finish()?;
    let membership = match municipality_id {
        Some(id) => Some((id, crate::membership::request(db, &account, id).await?)),
        None => None,
    };
    if name.is_none() && membership.is_none() {
        return Ok(account);
    }
    let txn = begin_write(db).await?;
    let updated = save_versioned(&txn, account, |active| {
        if let Some(name) = name {
            active.display_name = Set(name);
        }
        if let Some((id, confirmed_at)) = membership {
            active.municipality_id = Set(Some(id));
            active.municipality_confirmed_at = Set(confirmed_at);
        }
    })
    .await?;
    if let Some((id, confirmed_at)) = membership {
        audit::record(
            &txn,
            Some(caller.user_id),
            "user.municipality_requested",
            "user",
            Some(caller.user_id),
            json!({"municipalityId": id, "confirmed": confirmed_at.is_some()}),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(updated)
}

/// Writes a change if the row is still at the version it was read at; 412 otherwise.
async fn save_versioned(
    db: &impl ConnectionTrait,
    account: user::Model,
    change: impl FnOnce(&mut user::ActiveModel),
) -> Result<user::Model, AppError> {
    let version = account.version;
    let id = account.id;
    let mut active = account.into_active_model();
    change(&mut active);
    active.version = Set(version + 1);
    active.updated_at = Set(Utc::now());
    let updated = user::Entity::update_many()
        .set(active)
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::Version.eq(version))
        .exec(db)
        .await?;
    if updated.rows_affected != 1 {
        return Err(AppError::precondition_failed());
    }
    load(db, id).await
}

/// Filters of the user list.
#[derive(Default)]
pub struct UserFilter {
    pub q: Option<String>,
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
    pub organisation_id: Option<Uuid>,
    pub municipality_id: Option<Uuid>,
}

/// Lists accounts, newest first, with the total.
pub async fn list_users(
    db: &DatabaseConnection,
    filter: UserFilter,
    bounds: Bounds,
) -> Result<(Vec<user::Model>, u64), AppError> {
    let mut condition = Condition::all();
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", q.to_lowercase().replace(['%', '_'], ""));
        condition = condition.add(
            Condition::any()
                .add(user::Column::EmailNormalized.like(pattern.as_str()))
                .add(crate::domain::contains_ignoring_case(
                    user::Column::DisplayName,
                    q,
                )),
        );
    }
    if let Some(role) = filter.role {
        // Role names are not substrings of each other, so matching within the list is exact.
        condition = condition.add(user::Column::Roles.like(format!("%{}%", role.as_str())));
    }
    if let Some(status) = filter.status {
        condition = condition.add(user::Column::Status.eq(status.as_str()));
    }
    if let Some(id) = filter.organisation_id {
        condition = condition.add(user::Column::OrganisationId.eq(id));
    }
    if let Some(id) = filter.municipality_id {
        condition = condition.add(user::Column::MunicipalityId.eq(id));
    }
    let query = user::Entity::find().filter(condition);
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_desc(user::Column::CreatedAt)
        .order_by_desc(user::Column::Id)
        .limit(bounds.limit)
        .offset(bounds.offset)
        .all(db)
        .await?;
    Ok((items, total))
}

/// An administrator's change to an account; absent fields stay as they are.
#[derive(Default)]
pub struct AccountChange {
    pub display_name: Option<String>,
    pub roles: Option<Vec<Role>>,
    pub status: Option<UserStatus>,
    /// `Some(None)` removes the organisation.
    pub organisation_id: Option<Option<Uuid>>,
    pub municipality_id: Option<Option<Uuid>>,
}

/// Applies an administrator's change; role changes and disabling are audited, and a
/// disabled account's sessions end at once.
pub async fn update_user(
    db: &DatabaseConnection,
    caller: &Principal,
    id: Uuid,
    change: AccountChange,
    expected_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<user::Model, AppError> {
    let txn = begin_write(db).await?;
    let account = load(&txn, id).await?;
    expected_version(account.version)?;
    let old_roles = Roles::from_stored(&account.roles);
    let old_status = UserStatus::parse(&account.status);
    let new_roles = change
        .roles
        .clone()
        .map(Roles::new)
        .unwrap_or_else(|| old_roles.clone());
    let organisation_id = change.organisation_id.unwrap_or(account.organisation_id);
    let municipality_id = change.municipality_id.unwrap_or(account.municipality_id);

    let mut checks = Checks::default();
    let name = change
        .display_name
        .as_deref()
        .and_then(|n| checks.check(check_text("displayName", n, DISPLAY_NAME_MAX)));
    check_assignment(
        &txn,
        &mut checks,
        caller,
        &new_roles,
        organisation_id,
        municipality_id,
    )
    .await?;
    if change.status == Some(UserStatus::Invited) {
        checks.push(FieldError::new(
            "status",
            "invalid_status",
            "must be active or disabled",
        ));
    }
    checks.finish()?;
    if id == caller.user_id
        && (change.status == Some(UserStatus::Disabled) || !new_roles.contains(Role::Admin))
    {
        return Err(AppError::conflict(
            "cannot_lock_out_self",
            "You cannot disable your own account or remove your own admin role.",
        ));
    }
    // An account without a password cannot be active; it stays invited.
    let new_status = change.status.map(|status| match status {
        UserStatus::Active if account.password_hash.is_none() => UserStatus::Invited,
        other => other,
    });

    let updated = save_versioned(&txn, account, |active| {
        if let Some(name) = name {
            active.display_name = Set(name);
        }
        active.roles = Set(new_roles.to_stored());
        active.organisation_id = Set(organisation_id);
        // An administrator's assignment is a confirmation.
        if change.municipality_id.is_some() {
            active.municipality_confirmed_at = Set(municipality_id.map(|_| Utc::now()));
        }
        active.municipality_id = Set(municipality_id);
        if let Some(status) = new_status {
            active.status = Set(status.as_str().to_owned());
        }
    })
    .await?;

    if new_roles != old_roles {
        audit::record(
            &txn,
            Some(caller.user_id),
            "user.roles_changed",
            "user",
            Some(id),
            json!({"from": old_roles.to_vec(), "to": new_roles.to_vec()}),
        )
        .await?;
    }
    if new_status.is_some() && new_status != old_status {
        let disabled = new_status == Some(UserStatus::Disabled);
        if disabled {
            sessions::revoke_all(&txn, id, None).await?;
        }
        audit::record(
            &txn,
            Some(caller.user_id),
            if disabled {
                "user.disabled"
            } else {
                "user.enabled"
            },
            "user",
            Some(id),
            json!(null),
        )
        .await?;
    }
    if change.organisation_id.is_some() || change.municipality_id.is_some() {
        audit::record(
            &txn,
            Some(caller.user_id),
            "user.assignment_changed",
            "user",
            Some(id),
            json!({"organisationId": organisation_id, "municipalityId": municipality_id}),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(updated)
}

/// Deletes the caller's own account after checking the password: the personal data
/// (address, name, password, assignments) is erased and the row stays as an anonymous,
/// disabled placeholder so that records referring to it keep their meaning. Every session
/// ends; the address can be registered anew. The owner gets a confirmation at the old
/// address.
pub async fn delete_me(
    db: &DatabaseConnection,
    auth: &Auth,
    caller: &Principal,
    password: String,
) -> Result<(), AppError> {
    let account = load(db, caller.user_id).await?;
    let verified = auth
        .hasher
        .verify(password, account.password_hash.clone())
        .await?;
    if verified == crate::password::Verified::No {
        return Err(AppError::validation(vec![FieldError::new(
            "password",
            "wrong_password",
            "is not your current password",
        )]));
    }
    if Roles::from_stored(&account.roles).contains(Role::Admin) {
        let admins = user::Entity::find()
            .filter(user::Column::Roles.like("%admin%"))
            .filter(user::Column::Status.eq(UserStatus::Active.as_str()))
            .count(db)
            .await?;
        if admins <= 1 {
            return Err(AppError::conflict(
                "last_admin",
                "The last active administrator cannot delete their account; appoint another one first.",
            ));
        }
    }
    let txn = begin_write(db).await?;
    let placeholder = format!("deleted-{}@deleted.invalid", account.id.simple());
    let (email, name) = (account.email.clone(), account.display_name.clone());
    let mut active = account.into_active_model();
    active.email = Set(placeholder.clone());
    active.email_normalized = Set(placeholder);
    active.display_name = Set("Gelöschtes Konto".to_owned());
    active.password_hash = Set(None);
    active.organisation_id = Set(None);
    active.municipality_id = Set(None);
    active.municipality_confirmed_at = Set(None);
    active.status = Set(UserStatus::Disabled.as_str().to_owned());
    active.email_verified_at = Set(None);
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    user_token::Entity::delete_many()
        .filter(user_token::Column::UserId.eq(caller.user_id))
        .exec(&txn)
        .await?;
    erase_personal_data(&txn, caller.user_id).await?;
    sessions::revoke_all(&txn, caller.user_id, None).await?;
    audit::record(
        &txn,
        Some(caller.user_id),
        "user.deleted_own_account",
        "user",
        Some(caller.user_id),
        json!(null),
    )
    .await?;
    academy_notifications::enqueue(&txn, mails::account_deleted(&email, &name)).await?;
    txn.commit().await?;
    Ok(())
}

/// The tables of other capabilities that hold a learner's personal data by account
/// (`user_id`): erased with the account, which itself stays as an anonymous row so that
/// what others published keeps its author.
pub const PERSONAL_DATA: &[&str] = &["tutorial_progress", "course_enrolments"];

async fn erase_personal_data(db: &impl ConnectionTrait, user_id: Uuid) -> Result<(), AppError> {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
    for table in PERSONAL_DATA {
        let mut delete = Query::delete();
        delete
            .from_table(Alias::new(*table))
            .and_where(Expr::col(Alias::new("user_id")).eq(user_id));
        db.execute_raw(db.get_database_backend().build(&delete))
            .await?;
    }
    Ok(())
}

/// Ends every session of the caller.
pub async fn logout_everywhere(
    db: &DatabaseConnection,
    caller: &Principal,
) -> Result<(), AppError> {
    sessions::revoke_all(db, caller.user_id, None).await?;
    Ok(())
}

/// An account made ready to sign in at once, by a trusted caller such as the command
/// line: active, its address counted as verified, with roles and assignments.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Email address; unique among accounts.
    pub email: String,
    /// Display name, at most [`DISPLAY_NAME_MAX`] characters.
    pub display_name: String,
    /// Password, held to the same rules as everywhere else.
    pub password: String,
    /// At least one role; authors and consultants need an organisation.
    pub roles: Vec<Role>,
    /// The member organisation the account belongs to.
    pub organisation_id: Option<Uuid>,
    /// The municipality the account belongs to.
    pub municipality_id: Option<Uuid>,
    /// Whether the membership in `municipality_id` counts at once (as if a coordinator had
    /// confirmed it) or waits for a coordinator.
    pub municipality_confirmed: bool,
}

/// A [`NewAccount`] after its checks, with the password hashed.
struct ReadyAccount {
    email: Email,
    display_name: String,
    password_hash: String,
    roles: Roles,
    organisation_id: Option<Uuid>,
    municipality_id: Option<Uuid>,
    municipality_confirmed: bool,
}

/// Inserts an active, verified account; the one insert of [`create_account`] and
/// [`create_admin`].
async fn insert_ready(
    db: &impl ConnectionTrait,
    account: ReadyAccount,
    now: DateTime<Utc>,
) -> Result<user::Model, AppError> {
    let confirmed_at =
        (account.municipality_confirmed && account.municipality_id.is_some()).then_some(now);
    Ok(user::Entity::insert(user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(account.email.as_str().to_owned()),
        email_normalized: Set(account.email.normalized().to_owned()),
        display_name: Set(account.display_name),
        password_hash: Set(Some(account.password_hash)),
        roles: Set(account.roles.to_stored()),
        organisation_id: Set(account.organisation_id),
        municipality_id: Set(account.municipality_id),
        municipality_confirmed_at: Set(confirmed_at),
        status: Set(UserStatus::Active.as_str().to_owned()),
        email_verified_at: Set(Some(now)),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    })
    .exec_with_returning(db)
    .await?)
}

/// Creates an account that can sign in at once (for the command line and seeding, not
/// for requests): the same checks as an invitation by an administrator — address,
/// password, name, roles against organisation and municipality — then an active account
/// with a verified address. 409 `email_taken` when the address has an account. Audited as
/// `user.created`.
pub async fn create_account(
    db: &DatabaseConnection,
    input: NewAccount,
) -> Result<user::Model, AppError> {
    let mut checks = Checks::default();
    let email = checks.check(Email::parse("email", &input.email));
    checks.check(check_password("password", &input.password));
    let name = checks.check(check_text(
        "displayName",
        &input.display_name,
        DISPLAY_NAME_MAX,
    ));
    let roles = Roles::new(input.roles);
    check_roles(
        db,
        &mut checks,
        &roles,
        input.organisation_id,
        input.municipality_id,
    )
    .await?;
    checks.finish()?;
    let (Some(email), Some(name)) = (email, name) else {
        return Err(AppError::internal(anyhow::anyhow!(
            "checks passed without values"
        )));
    };
    let hash = crate::password::PasswordHasherPool::new(1)
        .hash(input.password)
        .await?;
    let txn = begin_write(db).await?;
    if find_by_email(&txn, &email).await?.is_some() {
        return Err(AppError::conflict(
            "email_taken",
            "An account with this email address exists already.",
        ));
    }
    let account = insert_ready(
        &txn,
        ReadyAccount {
            email,
            display_name: name,
            password_hash: hash,
            roles: roles.clone(),
            organisation_id: input.organisation_id,
            municipality_id: input.municipality_id,
            municipality_confirmed: input.municipality_confirmed,
        },
        Utc::now(),
    )
    .await?;
    audit::record(
        &txn,
        None,
        "user.created",
        "user",
        Some(account.id),
        json!({
            "roles": roles.to_vec(),
            "organisationId": account.organisation_id,
            "municipalityId": account.municipality_id,
            "via": "command line",
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(account)
}

/// What `academy create-admin` did.
#[derive(Debug, PartialEq, Eq)]
pub enum CreateAdminOutcome {
    /// A new administrator account.
    Created(Uuid),
    /// An existing account got the admin role and the new password.
    Promoted(Uuid),
}

/// Creates the first administrator (or makes an existing account one), active and
/// verified, with the given password. Used by the command line.
pub async fn create_admin(
    db: &DatabaseConnection,
    email: &str,
    display_name: &str,
    password: String,
) -> Result<CreateAdminOutcome, AppError> {
    let mut checks = Checks::default();
    let email = checks.check(Email::parse("email", email));
    checks.check(check_password("password", &password));
    let name = checks.check(check_text("displayName", display_name, DISPLAY_NAME_MAX));
    checks.finish()?;
    let (Some(email), Some(name)) = (email, name) else {
        return Err(AppError::internal(anyhow::anyhow!(
            "checks passed without values"
        )));
    };
    let hash = crate::password::PasswordHasherPool::new(1)
        .hash(password)
        .await?;
    let now: DateTime<Utc> = Utc::now();
    let txn = begin_write(db).await?;
    let outcome = match find_by_email(&txn, &email).await? {
        Some(existing) => {
            let mut roles = Roles::from_stored(&existing.roles);
            roles = Roles::new(roles.iter().chain([Role::Admin]));
            let id = existing.id;
            let mut active = existing.into_active_model();
            active.roles = Set(roles.to_stored());
            active.password_hash = Set(Some(hash));
            active.status = Set(UserStatus::Active.as_str().to_owned());
            active.email_verified_at = Set(Some(now));
            active.updated_at = Set(now);
            active.update(&txn).await?;
            sessions::revoke_all(&txn, id, None).await?;
            CreateAdminOutcome::Promoted(id)
        }
        None => {
            let account = ReadyAccount {
                email,
                display_name: name,
                password_hash: hash,
                roles: Roles::new([Role::Admin]),
                organisation_id: None,
                municipality_id: None,
                municipality_confirmed: false,
            };
            CreateAdminOutcome::Created(insert_ready(&txn, account, now).await?.id)
        }
    };
    let id = match outcome {
        CreateAdminOutcome::Created(id) | CreateAdminOutcome::Promoted(id) => id,
    };
    audit::record(
        &txn,
        None,
        "user.admin_granted",
        "user",
        Some(id),
        json!({"via": "command line"}),
    )
    .await?;
    txn.commit().await?;
    Ok(outcome)
}

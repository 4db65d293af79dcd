//! `academy seed-demo`: fills an empty database with a believable academy, so that a
//! frontend has something to show at once — member organisations of the alliance, real
//! Hessian municipalities with their official keys, accounts of every role, published
//! guides (one with a template file), published video tutorials with captions (one with a
//! German Sign Language video and audio description) and consultation hours with free
//! slots in the coming weeks. The content is invented and in German, like the real
//! content will be.
//!
//! Everything is made through the domain services — accounts through
//! [`academy_auth::create_account`], the directory, email domains, guides and tutorials
//! (created and submitted by their author, published by the coordinating office), the
//! guide's file through the configured file store, the tutorials' sources and text tracks
//! (uploaded by their author, the German ones approved by the coordinating office),
//! offers by their consultant — so every rule, check and audit entry applies as if people
//! had done it. Only the markers below are written on their own. The tutorials play from
//! the invented host [`VIDEO_HOST`], which the seed allows for its own sources whatever
//! the server's settings say (a frontend shows the addresses; nothing fetches them).
//!
//! **What the demo made** is recorded in the audit log, which exists anyway and is only
//! ever appended to: right after each account, organisation, municipality, guide,
//! tutorial and offer is created, an entry [`CREATED`] names it (subject type and id); a
//! tutorial's sources and tracks, like a guide's file, belong to it and are not named on
//! their own. When everything is there, one entry [`SEEDED`] lists the demo accounts.
//! Before writing anything the seed looks at those six tables:
//!
//! - a [`SEEDED`] entry exists: the demo is there already; nothing is done, whatever was
//!   added since ([`Outcome::AlreadySeeded`]);
//! - any row without a [`CREATED`] entry: the database has real content and the seed
//!   refuses ([`Refusal::RealContent`]);
//! - demo rows but no [`SEEDED`] entry: an earlier run stopped half-way; the seed refuses
//!   rather than guess what is missing ([`Refusal::Unfinished`]);
//! - nothing at all: the demo is made ([`Outcome::Seeded`]).
//!
//! Recognising rows by id, not by name or address, means that a real organisation that
//! happens to share a demo name is still real content. The file store is tried before the
//! first row is written, so a misconfigured store stops the seed while the database is
//! still empty.
//!
//! **Passwords.** Every demo account gets the same password, chosen by the caller: the
//! command line takes `--password` or `ACADEMY_DEMO_PASSWORD` and, in development mode
//! only, falls back to the documented [`DEMO_PASSWORD`]. One known password lets a
//! frontend team share the seeded database and still sign in after a second run, which
//! cannot print a random password again; refusing the default outside development mode
//! keeps a well-known administrator password off servers others can reach.
//!
//! The mails the workflow sends (a guide submitted for review, a guide published) go to
//! the demo accounts at `example.org`, a domain that receives no mail.

use std::fmt;

use academy_auth::directory::{
    self, MunicipalityFields, OrganisationFields, OrganisationKind, Phase, RoleProfile,
};
use academy_auth::entity::{audit_entry, municipality, organisation, user};
use academy_auth::{NewAccount, Principal, Role, Roles};
use academy_consultation_hours::domain::{Format, IntakeQuestion, QuestionKind, WaitlistMode};
use academy_consultation_hours::entity::{offer, slot};
use academy_consultation_hours::offers::{self, OfferInput};
use academy_consultation_hours::schedule::{Availability, Day, WeeklyHours};
use academy_files::FileStore;
use academy_guides::domain::{ContentInput, Step};
use academy_guides::entity::guide;
use academy_kernel::{AppError, Db};
use academy_tutorials::domain::{
    Chapter, Delivery, Provenance, SourceRole, TrackKind, TrackStatus, TutorialKind,
};
use academy_tutorials::sources::NewSource;
use academy_tutorials::text_tracks::{TrackChange, TrackSettings};
use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, Func, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use crate::config::Config;

/// The password of every demo account when no other is chosen, in development mode only.
pub const DEMO_PASSWORD: &str = "Demo-Akademie-Hessen";

/// Audit action naming one row the demo made (its subject type and id).
pub const CREATED: &str = "demo.created";

/// Audit action recording that the demo was seeded completely, with its accounts.
pub const SEEDED: &str = "demo.seeded";

/// The invented host the demo tutorials play from.
pub const VIDEO_HOST: &str = "video.example.org";

/// What a run of the seed did.
#[derive(Debug)]
pub enum Outcome {
    /// The demo was made now.
    Seeded(Report),
    /// The demo was made before; nothing changed.
    AlreadySeeded(Earlier),
    /// Nothing was made, for the reason given.
    Refused(Refusal),
}

/// Why the seed made nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The database holds rows the demo did not make: per kind (`accounts`, …), how many.
    RealContent(Vec<(&'static str, u64)>),
    /// An earlier run made some demo rows and stopped before it finished.
    Unfinished,
    /// The chosen password breaks the password rules.
    Password(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::RealContent(counts) => {
                let counts: Vec<String> = counts.iter().map(|(k, n)| format!("{k}: {n}")).collect();
                write!(
                    f,
                    "the database already has content that seed-demo did not make ({}); seed-demo only fills an empty database — point DATABASE_URL at a new one",
                    counts.join(", ")
                )
            }
            Refusal::Unfinished => f.write_str(
                "an earlier seed-demo stopped before it finished and left part of the demo behind; seed-demo only fills an empty database — start again with a new one",
            ),
            Refusal::Password(message) => write!(f, "the demo password {message}"),
        }
    }
}

/// One account the demo made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    /// Its one role.
    pub role: Role,
    /// Its address (at `example.org`).
    pub email: String,
    /// Its password.
    pub password: String,
    /// Its display name.
    pub display_name: String,
    /// The organisation or municipality it belongs to, if any.
    pub belongs_to: Option<String>,
}

/// What the demo made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The accounts, staff first, with their password.
    pub accounts: Vec<DemoAccount>,
    /// Names of the member organisations.
    pub organisations: Vec<String>,
    /// Names of the municipalities.
    pub municipalities: Vec<String>,
    /// Slugs of the published guides.
    pub guides: Vec<String>,
    /// Files attached to the guides.
    pub attachments: usize,
    /// Slugs of the published video tutorials.
    pub tutorials: Vec<String>,
    /// Slugs of the published courses.
    pub courses: Vec<String>,
    /// Titles of the consultation offers.
    pub offers: Vec<String>,
    /// Free slots of those offers from now on.
    pub free_slots: u64,
}

impl fmt::Display for Report {
    /// A summary line and a table of the accounts: role, email, password, name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "seeded the demo academy: {} organisations, {} municipalities, {} published guides ({} attached file), {} published video tutorials, {} published course, {} consultation offers with {} free slots, and these accounts:",
            self.organisations.len(),
            self.municipalities.len(),
            self.guides.len(),
            self.attachments,
            self.tutorials.len(),
            self.courses.len(),
            self.offers.len(),
            self.free_slots,
        )?;
        writeln!(f)?;
        let email_width = column_width(self.accounts.iter().map(|a| a.email.as_str()), "email");
        let password_width = column_width(
            self.accounts.iter().map(|a| a.password.as_str()),
            "password",
        );
        writeln!(
            f,
            "{:<12} {:<email_width$} {:<password_width$} name",
            "role", "email", "password"
        )?;
        for account in &self.accounts {
            let name = match &account.belongs_to {
                Some(place) => format!("{} ({place})", account.display_name),
                None => account.display_name.clone(),
            };
            writeln!(
                f,
                "{:<12} {:<email_width$} {:<password_width$} {name}",
                account.role.as_str(),
                account.email,
                account.password,
            )?;
        }
        Ok(())
    }
}

fn column_width<'a>(values: impl Iterator<Item = &'a str>, title: &str) -> usize {
    values
        .map(|v| v.chars().count())
        .chain([title.len()])
        .max()
        .unwrap_or_default()
}

/// The demo as an earlier run left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earlier {
    /// When it was seeded.
    pub seeded_at: DateTime<Utc>,
    /// Its accounts: role and email (their password is the one chosen then).
    pub accounts: Vec<(Role, String)>,
}

impl fmt::Display for Earlier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "the demo academy is already there (seeded {}); nothing changed. Its accounts, with the password chosen then:",
            self.seeded_at.format("%Y-%m-%d %H:%M UTC")
        )?;
        for (role, email) in &self.accounts {
            writeln!(f, "  {:<12} {email}", role.as_str())?;
        }
        Ok(())
    }
}

/// Opens the database and the file store as the server does, applies the migrations and
/// seeds (see [`seed`]).
pub async fn run(config: &Config, password: &str) -> anyhow::Result<Outcome> {
    let files = FileStore::new(&config.files)
        .context("cannot open the file store (ACADEMY_FILES_DIR / ACADEMY_S3_*)")?;
    let db = academy_kernel::db::connect(&config.db_settings())
        .await
        .context("cannot open the database given by DATABASE_URL")?;
    let outcome = async {
        academy_migrations::migrate_up(&db)
            .await
            .context("cannot apply the database migrations")?;
        seed(&db, &files, password).await
    }
    .await;
    db.close().await?;
    outcome
}

/// Seeds the demo into `db` if it is empty, with `password` for every account; files go
/// to `files`. Does nothing on a database that was seeded before, and refuses one with
/// other content (see the module documentation).
pub async fn seed(db: &Db, files: &FileStore, password: &str) -> anyhow::Result<Outcome> {
    if let Err(error) = academy_auth::domain::check_password("password", password) {
        return Ok(Outcome::Refused(Refusal::Password(
            error.message.into_owned(),
        )));
    }
    match look(db).await? {
        State::Empty => {}
        State::Seeded(earlier) => return Ok(Outcome::AlreadySeeded(earlier)),
        State::Refused(refusal) => return Ok(Outcome::Refused(refusal)),
    }
    try_store(files).await?;
    let report = make(db, files, password).await.map_err(|error| {
        error.context("seed-demo stopped part-way and left part of the demo behind; start again with an empty database")
    })?;
    Ok(Outcome::Seeded(report))
}

/// What the database holds, as far as the seed is concerned.
enum State {
    Empty,
    Seeded(Earlier),
    Refused(Refusal),
}

/// The ids the demo made, for `NOT IN`.
fn demo_ids() -> SelectStatement {
    Query::select()
        .column(audit_entry::Column::SubjectId)
        .from(audit_entry::Entity)
        .and_where(Expr::col(audit_entry::Column::Action).eq(CREATED))
        .and_where(Expr::col(audit_entry::Column::SubjectId).is_not_null())
        .to_owned()
}

async fn look(db: &Db) -> anyhow::Result<State> {
    let done = audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq(SEEDED))
        .order_by_asc(audit_entry::Column::CreatedAt)
        .one(db)
        .await?;
    if let Some(done) = done {
        let accounts = done
            .details
            .as_ref()
            .and_then(|d| d["accounts"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|a| {
                Some((
                    Role::parse(a["role"].as_str()?)?,
                    a["email"].as_str()?.to_owned(),
                ))
            })
            .collect();
        return Ok(State::Seeded(Earlier {
            seeded_at: done.created_at,
            accounts,
        }));
    }
    let counts = [
        (
            "accounts",
            user::Entity::find()
                .filter(user::Column::Id.not_in_subquery(demo_ids()))
                .count(db)
                .await?,
        ),
        (
            "organisations",
            organisation::Entity::find()
                .filter(organisation::Column::Id.not_in_subquery(demo_ids()))
                .count(db)
                .await?,
        ),
        (
            "municipalities",
            municipality::Entity::find()
                .filter(municipality::Column::Id.not_in_subquery(demo_ids()))
                .count(db)
                .await?,
        ),
        (
            "guides",
            guide::Entity::find()
                .filter(guide::Column::Id.not_in_subquery(demo_ids()))
                .count(db)
                .await?,
        ),
        ("tutorials", foreign_tutorials(db).await?),
        (
            "consultation offers",
            offer::Entity::find()
                .filter(offer::Column::Id.not_in_subquery(demo_ids()))
                .count(db)
                .await?,
        ),
    ];
    let real: Vec<(&'static str, u64)> = counts.into_iter().filter(|(_, n)| *n > 0).collect();
    if !real.is_empty() {
        return Ok(State::Refused(Refusal::RealContent(real)));
    }
    let started = audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq(CREATED))
        .count(db)
        .await?;
    if started > 0 {
        return Ok(State::Refused(Refusal::Unfinished));
    }
    Ok(State::Empty)
}

/// Tutorials the demo did not make. The `tutorials` table has no entity of its own (the
/// shared workflow reads it), so it is counted with a plain query.
async fn foreign_tutorials(db: &Db) -> anyhow::Result<u64> {
    let statement = Query::select()
        .expr_as(Func::count(Expr::col(Alias::new("id"))), Alias::new("n"))
        .from(Alias::new(academy_tutorials::tutorials::KIND.items))
        .and_where(Expr::col(Alias::new("id")).not_in_subquery(demo_ids()))
        .to_owned();
    let row = db
        .query_one(&statement)
        .await?
        .context("counting the tutorials answered no row")?;
    let count: i64 = row.try_get("", "n")?;
    Ok(u64::try_from(count).unwrap_or_default())
}

/// Stores and removes a small file, so that a store that cannot take files stops the seed
/// before the database is touched.
async fn try_store(files: &FileStore) -> anyhow::Result<()> {
    let probe = futures_util::stream::iter([Ok::<_, std::convert::Infallible>(
        actix_web::web::Bytes::from_static(b"seed-demo probe\n"),
    )]);
    let stored = files
        .put_stream("probe.txt", probe)
        .await
        .map_err(|e| explain("the file store does not take files", AppError::from(e)))?;
    files
        .delete(&stored.key)
        .await
        .context("the file store does not remove files")?;
    Ok(())
}

/// Records that the demo made the row `id` of `subject_type`.
async fn mark(db: &Db, subject_type: &str, id: Uuid) -> anyhow::Result<()> {
    academy_auth::audit::record(db, None, CREATED, subject_type, Some(id), json!(null))
        .await
        .context("cannot record a demo row in the audit log")
}

/// An [`AppError`] as a message for the command line, with its field errors.
fn explain(step: &str, error: AppError) -> anyhow::Error {
    let problem = error.problem();
    let mut message = format!("{step}: {}", problem.detail);
    for field in &problem.errors {
        message.push_str(&format!("; {}: {}", field.field, field.message));
    }
    if error.code() == "internal_error" {
        message.push_str(&format!(" ({error:?})"));
    }
    anyhow::anyhow!(message)
}

trait Explained<T> {
    /// Names the step that failed.
    fn step(self, what: impl FnOnce() -> String) -> anyhow::Result<T>;
}

impl<T> Explained<T> for Result<T, AppError> {
    fn step(self, what: impl FnOnce() -> String) -> anyhow::Result<T> {
        self.map_err(|error| explain(&what(), error))
    }
}

/// The caller the services see when the seed acts as `account`; there is no session.
fn acting_as(account: &user::Model) -> Principal {
    Principal {
        user_id: account.id,
        session_id: Uuid::nil(),
        roles: Roles::from_stored(&account.roles),
        organisation_id: account.organisation_id,
        municipality_id: account.municipality_id,
        municipality_confirmed: account.municipality_id.is_some()
            && account.municipality_confirmed_at.is_some(),
    }
}

/// The accounts made so far, by key.
#[derive(Default)]
struct People(Vec<(&'static str, user::Model)>);

impl People {
    fn get(&self, key: &str) -> anyhow::Result<&user::Model> {
        self.0
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, a)| a)
            .with_context(|| format!("no demo account {key}"))
    }
}

/// Creates the account of `person` (with a confirmed membership in `place`) and marks it.
async fn create_person(
    db: &Db,
    password: &str,
    person: &Person,
    organisation: Option<&organisation::Model>,
    place: Option<&municipality::Model>,
) -> anyhow::Result<(user::Model, DemoAccount)> {
    let account = academy_auth::create_account(
        db,
        NewAccount {
            email: person.email.to_owned(),
            display_name: person.name.to_owned(),
            password: password.to_owned(),
            roles: vec![person.role],
            organisation_id: organisation.map(|o| o.id),
            municipality_id: place.map(|m| m.id),
            municipality_confirmed: place.is_some(),
        },
    )
    .await
    .step(|| format!("creating the account {}", person.email))?;
    mark(db, "user", account.id).await?;
    let listed = DemoAccount {
        role: person.role,
        email: account.email.clone(),
        password: password.to_owned(),
        display_name: account.display_name.clone(),
        belongs_to: organisation
            .map(|o| o.name.clone())
            .or_else(|| place.map(|m| m.name.clone())),
    };
    Ok((account, listed))
}

/// Makes the demo on an empty database.
async fn make(db: &Db, files: &FileStore, password: &str) -> anyhow::Result<Report> {
    let mut people = People::default();
    let mut accounts = Vec::new();
    // The staff come first: the coordinating office builds the directory.
    for person in PEOPLE
        .iter()
        .filter(|p| p.organisation.is_none() && p.municipality.is_none())
    {
        let (account, listed) = create_person(db, password, person, None, None).await?;
        people.0.push((person.key, account));
        accounts.push(listed);
    }
    let office = acting_as(people.get("coordinator")?);

    let mut organisations = Vec::new();
    for spec in ORGANISATIONS {
        let created = directory::create_organisation(
            db,
            &office,
            OrganisationFields {
                name: spec.name.to_owned(),
                kind: spec.kind,
                website: Some(spec.website.to_owned()),
                role_profiles: spec.profiles.to_vec(),
            },
        )
        .await
        .step(|| format!("creating the organisation {}", spec.name))?;
        mark(db, "organisation", created.id).await?;
        organisations.push((spec.key, created));
    }
    let organisation = |key: &str| {
        organisations
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, o)| o)
            .with_context(|| format!("no demo organisation {key}"))
    };

    let mut municipalities = Vec::new();
    for spec in MUNICIPALITIES {
        let created = directory::create_municipality(
            db,
            &office,
            MunicipalityFields {
                name: spec.name.to_owned(),
                ags: spec.ags.to_owned(),
                district: spec.district.to_owned(),
                funded_site: true,
                cohort_year: Some(spec.cohort_year),
                phase: Some(spec.phase),
            },
        )
        .await
        .step(|| format!("creating the municipality {}", spec.name))?;
        mark(db, "municipality", created.id).await?;
        if !spec.email_domains.is_empty() {
            let domains: Vec<String> = spec.email_domains.iter().map(|d| (*d).to_owned()).collect();
            academy_auth::membership::set_email_domains(db, &office, created.id, &domains)
                .await
                .step(|| format!("registering the email domains of {}", spec.name))?;
        }
        municipalities.push(created);
    }
    let municipality = |ags: &str| {
        municipalities
            .iter()
            .find(|m| m.ags == ags)
            .with_context(|| format!("no demo municipality {ags}"))
    };

    for person in PEOPLE
        .iter()
        .filter(|p| p.organisation.is_some() || p.municipality.is_some())
    {
        let organisation = person.organisation.map(organisation).transpose()?;
        let place = person.municipality.map(municipality).transpose()?;
        let (account, listed) = create_person(db, password, person, organisation, place).await?;
        people.0.push((person.key, account));
        accounts.push(listed);
    }

    let mut guides = Vec::new();
    let mut guide_ids = Vec::new();
    let mut attachments = 0;
    for spec in GUIDES {
        let author = acting_as(people.get(spec.author)?);
        let co_publishers = spec
            .co_publishers
            .iter()
            .map(|key| organisation(key).map(|o| o.id))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let content = academy_guides::domain::validate(spec.content(co_publishers))
            .step(|| format!("checking the guide {}", spec.title))?;
        let created = academy_guides::service::create(db, &author, None, None, content)
            .await
            .step(|| format!("creating the guide {}", spec.title))?;
        let id = created.guide.id;
        mark(db, "guide", id).await?;
        let key = id.to_string();
        if let Some(file) = &spec.attachment {
            academy_guides::attach_file(
                db,
                files,
                &author,
                &key,
                file.filename,
                Some(file.title.to_owned()),
                file.content.as_bytes().to_vec(),
            )
            .await
            .step(|| format!("attaching {} to the guide {}", file.filename, spec.title))?;
            attachments += 1;
        }
        academy_guides::service::submit(db, &author, &key, |_| Ok(()))
            .await
            .step(|| format!("submitting the guide {}", spec.title))?;
        let review_due = Utc::now() + chrono::Duration::days(365);
        academy_guides::service::publish(db, &office, &key, None, Some(review_due), |_| Ok(()))
            .await
            .step(|| format!("publishing the guide {}", spec.title))?;
        guide_ids.push((spec.title, id));
        guides.push(created.guide.slug);
    }

    let mut tutorials = Vec::new();
    for spec in TUTORIALS {
        tutorials.push(make_tutorial(db, &people, &organisations, &guide_ids, spec).await?);
    }

    let courses = vec![make_course(db, &people, &guide_ids, &tutorials).await?];

    let mut offer_ids = Vec::new();
    let mut offer_titles = Vec::new();
    for spec in OFFERS {
        let consultant = acting_as(people.get(spec.consultant)?);
        let created = offers::create_offer(db, &consultant, spec.input(), Utc::now())
            .await
            .step(|| format!("creating the consultation offer {}", spec.title))?;
        mark(db, "consultation_offer", created.offer.id).await?;
        offer_ids.push(created.offer.id);
        offer_titles.push(created.offer.title);
    }
    let free_slots = slot::Entity::find()
        .filter(slot::Column::OfferId.is_in(offer_ids))
        .filter(slot::Column::StartsAt.gt(Utc::now()))
        .count(db)
        .await?;

    let listed: Vec<_> = accounts
        .iter()
        .map(|a| json!({"role": a.role, "email": a.email}))
        .collect();
    academy_auth::audit::record(
        db,
        None,
        SEEDED,
        "demo",
        None,
        json!({"accounts": listed, "via": "command line"}),
    )
    .await
    .context("cannot record the finished demo in the audit log")?;

    Ok(Report {
        accounts,
        organisations: organisations.into_iter().map(|(_, o)| o.name).collect(),
        municipalities: municipalities.into_iter().map(|m| m.name).collect(),
        guides,
        attachments,
        tutorials,
        courses,
        offers: offer_titles,
        free_slots,
    })
}

/// Creates and publishes the demo course over the first demo guide and tutorial, with a
/// quiz, as its author and the coordinating office would; returns its slug.
async fn make_course(
    db: &Db,
    people: &People,
    guides: &[(&'static str, Uuid)],
    tutorials: &[String],
) -> anyhow::Result<String> {
    let author = acting_as(people.get("author-netzwerk")?);
    let office = acting_as(people.get("coordinator")?);
    let guide = guides
        .first()
        .map(|(_, id)| *id)
        .context("the demo has no guide")?;
    let tutorial_slug = tutorials.first().context("the demo has no tutorial")?;
    let tutorial = academy_tutorials::tutorials::visible(db, None, tutorial_slug)
        .await
        .step(|| format!("finding the tutorial {tutorial_slug}"))?
        .id;
    let input: academy_courses::domain::CourseContentRequest = serde_json::from_value(json!({
        "title": "Beteiligung im Quartier – der Einstieg",
        "summary": "In zwei Modulen von der ersten Idee zum Beteiligungsformat: lesen, ansehen, das Wissen prüfen.",
        "description": "Für Mitarbeitende kleiner Verwaltungen, die Beteiligung im Fördergebiet beginnen oder verstetigen wollen.",
        "objectives": [
            "Sie kennen die Stufen der Beteiligung.",
            "Sie wählen ein passendes Format für Ihr Quartier."
        ],
        "estimatedHours": 2.5,
        "validityMonths": 24,
        "fieldsOfAction": ["activation-participation"],
        "modules": [
            {
                "title": "Grundlagen",
                "sequential": true,
                "lessons": [
                    {"title": "Warum Beteiligung früh beginnt", "kind": "text",
                     "body": "Beteiligung wirkt, wenn sie **vor** den Entscheidungen beginnt und die Menschen im Quartier erreicht, die sonst nicht gefragt werden."},
                    {"title": "Der Leitfaden zum Nachlesen", "kind": "guide", "guideId": guide, "completion": "done"},
                    {"title": "Das Video-Tutorial", "kind": "tutorial", "tutorialId": tutorial}
                ]
            },
            {
                "title": "Wissen prüfen",
                "lessons": [{
                    "title": "Kurzes Quiz",
                    "kind": "quiz",
                    "quiz": {
                        "passMark": 60,
                        "attempts": 3,
                        "timeLimitMinutes": 15,
                        "shuffleOptions": true,
                        "review": "feedback",
                        "questions": [
                            {"type": "single_choice", "prompt": "Wann beginnt Beteiligung am besten?",
                             "options": [
                                {"text": "Bevor entschieden wird", "correct": true},
                                {"text": "Nach der Fertigstellung", "feedback": "Dann ist nichts mehr zu gestalten."}
                             ]},
                            {"type": "true_false", "prompt": "Ein Quartiersrat braucht eine feste Geschäftsordnung, um zu beginnen.", "correct": false,
                             "feedback": "Viele Quartiersräte geben sich ihre Regeln erst in den ersten Sitzungen."},
                            {"type": "short_text", "prompt": "Wie heißt das Programm der Städtebauförderung, um das es hier geht? (zwei Wörter)",
                             "accepted": ["Sozialer Zusammenhalt"]}
                        ]
                    }
                }]
            }
        ]
    }))
    .context("the demo course's content")?;
    let content =
        academy_courses::domain::validate(input).step(|| "checking the demo course".to_owned())?;
    let created = academy_courses::courses::create(db, &author, None, None, content)
        .await
        .step(|| "creating the demo course".to_owned())?;
    let id = created.item.id;
    mark(db, "course", id).await?;
    let key = id.to_string();
    academy_courses::courses::submit(db, &author, &key, |_| Ok(()))
        .await
        .step(|| "submitting the demo course".to_owned())?;
    let review_due = Utc::now() + chrono::Duration::days(365);
    academy_courses::courses::publish(db, &office, &key, None, Some(review_due), |_| Ok(()))
        .await
        .step(|| "publishing the demo course".to_owned())?;
    Ok(created.item.slug)
}

/// Creates, fills and publishes the tutorial of `spec`, as its author and the
/// coordinating office would; returns its slug.
async fn make_tutorial(
    db: &Db,
    people: &People,
    organisations: &[(&str, organisation::Model)],
    guides: &[(&str, Uuid)],
    spec: &TutorialSpec,
) -> anyhow::Result<String> {
    let author = acting_as(people.get(spec.author)?);
    let office = acting_as(people.get("coordinator")?);
    let co_publishers = spec
        .co_publishers
        .iter()
        .map(|key| {
            organisations
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, o)| o.id)
                .with_context(|| format!("no demo organisation {key}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let related_guides = spec
        .related_guides
        .iter()
        .map(|title| {
            guides
                .iter()
                .find(|(t, _)| t == title)
                .map(|(_, id)| *id)
                .with_context(|| format!("no demo guide {title}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let content = academy_tutorials::domain::validate(spec.content(co_publishers, related_guides))
        .step(|| format!("checking the tutorial {}", spec.title))?;
    let created = academy_tutorials::tutorials::create(
        db,
        &author,
        None,
        Some(spec.slug.to_owned()),
        content,
    )
    .await
    .step(|| format!("creating the tutorial {}", spec.title))?;
    let id = created.item.id;
    mark(db, "tutorial", id).await?;
    let key = id.to_string();

    // The videos play from the demo's own host, allowed here for the demo only.
    let settings = academy_tutorials::Settings {
        allowed_hosts: vec![VIDEO_HOST.into()],
        ..Default::default()
    };
    let mut sources = vec![(SourceRole::Main, spec.slug.to_owned())];
    if spec.sign_language {
        sources.push((SourceRole::SignLanguage, format!("{}-dgs", spec.slug)));
    }
    for (role, video) in sources {
        academy_tutorials::sources::add(
            db,
            &settings,
            &author,
            &key,
            NewSource {
                role,
                delivery: Delivery::Embed,
                url: format!("https://{VIDEO_HOST}/videos/embed/{video}"),
                media_type: None,
                height: None,
                bitrate_kbps: None,
            },
        )
        .await
        .step(|| {
            format!(
                "adding the {} video of the tutorial {}",
                role.as_str(),
                spec.title
            )
        })?;
    }

    // The tracks: the author uploads them, the coordinating office checks the German
    // ones during the review; the English subtitles wait for their check as a draft.
    let tracks = [
        (TrackKind::Captions, "de", "Deutsch", spec.captions, true),
        (
            TrackKind::Descriptions,
            "de",
            "Audiodeskription (Deutsch)",
            spec.descriptions,
            true,
        ),
        (
            TrackKind::Subtitles,
            "en",
            "English",
            spec.english_subtitles,
            false,
        ),
    ];
    for (kind, language, label, cues, _) in tracks {
        if cues.is_empty() {
            continue;
        }
        academy_tutorials::text_tracks::put(
            db,
            &author,
            &key,
            kind,
            language,
            TrackSettings {
                label: Some(label.to_owned()),
                default: kind != TrackKind::Subtitles,
                provenance: Provenance::Human,
            },
            webvtt(cues).as_bytes(),
        )
        .await
        .step(|| {
            format!(
                "uploading the {} ({language}) of the tutorial {}",
                kind.as_str(),
                spec.title
            )
        })?;
    }
    academy_tutorials::tutorials::submit(db, &author, &key, |_| Ok(()))
        .await
        .step(|| format!("submitting the tutorial {}", spec.title))?;
    for (kind, language, _, cues, approve) in tracks {
        if cues.is_empty() || !approve {
            continue;
        }
        academy_tutorials::text_tracks::change(
            db,
            &office,
            &key,
            kind,
            language,
            TrackChange {
                status: Some(TrackStatus::Approved),
                ..TrackChange::default()
            },
        )
        .await
        .step(|| {
            format!(
                "approving the {} ({language}) of the tutorial {}",
                kind.as_str(),
                spec.title
            )
        })?;
    }
    let review_due = Utc::now() + chrono::Duration::days(365);
    academy_tutorials::tutorials::publish(db, &office, &key, None, Some(review_due), |_| Ok(()))
        .await
        .step(|| format!("publishing the tutorial {}", spec.title))?;
    Ok(created.item.slug)
}

/// A text track of `cues` as a WebVTT file.
fn webvtt(cues: &[TimedText]) -> String {
    let cues: Vec<academy_tutorials::tracks::Cue> = cues
        .iter()
        .map(|(start_ms, end_ms, text)| academy_tutorials::tracks::Cue {
            start_ms: *start_ms,
            end_ms: *end_ms,
            text: (*text).to_owned(),
            line: 0,
        })
        .collect();
    academy_tutorials::tracks::to_webvtt(&cues)
}

// ---------------------------------------------------------------------------------------
// The content. Invented people and organisations; real municipalities with their official
// keys (Amtlicher Gemeindeschlüssel, as of 2026: Hanau left the Main-Kinzig-Kreis on
// 1 January 2026 and is a kreisfreie Stadt with the key 06415000).

/// A member organisation of the alliance.
struct OrganisationSpec {
    key: &'static str,
    name: &'static str,
    kind: OrganisationKind,
    website: &'static str,
    profiles: &'static [RoleProfile],
}

const ORGANISATIONS: &[OrganisationSpec] = &[
    OrganisationSpec {
        key: "netzwerk",
        name: "Netzwerk Nachbarschaft Hessen e. V.",
        kind: OrganisationKind::Association,
        website: "https://netzwerk-nachbarschaft.example.org",
        profiles: &[RoleProfile::Mediate, RoleProfile::GiveImpulses],
    },
    OrganisationSpec {
        key: "stiftung",
        name: "Stiftung Lebendige Quartiere",
        kind: OrganisationKind::Foundation,
        website: "https://lebendige-quartiere.example.org",
        profiles: &[RoleProfile::GiveImpulses, RoleProfile::Sponsorship],
    },
    OrganisationSpec {
        key: "werkstatt",
        name: "Werkstatt Beteiligung Rhein-Main gGmbH",
        kind: OrganisationKind::Company,
        website: "https://werkstatt-beteiligung.example.org",
        profiles: &[RoleProfile::Advise],
    },
    OrganisationSpec {
        key: "wohnen",
        name: "Wohnen im Quartier Mittelhessen eG",
        kind: OrganisationKind::HousingCompany,
        website: "https://wohnen-im-quartier.example.org",
        profiles: &[RoleProfile::Advise, RoleProfile::Sponsorship],
    },
];

/// A municipality with a funded site.
struct MunicipalitySpec {
    name: &'static str,
    ags: &'static str,
    district: &'static str,
    cohort_year: i32,
    phase: Phase,
    email_domains: &'static [&'static str],
}

const MUNICIPALITIES: &[MunicipalitySpec] = &[
    MunicipalitySpec {
        name: "Hanau",
        ags: "06415000",
        district: "Kreisfreie Stadt",
        cohort_year: 2016,
        phase: Phase::Implementation,
        email_domains: &["hanau.de"],
    },
    MunicipalitySpec {
        name: "Marburg",
        ags: "06534014",
        district: "Landkreis Marburg-Biedenkopf",
        cohort_year: 2012,
        phase: Phase::Consolidation,
        email_domains: &[],
    },
    MunicipalitySpec {
        name: "Fulda",
        ags: "06631009",
        district: "Landkreis Fulda",
        cohort_year: 2019,
        phase: Phase::Implementation,
        email_domains: &[],
    },
    MunicipalitySpec {
        name: "Wetzlar",
        ags: "06532023",
        district: "Lahn-Dill-Kreis",
        cohort_year: 2022,
        phase: Phase::Concept,
        email_domains: &[],
    },
    MunicipalitySpec {
        name: "Offenbach am Main",
        ags: "06413000",
        district: "Kreisfreie Stadt",
        cohort_year: 2014,
        phase: Phase::Implementation,
        email_domains: &["offenbach.de"],
    },
];

/// A demo account: one role, an organisation (by key) or a municipality (by AGS).
struct Person {
    key: &'static str,
    role: Role,
    name: &'static str,
    email: &'static str,
    organisation: Option<&'static str>,
    municipality: Option<&'static str>,
}

const PEOPLE: &[Person] = &[
    Person {
        key: "admin",
        role: Role::Admin,
        name: "Jana Richter",
        email: "demo-admin@example.org",
        organisation: None,
        municipality: None,
    },
    Person {
        key: "coordinator",
        role: Role::Coordinator,
        name: "Markus Weber",
        email: "demo-koordination@example.org",
        organisation: None,
        municipality: None,
    },
    Person {
        key: "author-netzwerk",
        role: Role::Author,
        name: "Aylin Kaya",
        email: "demo-autorin@example.org",
        organisation: Some("netzwerk"),
        municipality: None,
    },
    Person {
        key: "author-stiftung",
        role: Role::Author,
        name: "Thomas Becker",
        email: "demo-autor@example.org",
        organisation: Some("stiftung"),
        municipality: None,
    },
    Person {
        key: "consultant-werkstatt",
        role: Role::Consultant,
        name: "Sabine Hoffmann",
        email: "demo-beraterin@example.org",
        organisation: Some("werkstatt"),
        municipality: None,
    },
    Person {
        key: "consultant-netzwerk",
        role: Role::Consultant,
        name: "Emre Yıldız",
        email: "demo-berater@example.org",
        organisation: Some("netzwerk"),
        municipality: None,
    },
    Person {
        key: "learner-hanau",
        role: Role::Learner,
        name: "Laura Schneider",
        email: "demo-hanau@example.org",
        organisation: None,
        municipality: Some("06415000"),
    },
    Person {
        key: "learner-marburg",
        role: Role::Learner,
        name: "Felix Wagner",
        email: "demo-marburg@example.org",
        organisation: None,
        municipality: Some("06534014"),
    },
    Person {
        key: "contact-hanau",
        role: Role::ContactPerson,
        name: "Petra Neumann",
        email: "demo-ansprechperson@example.org",
        organisation: None,
        municipality: Some("06415000"),
    },
    Person {
        key: "learner-fulda",
        role: Role::Learner,
        name: "Nadine Krüger",
        email: "demo-fulda@example.org",
        organisation: None,
        municipality: Some("06631009"),
    },
];

/// A file attached to a guide.
struct FileSpec {
    filename: &'static str,
    title: &'static str,
    content: &'static str,
}

/// A guide, written by `author` (a person key), published by the coordinating office.
struct GuideSpec {
    author: &'static str,
    title: &'static str,
    summary: &'static str,
    context: &'static str,
    steps: &'static [(&'static str, &'static str)],
    success_factors: &'static str,
    pitfalls: &'static str,
    fields_of_action: &'static [&'static str],
    phases: &'static [&'static str],
    audiences: &'static [&'static str],
    reading_minutes: i32,
    co_publishers: &'static [&'static str],
    attachment: Option<FileSpec>,
}

impl GuideSpec {
    fn content(&self, co_publishers: Vec<Uuid>) -> ContentInput {
        let strings = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect();
        let author = PEOPLE.iter().find(|p| p.key == self.author);
        ContentInput {
            title: self.title.to_owned(),
            summary: self.summary.to_owned(),
            context: self.context.to_owned(),
            steps: self
                .steps
                .iter()
                .map(|(title, body)| Step {
                    title: (*title).to_owned(),
                    body: (*body).to_owned(),
                })
                .collect(),
            success_factors: self.success_factors.to_owned(),
            pitfalls: self.pitfalls.to_owned(),
            language: Some("de".to_owned()),
            contact_name: author.map(|p| p.name.to_owned()),
            contact_email: author.map(|p| p.email.to_owned()),
            reading_minutes: Some(self.reading_minutes),
            fields_of_action: strings(self.fields_of_action),
            phases: strings(self.phases),
            audiences: strings(self.audiences),
            co_publishers,
            ..ContentInput::default()
        }
    }
}

const GUIDES: &[GuideSpec] = &[
    GuideSpec {
        author: "author-netzwerk",
        title: "Einen Quartiersbeirat gründen und begleiten",
        summary: "Wie Kommunen im Programm „Sozialer Zusammenhalt“ einen Quartiersbeirat aufbauen, der Bewohnerinnen und Bewohner, Initiativen und Verwaltung an einen Tisch bringt – vom Auftrag bis zur arbeitsfähigen Runde.",
        context: "Ein Quartiersbeirat gibt den Menschen im Fördergebiet eine feste Stimme bei der Umsetzung des integrierten städtebaulichen Entwicklungskonzepts (ISEK). Er berät über Projekte, entscheidet oft über den Verfügungsfonds mit und ist Ansprechpartner für Verwaltung und Quartiersmanagement.\n\nGerade kleine Verwaltungen fragen sich: Wie viele Mitglieder sind sinnvoll? Wer wählt sie aus? Und wie bleibt das Gremium arbeitsfähig, wenn das erste Interesse nachlässt?",
        steps: &[
            (
                "Auftrag und Befugnisse klären",
                "Legen Sie mit Magistrat und Stadtverordnetenversammlung fest, worüber der Beirat **berät** und worüber er **entscheidet**, zum Beispiel über Anträge an den Verfügungsfonds bis zu einer festen Summe. Halten Sie das in einer Geschäftsordnung fest – eine Vorlage hängt an diesem Leitfaden.",
            ),
            (
                "Zusammensetzung festlegen",
                "Bewährt haben sich 9 bis 15 Mitglieder: etwa zur Hälfte Bewohnerinnen und Bewohner, dazu Vereine, Schulen, Kitas, Gewerbe und Wohnungsunternehmen. Achten Sie auf eine Mischung nach Alter, Herkunft und Wohnlage im Quartier.",
            ),
            (
                "Mitglieder gewinnen",
                "Sprechen Sie Menschen **persönlich** an – über das Quartiersmanagement, bei Festen, in Sprachkursen und über Migrantenorganisationen. Ein Aushang allein erreicht selten die, die bisher nicht mitreden.",
            ),
            (
                "Die erste Sitzung vorbereiten",
                "Klären Sie Ort (barrierefrei, im Quartier), Uhrzeit (nach Feierabend, mit Kinderbetreuung), Moderation und Bedarf an Übersetzung. Die erste Sitzung dient dem Kennenlernen und dem Beschluss der Geschäftsordnung.",
            ),
            (
                "Arbeitsfähig bleiben",
                "Vereinbaren Sie feste Termine, etwa sechs Sitzungen im Jahr. Berichten Sie in jeder Sitzung, was aus den Empfehlungen geworden ist, und besetzen Sie frei gewordene Plätze zügig nach.",
            ),
        ],
        success_factors: "- Ein klarer, schriftlich festgehaltener Auftrag\n- Verlässliche Rückmeldung der Verwaltung zu jeder Empfehlung\n- Ein eigenes kleines Budget, über das der Beirat selbst entscheidet\n- Moderation durch das Quartiersmanagement, nicht durch die Verwaltungsspitze",
        pitfalls: "- Ein Beirat nur „zur Information“ verliert schnell seine Mitglieder.\n- Sitzungen während der Arbeitszeit schließen Berufstätige aus.\n- Unterlagen voller Fachbegriffe: Bereiten Sie sie in einfacher Sprache auf.",
        fields_of_action: &[
            "activation-participation",
            "neighbourhood-integration-inclusion",
        ],
        phases: &["implementation", "consolidation"],
        audiences: &[
            "administration",
            "neighbourhood-management",
            "civil-society",
        ],
        reading_minutes: 8,
        co_publishers: &[],
        attachment: Some(FileSpec {
            filename: "Muster-Geschaeftsordnung-Quartiersbeirat.txt",
            title: "Muster-Geschäftsordnung für einen Quartiersbeirat",
            content: RULES_OF_PROCEDURE,
        }),
    },
    GuideSpec {
        author: "author-stiftung",
        title: "Verfügungsfonds: kleine Projekte schnell fördern",
        summary: "Ein Verfügungsfonds macht kleine Ideen aus dem Quartier ohne großen Antrag möglich. Der Leitfaden zeigt, wie Sie Richtlinie, Vergabegremium und Abrechnung schlank und förderfähig aufsetzen.",
        context: "Aus einem Verfügungsfonds werden kleinere Maßnahmen – ein Nachbarschaftsfest, Material für einen Gemeinschaftsgarten, ein Sprachcafé – unbürokratisch finanziert. Über die Vergabe entscheidet ein Gremium vor Ort.\n\nDie genauen Bedingungen regeln die Förderrichtlinie des Landes und Ihr Zuwendungsbescheid; stimmen Sie Einzelheiten mit der Bewilligungsstelle ab.",
        steps: &[
            (
                "Eine Richtlinie für den Fonds schreiben",
                "Regeln Sie auf höchstens zwei Seiten: Wer darf beantragen? Welche Höchstsumme gilt je Projekt? Was ist ausgeschlossen? Wie schnell wird entschieden?",
            ),
            (
                "Das Vergabegremium bestimmen",
                "Meist entscheidet der Quartiersbeirat oder eine Jury aus Bewohnerschaft und lokalen Akteuren. Die Verwaltung prüft vorab nur, ob ein Antrag förderfähig ist.",
            ),
            (
                "Den Antrag einfach machen",
                "Ein einseitiges Formular genügt; das Quartiersmanagement nimmt Anträge auch mündlich auf. Beispiele bewilligter Projekte machen Mut.",
            ),
            (
                "Abrechnung und Nachweis festlegen",
                "Belege, ein Foto und drei Sätze zum Ergebnis reichen oft als Sachbericht. Legen Sie die Nachweise vorher fest, damit niemand überrascht wird.",
            ),
            (
                "Ergebnisse sichtbar machen",
                "Stellen Sie geförderte Projekte im Stadtteilblatt, auf der Website und beim Quartiersfest vor – das wirbt für die nächste Runde.",
            ),
        ],
        success_factors: "- Entscheidungen innerhalb von vier Wochen\n- Persönliche Beratung vor dem Antrag\n- Auch informelle Gruppen und Erstantragstellende ermutigen",
        pitfalls: "- Hohe Hürden beim Antrag schrecken genau die Menschen ab, die erreicht werden sollen.\n- Unklare Zuständigkeiten zwischen Verwaltung und Gremium verzögern jede Entscheidung.",
        fields_of_action: &[
            "activation-participation",
            "neighbourhood-integration-inclusion",
        ],
        phases: &["implementation"],
        audiences: &[
            "administration",
            "policy-makers",
            "neighbourhood-management",
        ],
        reading_minutes: 6,
        co_publishers: &["netzwerk"],
        attachment: None,
    },
    GuideSpec {
        author: "author-netzwerk",
        title: "Hitzeschutz im Quartier: kühle Orte schaffen",
        summary: "Hitzesommer treffen dicht bebaute Quartiere und ältere, kranke oder arme Menschen besonders. Der Leitfaden zeigt, wie Kommunen mit einfachen Mitteln Schatten, Trinkwasser und kühle Rückzugsorte schaffen.",
        context: "Viele Fördergebiete sind stark versiegelt, haben wenig Grün und Wohnungen, die sich im Sommer aufheizen. Klimaanpassung ist hier auch eine Frage der Umweltgerechtigkeit: Wer wenig Geld hat, kann der Hitze schlechter ausweichen.\n\nBaumpflanzungen, Entsiegelung und Trinkbrunnen lassen sich gut mit Beteiligung verbinden – die Menschen im Quartier wissen am besten, wo es im Sommer unerträglich wird.",
        steps: &[
            (
                "Hitzeorte gemeinsam kartieren",
                "Markieren Sie bei einem Quartiersspaziergang an einem heißen Nachmittag mit Bewohnerinnen und Bewohnern Orte ohne Schatten und Wege, die gemieden werden. Eine einfache Karte genügt.",
            ),
            (
                "Schnelle Maßnahmen umsetzen",
                "Sonnensegel auf Spielplätzen, Bäume in mobilen Pflanzkübeln, ein Trinkbrunnen am Quartiersplatz – vieles ist in einem Sommer machbar.",
            ),
            (
                "Kühle Orte öffnen",
                "Gemeinschaftsräume, Bibliothek oder Gemeindehäuser können an Hitzetagen als kühle Rückzugsorte dienen. Klären Sie Öffnungszeiten und machen Sie die Orte bekannt.",
            ),
            (
                "Langfristig entsiegeln und begrünen",
                "Nehmen Sie Entsiegelung, Baumstandorte und Fassadengrün ins ISEK auf und verbinden Sie sie mit anstehenden Bauvorhaben.",
            ),
        ],
        success_factors: "- Zusammenarbeit mit Gesundheitsamt, Pflegediensten und Wohnungsunternehmen\n- Gießpatenschaften für junge Bäume\n- Informationen in mehreren Sprachen",
        pitfalls: "- Trinkbrunnen ohne geklärte Wartung und Hygiene\n- Neupflanzungen ohne Bewässerung in den ersten Jahren",
        fields_of_action: &["climate-environmental-justice", "public-spaces"],
        phases: &["concept", "implementation"],
        audiences: &["administration", "housing-companies", "local-actors"],
        reading_minutes: 7,
        co_publishers: &["wohnen"],
        attachment: None,
    },
    GuideSpec {
        author: "author-stiftung",
        title: "Verstetigung: Was nach dem Förderende bleiben soll",
        summary: "Wenn die Städtebauförderung ausläuft, droht vieles wegzubrechen. Wer früh plant, sichert Quartiersmanagement, Treffpunkte und Netzwerke über das Förderende hinaus.",
        context: "Die Verstetigung ist die letzte Programmphase, sollte aber schon während der Umsetzung mitgedacht werden. Es geht um die Frage, welche Strukturen ohne Fördermittel weitertragen: ein Stadtteilzentrum in der Trägerschaft eines Vereins, ein Quartiersbeirat, ein Netzwerk der Einrichtungen vor Ort.",
        steps: &[
            (
                "Bilanz ziehen",
                "Was hat im Quartier gewirkt, was nutzen die Menschen? Befragen Sie Akteure vor Ort und werten Sie vorhandene Evaluationen aus.",
            ),
            (
                "Ein Verstetigungskonzept erarbeiten",
                "Legen Sie fest, welche Aufgaben bleiben, wer sie übernimmt und wie sie finanziert werden – aus dem Haushalt, über Stiftungen oder mit Wohnungsunternehmen.",
            ),
            (
                "Träger und Partner binden",
                "Schließen Sie Kooperationsvereinbarungen mit Vereinen, Wohnungsunternehmen und Einrichtungen. Klären Sie Räume, Schlüssel und Ansprechpersonen.",
            ),
            (
                "Den Übergang gestalten",
                "Planen Sie ein bis zwei Jahre, in denen das Quartiersmanagement Aufgaben schrittweise übergibt.",
            ),
        ],
        success_factors: "- Ein früher politischer Beschluss zur Verstetigung\n- Eine eigene Haushaltsstelle für das Quartier\n- Ehrenamtliche Strukturen mit einer hauptamtlichen Ansprechperson",
        pitfalls: "- Die Verstetigung erst im letzten Förderjahr angehen\n- Alle Aufgaben dem Ehrenamt überlassen",
        fields_of_action: &[
            "social-cultural-infrastructure",
            "neighbourhood-integration-inclusion",
        ],
        phases: &["consolidation"],
        audiences: &["administration", "policy-makers", "civil-society"],
        reading_minutes: 6,
        co_publishers: &[],
        attachment: None,
    },
];

/// The template attached to the first guide.
const RULES_OF_PROCEDURE: &str = "\
Muster-Geschäftsordnung für einen Quartiersbeirat
(Vorlage aus der Demo der Akademie für sozialen Zusammenhalt – an die örtlichen Beschlüsse anpassen)

§ 1 Aufgaben
Der Quartiersbeirat begleitet die Umsetzung des integrierten städtebaulichen
Entwicklungskonzepts im Fördergebiet. Er gibt Empfehlungen an Magistrat und
Quartiersmanagement und entscheidet über Anträge an den Verfügungsfonds bis zu
einer Höhe von ____ Euro je Vorhaben.

§ 2 Zusammensetzung
Dem Beirat gehören ____ Mitglieder an, davon mindestens die Hälfte Bewohnerinnen
und Bewohner des Fördergebiets. Die übrigen Sitze stehen Vereinen, Einrichtungen,
Gewerbetreibenden und Wohnungsunternehmen im Gebiet offen.

§ 3 Amtszeit
Die Amtszeit beträgt zwei Jahre. Scheidet ein Mitglied aus, rückt eine Person aus
der Nachrückliste nach.

§ 4 Sitzungen
Der Beirat tagt mindestens viermal im Jahr öffentlich. Das Quartiersmanagement lädt
zwei Wochen vorher ein und moderiert die Sitzungen.

§ 5 Beschlüsse
Der Beirat ist beschlussfähig, wenn mehr als die Hälfte der Mitglieder anwesend ist.
Er beschließt mit einfacher Mehrheit. Wer an einem Antrag beteiligt ist, stimmt
darüber nicht mit ab.

§ 6 Rückmeldung
Die Verwaltung berichtet in der folgenden Sitzung, wie sie mit den Empfehlungen des
Beirats umgegangen ist.
";

/// A cue of a text track: start and end in milliseconds, and its text.
type TimedText = (u64, u64, &'static str);

/// A video tutorial, described by `author` (a person key), published by the coordinating
/// office with approved German captions.
struct TutorialSpec {
    author: &'static str,
    slug: &'static str,
    kind: TutorialKind,
    title: &'static str,
    summary: &'static str,
    description: &'static str,
    duration_seconds: f64,
    chapters: &'static [(f64, &'static str)],
    speakers: &'static [&'static str],
    fields_of_action: &'static [&'static str],
    phases: &'static [&'static str],
    audiences: &'static [&'static str],
    co_publishers: &'static [&'static str],
    /// Titles of demo guides.
    related_guides: &'static [&'static str],
    /// German captions: what is said, who says it, and the sounds.
    captions: &'static [TimedText],
    /// A German descriptions track (approved), or none.
    descriptions: &'static [TimedText],
    /// Whether a German Sign Language video plays beside the tutorial.
    sign_language: bool,
    /// English subtitles (left as a draft), or none.
    english_subtitles: &'static [TimedText],
}

impl TutorialSpec {
    fn content(
        &self,
        co_publishers: Vec<Uuid>,
        related_guides: Vec<Uuid>,
    ) -> academy_tutorials::domain::ContentInput {
        let strings = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect();
        academy_tutorials::domain::ContentInput {
            title: self.title.to_owned(),
            summary: self.summary.to_owned(),
            description: self.description.to_owned(),
            language: Some("de".to_owned()),
            duration_seconds: self.duration_seconds,
            kind: Some(self.kind),
            speakers: strings(self.speakers),
            licence: Some("CC-BY-4.0".to_owned()),
            related_guides,
            chapters: self
                .chapters
                .iter()
                .map(|(start, title)| Chapter {
                    start: *start,
                    title: (*title).to_owned(),
                })
                .collect(),
            fields_of_action: strings(self.fields_of_action),
            phases: strings(self.phases),
            audiences: strings(self.audiences),
            co_publishers,
            ..academy_tutorials::domain::ContentInput::default()
        }
    }
}

const TUTORIALS: &[TutorialSpec] = &[
    TutorialSpec {
        author: "author-netzwerk",
        slug: "beteiligung-im-quartier",
        kind: TutorialKind::Impulse,
        title: "Beteiligung im Quartier: Menschen erreichen, die sonst nicht mitreden",
        summary: "Ein Impuls in gut fünf Minuten: Warum Bürgerversammlungen allein nicht reichen und wie aufsuchende Formate, ein kleiner Verfügungsfonds und verlässliche Rückmeldung mehr Menschen im Quartier zum Mitreden bringen.",
        description: "Eine Quartiersmanagerin und ein Moderator aus der Beteiligungspraxis berichten, wie sie in hessischen Fördergebieten Menschen erreichen, die bei Beteiligungsverfahren meist fehlen: Familien mit kleinen Kindern, Jugendliche, Menschen mit wenig Deutschkenntnissen.\n\n**Im Video:**\n\n- aufsuchende Formate auf dem Spielplatz, vor dem Supermarkt und im Sprachcafé\n- ein Verfügungsfonds als sichtbares Zeichen, dass mitentschieden wird\n- drei Tipps für den Start\n\nDas Video gibt es mit Untertiteln, Audiodeskription und in Deutscher Gebärdensprache.",
        duration_seconds: 312.0,
        chapters: &[
            (0.0, "Warum Beteiligung im Quartier?"),
            (64.0, "Dorthin gehen, wo die Menschen sind"),
            (170.0, "Mitentscheiden mit kleinem Budget"),
            (262.0, "Drei Tipps für den Start"),
        ],
        speakers: &["Miriam Özdemir", "Jonas Lehmann"],
        fields_of_action: &[
            "activation-participation",
            "neighbourhood-integration-inclusion",
        ],
        phases: &["concept", "implementation"],
        audiences: &[
            "administration",
            "neighbourhood-management",
            "civil-society",
        ],
        co_publishers: &["werkstatt"],
        related_guides: &[
            "Einen Quartiersbeirat gründen und begleiten",
            "Verfügungsfonds: kleine Projekte schnell fördern",
        ],
        captions: &[
            (500, 3_500, "[Ruhige Musik]"),
            (
                4_000,
                8_500,
                "<v Miriam Özdemir>Herzlich willkommen zu unserem Impuls zur Beteiligung im Quartier.",
            ),
            (
                9_000,
                14_000,
                "<v Miriam Özdemir>Ich arbeite seit acht Jahren als Quartiersmanagerin in einem Fördergebiet.",
            ),
            (
                65_000,
                70_500,
                "<v Jonas Lehmann>Wer nur zur Bürgerversammlung einlädt, trifft meist die, die ohnehin kommen.",
            ),
            (
                71_000,
                76_500,
                "<v Jonas Lehmann>Gehen Sie dorthin, wo die Menschen sind: auf den Spielplatz, vor den Supermarkt, ins Sprachcafé.",
            ),
            (
                171_000,
                177_000,
                "<v Miriam Özdemir>Ein kleiner Verfügungsfonds zeigt: Hier wird mitentschieden, nicht nur zugehört.",
            ),
            (
                263_000,
                268_000,
                "<v Jonas Lehmann>Erstens: Sprechen Sie die Menschen persönlich an.",
            ),
            (
                268_500,
                273_500,
                "<v Jonas Lehmann>Zweitens: Laden Sie zu Zeiten ein, die zu Familie und Beruf passen.",
            ),
            (
                274_000,
                279_500,
                "<v Jonas Lehmann>Drittens: Sagen Sie, was aus den Vorschlägen geworden ist.",
            ),
            (306_000, 311_000, "[Musik]"),
        ],
        descriptions: &[
            (
                500,
                3_500,
                "Luftbild eines Quartiers mit Wohnblöcken, einem Spielplatz und einem kleinen Park.",
            ),
            (
                59_000,
                64_000,
                "Eine Frau mit Klemmbrett spricht mit Eltern am Rand eines Spielplatzes.",
            ),
            (
                164_000,
                169_500,
                "Auf einem Tisch liegen Zettel mit Projektideen; mehrere Hände kleben Punkte daneben.",
            ),
            (
                300_000,
                305_500,
                "Abspann mit den Namen der Mitwirkenden und dem Hinweis auf die Akademie.",
            ),
        ],
        sign_language: true,
        english_subtitles: &[],
    },
    TutorialSpec {
        author: "author-stiftung",
        slug: "klimaanpassung-gruen-blaue-infrastruktur",
        kind: TutorialKind::Orientation,
        title: "Klimaanpassung im Quartier: grün-blaue Infrastruktur verstehen",
        summary: "Eine erste Orientierung: Was grün-blaue Infrastruktur ist, wie sie Fördergebiete vor Hitze und Starkregen schützt und mit welchen Bausteinen Kommunen im Programm „Sozialer Zusammenhalt“ anfangen können.",
        description: "Bäume, entsiegelte Flächen, Mulden und Gründächer halten Regenwasser im Quartier und kühlen es an heißen Tagen. Das Video erklärt die Begriffe, zeigt Beispiele aus hessischen Fördergebieten und ordnet ein, wie Klimaanpassung und **Umweltgerechtigkeit** zusammenhängen.\n\nFür Verwaltung, Kommunalpolitik und Wohnungsunternehmen, die ein ISEK fortschreiben oder eine Platzgestaltung planen.",
        duration_seconds: 738.0,
        chapters: &[
            (0.0, "Was heißt grün-blaue Infrastruktur?"),
            (142.0, "Hitze, Starkregen und Trockenheit im Quartier"),
            (395.0, "Bausteine: Bäume, Entsiegelung, Regenwasser"),
            (610.0, "Beteiligung und Pflege"),
        ],
        speakers: &["Dr. Katharina Brandt", "Stefan Albrecht"],
        fields_of_action: &["climate-environmental-justice", "public-spaces"],
        phases: &["concept", "implementation"],
        audiences: &["administration", "policy-makers", "housing-companies"],
        co_publishers: &["wohnen"],
        related_guides: &["Hitzeschutz im Quartier: kühle Orte schaffen"],
        captions: &[
            (
                1_000,
                6_000,
                "<v Katharina Brandt>Grün-blaue Infrastruktur verbindet Pflanzen und Wasser im Stadtraum.",
            ),
            (
                6_500,
                12_000,
                "<v Katharina Brandt>Gemeint sind Bäume, Grünflächen und Gründächer, aber auch Mulden, Rinnen und offene Wasserflächen.",
            ),
            (
                143_000,
                149_000,
                "<v Stefan Albrecht>In dicht bebauten Fördergebieten ist es an Sommerabenden oft mehrere Grad wärmer als am Stadtrand.",
            ),
            (
                149_500,
                155_000,
                "<v Stefan Albrecht>Und bei Starkregen laufen versiegelte Höfe und Keller schnell voll.",
            ),
            (396_000, 399_000, "[Vogelgezwitscher]"),
            (
                399_500,
                405_500,
                "<v Katharina Brandt>Ein großer Straßenbaum kühlt seine Umgebung wie mehrere Klimageräte – ohne Strom.",
            ),
            (
                406_000,
                412_000,
                "<v Katharina Brandt>Wo Flächen entsiegelt werden, kann Regenwasser versickern, statt die Kanalisation zu belasten.",
            ),
            (
                611_000,
                617_000,
                "<v Stefan Albrecht>Planen Sie die Pflege von Anfang an mit, gerade das Gießen junger Bäume in den ersten Jahren.",
            ),
            (
                617_500,
                623_000,
                "<v Stefan Albrecht>Gießpatenschaften aus der Nachbarschaft sind dabei eine große Hilfe.",
            ),
        ],
        descriptions: &[],
        sign_language: false,
        english_subtitles: &[
            (
                1_000,
                6_000,
                "Green-blue infrastructure combines plants and water in urban space.",
            ),
            (
                6_500,
                12_000,
                "It means trees, green spaces and green roofs, but also swales, gutters and open water.",
            ),
            (
                143_000,
                149_000,
                "In densely built neighbourhoods, summer evenings are often several degrees warmer than on the edge of town.",
            ),
            (
                149_500,
                155_000,
                "And in heavy rain, sealed courtyards and cellars flood quickly.",
            ),
            (
                399_500,
                405_500,
                "A large street tree cools its surroundings like several air conditioners – without electricity.",
            ),
            (
                406_000,
                412_000,
                "Where surfaces are unsealed, rainwater can soak away instead of burdening the sewers.",
            ),
            (
                611_000,
                617_000,
                "Plan the upkeep from the start, especially watering young trees in their first years.",
            ),
            (
                617_500,
                623_000,
                "Neighbours who adopt a tree and water it are a great help.",
            ),
        ],
    },
    TutorialSpec {
        author: "author-stiftung",
        slug: "verstetigung-planen",
        kind: TutorialKind::InDepth,
        title: "Verstetigung planen: Schritt für Schritt zum Verstetigungskonzept",
        summary: "Eine ausführliche Anleitung für die letzte Programmphase: Bilanz ziehen, Aufgaben und Träger bestimmen, die Finanzierung klären und den Übergang vom Quartiersmanagement zu den Strukturen vor Ort gestalten.",
        description: "Drei Praktikerinnen und Praktiker aus Verwaltung, Quartiersmanagement und einem Trägerverein gehen die Schritte zu einem Verstetigungskonzept durch – mit Fragen, die Sie in Ihrer Kommune stellen können, und Beispielen für Kooperationsvereinbarungen.\n\nDas Video ergänzt den Leitfaden zur Verstetigung; beide lassen sich gut in einer Sitzung der Steuerungsrunde nutzen.",
        duration_seconds: 1534.0,
        chapters: &[
            (0.0, "Einführung: Was soll bleiben?"),
            (180.0, "Bilanz ziehen"),
            (610.0, "Aufgaben, Träger und Finanzierung"),
            (1150.0, "Den Übergang gestalten"),
        ],
        speakers: &["Petra Vogel", "Dr. Martin Scholz", "Leonie Hartmann"],
        fields_of_action: &[
            "social-cultural-infrastructure",
            "neighbourhood-integration-inclusion",
        ],
        phases: &["consolidation"],
        audiences: &["administration", "policy-makers", "civil-society"],
        co_publishers: &[],
        related_guides: &[
            "Verstetigung: Was nach dem Förderende bleiben soll",
            "Einen Quartiersbeirat gründen und begleiten",
        ],
        captions: &[
            (
                2_000,
                7_500,
                "<v Petra Vogel>Verstetigung beginnt nicht im letzten Förderjahr, sondern mitten in der Umsetzung.",
            ),
            (
                8_000,
                13_500,
                "<v Petra Vogel>Die Frage ist: Was trägt weiter, wenn das Quartiersmanagement nicht mehr finanziert wird?",
            ),
            (
                181_000,
                187_000,
                "<v Martin Scholz>Fragen Sie zuerst die Menschen im Quartier, was sie wirklich nutzen.",
            ),
            (
                187_500,
                193_500,
                "<v Martin Scholz>Oft sind es die Treffpunkte und die Ansprechpersonen, nicht die großen Projekte.",
            ),
            (
                611_000,
                617_500,
                "<v Leonie Hartmann>Unser Verein hat das Stadtteilzentrum übernommen – mit einem Vertrag über fünf Jahre.",
            ),
            (
                618_000,
                624_000,
                "<v Leonie Hartmann>Wichtig war eine eigene Haushaltsstelle der Stadt für Miete und eine halbe Stelle.",
            ),
            (
                1_151_000,
                1_157_000,
                "<v Petra Vogel>Planen Sie ein bis zwei Jahre, in denen Aufgaben Schritt für Schritt übergeben werden.",
            ),
            (1_520_000, 1_530_000, "[Abspannmusik]"),
        ],
        descriptions: &[],
        sign_language: false,
        english_subtitles: &[],
    },
];

/// A consultation offer of `consultant` (a person key), with weekly hours.
struct OfferSpec {
    consultant: &'static str,
    title: &'static str,
    description: &'static str,
    fields_of_action: &'static [&'static str],
    format: Format,
    location: &'static str,
    slot_minutes: i32,
    seats: i32,
    buffer_minutes: i32,
    requires_confirmation: bool,
    ask_for_phase: bool,
    weekly: &'static [(Day, &'static str, &'static str)],
}

impl OfferSpec {
    fn input(&self) -> OfferInput {
        let phase_question = IntakeQuestion {
            id: "phase".to_owned(),
            label: "In welcher Programmphase ist Ihr Fördergebiet?".to_owned(),
            kind: QuestionKind::Choice,
            options: vec![
                "Konzept (ISEK)".to_owned(),
                "Umsetzung".to_owned(),
                "Verstetigung".to_owned(),
            ],
            required: false,
        };
        OfferInput {
            consultant_id: None,
            title: self.title.to_owned(),
            description: self.description.to_owned(),
            fields_of_action: self
                .fields_of_action
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            format: self.format,
            location: self.location.to_owned(),
            slot_minutes: self.slot_minutes,
            seats: self.seats,
            min_notice_minutes: 24 * 60,
            max_advance_days: 56,
            cancel_deadline_minutes: 24 * 60,
            buffer_minutes: self.buffer_minutes,
            requires_confirmation: self.requires_confirmation,
            intake_questions: if self.ask_for_phase {
                vec![phase_question]
            } else {
                Vec::new()
            },
            municipality_limit: None,
            person_limit: 1,
            waitlist_mode: WaitlistMode::Offer,
            waitlist_hold_minutes: 12 * 60,
            availability: Availability {
                weekly: self
                    .weekly
                    .iter()
                    .map(|(weekday, start, end)| WeeklyHours {
                        weekday: *weekday,
                        start: (*start).to_owned(),
                        end: (*end).to_owned(),
                        valid_from: None,
                        valid_until: None,
                    })
                    .collect(),
                absences: Vec::new(),
                extra: Vec::new(),
            },
        }
    }
}

const OFFERS: &[OfferSpec] = &[
    OfferSpec {
        consultant: "consultant-werkstatt",
        title: "Sprechstunde Bürgerbeteiligung im Quartier",
        description: "Sie planen eine Beteiligung zum ISEK, einen Quartiersbeirat oder eine Befragung? Wir besprechen Ihr Vorhaben, passende Formate und wie Sie Menschen erreichen, die sonst nicht mitreden.",
        fields_of_action: &[
            "activation-participation",
            "neighbourhood-integration-inclusion",
        ],
        format: Format::Online,
        location: "https://meet.example.org/werkstatt-beteiligung",
        slot_minutes: 45,
        seats: 1,
        buffer_minutes: 15,
        requires_confirmation: false,
        ask_for_phase: true,
        weekly: &[
            (Day::Tuesday, "10:00", "12:00"),
            (Day::Thursday, "14:00", "16:00"),
        ],
    },
    OfferSpec {
        consultant: "consultant-werkstatt",
        title: "Offene Sprechstunde Klimaanpassung im Quartier",
        description: "Eine Stunde für mehrere Kommunen zugleich: Fragen rund um Hitzeschutz, Entsiegelung und Grün im Quartier, mit Beispielen aus hessischen Fördergebieten.",
        fields_of_action: &["climate-environmental-justice", "public-spaces"],
        format: Format::Online,
        location: "https://meet.example.org/klimaanpassung",
        slot_minutes: 60,
        seats: 8,
        buffer_minutes: 0,
        requires_confirmation: false,
        ask_for_phase: false,
        weekly: &[(Day::Monday, "16:00", "17:00")],
    },
    OfferSpec {
        consultant: "consultant-netzwerk",
        title: "Telefonsprechstunde Verfügungsfonds",
        description: "Rat zu Richtlinie, Vergabegremium und Abrechnung eines Verfügungsfonds. Bitte schildern Sie bei der Buchung kurz Ihre Frage; wir bestätigen den Termin innerhalb eines Werktags.",
        fields_of_action: &["activation-participation"],
        format: Format::Phone,
        location: "+49 69 90009 123",
        slot_minutes: 30,
        seats: 1,
        buffer_minutes: 0,
        requires_confirmation: true,
        ask_for_phase: false,
        weekly: &[(Day::Wednesday, "09:00", "11:00")],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_has_a_demo_account() {
        for role in Role::ALL {
            assert!(PEOPLE.iter().any(|p| p.role == role), "{role}");
        }
    }

    #[test]
    fn municipality_keys_are_official_keys_of_hessen() {
        for place in MUNICIPALITIES {
            assert!(academy_auth::domain::check_ags("ags", place.ags).is_ok());
            assert!(place.ags.starts_with("06"), "{}", place.name);
        }
    }

    #[test]
    fn the_demo_password_keeps_the_password_rules() {
        assert!(academy_auth::domain::check_password("password", DEMO_PASSWORD).is_ok());
    }

    #[test]
    fn guide_content_passes_validation() {
        for spec in GUIDES {
            let checked = academy_guides::domain::validate(spec.content(Vec::new()));
            assert!(checked.is_ok(), "{}: {:?}", spec.title, checked.err());
        }
    }

    #[test]
    fn tutorial_content_and_text_tracks_pass_validation() {
        let mut slugs = Vec::new();
        for spec in TUTORIALS {
            let checked = academy_tutorials::domain::validate(spec.content(Vec::new(), Vec::new()));
            let content = match checked {
                Ok(content) => content,
                Err(error) => panic!("{}: {:?}", spec.title, error.problem()),
            };
            assert_eq!(
                content.licence.as_deref(),
                Some("CC-BY-4.0"),
                "{}",
                spec.title
            );
            assert!((2..=4).contains(&content.chapters.len()), "{}", spec.title);
            assert!(!content.speakers.is_empty(), "{}", spec.title);
            assert!(!spec.captions.is_empty(), "{}", spec.title);
            for (kind, cues) in [
                ("captions", spec.captions),
                ("descriptions", spec.descriptions),
                ("subtitles", spec.english_subtitles),
            ] {
                if cues.is_empty() {
                    continue;
                }
                let text = webvtt(cues);
                let parsed = academy_tutorials::tracks::parse(text.as_bytes(), content.duration_ms);
                match parsed {
                    Ok(parsed) => assert_eq!(parsed.len(), cues.len(), "{} {kind}", spec.title),
                    Err(errors) => panic!("{} {kind}: {errors:?}\n{text}", spec.title),
                }
            }
            for title in spec.related_guides {
                assert!(GUIDES.iter().any(|g| g.title == *title), "{title}");
            }
            assert!(
                academy_taxonomy::terms::valid_slug(spec.slug),
                "{}",
                spec.slug
            );
            slugs.push(spec.slug);
        }
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), TUTORIALS.len());
        // One tutorial meets level AA; one has English subtitles waiting for their check.
        assert_eq!(TUTORIALS.iter().filter(|t| t.sign_language).count(), 1);
        assert!(
            TUTORIALS
                .iter()
                .any(|t| t.sign_language && !t.descriptions.is_empty())
        );
        assert_eq!(
            TUTORIALS
                .iter()
                .filter(|t| !t.english_subtitles.is_empty())
                .count(),
            1
        );
    }
}

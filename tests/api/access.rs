//! Who may call what. Every operation the OpenAPI document marks as needing a token has a
//! row in [`ACCESS`] (the test fails for one that has none, and for a row naming no such
//! operation). Each row is called anonymously (401) and by every role on objects prepared
//! for that call: the roles that may must get the operation's exact success status, the
//! others 403 — or 404 where they may not even see the object.

use std::collections::BTreeSet;

use academy_auth::Role;
use academy_consultation_hours::entity::booking;
use academy_tests::*;
use chrono::{Duration, Utc};
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use uuid::Uuid;

const EVERYONE: &[Role] = &Role::ALL;
/// The coordinating office.
const STAFF: &[Role] = &[Role::Coordinator, Role::Admin];
const ADMINS: &[Role] = &[Role::Admin];
const LEARNERS: &[Role] = &[Role::Learner];
/// A guide's editors: the authors of its organisation and the coordinating office.
const EDITORS: &[Role] = &[Role::Author, Role::Coordinator, Role::Admin];
/// Who manages an offer and its bookings: its consultant and the coordinating office.
const MANAGERS: &[Role] = &[Role::Consultant, Role::Coordinator, Role::Admin];
/// A booking's participant and its managers.
const PARTIES: &[Role] = &[
    Role::Learner,
    Role::Consultant,
    Role::Coordinator,
    Role::Admin,
];
const NONE: &[Role] = &[];
/// Who does not see a draft guide: neither its organisation's authors nor staff.
const BESIDES_EDITORS: &[Role] = &[Role::Learner, Role::Consultant, Role::ContactPerson];
/// Who does not see a booking: neither its participant nor its managers.
const BESIDES_PARTIES: &[Role] = &[Role::Author, Role::ContactPerson];
/// Who does not see a learner's waitlist place.
const BESIDES_LEARNERS: &[Role] = &[
    Role::Author,
    Role::Consultant,
    Role::Coordinator,
    Role::Admin,
    Role::ContactPerson,
];
/// The coordinating office and the municipality's contact person.
const STAFF_AND_CONTACT: &[Role] = &[Role::Coordinator, Role::Admin, Role::ContactPerson];
/// A learner's enrolment: the learner, the coordinating office, their contact person.
const ENROLMENT_READERS: &[Role] = &[
    Role::Learner,
    Role::Coordinator,
    Role::Admin,
    Role::ContactPerson,
];
/// Who does not see a learner's enrolment.
const BESIDES_ENROLMENT_READERS: &[Role] = &[Role::Author, Role::Consultant];
/// A learner's attempts: the learner and the coordinating office.
const ATTEMPT_READERS: &[Role] = &[Role::Learner, Role::Coordinator, Role::Admin];
/// Who does not see a learner's attempts.
const BESIDES_ATTEMPT_READERS: &[Role] = &[Role::Author, Role::Consultant, Role::ContactPerson];

/// Who may call an operation.
struct Rule {
    /// `METHOD /path/{template}` as in the OpenAPI document.
    operation: &'static str,
    /// Roles that succeed.
    allowed: &'static [Role],
    /// Roles that may not even see the object (404); every other role not allowed gets 403.
    hidden: &'static [Role],
}

const fn rule(operation: &'static str, allowed: &'static [Role], hidden: &'static [Role]) -> Rule {
    Rule {
        operation,
        allowed,
        hidden,
    }
}

/// Every operation that needs a token. Objects are prepared by [`Cast::prepare`]: guides of
/// the author's organisation, offers of the consultant, bookings of a learner on them.
const ACCESS: &[Rule] = &[
    rule("POST /api/v1/auth/logout-all", EVERYONE, NONE),
    rule("GET /api/v1/me", EVERYONE, NONE),
    rule("PATCH /api/v1/me", EVERYONE, NONE),
    rule("DELETE /api/v1/me", EVERYONE, NONE),
    rule("POST /api/v1/me/password", EVERYONE, NONE),
    rule("GET /api/v1/users", STAFF, NONE),
    rule("GET /api/v1/users/{id}", STAFF, NONE),
    rule("PATCH /api/v1/users/{id}", ADMINS, NONE),
    rule("POST /api/v1/users/invitations", STAFF, NONE),
    rule("POST /api/v1/users/{id}/invitation", STAFF, NONE),
    rule("POST /api/v1/organisations", STAFF, NONE),
    rule("PUT /api/v1/organisations/{id}", STAFF, NONE),
    rule("DELETE /api/v1/organisations/{id}", STAFF, NONE),
    rule("POST /api/v1/municipalities", STAFF, NONE),
    rule("PUT /api/v1/municipalities/{id}", STAFF, NONE),
    rule("DELETE /api/v1/municipalities/{id}", STAFF, NONE),
    rule("GET /api/v1/municipalities/{id}/email-domains", STAFF, NONE),
    rule("PUT /api/v1/municipalities/{id}/email-domains", STAFF, NONE),
    rule(
        "GET /api/v1/municipality-memberships",
        STAFF_AND_CONTACT,
        NONE,
    ),
    rule(
        "POST /api/v1/users/{id}/municipality-membership/confirm",
        STAFF_AND_CONTACT,
        NONE,
    ),
    rule(
        "POST /api/v1/users/{id}/municipality-membership/decline",
        STAFF_AND_CONTACT,
        NONE,
    ),
    rule("GET /api/v1/audit-log", ADMINS, NONE),
    rule("PUT /api/v1/taxonomy/{kind}/{slug}", STAFF, NONE),
    rule("DELETE /api/v1/taxonomy/{kind}/{slug}", STAFF, NONE),
    rule("POST /api/v1/guides", EDITORS, NONE),
    // On a published guide, which everyone sees.
    rule("PUT /api/v1/guides/{guide}", EDITORS, NONE),
    rule("PATCH /api/v1/guides/{guide}", EDITORS, NONE),
    // On a draft, which only its editors see.
    rule("DELETE /api/v1/guides/{guide}", EDITORS, BESIDES_EDITORS),
    rule(
        "POST /api/v1/guides/{guide}/submit",
        EDITORS,
        BESIDES_EDITORS,
    ),
    rule("POST /api/v1/guides/{guide}/return", STAFF, NONE),
    rule("POST /api/v1/guides/{guide}/publish", STAFF, NONE),
    rule("POST /api/v1/guides/{guide}/archive", STAFF, NONE),
    rule(
        "POST /api/v1/guides/{key}/attachments",
        EDITORS,
        BESIDES_EDITORS,
    ),
    rule(
        "DELETE /api/v1/guides/{key}/attachments/{id}",
        EDITORS,
        BESIDES_EDITORS,
    ),
    rule("POST /api/v1/tutorials", EDITORS, NONE),
    // On a published tutorial, which everyone sees.
    rule("PUT /api/v1/tutorials/{tutorial}", EDITORS, NONE),
    // On a draft, which only its editors see.
    rule(
        "DELETE /api/v1/tutorials/{tutorial}",
        EDITORS,
        BESIDES_EDITORS,
    ),
    rule(
        "POST /api/v1/tutorials/{tutorial}/submit",
        EDITORS,
        BESIDES_EDITORS,
    ),
    rule("POST /api/v1/tutorials/{tutorial}/return", STAFF, NONE),
    rule("POST /api/v1/tutorials/{tutorial}/publish", STAFF, NONE),
    rule("POST /api/v1/tutorials/{tutorial}/archive", STAFF, NONE),
    rule(
        "PUT /api/v1/tutorials/{tutorial}/captions-exemption",
        STAFF,
        NONE,
    ),
    rule(
        "DELETE /api/v1/tutorials/{tutorial}/captions-exemption",
        STAFF,
        NONE,
    ),
    rule("POST /api/v1/tutorials/{tutorial}/sources", EDITORS, NONE),
    rule(
        "DELETE /api/v1/tutorials/{tutorial}/sources/{source}",
        EDITORS,
        NONE,
    ),
    rule(
        "PUT /api/v1/tutorials/{tutorial}/tracks/{kind}/{language}",
        EDITORS,
        BESIDES_EDITORS,
    ),
    rule(
        "PATCH /api/v1/tutorials/{tutorial}/tracks/{kind}/{language}",
        EDITORS,
        BESIDES_EDITORS,
    ),
    rule(
        "DELETE /api/v1/tutorials/{tutorial}/tracks/{kind}/{language}",
        EDITORS,
        BESIDES_EDITORS,
    ),
    rule(
        "PUT /api/v1/tutorials/{tutorial}/transcripts/{language}",
        EDITORS,
        BESIDES_EDITORS,
    ),
    rule(
        "DELETE /api/v1/tutorials/{tutorial}/transcripts/{language}",
        EDITORS,
        BESIDES_EDITORS,
    ),
    rule(
        "POST /api/v1/tutorials/{tutorial}/videos",
        EDITORS,
        BESIDES_EDITORS,
    ),
    rule(
        "PUT /api/v1/tutorials/{tutorial}/poster",
        EDITORS,
        BESIDES_EDITORS,
    ),
    rule(
        "DELETE /api/v1/tutorials/{tutorial}/poster",
        EDITORS,
        BESIDES_EDITORS,
    ),
    // Any signed-in learner of a published tutorial.
    rule("POST /api/v1/tutorials/{tutorial}/progress", EVERYONE, NONE),
    rule("GET /api/v1/tutorials/{tutorial}/progress", EVERYONE, NONE),
    rule("GET /api/v1/me/tutorial-progress", EVERYONE, NONE),
    rule("GET /api/v1/tutorials/reports", STAFF, NONE),
    rule("POST /api/v1/consultation-offers", MANAGERS, NONE),
    rule("PUT /api/v1/consultation-offers/{id}", MANAGERS, NONE),
    rule(
        "POST /api/v1/consultation-offers/{id}/archive",
        MANAGERS,
        NONE,
    ),
    rule(
        "POST /api/v1/consultation-slots/{id}/bookings",
        LEARNERS,
        NONE,
    ),
    rule(
        "POST /api/v1/consultation-slots/{id}/waitlist",
        LEARNERS,
        NONE,
    ),
    rule("GET /api/v1/consultation-waitlist", EVERYONE, NONE),
    rule(
        "POST /api/v1/consultation-waitlist/{id}/accept",
        LEARNERS,
        BESIDES_LEARNERS,
    ),
    rule(
        "DELETE /api/v1/consultation-waitlist/{id}",
        LEARNERS,
        BESIDES_LEARNERS,
    ),
    rule("GET /api/v1/consultation-bookings", EVERYONE, NONE),
    rule("GET /api/v1/consultation-bookings/export", MANAGERS, NONE),
    rule(
        "GET /api/v1/consultation-bookings/{id}",
        PARTIES,
        BESIDES_PARTIES,
    ),
    // The participant sees the booking but only cancels or moves it.
    rule(
        "POST /api/v1/consultation-bookings/{id}/confirm",
        MANAGERS,
        BESIDES_PARTIES,
    ),
    rule(
        "POST /api/v1/consultation-bookings/{id}/decline",
        MANAGERS,
        BESIDES_PARTIES,
    ),
    rule(
        "POST /api/v1/consultation-bookings/{id}/cancel",
        PARTIES,
        BESIDES_PARTIES,
    ),
    rule(
        "POST /api/v1/consultation-bookings/{id}/complete",
        MANAGERS,
        BESIDES_PARTIES,
    ),
    rule(
        "POST /api/v1/consultation-bookings/{id}/no-show",
        MANAGERS,
        BESIDES_PARTIES,
    ),
    rule(
        "POST /api/v1/consultation-bookings/{id}/reschedule",
        PARTIES,
        BESIDES_PARTIES,
    ),
    rule("GET /api/v1/me/calendar-feed", EVERYONE, NONE),
    rule("POST /api/v1/me/calendar-feed", EVERYONE, NONE),
    rule("DELETE /api/v1/me/calendar-feed", EVERYONE, NONE),
    rule("GET /api/v1/consultation-reports/bookings", STAFF, NONE),
    rule("POST /api/v1/courses", EDITORS, NONE),
    // On a published course, which everyone sees.
    rule("PUT /api/v1/courses/{course}", EDITORS, NONE),
    rule("PUT /api/v1/courses/{course}/cover", EDITORS, NONE),
    rule("DELETE /api/v1/courses/{course}/cover", EDITORS, NONE),
    // On a draft, which only its editors see.
    rule("DELETE /api/v1/courses/{course}", EDITORS, BESIDES_EDITORS),
    rule(
        "POST /api/v1/courses/{course}/submit",
        EDITORS,
        BESIDES_EDITORS,
    ),
    rule("POST /api/v1/courses/{course}/return", STAFF, NONE),
    rule("POST /api/v1/courses/{course}/publish", STAFF, NONE),
    rule("POST /api/v1/courses/{course}/archive", STAFF, NONE),
    rule(
        "POST /api/v1/courses/{course}/quizzes/{lesson}/regrade",
        STAFF,
        NONE,
    ),
    // Self-enrolment (no body).
    rule("POST /api/v1/courses/{course}/enrolments", LEARNERS, NONE),
    rule(
        "GET /api/v1/courses/{course}/enrolments",
        STAFF_AND_CONTACT,
        NONE,
    ),
    rule(
        "GET /api/v1/courses/{course}/teams",
        STAFF_AND_CONTACT,
        NONE,
    ),
    rule(
        "PUT /api/v1/courses/{course}/teams/{municipality}",
        STAFF_AND_CONTACT,
        NONE,
    ),
    rule(
        "DELETE /api/v1/courses/{course}/teams/{municipality}",
        STAFF_AND_CONTACT,
        NONE,
    ),
    rule("GET /api/v1/me/courses", EVERYONE, NONE),
    // A learner of the cast's municipality's enrolment.
    rule(
        "GET /api/v1/enrolments/{id}",
        ENROLMENT_READERS,
        BESIDES_ENROLMENT_READERS,
    ),
    rule(
        "POST /api/v1/enrolments/{id}/withdraw",
        ENROLMENT_READERS,
        BESIDES_ENROLMENT_READERS,
    ),
    rule("POST /api/v1/enrolments/{id}/move", STAFF, NONE),
    rule(
        "POST /api/v1/enrolments/{id}/lessons/{lesson}/view",
        LEARNERS,
        BESIDES_LEARNERS,
    ),
    rule(
        "POST /api/v1/enrolments/{id}/lessons/{lesson}/done",
        LEARNERS,
        BESIDES_LEARNERS,
    ),
    rule(
        "POST /api/v1/enrolments/{id}/lessons/{lesson}/attempts",
        LEARNERS,
        BESIDES_LEARNERS,
    ),
    rule(
        "GET /api/v1/enrolments/{id}/lessons/{lesson}/attempts",
        ATTEMPT_READERS,
        BESIDES_ATTEMPT_READERS,
    ),
    rule(
        "GET /api/v1/attempts/{attempt}",
        ATTEMPT_READERS,
        BESIDES_ATTEMPT_READERS,
    ),
    // The learner answers; coordinators see the attempt but may not answer it.
    rule(
        "PUT /api/v1/attempts/{attempt}/answers",
        LEARNERS,
        BESIDES_ATTEMPT_READERS,
    ),
    rule(
        "POST /api/v1/attempts/{attempt}/submit",
        LEARNERS,
        BESIDES_ATTEMPT_READERS,
    ),
    rule("GET /api/v1/course-reports", STAFF_AND_CONTACT, NONE),
    rule("GET /api/v1/me/certificates", EVERYONE, NONE),
    rule("POST /api/v1/certificates/{id}/revoke", STAFF, NONE),
];

/// The operations the served OpenAPI document says need credentials, as `METHOD /path`.
async fn protected_operations(app: &TestApp) -> BTreeSet<String> {
    let document = json_body(app.get("/openapi.json").await, StatusCode::OK).await;
    // Operations for accounts: the `bearer` scheme (the metrics scraper has a scheme of its
    // own and no roles).
    let needs_credentials = |security: &Value| {
        security.as_array().is_some_and(|requirements| {
            !requirements.is_empty()
                // `{}` among the requirements makes credentials optional.
                && !requirements.iter().any(|r| r.as_object().is_some_and(|o| o.is_empty()))
                && requirements.iter().all(|r| r.get("bearer").is_some())
        })
    };
    let global = document.get("security").cloned().unwrap_or(Value::Null);
    let mut protected = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            const METHODS: [&str; 8] = [
                "get", "put", "post", "delete", "options", "head", "patch", "trace",
            ];
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            if needs_credentials(operation.get("security").unwrap_or(&global)) {
                protected.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    protected
}

/// A request body.
enum Body {
    None,
    Json(Value),
    /// Content type and bytes.
    Raw(String, Vec<u8>),
}

/// One prepared request.
struct Call {
    caller: TestUser,
    method: Method,
    path: String,
    body: Body,
    if_match: Option<String>,
    /// The success status when the caller may.
    expect: StatusCode,
}

impl Call {
    fn new(caller: &TestUser, method: Method, path: impl Into<String>, expect: StatusCode) -> Self {
        Self {
            caller: caller.clone(),
            method,
            path: path.into(),
            body: Body::None,
            if_match: None,
            expect,
        }
    }

    fn json(mut self, body: Value) -> Self {
        self.body = Body::Json(body);
        self
    }

    fn if_match(mut self, etag: String) -> Self {
        self.if_match = Some(etag);
        self
    }

    async fn send(&self, app: &TestApp, signed_in: bool) -> Response {
        let mut request = app.request(self.method.clone(), &self.path);
        if signed_in {
            request = request.bearer_auth(&self.caller.access);
        }
        if let Some(etag) = &self.if_match {
            request = request.header("if-match", etag);
        }
        request = match &self.body {
            Body::None => request,
            Body::Json(body) => request.json(body),
            Body::Raw(content_type, bytes) => request
                .header("content-type", content_type)
                .body(bytes.clone()),
        };
        request.send().await.expect("request sent")
    }
}

/// A guide's stage in the review workflow.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Draft,
    InReview,
    Published,
}

/// One account per role and the objects they work on: the author's organisation publishes
/// guides, the consultant (of the same organisation) offers hours, learners of one
/// municipality book them.
struct Cast<'a> {
    app: &'a TestApp,
    users: Vec<(Role, TestUser)>,
    organisation: Uuid,
    municipality: Uuid,
    /// Free slots of one offer, by whether the offer needs confirmation.
    free_slots: [Vec<String>; 2],
    /// Offers with hours so far.
    windows: u32,
    serial: u32,
}

const CONCERN: &str = "Wir planen einen Quartiersrat.";

impl<'a> Cast<'a> {
    async fn new(app: &'a TestApp) -> Self {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let municipality = app.some_municipality().await;
        let mut cast = Self {
            app,
            users: Vec::new(),
            organisation,
            municipality,
            free_slots: [Vec::new(), Vec::new()],
            windows: 0,
            serial: 0,
        };
        for role in Role::ALL {
            let user = cast.fresh(role).await;
            cast.users.push((role, user));
        }
        cast
    }

    fn user(&self, role: Role) -> &TestUser {
        &self
            .users
            .iter()
            .find(|(r, _)| *r == role)
            .expect("a user per role")
            .1
    }

    /// Another signed-in account with `role`, for calls that use the account up.
    async fn fresh(&self, role: Role) -> TestUser {
        let organisation =
            matches!(role, Role::Author | Role::Consultant).then_some(self.organisation);
        let municipality =
            matches!(role, Role::Learner | Role::ContactPerson).then_some(self.municipality);
        self.app.user_in(&[role], organisation, municipality).await
    }

    /// A new learner whose membership in the cast's municipality waits for confirmation.
    async fn pending_member(&self) -> Uuid {
        use academy_auth::entity::user;
        let learner = self.fresh(Role::Learner).await;
        user::Entity::update_many()
            .col_expr(
                user::Column::MunicipalityConfirmedAt,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .filter(user::Column::Id.eq(learner.id))
            .exec(&self.app.db)
            .await
            .unwrap();
        learner.id
    }

    fn next(&mut self) -> u32 {
        self.serial += 1;
        self.serial
    }

    /// Sends `call` as `as_user` (the cast's account of a role), asserting `expect`.
    async fn run(
        &self,
        as_user: Role,
        method: Method,
        path: &str,
        body: Option<Value>,
        expect: StatusCode,
    ) -> Value {
        let mut call = Call::new(self.user(as_user), method, path, expect);
        if let Some(body) = body {
            call = call.json(body);
        }
        let response = call.send(self.app, true).await;
        if expect == StatusCode::NO_CONTENT {
            assert_eq!(response.status(), expect, "{path}");
            return Value::Null;
        }
        json_body(response, expect).await
    }

    async fn etag(&self, path: &str) -> String {
        let response = self
            .app
            .authed(Method::GET, path, &self.user(Role::Coordinator).access)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.headers()["etag"].to_str().unwrap().to_owned()
    }

    /// A guide of the cast's organisation, written by its author, in `stage`.
    async fn guide(&mut self, stage: Stage) -> String {
        let n = self.next();
        let body = json!({
            "title": format!("Beteiligung verstetigen, Teil {n}"),
            "summary": "Wie Kommunen Beteiligung auf Dauer stellen.",
            "fieldsOfAction": ["activation-participation"],
        });
        let guide = self
            .run(
                Role::Author,
                Method::POST,
                "/api/v1/guides",
                Some(body),
                StatusCode::CREATED,
            )
            .await;
        let id = guide["id"].as_str().unwrap().to_owned();
        if stage != Stage::Draft {
            self.run(
                Role::Author,
                Method::POST,
                &format!("/api/v1/guides/{id}/submit"),
                None,
                StatusCode::OK,
            )
            .await;
        }
        if stage == Stage::Published {
            let path = format!("/api/v1/guides/{id}/publish");
            self.run(
                Role::Coordinator,
                Method::POST,
                &path,
                Some(json!({})),
                StatusCode::OK,
            )
            .await;
        }
        id
    }

    /// A tutorial of the cast's organisation, written by its author, in `stage`; beyond
    /// the draft with approved German captions, so that it may be published.
    async fn tutorial(&mut self, stage: Stage) -> String {
        let n = self.next();
        let body = json!({
            "title": format!("Beteiligung im Quartier, Folge {n}"),
            "summary": "Ein Impuls in zwei Minuten.",
            "durationSeconds": 120,
        });
        let tutorial = self
            .run(
                Role::Author,
                Method::POST,
                "/api/v1/tutorials",
                Some(body),
                StatusCode::CREATED,
            )
            .await;
        let id = tutorial["id"].as_str().unwrap().to_owned();
        if stage == Stage::Draft {
            return id;
        }
        let mut upload = Call::new(
            self.user(Role::Author),
            Method::PUT,
            format!("/api/v1/tutorials/{id}/tracks/captions/de"),
            StatusCode::CREATED,
        );
        upload.body = captions();
        assert_eq!(
            upload.send(self.app, true).await.status(),
            StatusCode::CREATED
        );
        self.run(
            Role::Author,
            Method::PATCH,
            &format!("/api/v1/tutorials/{id}/tracks/captions/de"),
            Some(json!({"status": "approved"})),
            StatusCode::OK,
        )
        .await;
        self.run(
            Role::Author,
            Method::POST,
            &format!("/api/v1/tutorials/{id}/submit"),
            None,
            StatusCode::OK,
        )
        .await;
        if stage == Stage::Published {
            self.run(
                Role::Coordinator,
                Method::POST,
                &format!("/api/v1/tutorials/{id}/publish"),
                None,
                StatusCode::OK,
            )
            .await;
        }
        id
    }

    /// An offer of the cast's consultant.
    async fn offer(&mut self, overrides: Value) -> String {
        let offer = self.app.offer(self.user(Role::Consultant), overrides).await;
        offer["id"].as_str().unwrap().to_owned()
    }

    /// `n` free one-seat slots of one offer (which needs confirmation or not).
    async fn slots(&mut self, n: usize, needs_confirmation: bool) -> Vec<String> {
        let pool = usize::from(needs_confirmation);
        if self.free_slots[pool].len() < n {
            // A consultant's offers may not overlap: each takes three hours of its own.
            let start = 3 * self.windows;
            self.windows += 1;
            assert!(start + 3 <= 23, "out of hours for further offers");
            let hours = every_day(&format!("{start:02}:00"), &format!("{:02}:00", start + 3));
            let offer = self
                .offer(json!({
                    "requiresConfirmation": needs_confirmation,
                    "maxAdvanceDays": 14,
                    "availability": hours,
                }))
                .await;
            self.free_slots[pool] = self
                .app
                .slots(&offer, false)
                .await
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_owned())
                .collect();
            assert!(self.free_slots[pool].len() >= n, "enough slots");
        }
        self.free_slots[pool].split_off(self.free_slots[pool].len() - n)
    }

    /// A booking of a new learner of the cast's municipality on the slot: the learner and
    /// the booking's id.
    async fn booking_on(&mut self, slot: &str) -> (TestUser, String) {
        let participant = self.fresh(Role::Learner).await;
        let booking = json_body(
            self.app.book(&participant, slot, None).await,
            StatusCode::CREATED,
        )
        .await;
        (participant, booking["id"].as_str().unwrap().to_owned())
    }

    /// An open booking: pending when `needs_confirmation`, else confirmed.
    async fn booking(&mut self, needs_confirmation: bool) -> (TestUser, String) {
        let slot = self.slots(1, needs_confirmation).await.remove(0);
        self.booking_on(&slot).await
    }

    /// A learner's place on the waitlist of a full slot: the learner, the place's id and the
    /// booking (participant and id) that fills the slot.
    async fn place(&mut self) -> (TestUser, String, (TestUser, String)) {
        let slot = self.slots(1, false).await.remove(0);
        let booking = self.booking_on(&slot).await;
        let learner = self.fresh(Role::Learner).await;
        let response = self
            .app
            .authed(
                Method::POST,
                &format!("/api/v1/consultation-slots/{slot}/waitlist"),
                &learner.access,
            )
            .json(&json!({"concern": CONCERN}))
            .send()
            .await
            .unwrap();
        let place = json_body(response, StatusCode::CREATED).await;
        (learner, place["id"].as_str().unwrap().to_owned(), booking)
    }

    /// A course of the cast's organisation in `stage`: one module with a text lesson
    /// (viewed), a text lesson (done) and a quiz; returns its id and the lessons' keys.
    async fn course(&mut self, stage: Stage) -> (String, Vec<String>) {
        let n = self.next();
        let body = json!({
            "title": format!("Beteiligung lernen, Kurs {n}"),
            "summary": "Drei kurze Lektionen.",
            "estimatedHours": 1,
            "modules": [{"title": "Einstieg", "lessons": [
                {"title": "Lesen", "kind": "text", "body": "Beteiligung beginnt früh."},
                {"title": "Abhaken", "kind": "text", "body": "Erledigt?", "completion": "done"},
                {"title": "Quiz", "kind": "quiz", "quiz": {"questions": [
                    {"type": "true_false", "prompt": "Beteiligung beginnt früh.", "correct": true}
                ]}}
            ]}]
        });
        let course = self
            .run(
                Role::Author,
                Method::POST,
                "/api/v1/courses",
                Some(body),
                StatusCode::CREATED,
            )
            .await;
        let id = course["id"].as_str().unwrap().to_owned();
        let keys = course["modules"][0]["lessons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["key"].as_str().unwrap().to_owned())
            .collect();
        if stage != Stage::Draft {
            self.run(
                Role::Author,
                Method::POST,
                &format!("/api/v1/courses/{id}/submit"),
                None,
                StatusCode::OK,
            )
            .await;
        }
        if stage == Stage::Published {
            self.run(
                Role::Coordinator,
                Method::POST,
                &format!("/api/v1/courses/{id}/publish"),
                Some(json!({})),
                StatusCode::OK,
            )
            .await;
        }
        (id, keys)
    }

    /// A new learner of the cast's municipality enrolled in a published course: the
    /// learner, the enrolment's id, the lessons' keys and the course's id.
    async fn enrolment(&mut self) -> (TestUser, String, Vec<String>, String) {
        let (course, keys) = self.course(Stage::Published).await;
        let learner = self.fresh(Role::Learner).await;
        let response = self
            .app
            .authed(
                Method::POST,
                &format!("/api/v1/courses/{course}/enrolments"),
                &learner.access,
            )
            .send()
            .await
            .unwrap();
        let enrolment = json_body(response, StatusCode::CREATED).await;
        (
            learner,
            enrolment["id"].as_str().unwrap().to_owned(),
            keys,
            course,
        )
    }

    /// An attempt at the quiz of a new enrolment: the learner and the attempt's id.
    async fn attempt(&mut self) -> (TestUser, String) {
        let (learner, enrolment, keys, _) = self.enrolment().await;
        let response = self
            .app
            .authed(
                Method::POST,
                &format!(
                    "/api/v1/enrolments/{enrolment}/lessons/{}/attempts",
                    keys[2]
                ),
                &learner.access,
            )
            .send()
            .await
            .unwrap();
        let attempt = json_body(response, StatusCode::CREATED).await;
        (learner, attempt["id"].as_str().unwrap().to_owned())
    }

    /// A certificate of a learner who completed a course; its id.
    async fn certificate(&mut self) -> String {
        let (learner, enrolment, keys, _) = self.enrolment().await;
        let post = |path: String| self.app.authed(Method::POST, &path, &learner.access);
        let base = format!("/api/v1/enrolments/{enrolment}/lessons");
        assert_eq!(
            post(format!("{base}/{}/view", keys[0]))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
        assert_eq!(
            post(format!("{base}/{}/done", keys[1]))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
        let attempt = json_body(
            post(format!("{base}/{}/attempts", keys[2]))
                .send()
                .await
                .unwrap(),
            StatusCode::CREATED,
        )
        .await;
        let question = attempt["questions"][0]["key"].as_str().unwrap().to_owned();
        let submitted = post(format!(
            "/api/v1/attempts/{}/submit",
            attempt["id"].as_str().unwrap()
        ))
        .json(&json!({"answers": {question: true}}))
        .send()
        .await
        .unwrap();
        assert_eq!(submitted.status(), StatusCode::OK);
        let list = json_body(
            self.app
                .authed(Method::GET, "/api/v1/me/certificates", &learner.access)
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        list[0]["id"].as_str().expect("a certificate").to_owned()
    }

    /// The request `role` makes to try `operation` on objects prepared for this one call.
    async fn prepare(&mut self, operation: &str, role: Role) -> Call {
        use Method as M;
        use StatusCode as S;
        let user = self.user(role).clone();
        let n = self.next();
        match operation {
            "POST /api/v1/auth/logout-all" => {
                Call::new(&self.fresh(role).await, M::POST, "/api/v1/auth/logout-all", S::NO_CONTENT)
            }
            "GET /api/v1/me" => Call::new(&user, M::GET, "/api/v1/me", S::OK),
            "PATCH /api/v1/me" => {
                Call::new(&user, M::PATCH, "/api/v1/me", S::OK).json(json!({"displayName": "Erika Muster"}))
            }
            "DELETE /api/v1/me" => Call::new(&self.fresh(role).await, M::DELETE, "/api/v1/me", S::NO_CONTENT)
                .json(json!({"password": PASSWORD})),
            "POST /api/v1/me/password" => {
                Call::new(&self.fresh(role).await, M::POST, "/api/v1/me/password", S::NO_CONTENT).json(json!({
                    "currentPassword": PASSWORD,
                    "newPassword": "Birnbaum neben dem Gartenhaus",
                }))
            }
            "GET /api/v1/users" => Call::new(&user, M::GET, "/api/v1/users", S::OK),
            "GET /api/v1/users/{id}" => {
                let id = self.user(Role::Learner).id;
                Call::new(&user, M::GET, format!("/api/v1/users/{id}"), S::OK)
            }
            "PATCH /api/v1/users/{id}" => {
                let id = self.fresh(Role::Learner).await.id;
                Call::new(&user, M::PATCH, format!("/api/v1/users/{id}"), S::OK)
                    .json(json!({"displayName": "Ida Muster"}))
            }
            "POST /api/v1/users/invitations" => {
                Call::new(&user, M::POST, "/api/v1/users/invitations", S::CREATED).json(json!({
                    "email": format!("eingeladen-{n}@example.org"),
                    "displayName": "Ida Neu",
                    "roles": ["learner"],
                    "municipalityId": self.municipality,
                }))
            }
            "POST /api/v1/users/{id}/invitation" => {
                let id = Uuid::now_v7();
                let email = format!("eingeladen-{}@example.org", id.simple());
                self.app.insert_user(id, &email, &[Role::Learner], None, None, "invited", None).await;
                Call::new(&user, M::POST, format!("/api/v1/users/{id}/invitation"), S::ACCEPTED)
            }
            "POST /api/v1/organisations" => Call::new(&user, M::POST, "/api/v1/organisations", S::CREATED)
                .json(json!({"name": format!("Neue Stiftung {n}"), "kind": "foundation"})),
            "PUT /api/v1/organisations/{id}" => {
                let id = self.app.organisation(&format!("Stiftung {n}")).await;
                Call::new(&user, M::PUT, format!("/api/v1/organisations/{id}"), S::OK)
                    .json(json!({"name": format!("Stiftung {n} neu"), "kind": "association"}))
            }
            "DELETE /api/v1/organisations/{id}" => {
                let id = self.app.organisation(&format!("Stiftung {n}")).await;
                Call::new(&user, M::DELETE, format!("/api/v1/organisations/{id}"), S::NO_CONTENT)
            }
            "POST /api/v1/municipalities" => Call::new(&user, M::POST, "/api/v1/municipalities", S::CREATED).json(
                json!({"name": format!("Neustadt {n}"), "ags": format!("06415{:03}", n % 1000), "district": "Landkreis Beispiel"}),
            ),
            "PUT /api/v1/municipalities/{id}" => {
                let id = self.app.municipality(&format!("Altstadt {n}"), &format!("06416{:03}", n % 1000)).await;
                Call::new(&user, M::PUT, format!("/api/v1/municipalities/{id}"), S::OK).json(
                    json!({"name": format!("Altstadt {n}"), "ags": format!("06416{:03}", n % 1000), "district": "Landkreis Neu"}),
                )
            }
            "DELETE /api/v1/municipalities/{id}" => {
                let id = self.app.municipality(&format!("Altstadt {n}"), &format!("06416{:03}", n % 1000)).await;
                Call::new(&user, M::DELETE, format!("/api/v1/municipalities/{id}"), S::NO_CONTENT)
            }
            "GET /api/v1/municipalities/{id}/email-domains" => {
                let id = self.municipality;
                Call::new(&user, M::GET, format!("/api/v1/municipalities/{id}/email-domains"), S::OK)
            }
            "PUT /api/v1/municipalities/{id}/email-domains" => {
                let id = self.app.municipality(&format!("Domainstadt {n}"), &format!("06417{:03}", n % 1000)).await;
                Call::new(&user, M::PUT, format!("/api/v1/municipalities/{id}/email-domains"), S::OK)
                    .json(json!({"domains": [format!("domainstadt-{n}.example.org")]}))
            }
            "GET /api/v1/municipality-memberships" => Call::new(&user, M::GET, "/api/v1/municipality-memberships", S::OK),
            "POST /api/v1/users/{id}/municipality-membership/confirm" => {
                let id = self.pending_member().await;
                Call::new(&user, M::POST, format!("/api/v1/users/{id}/municipality-membership/confirm"), S::OK)
            }
            "POST /api/v1/users/{id}/municipality-membership/decline" => {
                let id = self.pending_member().await;
                Call::new(&user, M::POST, format!("/api/v1/users/{id}/municipality-membership/decline"), S::OK)
            }
            "GET /api/v1/audit-log" => Call::new(&user, M::GET, "/api/v1/audit-log", S::OK),
            "PUT /api/v1/taxonomy/{kind}/{slug}" => {
                Call::new(&user, M::PUT, format!("/api/v1/taxonomy/audiences/gruppe-{n}"), S::CREATED)
                    .json(json!({"name": format!("Gruppe {n}")}))
            }
            "DELETE /api/v1/taxonomy/{kind}/{slug}" => {
                let path = format!("/api/v1/taxonomy/audiences/gruppe-{n}");
                let body = json!({"name": format!("Gruppe {n}")});
                self.run(Role::Coordinator, M::PUT, &path, Some(body), S::CREATED).await;
                Call::new(&user, M::DELETE, path, S::NO_CONTENT)
            }
            "POST /api/v1/guides" => Call::new(&user, M::POST, "/api/v1/guides", S::CREATED).json(json!({
                "organisationId": self.organisation,
                "title": format!("Quartiersrat gründen, Teil {n}"),
                "summary": "Schritt für Schritt zum Quartiersrat.",
                "fieldsOfAction": ["activation-participation"],
            })),
            "PUT /api/v1/guides/{guide}" => {
                let path = format!("/api/v1/guides/{}", self.guide(Stage::Published).await);
                let etag = self.etag(&format!("{path}?revision=working")).await;
                Call::new(&user, M::PUT, path, S::OK).if_match(etag).json(json!({
                    "title": format!("Beteiligung verstetigen, Teil {n}"),
                    "summary": "Neu gefasst: wie Kommunen Beteiligung auf Dauer stellen.",
                    "fieldsOfAction": ["activation-participation"],
                }))
            }
            "PATCH /api/v1/guides/{guide}" => {
                let path = format!("/api/v1/guides/{}", self.guide(Stage::Published).await);
                let etag = self.etag(&format!("{path}?revision=working")).await;
                Call::new(&user, M::PATCH, path, S::OK)
                    .if_match(etag)
                    .json(json!({"summary": "Neu gefasst."}))
            }
            "DELETE /api/v1/guides/{guide}" => {
                let id = self.guide(Stage::Draft).await;
                Call::new(&user, M::DELETE, format!("/api/v1/guides/{id}"), S::NO_CONTENT)
            }
            "POST /api/v1/guides/{guide}/submit" => {
                let id = self.guide(Stage::Draft).await;
                Call::new(&user, M::POST, format!("/api/v1/guides/{id}/submit"), S::OK)
            }
            "POST /api/v1/guides/{guide}/return" => {
                let id = self.guide(Stage::InReview).await;
                Call::new(&user, M::POST, format!("/api/v1/guides/{id}/return"), S::OK)
                    .json(json!({"comment": "Bitte Quellen ergänzen."}))
            }
            "POST /api/v1/guides/{guide}/publish" => {
                let id = self.guide(Stage::InReview).await;
                Call::new(&user, M::POST, format!("/api/v1/guides/{id}/publish"), S::OK).json(json!({}))
            }
            "POST /api/v1/guides/{guide}/archive" => {
                let id = self.guide(Stage::Published).await;
                Call::new(&user, M::POST, format!("/api/v1/guides/{id}/archive"), S::OK)
            }
            "POST /api/v1/guides/{key}/attachments" => {
                let id = self.guide(Stage::Draft).await;
                let mut call = Call::new(&user, M::POST, format!("/api/v1/guides/{id}/attachments"), S::CREATED);
                call.body = template_form();
                call
            }
            "DELETE /api/v1/guides/{key}/attachments/{id}" => {
                let id = self.guide(Stage::Draft).await;
                let mut upload = Call::new(self.user(Role::Author), M::POST, format!("/api/v1/guides/{id}/attachments"), S::CREATED);
                upload.body = template_form();
                let attachment = json_body(upload.send(self.app, true).await, S::CREATED).await;
                let path = attachment["downloadUrl"].as_str().expect("downloadUrl").to_owned();
                Call::new(&user, M::DELETE, path, S::NO_CONTENT)
            }
            "POST /api/v1/tutorials" => Call::new(&user, M::POST, "/api/v1/tutorials", S::CREATED).json(json!({
                "organisationId": self.organisation,
                "title": format!("Quartiersrat gründen, Folge {n}"),
                "summary": "Schritt für Schritt zum Quartiersrat.",
                "durationSeconds": 90,
            })),
            "PUT /api/v1/tutorials/{tutorial}" => {
                let path = format!("/api/v1/tutorials/{}", self.tutorial(Stage::Published).await);
                let etag = self.etag(&format!("{path}?revision=working")).await;
                Call::new(&user, M::PUT, path, S::OK).if_match(etag).json(json!({
                    "title": format!("Beteiligung im Quartier, Folge {n}"),
                    "summary": "Neu gefasst.",
                    "durationSeconds": 120,
                }))
            }
            "DELETE /api/v1/tutorials/{tutorial}" => {
                let id = self.tutorial(Stage::Draft).await;
                Call::new(&user, M::DELETE, format!("/api/v1/tutorials/{id}"), S::NO_CONTENT)
            }
            "POST /api/v1/tutorials/{tutorial}/submit" => {
                let id = self.tutorial(Stage::Draft).await;
                Call::new(&user, M::POST, format!("/api/v1/tutorials/{id}/submit"), S::OK)
            }
            "POST /api/v1/tutorials/{tutorial}/return" => {
                let id = self.tutorial(Stage::InReview).await;
                Call::new(&user, M::POST, format!("/api/v1/tutorials/{id}/return"), S::OK)
                    .json(json!({"comment": "Bitte Kapitel ergänzen."}))
            }
            "POST /api/v1/tutorials/{tutorial}/publish" => {
                let id = self.tutorial(Stage::InReview).await;
                Call::new(&user, M::POST, format!("/api/v1/tutorials/{id}/publish"), S::OK)
            }
            "POST /api/v1/tutorials/{tutorial}/archive" => {
                let id = self.tutorial(Stage::Published).await;
                Call::new(&user, M::POST, format!("/api/v1/tutorials/{id}/archive"), S::OK)
            }
            "PUT /api/v1/tutorials/{tutorial}/captions-exemption" => {
                let id = self.tutorial(Stage::InReview).await;
                Call::new(&user, M::PUT, format!("/api/v1/tutorials/{id}/captions-exemption"), S::OK)
                    .json(json!({"reason": "Reine Bildsequenz ohne Sprache."}))
            }
            "DELETE /api/v1/tutorials/{tutorial}/captions-exemption" => {
                let id = self.tutorial(Stage::InReview).await;
                Call::new(&user, M::DELETE, format!("/api/v1/tutorials/{id}/captions-exemption"), S::OK)
            }
            "POST /api/v1/tutorials/{tutorial}/sources" => {
                let id = self.tutorial(Stage::Published).await;
                Call::new(&user, M::POST, format!("/api/v1/tutorials/{id}/sources"), S::CREATED)
                    .json(json!({"delivery": "embed", "url": format!("https://video.example.org/videos/embed/{n}")}))
            }
            "DELETE /api/v1/tutorials/{tutorial}/sources/{source}" => {
                let id = self.tutorial(Stage::Published).await;
                let body = json!({"delivery": "embed", "url": format!("https://video.example.org/videos/embed/{n}")});
                let source = self.run(Role::Author, M::POST, &format!("/api/v1/tutorials/{id}/sources"), Some(body), S::CREATED).await;
                let source = source["id"].as_str().unwrap().to_owned();
                Call::new(&user, M::DELETE, format!("/api/v1/tutorials/{id}/sources/{source}"), S::NO_CONTENT)
            }
            "PUT /api/v1/tutorials/{tutorial}/tracks/{kind}/{language}" => {
                let id = self.tutorial(Stage::Draft).await;
                let mut call = Call::new(&user, M::PUT, format!("/api/v1/tutorials/{id}/tracks/captions/de"), S::CREATED);
                call.body = captions();
                call
            }
            "PATCH /api/v1/tutorials/{tutorial}/tracks/{kind}/{language}" => {
                let id = self.tutorial(Stage::Draft).await;
                let path = format!("/api/v1/tutorials/{id}/tracks/captions/de");
                let mut upload = Call::new(self.user(Role::Author), M::PUT, path.clone(), S::CREATED);
                upload.body = captions();
                assert_eq!(upload.send(self.app, true).await.status(), S::CREATED);
                Call::new(&user, M::PATCH, path, S::OK).json(json!({"label": "Deutsch"}))
            }
            "DELETE /api/v1/tutorials/{tutorial}/tracks/{kind}/{language}" => {
                let id = self.tutorial(Stage::Draft).await;
                let path = format!("/api/v1/tutorials/{id}/tracks/captions/de");
                let mut upload = Call::new(self.user(Role::Author), M::PUT, path.clone(), S::CREATED);
                upload.body = captions();
                assert_eq!(upload.send(self.app, true).await.status(), S::CREATED);
                Call::new(&user, M::DELETE, path, S::NO_CONTENT)
            }
            "PUT /api/v1/tutorials/{tutorial}/transcripts/{language}" => {
                let id = self.tutorial(Stage::Draft).await;
                Call::new(&user, M::PUT, format!("/api/v1/tutorials/{id}/transcripts/de"), S::NO_CONTENT)
                    .json(json!({"text": "Willkommen im Quartier."}))
            }
            "DELETE /api/v1/tutorials/{tutorial}/transcripts/{language}" => {
                let id = self.tutorial(Stage::Draft).await;
                let path = format!("/api/v1/tutorials/{id}/transcripts/de");
                self.run(Role::Author, M::PUT, &path, Some(json!({"text": "Willkommen."})), S::NO_CONTENT).await;
                Call::new(&user, M::DELETE, path, S::NO_CONTENT)
            }
            "POST /api/v1/tutorials/{tutorial}/videos" => {
                let n = self.next();
                let body = json!({"title": format!("Kurzfilm {n}"), "summary": "Zweieinhalb Sekunden.", "durationSeconds": 2.4});
                let short = self.run(Role::Author, M::POST, "/api/v1/tutorials", Some(body), S::CREATED).await;
                let id = short["id"].as_str().unwrap().to_owned();
                let mut call = Call::new(&user, M::POST, format!("/api/v1/tutorials/{id}/videos"), S::CREATED);
                call.body = Body::Raw("video/mp4".to_owned(), VIDEO.to_vec());
                call
            }
            "PUT /api/v1/tutorials/{tutorial}/poster" => {
                let id = self.tutorial(Stage::Draft).await;
                let mut call = Call::new(&user, M::PUT, format!("/api/v1/tutorials/{id}/poster"), S::OK);
                call.body = Body::Raw("image/png".to_owned(), POSTER.to_vec());
                call
            }
            "DELETE /api/v1/tutorials/{tutorial}/poster" => {
                let id = self.tutorial(Stage::Draft).await;
                let path = format!("/api/v1/tutorials/{id}/poster");
                let mut upload = Call::new(self.user(Role::Author), M::PUT, path.clone(), S::OK);
                upload.body = Body::Raw("image/png".to_owned(), POSTER.to_vec());
                assert_eq!(upload.send(self.app, true).await.status(), S::OK);
                Call::new(&user, M::DELETE, path, S::NO_CONTENT)
            }
            "POST /api/v1/tutorials/{tutorial}/progress" => {
                let id = self.tutorial(Stage::Published).await;
                Call::new(&user, M::POST, format!("/api/v1/tutorials/{id}/progress"), S::OK)
                    .json(json!({"segments": [{"from": 0, "to": 5}]}))
            }
            "GET /api/v1/tutorials/{tutorial}/progress" => {
                let id = self.tutorial(Stage::Published).await;
                Call::new(&user, M::GET, format!("/api/v1/tutorials/{id}/progress"), S::OK)
            }
            "GET /api/v1/me/tutorial-progress" => Call::new(&user, M::GET, "/api/v1/me/tutorial-progress", S::OK),
            "GET /api/v1/tutorials/reports" => Call::new(&user, M::GET, "/api/v1/tutorials/reports", S::OK),
            "POST /api/v1/consultation-offers" => {
                let consultant = self.user(Role::Consultant).id;
                Call::new(&user, M::POST, "/api/v1/consultation-offers", S::CREATED)
                    .json(offer_body(json!({"consultantId": consultant, "availability": {"weekly": []}})))
            }
            "PUT /api/v1/consultation-offers/{id}" => {
                let path = format!("/api/v1/consultation-offers/{}", self.offer(json!({"availability": {"weekly": []}})).await);
                let etag = self.etag(&path).await;
                Call::new(&user, M::PUT, path, S::OK)
                    .if_match(etag)
                    .json(offer_body(json!({"title": "Sprechstunde Quartiersrat", "availability": {"weekly": []}})))
            }
            "POST /api/v1/consultation-offers/{id}/archive" => {
                let id = self.offer(json!({"availability": {"weekly": []}})).await;
                Call::new(&user, M::POST, format!("/api/v1/consultation-offers/{id}/archive"), S::OK)
            }
            "POST /api/v1/consultation-slots/{id}/bookings" => {
                let slot = self.slots(1, false).await.remove(0);
                let caller = if role == Role::Learner { self.fresh(role).await } else { user };
                Call::new(&caller, M::POST, format!("/api/v1/consultation-slots/{slot}/bookings"), S::CREATED)
                    .json(json!({"concern": CONCERN}))
            }
            "POST /api/v1/consultation-slots/{id}/waitlist" => {
                let slot = self.slots(1, false).await.remove(0);
                self.booking_on(&slot).await;
                let caller = if role == Role::Learner { self.fresh(role).await } else { user };
                Call::new(&caller, M::POST, format!("/api/v1/consultation-slots/{slot}/waitlist"), S::CREATED)
                    .json(json!({"concern": CONCERN}))
            }
            "GET /api/v1/consultation-waitlist" => Call::new(&user, M::GET, "/api/v1/consultation-waitlist", S::OK),
            "POST /api/v1/consultation-waitlist/{id}/accept" => {
                let (learner, place, (participant, booking)) = self.place().await;
                // The participant cancels: the seat is held for the first in line.
                let cancel = self.app.booking_action(&participant, &booking, "cancel", None).await;
                assert_eq!(cancel.status(), S::OK);
                let caller = if role == Role::Learner { learner } else { user };
                Call::new(&caller, M::POST, format!("/api/v1/consultation-waitlist/{place}/accept"), S::CREATED)
            }
            "DELETE /api/v1/consultation-waitlist/{id}" => {
                let (learner, place, _) = self.place().await;
                let caller = if role == Role::Learner { learner } else { user };
                Call::new(&caller, M::DELETE, format!("/api/v1/consultation-waitlist/{place}"), S::NO_CONTENT)
            }
            "POST /api/v1/courses" => Call::new(&user, M::POST, "/api/v1/courses", S::CREATED).json(json!({
                "organisationId": self.organisation,
                "title": format!("Kurs {n}"),
                "summary": "Kurz.",
                "estimatedHours": 1,
            })),
            "PUT /api/v1/courses/{course}" => {
                let (id, _) = self.course(Stage::Published).await;
                let path = format!("/api/v1/courses/{id}");
                let etag = self.etag(&path).await;
                Call::new(&user, M::PUT, path, S::OK).if_match(etag).json(json!({
                    "title": format!("Kurs {n}, überarbeitet"),
                    "summary": "Kurz.",
                    "estimatedHours": 2,
                }))
            }
            "PUT /api/v1/courses/{course}/cover" => {
                let (id, _) = self.course(Stage::Published).await;
                let mut call = Call::new(&user, M::PUT, format!("/api/v1/courses/{id}/cover?alt=Ein%20Quartier"), S::OK);
                call.body = Body::Raw("image/png".to_owned(), POSTER.to_vec());
                call
            }
            "DELETE /api/v1/courses/{course}/cover" => {
                let (id, _) = self.course(Stage::Published).await;
                let path = format!("/api/v1/courses/{id}/cover");
                let mut upload = Call::new(self.user(Role::Author), M::PUT, path.clone(), S::OK);
                upload.body = Body::Raw("image/png".to_owned(), POSTER.to_vec());
                assert_eq!(upload.send(self.app, true).await.status(), S::OK);
                Call::new(&user, M::DELETE, path, S::NO_CONTENT)
            }
            "DELETE /api/v1/courses/{course}" => {
                let (id, _) = self.course(Stage::Draft).await;
                Call::new(&user, M::DELETE, format!("/api/v1/courses/{id}"), S::NO_CONTENT)
            }
            "POST /api/v1/courses/{course}/submit" => {
                let (id, _) = self.course(Stage::Draft).await;
                Call::new(&user, M::POST, format!("/api/v1/courses/{id}/submit"), S::OK)
            }
            "POST /api/v1/courses/{course}/return" => {
                let (id, _) = self.course(Stage::InReview).await;
                Call::new(&user, M::POST, format!("/api/v1/courses/{id}/return"), S::OK)
                    .json(json!({"comment": "Bitte ein zweites Modul ergänzen."}))
            }
            "POST /api/v1/courses/{course}/publish" => {
                let (id, _) = self.course(Stage::InReview).await;
                Call::new(&user, M::POST, format!("/api/v1/courses/{id}/publish"), S::OK).json(json!({}))
            }
            "POST /api/v1/courses/{course}/archive" => {
                let (id, _) = self.course(Stage::Published).await;
                Call::new(&user, M::POST, format!("/api/v1/courses/{id}/archive"), S::OK)
            }
            "POST /api/v1/courses/{course}/quizzes/{lesson}/regrade" => {
                let (id, keys) = self.course(Stage::Published).await;
                Call::new(&user, M::POST, format!("/api/v1/courses/{id}/quizzes/{}/regrade", keys[2]), S::OK)
                    .json(json!({"dryRun": true}))
            }
            "POST /api/v1/courses/{course}/enrolments" => {
                let (id, _) = self.course(Stage::Published).await;
                Call::new(&user, M::POST, format!("/api/v1/courses/{id}/enrolments"), S::CREATED)
            }
            "GET /api/v1/courses/{course}/enrolments" => {
                let (_, _, _, course) = self.enrolment().await;
                Call::new(&user, M::GET, format!("/api/v1/courses/{course}/enrolments"), S::OK)
            }
            "GET /api/v1/courses/{course}/teams" => {
                let (id, _) = self.course(Stage::Published).await;
                Call::new(&user, M::GET, format!("/api/v1/courses/{id}/teams"), S::OK)
            }
            "PUT /api/v1/courses/{course}/teams/{municipality}" => {
                let (id, _) = self.course(Stage::Published).await;
                let path = format!("/api/v1/courses/{id}/teams/{}", self.municipality);
                Call::new(&user, M::PUT, path, S::CREATED).json(json!({}))
            }
            "DELETE /api/v1/courses/{course}/teams/{municipality}" => {
                let (id, _) = self.course(Stage::Published).await;
                let path = format!("/api/v1/courses/{id}/teams/{}", self.municipality);
                self.run(Role::Coordinator, M::PUT, &path, Some(json!({})), S::CREATED).await;
                Call::new(&user, M::DELETE, path, S::NO_CONTENT)
            }
            "GET /api/v1/me/courses" => Call::new(&user, M::GET, "/api/v1/me/courses", S::OK),
            "GET /api/v1/enrolments/{id}" => {
                let (learner, id, _, _) = self.enrolment().await;
                let caller = if role == Role::Learner { learner } else { user };
                Call::new(&caller, M::GET, format!("/api/v1/enrolments/{id}"), S::OK)
            }
            "POST /api/v1/enrolments/{id}/withdraw" => {
                let (learner, id, _, _) = self.enrolment().await;
                let caller = if role == Role::Learner { learner } else { user };
                Call::new(&caller, M::POST, format!("/api/v1/enrolments/{id}/withdraw"), S::OK)
            }
            "POST /api/v1/enrolments/{id}/move" => {
                let (_, id, _, _) = self.enrolment().await;
                Call::new(&user, M::POST, format!("/api/v1/enrolments/{id}/move"), S::OK)
            }
            "POST /api/v1/enrolments/{id}/lessons/{lesson}/view" | "POST /api/v1/enrolments/{id}/lessons/{lesson}/done" => {
                let (learner, id, keys, _) = self.enrolment().await;
                let caller = if role == Role::Learner { learner } else { user };
                let (action, lesson) = if operation.ends_with("view") { ("view", &keys[0]) } else { ("done", &keys[1]) };
                Call::new(&caller, M::POST, format!("/api/v1/enrolments/{id}/lessons/{lesson}/{action}"), S::OK)
            }
            "POST /api/v1/enrolments/{id}/lessons/{lesson}/attempts" => {
                let (learner, id, keys, _) = self.enrolment().await;
                let caller = if role == Role::Learner { learner } else { user };
                Call::new(&caller, M::POST, format!("/api/v1/enrolments/{id}/lessons/{}/attempts", keys[2]), S::CREATED)
            }
            "GET /api/v1/enrolments/{id}/lessons/{lesson}/attempts" => {
                let (learner, id, keys, _) = self.enrolment().await;
                let caller = if role == Role::Learner { learner } else { user };
                Call::new(&caller, M::GET, format!("/api/v1/enrolments/{id}/lessons/{}/attempts", keys[2]), S::OK)
            }
            "GET /api/v1/attempts/{attempt}" => {
                let (learner, id) = self.attempt().await;
                let caller = if role == Role::Learner { learner } else { user };
                Call::new(&caller, M::GET, format!("/api/v1/attempts/{id}"), S::OK)
            }
            "PUT /api/v1/attempts/{attempt}/answers" => {
                let (learner, id) = self.attempt().await;
                let caller = if role == Role::Learner { learner } else { user };
                Call::new(&caller, M::PUT, format!("/api/v1/attempts/{id}/answers"), S::OK).json(json!({"answers": {}}))
            }
            "POST /api/v1/attempts/{attempt}/submit" => {
                let (learner, id) = self.attempt().await;
                let caller = if role == Role::Learner { learner } else { user };
                Call::new(&caller, M::POST, format!("/api/v1/attempts/{id}/submit"), S::OK).json(json!({"answers": {}}))
            }
            "GET /api/v1/course-reports" => Call::new(&user, M::GET, "/api/v1/course-reports?groupBy=municipality", S::OK),
            "GET /api/v1/me/certificates" => Call::new(&user, M::GET, "/api/v1/me/certificates", S::OK),
            "POST /api/v1/certificates/{id}/revoke" => {
                let id = self.certificate().await;
                Call::new(&user, M::POST, format!("/api/v1/certificates/{id}/revoke"), S::OK)
                    .json(json!({"reason": "Irrtümlich ausgestellt."}))
            }
            "GET /api/v1/consultation-bookings" => Call::new(&user, M::GET, "/api/v1/consultation-bookings", S::OK),
            "GET /api/v1/consultation-bookings/export" => {
                let consultant = self.user(Role::Consultant).id;
                Call::new(&user, M::GET, format!("/api/v1/consultation-bookings/export?consultant={consultant}"), S::OK)
            }
            "GET /api/v1/consultation-bookings/{id}" => {
                let (participant, id) = self.booking(false).await;
                let caller = if role == Role::Learner { participant } else { user };
                Call::new(&caller, M::GET, format!("/api/v1/consultation-bookings/{id}"), S::OK)
            }
            "POST /api/v1/consultation-bookings/{id}/confirm" | "POST /api/v1/consultation-bookings/{id}/decline" => {
                let (participant, id) = self.booking(true).await;
                let caller = if role == Role::Learner { participant } else { user };
                let path = operation["POST ".len()..].replace("{id}", &id);
                Call::new(&caller, M::POST, path, S::OK).json(json!({"reason": "Leider verhindert."}))
            }
            "POST /api/v1/consultation-bookings/{id}/cancel" => {
                let (participant, id) = self.booking(false).await;
                let caller = if role == Role::Learner { participant } else { user };
                Call::new(&caller, M::POST, format!("/api/v1/consultation-bookings/{id}/cancel"), S::OK)
                    .json(json!({"reason": "Leider verhindert."}))
            }
            "POST /api/v1/consultation-bookings/{id}/complete" | "POST /api/v1/consultation-bookings/{id}/no-show" => {
                let (participant, id) = self.booking(false).await;
                // The appointment has begun.
                let began = Utc::now() - Duration::minutes(30);
                booking::Entity::update_many()
                    .col_expr(booking::Column::StartsAt, Expr::value(began))
                    .col_expr(booking::Column::EndsAt, Expr::value(began + Duration::hours(1)))
                    .filter(booking::Column::Id.eq(Uuid::parse_str(&id).unwrap()))
                    .exec(&self.app.db)
                    .await
                    .unwrap();
                let caller = if role == Role::Learner { participant } else { user };
                let path = operation["POST ".len()..].replace("{id}", &id);
                Call::new(&caller, M::POST, path, S::OK)
            }
            "POST /api/v1/consultation-bookings/{id}/reschedule" => {
                let mut slots = self.slots(2, false).await;
                let (participant, id) = self.booking_on(&slots.remove(0)).await;
                let caller = if role == Role::Learner { participant } else { user };
                Call::new(&caller, M::POST, format!("/api/v1/consultation-bookings/{id}/reschedule"), S::OK)
                    .json(json!({"slotId": slots.remove(0)}))
            }
            "GET /api/v1/me/calendar-feed" => Call::new(&user, M::GET, "/api/v1/me/calendar-feed", S::OK),
            "POST /api/v1/me/calendar-feed" => Call::new(&user, M::POST, "/api/v1/me/calendar-feed", S::CREATED),
            "DELETE /api/v1/me/calendar-feed" => {
                Call::new(&user, M::DELETE, "/api/v1/me/calendar-feed", S::NO_CONTENT)
            }
            "GET /api/v1/consultation-reports/bookings" => Call::new(
                &user,
                M::GET,
                "/api/v1/consultation-reports/bookings?from=2027-01-01T00:00:00Z&to=2027-02-01T00:00:00Z",
                S::OK,
            ),
            other => panic!("no objects are prepared for {other}: add it to Cast::prepare"),
        }
    }
}

/// A small PDF template as a `multipart/form-data` upload.
fn template_form() -> Body {
    let boundary = "academy-access-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"vorlage.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(b"%PDF-1.7\n% Vorlage\n");
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Body::Raw(format!("multipart/form-data; boundary={boundary}"), body)
}

const VIDEO: &[u8] = include_bytes!("../../crates/tutorials/tests/fixtures/short-moov-at-end.mp4");
const POSTER: &[u8] = include_bytes!("../../crates/files/tests/fixtures/poster.png");

/// A German captions track, as an upload.
fn captions() -> Body {
    Body::Raw(
        "text/vtt".to_owned(),
        b"WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nWillkommen im Quartier.\n".to_vec(),
    )
}

on_both_backends! {
    async fn every_protected_operation_is_in_the_access_table(app: TestApp) {
        let documented = protected_operations(&app).await;
        let listed: BTreeSet<String> = ACCESS.iter().map(|r| r.operation.to_owned()).collect();
        assert_eq!(listed.len(), ACCESS.len(), "an operation is listed twice");
        let missing: Vec<&String> = documented.difference(&listed).collect();
        assert!(missing.is_empty(), "protected operations without a row in ACCESS: {missing:#?}");
        let stale: Vec<&String> = listed.difference(&documented).collect();
        assert!(stale.is_empty(), "rows in ACCESS for operations the document does not protect: {stale:#?}");
    }
}

on_both_backends! {
    settings = [("ACADEMY_VIDEO_HOSTS", "video.example.org")];
    async fn every_protected_operation_admits_exactly_its_roles(app: TestApp) {
        let mut cast = Cast::new(&app).await;
        for rule in ACCESS {
            for role in Role::ALL {
                let call = cast.prepare(rule.operation, role).await;
                let what = format!("{} ({}) as {role}", rule.operation, call.path);
                if role == Role::ALL[0] {
                    let anonymous = call.send(&app, false).await;
                    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "{what}, anonymously");
                    problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
                }
                let response = call.send(&app, true).await;
                if rule.allowed.contains(&role) {
                    let status = response.status();
                    let content_type = response
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    let text = response.text().await.unwrap();
                    assert_eq!(status, call.expect, "{what}: {text}");
                    if status == StatusCode::NO_CONTENT {
                        assert!(text.is_empty(), "{what}: {text}");
                    } else if content_type.contains("json") {
                        let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{what}: not JSON: {text}"));
                        assert!(body.is_object() || body.is_array(), "{what}: {text}");
                    } else {
                        assert!(!text.is_empty(), "{what}: empty {content_type} body");
                    }
                } else if rule.hidden.contains(&role) {
                    assert_eq!(response.status(), StatusCode::NOT_FOUND, "{what}");
                    problem(response, StatusCode::NOT_FOUND, "not_found").await;
                } else {
                    assert_eq!(response.status(), StatusCode::FORBIDDEN, "{what}");
                    problem(response, StatusCode::FORBIDDEN, "forbidden").await;
                }
            }
        }
    }
}

on_both_backends! {
    async fn a_disabled_user_is_locked_out_at_once(app: TestApp) {
        let admin = app.user(&[Role::Admin]).await;
        let learner = app.user(&[Role::Learner]).await;
        let response = app
            .authed(Method::PATCH, &format!("/api/v1/users/{}", learner.id), &admin.access)
            .json(&json!({"status": "disabled"}))
            .send()
            .await
            .unwrap();
        let body = json_body(response, StatusCode::OK).await;
        assert_eq!(body["status"], "disabled");

        // The still unexpired access token stops working, and so does refreshing …
        let me = app.authed(Method::GET, "/api/v1/me", &learner.access).send().await.unwrap();
        assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
        let refresh = app.post_json("/api/v1/auth/refresh", &json!({"refreshToken": learner.refresh})).await;
        assert_eq!(refresh.status(), StatusCode::UNAUTHORIZED);
        // … and signing in, with the same answer as a wrong password.
        let login = app
            .post_json("/api/v1/auth/login", &json!({"email": learner.email, "password": PASSWORD}))
            .await;
        problem(login, StatusCode::UNAUTHORIZED, "invalid_credentials").await;

        // `invited` follows from an invitation only: the document offers just the two
        // statuses an administrator sets, and the server refuses the third naming the field.
        let invited = app
            .authed(Method::PATCH, &format!("/api/v1/users/{}", learner.id), &admin.access)
            .json(&json!({"status": "invited"}))
            .send()
            .await
            .unwrap();
        let body = problem(invited, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "status", "{body}");
        let document: Value = serde_json::from_str(&academy_server::openapi::document_json()).unwrap();
        let status = &document["components"]["schemas"]["UpdateUserRequest"]["properties"]["status"];
        let choices = document["components"]["schemas"]["StatusChange"]["enum"].clone();
        assert!(status.to_string().contains("StatusChange"), "{status}");
        assert_eq!(choices, json!(["active", "disabled"]));

        // Enabled again, the account can sign in.
        let response = app
            .authed(Method::PATCH, &format!("/api/v1/users/{}", learner.id), &admin.access)
            .json(&json!({"status": "active"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        app.login(&learner.email, PASSWORD).await;

        let audit = json_body(
            app.authed(Method::GET, &format!("/api/v1/audit-log?subjectId={}", learner.id), &admin.access)
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["user.enabled", "user.disabled"]);
        assert_eq!(audit["items"][1]["actorId"], admin.id.to_string());
    }
}

on_both_backends! {
    async fn role_changes_apply_to_the_next_request_and_are_audited(app: TestApp) {
        let admin = app.user(&[Role::Admin]).await;
        let user = app.user(&[Role::Learner]).await;
        let users = app.authed(Method::GET, "/api/v1/users", &user.access).send().await.unwrap();
        assert_eq!(users.status(), StatusCode::FORBIDDEN);

        let response = app
            .authed(Method::PATCH, &format!("/api/v1/users/{}", user.id), &admin.access)
            .json(&json!({"roles": ["learner", "coordinator"]}))
            .send()
            .await
            .unwrap();
        let body = json_body(response, StatusCode::OK).await;
        assert_eq!(body["roles"], json!(["learner", "coordinator"]));
        // Same token, new roles.
        let users = app.authed(Method::GET, "/api/v1/users", &user.access).send().await.unwrap();
        assert_eq!(users.status(), StatusCode::OK);

        let audit = json_body(
            app.authed(Method::GET, "/api/v1/audit-log?action=user.roles_changed", &admin.access)
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(audit["total"], 1);
        let entry = &audit["items"][0];
        assert_eq!(entry["subjectId"], user.id.to_string());
        assert_eq!(entry["details"], json!({"from": ["learner"], "to": ["learner", "coordinator"]}));
    }
}

on_both_backends! {
    async fn admins_cannot_lock_themselves_out(app: TestApp) {
        let admin = app.user(&[Role::Admin]).await;
        for change in [json!({"status": "disabled"}), json!({"roles": ["coordinator"]})] {
            let response = app
                .authed(Method::PATCH, &format!("/api/v1/users/{}", admin.id), &admin.access)
                .json(&change)
                .send()
                .await
                .unwrap();
            problem(response, StatusCode::CONFLICT, "cannot_lock_out_self").await;
        }
    }
}

on_both_backends! {
    async fn user_administration_validates_and_finds(app: TestApp) {
        let admin = app.user(&[Role::Admin]).await;
        let organisation = app.organisation("Wohnbau Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let _learner = app.user(&[Role::Learner]).await;

        let path = format!("/api/v1/users/{}", author.id);
        let read = app.authed(Method::GET, &path, &admin.access).send().await.unwrap();
        let etag = read.headers()["etag"].to_str().unwrap().to_owned();
        json_body(read, StatusCode::OK).await;

        // A consultant needs an organisation; unknown roles and ids are refused.
        let response = app
            .authed(Method::PATCH, &path, &admin.access)
            .json(&json!({"roles": ["consultant"], "organisationId": null}))
            .send()
            .await
            .unwrap();
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "organisationId");
        let response = app
            .authed(Method::PATCH, &path, &admin.access)
            .json(&json!({"roles": ["superuser"]}))
            .send()
            .await
            .unwrap();
        problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let response = app
            .authed(Method::PATCH, &path, &admin.access)
            .json(&json!({"municipalityId": Uuid::now_v7()}))
            .send()
            .await
            .unwrap();
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["code"], "unknown");

        // A stale If-Match loses; the current one wins.
        let response = app
            .authed(Method::PATCH, &path, &admin.access)
            .header("if-match", "\"v0\"")
            .json(&json!({"displayName": "Neuer Name"}))
            .send()
            .await
            .unwrap();
        problem(response, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
        let response = app
            .authed(Method::PATCH, &path, &admin.access)
            .header("if-match", etag)
            .json(&json!({"displayName": "Neuer Name"}))
            .send()
            .await
            .unwrap();
        assert_eq!(json_body(response, StatusCode::OK).await["displayName"], "Neuer Name");

        let missing = app
            .authed(Method::GET, &format!("/api/v1/users/{}", Uuid::now_v7()), &admin.access)
            .send()
            .await
            .unwrap();
        problem(missing, StatusCode::NOT_FOUND, "not_found").await;

        let list = json_body(
            app.authed(Method::GET, "/api/v1/users?role=author&limit=10", &admin.access).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(list["total"], 1);
        assert_eq!(list["limit"], 10);
        assert_eq!(list["items"][0]["id"], author.id.to_string());
        let q = author.email[25..37].to_uppercase();
        let found = json_body(
            app.authed(Method::GET, &format!("/api/v1/users?q={q}"), &admin.access).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(found["total"], 1, "{found}");
        let all = json_body(
            app.authed(Method::GET, "/api/v1/users", &admin.access).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(all["total"], 3);
        let too_many = app.authed(Method::GET, "/api/v1/users?limit=101", &admin.access).send().await.unwrap();
        problem(too_many, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let bad_role = app.authed(Method::GET, "/api/v1/users?role=king", &admin.access).send().await.unwrap();
        let bad_role = problem(bad_role, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(bad_role["errors"][0]["field"], "role", "{bad_role}");
    }
}

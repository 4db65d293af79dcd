//! Mail delivery: the outbox is delivered to the app's SMTP server, once per mail even with
//! several workers on one database, retried with backoff while the server is unreachable.

use std::time::Duration;

use academy_kernel::db::{self, DbSettings};
use academy_notifications::entity::outbox_mail::{self, Column};
use academy_notifications::{
    Action, Attachment, Letter, MAX_ATTEMPTS, Mail, Sender, SmtpSettings, TlsMode, Transport,
    Worker, deliver_due, enqueue,
};
use academy_tests::*;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};
use uuid::Uuid;

/// A letter full of umlauts and a link, as the account mails will be.
fn german_letter(to: &str) -> Mail {
    Letter {
        subject: "Bitte bestätigen Sie Ihre Adresse – Grüße aus Gießen".into(),
        greeting: "Guten Tag Jürgen Öztürk,".into(),
        paragraphs: vec!["Sie haben sich bei der Akademie für sozialen Zusammenhalt registriert. Änderungen übernehmen wir gern.".into()],
        action: Some(Action {
            label: "E-Mail-Adresse bestätigen".into(),
            url: "https://akademie.example.org/konto/bestaetigen?token=abc123".into(),
        }),
        after: vec!["Der Link gilt 24 Stunden. Maße & Größen: ÄÖÜ äöü ß €.".into()],
    }
    .to_mail(to)
}

fn plain_mail(to: &str) -> Mail {
    Mail {
        to: to.into(),
        subject: format!("Nachricht an {to}"),
        text: "Hallo\n".into(),
        html: "<p>Hallo</p>".into(),
        attachments: Vec::new(),
    }
}

/// A transport to the app's SMTP server, as a second instance would have.
fn sink(app: &TestApp) -> Transport {
    smtp_on(app.mail.port())
}

fn smtp_on(port: u16) -> Transport {
    let smtp = SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        tls: TlsMode::None,
        credentials: None,
    };
    Transport::smtp(&smtp, Sender::default()).unwrap()
}

/// A port nobody listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A pool of its own on the app's database, as another instance would open.
async fn other_instance(app: &TestApp) -> DatabaseConnection {
    db::connect(&DbSettings {
        url: app.database_url.clone(),
        max_connections: 3,
        acquire_timeout: Duration::from_secs(10),
    })
    .await
    .unwrap()
}

async fn row(app: &TestApp, id: Uuid) -> outbox_mail::Model {
    outbox_mail::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("outbox row exists")
}

/// Waits until the row leaves `pending` (the SMTP server has the mail a moment before the
/// worker records it).
async fn settled_row(app: &TestApp, id: Uuid) -> outbox_mail::Model {
    for _ in 0..200 {
        let row = row(app, id).await;
        if row.status != "pending" {
            return row;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("outbox row {id} is still pending");
}

/// Makes a waiting row due now, as if its backoff had passed.
async fn make_due(app: &TestApp, id: Uuid) {
    outbox_mail::Entity::update_many()
        .col_expr(
            Column::NextAttemptAt,
            Expr::value(Utc::now() - chrono::Duration::seconds(1)),
        )
        .filter(Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
}

fn normalized(text: &str) -> String {
    text.replace("\r\n", "\n")
}

fn assert_close(actual: DateTime<Utc>, expected: DateTime<Utc>, what: &str) {
    let off = (actual - expected).num_milliseconds().abs();
    assert!(off < 5_000, "{what}: {actual} is not near {expected}");
}

on_both_backends! {
    async fn an_enqueued_mail_arrives_with_umlauts_intact_and_is_marked_sent(app: TestApp) {
        let to = "juergen.oeztuerk@example.org";
        let mail = german_letter(to);
        let id = enqueue(&app.db, mail.clone()).await.unwrap();

        let received = app.mail.wait_for(to).await;

        assert_eq!(received.to, [to]);
        assert_eq!(received.from, "noreply@example.org");
        assert_eq!(received.subject, "Bitte bestätigen Sie Ihre Adresse – Grüße aus Gießen");
        assert_eq!(normalized(&received.text), mail.text);
        assert!(received.text.contains("Guten Tag Jürgen Öztürk,"));
        assert!(received.text.contains("https://akademie.example.org/konto/bestaetigen?token=abc123"));
        assert_eq!(normalized(&received.html), mail.html);
        assert!(received.html.contains("Maße &amp; Größen: ÄÖÜ äöü ß €."));
        assert!(received.raw.contains("multipart/alternative"), "{}", received.raw);
        assert!(received.attachments.is_empty());

        let row = settled_row(&app, id).await;
        assert_eq!(row.status, "sent");
        assert_eq!(row.attempts, 1);
        assert!(row.sent_at.is_some());
        assert_eq!(row.last_error, None);
        assert_eq!(row.claimed_until, None);
        // The single-use link does not linger in the database once delivered.
        assert_eq!((row.body_text.as_str(), row.body_html.as_str()), ("", ""));
        assert_eq!(app.mail.received().len(), 1, "sent exactly once");
    }
}

on_both_backends! {
    settings = [("ACADEMY_MAIL_WORKER", "false")];
    async fn concurrent_passes_of_three_instances_send_each_mail_exactly_once(app: TestApp) {
        const MAILS: usize = 40;
        let txn = app.db.begin().await.unwrap();
        for i in 0..MAILS {
            enqueue(&txn, plain_mail(&format!("teilnehmerin-{i}@example.org"))).await.unwrap();
        }
        txn.commit().await.unwrap();
        let (pool_a, pool_b) = (other_instance(&app).await, other_instance(&app).await);
        let (sink_a, sink_b, sink_c) = (sink(&app), sink(&app), sink(&app));

        // Started together, all three see the same due rows and race for every one.
        let race = race([
            deliver_due(&app.db, &sink_a),
            deliver_due(&pool_a, &sink_b),
            deliver_due(&pool_b, &sink_c),
        ])
        .await;
        race.assert_overlapped(3);
        let counts: Vec<usize> = race.outcomes.into_iter().map(Result::unwrap).collect();

        assert_eq!(counts.iter().sum::<usize>(), MAILS, "{counts:?}");
        assert!(
            counts.iter().filter(|&&n| n > 0).count() >= 2,
            "the passes really competed: {counts:?}"
        );
        let received = app.mail.received();
        assert_eq!(received.len(), MAILS);
        let mut recipients: Vec<String> = received.iter().flat_map(|m| m.to.clone()).collect();
        recipients.sort();
        recipients.dedup();
        assert_eq!(recipients.len(), MAILS, "every mail once, none twice");

        let rows = outbox_mail::Entity::find().all(&app.db).await.unwrap();
        assert_eq!(rows.len(), MAILS);
        for row in rows {
            assert_eq!((row.status.as_str(), row.attempts), ("sent", 1), "{}", row.recipient);
        }
        pool_a.close().await.unwrap();
        pool_b.close().await.unwrap();
    }
}

on_both_backends! {
    async fn background_workers_of_three_instances_send_each_mail_exactly_once(app: TestApp) {
        const MAILS: usize = 40;
        // The app's own worker runs too.
        let (pool_a, pool_b) = (other_instance(&app).await, other_instance(&app).await);
        let workers = [
            Worker::spawn(pool_a.clone(), sink(&app), Duration::from_millis(10)),
            Worker::spawn(pool_b.clone(), sink(&app), Duration::from_millis(10)),
        ];
        let txn = app.db.begin().await.unwrap();
        for i in 0..MAILS {
            enqueue(&txn, plain_mail(&format!("teilnehmer-{i}@example.org"))).await.unwrap();
        }
        txn.commit().await.unwrap();

        app.mail.wait_for_count(MAILS).await;
        for worker in workers {
            tokio::time::timeout(Duration::from_secs(5), worker.stop())
                .await
                .expect("a worker stops when told");
        }
        // A duplicate would still be on its way; give it time to arrive.
        tokio::time::sleep(Duration::from_millis(300)).await;

        let received = app.mail.received();
        for i in 0..MAILS {
            let to = format!("teilnehmer-{i}@example.org");
            let copies = received.iter().filter(|m| m.to == [to.clone()]).count();
            assert_eq!(copies, 1, "{to}");
        }
        assert_eq!(received.len(), MAILS);
        for _ in 0..100 {
            let pending = outbox_mail::Entity::find()
                .filter(Column::Status.ne("sent"))
                .all(&app.db)
                .await
                .unwrap();
            if pending.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let rows = outbox_mail::Entity::find().all(&app.db).await.unwrap();
        for row in rows {
            assert_eq!((row.status.as_str(), row.attempts), ("sent", 1), "{}", row.recipient);
        }
        pool_a.close().await.unwrap();
        pool_b.close().await.unwrap();
    }
}

on_both_backends! {
    settings = [("ACADEMY_MAIL_WORKER", "false")];
    async fn an_unreachable_smtp_server_leads_to_retries_with_backoff_and_no_loss(app: TestApp) {
        let to = "erika@example.org";
        let id = enqueue(&app.db, plain_mail(to)).await.unwrap();
        let unreachable = smtp_on(closed_port());

        // First failure: retry in 30 s.
        assert_eq!(deliver_due(&app.db, &unreachable).await.unwrap(), 0);
        let failed_once = row(&app, id).await;
        assert_eq!(failed_once.status, "pending");
        assert_eq!(failed_once.attempts, 1);
        assert_close(failed_once.next_attempt_at, Utc::now() + chrono::Duration::seconds(30), "first retry");
        let error = failed_once.last_error.clone().expect("last_error is set");
        assert!(!error.is_empty() && error.chars().count() <= 300, "{error}");
        assert_eq!((failed_once.claim_token, failed_once.claimed_until), (None, None));

        // Not due yet: even a reachable server gets nothing.
        assert_eq!(deliver_due(&app.db, &sink(&app)).await.unwrap(), 0);
        assert_eq!(row(&app, id).await.attempts, 1);
        assert!(app.mail.received().is_empty());

        // Second failure: the wait doubles.
        make_due(&app, id).await;
        assert_eq!(deliver_due(&app.db, &unreachable).await.unwrap(), 0);
        let failed_twice = row(&app, id).await;
        assert_eq!((failed_twice.status.as_str(), failed_twice.attempts), ("pending", 2));
        assert_close(failed_twice.next_attempt_at, Utc::now() + chrono::Duration::seconds(60), "second retry");

        // Once due and reachable, the mail goes out.
        make_due(&app, id).await;
        assert_eq!(deliver_due(&app.db, &sink(&app)).await.unwrap(), 1);
        let received = app.mail.wait_for(to).await;
        assert_eq!(received.subject, format!("Nachricht an {to}"));
        let sent = row(&app, id).await;
        assert_eq!((sent.status.as_str(), sent.attempts), ("sent", 3));
        assert_eq!(sent.last_error, None);
    }
}

on_both_backends! {
    settings = [("ACADEMY_MAIL_WORKER", "false")];
    async fn a_mail_is_given_up_after_its_last_attempt_or_when_it_cannot_be_sent_at_all(app: TestApp) {
        let id = enqueue(&app.db, plain_mail("erika@example.org")).await.unwrap();
        outbox_mail::Entity::update_many()
            .col_expr(Column::Attempts, Expr::value(MAX_ATTEMPTS - 1))
            .filter(Column::Id.eq(id))
            .exec(&app.db)
            .await
            .unwrap();
        let malformed = enqueue(&app.db, plain_mail("kein empfänger")).await.unwrap();

        assert_eq!(deliver_due(&app.db, &smtp_on(closed_port())).await.unwrap(), 0);

        let given_up = row(&app, id).await;
        assert_eq!((given_up.status.as_str(), given_up.attempts), ("failed", MAX_ATTEMPTS));
        assert!(given_up.last_error.is_some());
        let rejected = row(&app, malformed).await;
        assert_eq!((rejected.status.as_str(), rejected.attempts), ("failed", 1));
        assert_eq!(rejected.last_error.as_deref(), Some("the recipient is not a valid address"));

        // Failed mails stay failed, even when due and the server is back.
        make_due(&app, id).await;
        make_due(&app, malformed).await;
        assert_eq!(deliver_due(&app.db, &sink(&app)).await.unwrap(), 0);
        assert!(app.mail.received().is_empty());
        assert_eq!(row(&app, id).await.attempts, MAX_ATTEMPTS);
    }
}

on_both_backends! {
    settings = [("ACADEMY_MAIL_WORKER", "false")];
    async fn a_lapsed_claim_is_taken_over_and_a_live_one_is_left_alone(app: TestApp) {
        let crashed = enqueue(&app.db, plain_mail("a@example.org")).await.unwrap();
        let busy = enqueue(&app.db, plain_mail("b@example.org")).await.unwrap();
        for (id, until) in [
            (crashed, Utc::now() - chrono::Duration::seconds(1)),
            (busy, Utc::now() + chrono::Duration::minutes(5)),
        ] {
            outbox_mail::Entity::update_many()
                .col_expr(Column::ClaimToken, Expr::value(Uuid::now_v7()))
                .col_expr(Column::ClaimedUntil, Expr::value(until))
                .col_expr(Column::Attempts, Expr::value(1))
                .filter(Column::Id.eq(id))
                .exec(&app.db)
                .await
                .unwrap();
        }

        assert_eq!(deliver_due(&app.db, &sink(&app)).await.unwrap(), 1);

        app.mail.wait_for("a@example.org").await;
        let taken_over = row(&app, crashed).await;
        assert_eq!((taken_over.status.as_str(), taken_over.attempts), ("sent", 2));
        let left_alone = row(&app, busy).await;
        assert_eq!((left_alone.status.as_str(), left_alone.attempts), ("pending", 1));
        assert_eq!(app.mail.received().len(), 1);
    }
}

on_both_backends! {
    async fn an_attachment_arrives_as_a_separate_part(app: TestApp) {
        let to = "berater@example.org";
        let mut mail = german_letter(to);
        let calendar = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Sprechstunde Bürgerbeteiligung\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        mail.attachments.push(Attachment {
            filename: "sprechstunde.ics".into(),
            content_type: "text/calendar; method=REQUEST; charset=utf-8".into(),
            content: calendar.into(),
        });
        let id = enqueue(&app.db, mail.clone()).await.unwrap();

        let received = app.mail.wait_for(to).await;

        assert_eq!(received.attachments.len(), 1, "{}", received.raw);
        let attachment = &received.attachments[0];
        assert_eq!(attachment.filename, "sprechstunde.ics");
        assert_eq!(attachment.content_type, "text/calendar");
        assert_eq!(attachment.content, calendar);
        assert_eq!(normalized(&received.text), mail.text);
        assert!(!received.text.contains("VCALENDAR"));
        assert_eq!(normalized(&received.html), mail.html);
        assert!(received.raw.contains("multipart/mixed"), "{}", received.raw);
        assert_eq!(settled_row(&app, id).await.status, "sent");
    }
}

on_both_backends! {
    settings = [
        ("ACADEMY_SMTP_HOST", ""),
        ("ACADEMY_MAIL_DIR", concat!(env!("CARGO_TARGET_TMPDIR"), "/mail")),
    ];
    async fn without_an_smtp_host_mails_are_written_to_the_mail_folder(app: TestApp) {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("mail");
        let to = "neu@example.org";
        let mail = german_letter(to);
        let id = enqueue(&app.db, mail).await.unwrap();

        assert_eq!(settled_row(&app, id).await.status, "sent");
        let file = dir.join(format!("{id}.eml"));
        let raw = std::fs::read(&file).unwrap();
        let parsed = mail_parser::MessageParser::default().parse(raw.as_slice()).unwrap();
        assert_eq!(
            parsed.subject(),
            Some("Bitte bestätigen Sie Ihre Adresse – Grüße aus Gießen")
        );
        assert!(
            parsed
                .body_text(0)
                .unwrap()
                .contains("https://akademie.example.org/konto/bestaetigen?token=abc123")
        );
        assert!(app.mail.received().is_empty(), "nothing goes to the SMTP server");
        std::fs::remove_file(file).unwrap();
    }
}

//! The `academy` binary as an operator meets it: its commands, its refusal of bad settings,
//! and its graceful stop on SIGTERM. (The HTTP behaviour is tested black-box in `tests/`.)

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const COMMITTED: &str = include_str!("../../../openapi/openapi.json");

fn academy() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_academy"));
    // Run in a folder without a .env file, with nothing inherited that could interfere.
    command
        .current_dir(std::env::temp_dir())
        .env_remove("DATABASE_URL")
        .env("ACADEMY_LOG_FORMAT", "json")
        .env("ACADEMY_LOG", "info");
    for (name, _) in std::env::vars() {
        if name.starts_with("ACADEMY_") && name != "ACADEMY_LOG_FORMAT" && name != "ACADEMY_LOG" {
            command.env_remove(name);
        }
    }
    command
}

fn temp_sqlite_url() -> (String, std::path::PathBuf) {
    // Tests run in parallel threads of one process: a counter keeps their files apart.
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("academy-cli-{}-{n}.db", std::process::id()));
    (format!("sqlite://{}", path.display()), path)
}

#[test]
fn openapi_prints_the_committed_document() {
    let output = academy().arg("openapi").output().unwrap();
    assert!(output.status.success());
    assert_eq!(String::from_utf8(output.stdout).unwrap(), COMMITTED);
}

#[test]
fn invalid_configuration_stops_start_up_with_one_message_naming_the_variable() {
    let output = academy()
        .env("ACADEMY_BIND", "everywhere")
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr.trim(),
        "academy: invalid configuration: ACADEMY_BIND: \"everywhere\" is not an address such as 127.0.0.1:8080"
    );
}

#[test]
fn serve_refuses_to_start_without_a_jwt_secret_outside_development_mode() {
    let (url, path) = temp_sqlite_url();
    let output = academy()
        .env("DATABASE_URL", &url)
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("academy: invalid configuration: ACADEMY_JWT_SECRET: is required"),
        "{stderr}"
    );
    let _ = std::fs::remove_file(path);
}

#[test]
fn create_admin_creates_then_promotes_and_refuses_weak_passwords() {
    let (url, path) = temp_sqlite_url();
    let run = |password_env: Option<&str>, stdin: &str| {
        let mut command = academy();
        command
            .env("DATABASE_URL", &url)
            .args(["create-admin", "--email", "admin@example.org"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(password) = password_env {
            command.env("ACADEMY_ADMIN_PASSWORD", password);
        }
        let mut child = command.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };

    let created = run(Some("Verwaltung am Marktplatz 7"), "");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(
        String::from_utf8_lossy(&created.stdout)
            .contains("created administrator admin@example.org")
    );

    let promoted = run(None, "Rathaus mit grünem Dach\n");
    assert!(
        promoted.status.success(),
        "{}",
        String::from_utf8_lossy(&promoted.stderr)
    );
    assert!(String::from_utf8_lossy(&promoted.stdout).contains("is now an administrator"));

    let weak = run(Some("passwort2024"), "");
    assert_eq!(weak.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&weak.stderr);
    assert!(
        stderr.contains("password: is one of the most common passwords"),
        "{stderr}"
    );
    let _ = std::fs::remove_file(path);
}

#[test]
fn seed_demo_prints_the_accounts_once_and_wants_a_password_outside_development_mode() {
    let (url, path) = temp_sqlite_url();
    let files = path.with_extension("files");
    let run = |dev_mode: bool| {
        let mut command = academy();
        command
            .env("DATABASE_URL", &url)
            .env("ACADEMY_FILES_DIR", &files)
            .arg("seed-demo");
        if dev_mode {
            command.env("ACADEMY_DEV_MODE", "true");
        }
        command.output().unwrap()
    };

    let without_password = run(false);
    assert_eq!(without_password.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&without_password.stderr).contains("ACADEMY_DEMO_PASSWORD"),
        "{}",
        String::from_utf8_lossy(&without_password.stderr)
    );

    let seeded = run(true);
    let stdout = String::from_utf8_lossy(&seeded.stdout);
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    for role in ["admin", "coordinator", "author", "consultant", "learner"] {
        assert!(
            stdout.lines().any(|l| l.starts_with(role)
                && l.contains("@example.org")
                && l.contains("Demo-Akademie-Hessen")),
            "{role}: {stdout}"
        );
    }

    let again = run(true);
    assert!(again.status.success());
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(stdout.contains("already there"), "{stdout}");
    assert!(!stdout.contains("Demo-Akademie-Hessen"), "{stdout}");
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_dir_all(files);
}

#[test]
fn migrate_up_and_status_work_on_a_new_database() {
    let (url, path) = temp_sqlite_url();
    let up = academy()
        .env("DATABASE_URL", &url)
        .args(["migrate", "up"])
        .output()
        .unwrap();
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    let status = academy()
        .env("DATABASE_URL", &url)
        .args(["migrate", "status"])
        .output()
        .unwrap();
    assert!(status.status.success());
    let listing = String::from_utf8(status.stdout).unwrap();
    assert!(
        listing
            .lines()
            .all(|l| l.starts_with("applied ") || l == "no migrations defined"),
        "{listing}"
    );
    let _ = std::fs::remove_file(path);
}

#[test]
fn serve_stops_cleanly_on_sigterm() {
    let (url, path) = temp_sqlite_url();
    let mut child = academy()
        .env("DATABASE_URL", &url)
        .env("ACADEMY_BIND", "127.0.0.1:0")
        .env("ACADEMY_WORKERS", "1")
        .env("ACADEMY_DEV_MODE", "true")
        .env("ACADEMY_MAIL_WORKER", "false")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            let event: serde_json::Value = serde_json::from_str(&line).ok()?;
            (event["message"] == "academy listening")
                .then(|| event["address"].as_str().map(str::to_owned))?
        })
        .expect("the server reports its address");
    let port: u16 = address.rsplit(':').next().unwrap().parse().unwrap();

    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(
            b"GET /health/live HTTP/1.1\r\nHost: academy.example.org\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(
        rest.iter().any(|l| l.contains("academy stopped")),
        "{rest:#?}"
    );
    let _ = std::fs::remove_file(path);
}

//! Public links through the binary: the owner's `link create/list/revoke`, and `get`/`ls` of
//! the URL by someone who never logged in.

use crate::server::TestServer;
use crate::{Coffer, unique_email};
use serde_json::Value;

/// A user with no session: reads links only.
fn stranger(server: &str) -> Coffer {
    Coffer::new(server)
}

fn one_line(stderr: &str) -> &str {
    assert!(stderr.starts_with("coffer: "), "{stderr:?}");
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    stderr.trim_end()
}

#[test]
fn links_are_created_listed_read_and_revoked() {
    let server = TestServer::start();
    let me = Coffer::new(server.url());
    me.ok(&["signup", "--email", &unique_email()]);
    let local = tempfile::tempdir().unwrap();
    let dir = local.path().join("album");
    std::fs::create_dir_all(dir.join("2025")).unwrap();
    std::fs::write(dir.join("2025/a.jpg"), vec![7u8; 1_300_000]).unwrap();
    std::fs::write(dir.join("b.png"), b"png").unwrap();
    me.ok(&["put", "-r", dir.to_str().unwrap(), "/"]);

    let url = me.ok(&["link", "create", "/album", "--max-downloads", "2"]);
    let url = url.trim_end();
    assert!(url.starts_with(&format!("{}/l/", server.url())), "{url}");
    assert_eq!(url.lines().count(), 1);

    let reader = stranger(server.url());
    assert_eq!(reader.ok(&["ls", url]), "2025/\nb.png\n");
    let inside = format!("{url}/2025");
    let json: Value = serde_json::from_str(&reader.ok(&["ls", "--json", &inside])).unwrap();
    assert_eq!(json[0]["name"], "a.jpg");
    assert_eq!(json[0]["size"], 1_300_000);
    assert!(reader.ok(&["ls", "-l", url]).contains("b.png"));

    let out = tempfile::tempdir().unwrap();
    let dest = out.path().to_str().unwrap();
    reader.ok(&["get", url, dest]);
    assert_eq!(
        std::fs::read(out.path().join("album/2025/a.jpg")).unwrap(),
        vec![7u8; 1_300_000]
    );
    assert_eq!(
        std::fs::read(out.path().join("album/b.png")).unwrap(),
        b"png"
    );
    let one = out.path().join("one.png");
    reader.ok(&["get", &format!("{url}/b.png"), one.to_str().unwrap()]);
    assert_eq!(std::fs::read(&one).unwrap(), b"png");
    let third = one_line(&reader.fails(&["get", url, dest], 1)).to_owned();
    assert!(
        third.ends_with("this link reached its download limit"),
        "{third}"
    );

    let table = me.ok(&["link", "list"]);
    let lines: Vec<_> = table.lines().collect();
    assert_eq!(lines.len(), 2, "{table}");
    assert!(
        lines[1].contains("exhausted") && lines[1].contains("2/2"),
        "{table}"
    );
    let list: Value = serde_json::from_str(&me.ok(&["link", "list", "--json"])).unwrap();
    let id = list[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(list[0]["downloads"], 2);

    // Another account sees nothing and cannot revoke.
    let other = Coffer::new(server.url());
    other.ok(&["signup", "--email", &unique_email()]);
    assert_eq!(other.ok(&["link", "list"]).lines().count(), 1);
    let err = one_line(&other.fails(&["link", "revoke", &id], 5)).to_owned();
    assert!(
        err.contains("no such file or folder") || err.contains("link"),
        "{err}"
    );

    let fresh: Value =
        serde_json::from_str(&me.ok(&["link", "create", "--json", "/album/b.png"])).unwrap();
    let fresh_url = fresh["url"].as_str().unwrap().to_owned();
    let fresh_id = fresh["link"]["id"].as_str().unwrap().to_owned();
    assert_eq!(fresh["link"]["state"], "active");
    me.ok(&["link", "revoke", &fresh_id]);
    let err = one_line(&reader.fails(&["get", &fresh_url, dest], 1)).to_owned();
    assert!(err.ends_with("this link was revoked by its owner"), "{err}");
}

#[test]
fn password_links_and_bad_urls() {
    let server = TestServer::start();
    let me = Coffer::new(server.url());
    me.ok(&["signup", "--email", &unique_email()]);
    me.ok(&["mkdir", "/secret"]);
    let mut create = me.command(&["link", "create", "/secret", "--password", "--expires", "7d"]);
    create.env("COFFER_LINK_PASSWORD", "link pw");
    let out = create.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = String::from_utf8(out.stdout).unwrap().trim_end().to_owned();

    let reader = stranger(server.url());
    // No password available (no terminal): one line, exit 1, saying how to give it.
    let err = one_line(&reader.fails(&["ls", &url], 1)).to_owned();
    assert!(err.contains("COFFER_LINK_PASSWORD"), "{err}");
    let mut wrong = reader.command(&["ls", &url]);
    wrong.env("COFFER_LINK_PASSWORD", "nope");
    let out = wrong.output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(one_line(&err), "coffer: wrong link key or password");
    let mut right = reader.command(&["ls", "--json", &url]);
    right.env("COFFER_LINK_PASSWORD", "link pw");
    let out = right.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "[]");
    let list = me.ok(&["link", "list"]);
    assert!(list.lines().nth(1).unwrap().contains(" yes "), "{list}");

    // Bad URLs never echo the key.
    let (base, key) = url.split_once('#').unwrap();
    let short = format!("{base}#{}", &key[..10]);
    let err = one_line(&reader.fails(&["get", &short, "."], 1)).to_owned();
    assert!(
        err.contains("incomplete") && !err.contains(&key[..10]),
        "{err}"
    );
    let err = one_line(&reader.fails(&["get", base, "."], 1)).to_owned();
    assert!(err.contains("missing"), "{err}");
}

#[test]
fn anyone_can_report_a_link_with_or_without_its_key() {
    let server = TestServer::start();
    let me = Coffer::new(server.url());
    me.ok(&["signup", "--email", &unique_email()]);
    me.ok(&["mkdir", "/public-docs"]);
    let url = me
        .ok(&["link", "create", "/public-docs"])
        .trim_end()
        .to_owned();

    let reporter = stranger(server.url());
    let id = reporter.ok(&["report", &url, "--reason", "not mine to share"]);
    assert_eq!(id.trim_end().len(), 32, "{id}");
    let with_key = reporter.ok(&[
        "report",
        &url,
        "--reason",
        "infringing",
        "--contact",
        "rights@example.org",
        "--include-key",
    ]);
    assert_ne!(with_key, id);

    // A password link: the key is only sent with the password.
    let mut create = me.command(&["link", "create", "/public-docs", "--password"]);
    create.env("COFFER_LINK_PASSWORD", "pw for the link");
    let out = create.output().unwrap();
    assert!(out.status.success());
    let locked = String::from_utf8(out.stdout).unwrap().trim_end().to_owned();
    let err = one_line(&reporter.fails(&["report", &locked, "--reason", "x", "--include-key"], 1))
        .to_owned();
    assert!(err.contains("COFFER_LINK_PASSWORD"), "{err}");
    let mut report = reporter.command(&["report", &locked, "--reason", "x", "--include-key"]);
    report.env("COFFER_LINK_PASSWORD", "pw for the link");
    assert!(report.output().unwrap().status.success());

    // An unknown link: one line, exit 5.
    let (base, key) = url.split_once("/l/").unwrap();
    let unknown = format!("{base}/l/{}{}", "0".repeat(32), &key[32..]);
    one_line(&reporter.fails(&["report", &unknown, "--reason", "x"], 5));
}

#[test]
fn import_copies_a_link_into_the_drive_without_the_bytes() {
    let server = TestServer::start();
    let alice = Coffer::new(server.url());
    alice.ok(&["signup", "--email", &unique_email()]);
    let local = tempfile::tempdir().unwrap();
    let dir = local.path().join("album");
    std::fs::create_dir_all(dir.join("2025")).unwrap();
    std::fs::write(dir.join("2025/a.jpg"), vec![7u8; 300_000]).unwrap();
    std::fs::write(dir.join("b.png"), b"png").unwrap();
    alice.ok(&["put", "-r", dir.to_str().unwrap(), "/"]);
    let url = alice.ok(&["link", "create", "/album"]);
    let url = url.trim_end();

    // Without a session there is no drive to import into.
    stranger(server.url()).fails(&["import", url, "/"], 3);

    let bob = Coffer::new(server.url());
    bob.ok(&["signup", "--email", &unique_email()]);
    bob.ok(&["mkdir", "/inbox"]);
    let printed = bob.ok(&["import", url, "/inbox"]);
    let mut lines: Vec<_> = printed.lines().collect();
    lines.sort();
    assert_eq!(lines, ["/inbox/album/2025/a.jpg", "/inbox/album/b.png"]);
    let json: Value =
        serde_json::from_str(&bob.ok(&["import", "--json", &format!("{url}/b.png"), "/"])).unwrap();
    assert_eq!(json["paths"][0], "/b.png");
    assert_eq!(json["bytes"], 3);

    alice.ok(&["rm", "-r", "/album"]);
    let out = tempfile::tempdir().unwrap();
    bob.ok(&["get", "-r", "/inbox/album", out.path().to_str().unwrap()]);
    assert_eq!(
        std::fs::read(out.path().join("album/2025/a.jpg")).unwrap(),
        vec![7u8; 300_000]
    );
}

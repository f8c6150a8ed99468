//! Sharing through the binary: fingerprints, contacts, share, shares, /shared paths, unshare.

use crate::server::TestServer;
use crate::{Coffer, unique_email};
use serde_json::Value;

fn signed_up(server: &TestServer) -> (Coffer, String) {
    let user = Coffer::new(server.url());
    let email = unique_email();
    user.ok(&["signup", "--email", &email]);
    (user, email)
}

/// The 30 digits of a `fingerprint` line (after the email).
fn own_digits(user: &Coffer) -> String {
    let json: Value = serde_json::from_str(&user.ok(&["fingerprint", "--json"])).unwrap();
    let digits = json["fingerprint"].as_str().unwrap().to_owned();
    assert_eq!(digits.split(' ').count(), 6, "{digits}");
    assert_eq!(digits.replace(' ', "").len(), 30, "{digits}");
    digits
}

#[test]
fn a_folder_is_shared_read_and_written_and_unshared() {
    let server = TestServer::start();
    let (ana, ana_email) = signed_up(&server);
    let (bob, bob_email) = signed_up(&server);
    let local = tempfile::tempdir().unwrap();
    let plan = local.path().join("plan.txt");
    std::fs::write(&plan, b"the plan").unwrap();
    ana.ok(&["mkdir", "/docs"]);
    ana.ok(&["put", plan.to_str().unwrap(), "/docs/"]);

    // Ana pins Bob, compares fingerprints with the digits Bob reads out, and shares.
    let added: Value =
        serde_json::from_str(&ana.ok(&["contacts", "add", &bob_email, "--json"])).unwrap();
    assert_eq!(added["status"], "unverified");
    let wrong = "00000 00000 00000 00000 00000 00000";
    ana.fails(
        &["contacts", "verify", &bob_email, "--fingerprint", wrong],
        4,
    );
    let digits = own_digits(&bob);
    ana.ok(&["contacts", "verify", &bob_email, "--fingerprint", &digits]);
    let list: Value = serde_json::from_str(&ana.ok(&["contacts", "list", "--json"])).unwrap();
    assert_eq!(list[0]["status"], "verified");
    assert_eq!(list[0]["fingerprint"], digits.as_str());
    ana.ok(&["share", "/docs", &bob_email, "--strict"]);

    // Bob reads under /shared, cannot write while read-only.
    let base = format!("/shared/{ana_email}/docs");
    assert_eq!(bob.ok(&["ls", "/shared"]), format!("{ana_email}/\n"));
    assert_eq!(bob.ok(&["ls", &base]), "plan.txt\n");
    let out = tempfile::tempdir().unwrap();
    bob.ok(&[
        "get",
        &format!("{base}/plan.txt"),
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read(out.path().join("plan.txt")).unwrap(),
        b"the plan"
    );
    let note = local.path().join("note.txt");
    std::fs::write(&note, b"from bob").unwrap();
    let refused = bob.fails(&["put", note.to_str().unwrap(), &format!("{base}/")], 1);
    assert!(refused.contains("read-only"), "{refused}");

    // With write access Bob uploads; Ana reads Bob's file in her own folder.
    ana.ok(&["share", "/docs", &bob_email, "--write"]);
    bob.ok(&["put", note.to_str().unwrap(), &format!("{base}/")]);
    assert_eq!(ana.ok(&["ls", "/docs"]), "note.txt\nplan.txt\n");
    let got = out.path().join("from-bob.txt");
    ana.ok(&["get", "/docs/note.txt", got.to_str().unwrap()]);
    assert_eq!(std::fs::read(&got).unwrap(), b"from bob");

    let shares: Value = serde_json::from_str(&ana.ok(&["shares", "--json"])).unwrap();
    assert_eq!(shares["outgoing"][0]["path"], "/docs");
    assert_eq!(shares["outgoing"][0]["permission"], "write");
    let theirs: Value = serde_json::from_str(&bob.ok(&["shares", "--json"])).unwrap();
    assert_eq!(theirs["incoming"][0]["path"], base.as_str());

    // Unshared: Bob sees nothing any more; Ana's files still read back after the rotation.
    ana.ok(&["unshare", "/docs", &bob_email]);
    assert_eq!(bob.ok(&["ls", "/shared"]), "");
    bob.fails(&["ls", &base], 5);
    let again = out.path().join("again.txt");
    ana.ok(&["get", "/docs/note.txt", again.to_str().unwrap()]);
    assert_eq!(std::fs::read(&again).unwrap(), b"from bob");
    let none: Value = serde_json::from_str(&ana.ok(&["shares", "--json"])).unwrap();
    assert_eq!(none["outgoing"].as_array().unwrap().len(), 0);
    assert_eq!(none["pending_rotations"].as_array().unwrap().len(), 0);
}

#[test]
fn sharing_errors_are_one_line() {
    let server = TestServer::start();
    let (ana, _) = signed_up(&server);
    let (bob, bob_email) = signed_up(&server);
    ana.ok(&["mkdir", "/docs"]);
    let nobody = ana.fails(&["share", "/docs", "nobody@example.org"], 5);
    assert_eq!(nobody.lines().count(), 1, "{nobody}");
    // Strict mode refuses a contact whose fingerprint was never compared.
    let strict = ana.fails(&["share", "/docs", &bob_email, "--strict"], 1);
    assert!(strict.contains("verify"), "{strict}");
    // Without a terminal, verify needs --yes or --fingerprint.
    let blind = ana.fails(&["contacts", "verify", &bob_email], 1);
    assert!(blind.contains("--fingerprint"), "{blind}");
    assert!(bob.ok(&["shares"]).contains("Nothing is shared with you."));
}

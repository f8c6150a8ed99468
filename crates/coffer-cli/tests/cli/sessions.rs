//! Sessions and the second factor through the binary: two config directories logged in to one
//! account list and revoke each other; `2fa enable` prints a secret whose codes the test
//! computes with the server's TOTP module; login then needs COFFER_TOTP.

use crate::server::TestServer;
use crate::{Coffer, unique_email};
use coffer_server::totp;
use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn sessions(user: &Coffer) -> Vec<Value> {
    let json: Value = serde_json::from_str(&user.ok(&["sessions", "--json"])).unwrap();
    json.as_array().unwrap().clone()
}

#[test]
fn two_devices_list_and_revoke_each_others_sessions() {
    let server = TestServer::start();
    let email = unique_email();
    let laptop = Coffer::new(server.url());
    laptop.ok(&["signup", "--email", &email]);
    let phone = Coffer::new(server.url());
    phone.ok(&["login", "--email", &email]);

    let listed = sessions(&laptop);
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed.iter().filter(|s| s["current"] == true).count(), 1);
    for session in &listed {
        let client = session["client"].as_str().unwrap();
        assert!(client.starts_with("coffer-client/"), "{client}");
        assert!(session["id"].as_str().unwrap().len() == 32);
        assert!(session["last_used_at"].as_i64() <= session["expires_at"].as_i64());
    }
    let table = laptop.ok(&["sessions"]);
    assert_eq!(table.lines().count(), 3, "{table}");
    assert_eq!(table.lines().filter(|l| l.starts_with('*')).count(), 1);

    // Revoke one by id: the phone's, as the laptop sees it.
    let phone_id = listed.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    laptop.ok(&["sessions", "revoke", &phone_id]);
    phone.fails(&["ls", "/"], 3);
    laptop.fails(&["sessions", "revoke", &phone_id], 5);
    laptop.fails(&["sessions", "revoke", "not-an-id"], 1);

    // Log the phone in again, then end every session but the phone's.
    phone.ok(&["login", "--email", &email]);
    phone.ok(&["sessions", "revoke", "--all-others"]);
    laptop.fails(&["ls", "/"], 3);
    assert_eq!(sessions(&phone).len(), 1);
}

/// A time step with a few seconds left, so that `step - 1 ..= step + 1` stay valid meanwhile.
fn settled_step() -> i64 {
    let into_step = || {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        now.as_secs() % totp::STEP_SECONDS
    };
    if into_step() >= totp::STEP_SECONDS - 10 {
        std::thread::sleep(Duration::from_secs(11));
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    totp::step_at(now.as_millis() as i64)
}

#[test]
fn second_factor_enable_login_and_disable() {
    let server = TestServer::start();
    let email = unique_email();
    let user = Coffer::new(server.url());
    user.ok(&["signup", "--email", &email]);

    let printed = user.ok(&["2fa", "enable"]);
    let field = |name: &str| {
        printed
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name} in {printed}"))
            .to_owned()
    };
    let secret = totp::base32_decode(&field("secret: ")).unwrap();
    assert!(field("uri: ").starts_with("otpauth://totp/"));
    let step = settled_step();
    let code = |step| totp::code(&secret, step);

    let wrong = user.fails(&["2fa", "enable", "--code", &code(step + 5)], 3);
    assert_eq!(wrong.lines().count(), 1, "{wrong}");
    user.ok(&["2fa", "enable", "--code", &code(step - 1)]);

    let needed = user.fails(&["login", "--email", &email], 3);
    assert!(needed.contains("--totp"), "{needed}");
    let mut login = user.command(&["login", "--email", &email]);
    let out = login.env("COFFER_TOTP", code(step)).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    user.ok(&["ls", "/"]);
    let replay = user.fails(&["login", "--email", &email, "--totp", &code(step)], 3);
    assert!(replay.contains("already used"), "{replay}");

    user.ok(&["2fa", "disable", "--code", &code(step + 1)]);
    user.ok(&["login", "--email", &email]);
}

//! Bad input: one-line messages and the documented exit codes.

use crate::server::TestServer;
use crate::{Coffer, unique_email};

fn one_line(stderr: &str) {
    assert!(stderr.starts_with("coffer: "), "{stderr:?}");
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
}

#[test]
fn wrong_password_exits_3_with_one_line() {
    let server = TestServer::start();
    let me = Coffer::new(server.url());
    let email = unique_email();
    me.ok(&["signup", "--email", &email]);
    me.ok(&["logout"]);
    let mut wrong = me.command(&["login", "--email", &email]);
    wrong.env("COFFER_PASSWORD", "not the password");
    let out = wrong.output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8(out.stderr).unwrap();
    one_line(&stderr);
    assert!(stderr.contains("wrong email or password"), "{stderr}");

    // The right password on standard input logs in.
    let mut stdin_login = me.command(&["login", "--password-stdin", "--email", &email]);
    stdin_login
        .env_remove("COFFER_PASSWORD")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = stdin_login.spawn().unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{}", crate::PASSWORD).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    me.ok(&["whoami"]);
}

#[test]
fn missing_paths_exit_5() {
    let server = TestServer::start();
    let me = Coffer::new(server.url());
    me.ok(&["signup", "--email", &unique_email()]);
    let dir = tempfile::tempdir().unwrap();
    let stderr = me.fails(&["get", "/nope.txt", dir.path().to_str().unwrap()], 5);
    one_line(&stderr);
    assert!(stderr.contains("/nope.txt"), "{stderr}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    one_line(&me.fails(&["ls", "/missing/deeper"], 5));
    one_line(&me.fails(&["put", "/no/such/local/file", "/"], 5));
}

#[test]
fn usage_errors_exit_2_and_no_server_is_explained() {
    let me = Coffer::new("http://127.0.0.1:9");
    let out = me.run(&["put", "only-one"]);
    assert_eq!(out.status.code(), Some(2));
    let mut no_server = me.command(&["login", "--email", "a@example.org"]);
    no_server.env_remove("COFFER_SERVER");
    let out = no_server.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "coffer: no server: pass --server or set COFFER_SERVER\n"
    );
    let stderr = me.fails(&["ls"], 3);
    one_line(&stderr);
}

#[test]
fn completions_print_a_script() {
    let me = Coffer::new("http://127.0.0.1:9");
    let bash = me.ok(&["completions", "bash"]);
    assert!(bash.contains("_coffer()"), "{bash}");
    assert!(bash.contains("complete -F _coffer"), "{bash}");
    assert!(me.ok(&["completions", "zsh"]).contains("#compdef coffer"));
    assert!(me.ok(&["--help"]).contains("Examples:"));
}

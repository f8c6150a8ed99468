//! A whole session through the binary: signup, whoami, put, ls, tree, df, get, mkdir, mv, rm,
//! logout.

use crate::server::TestServer;
use crate::{Coffer, unique_email};
use serde_json::Value;

#[test]
fn a_whole_session() {
    let server = TestServer::start();
    let me = Coffer::new(server.url());
    let email = unique_email();
    me.ok(&["signup", "--email", &email]);

    let who = me.ok(&["whoami"]);
    assert!(who.starts_with(&email), "{who}");
    let who: Value = serde_json::from_str(&me.ok(&["whoami", "--json"])).unwrap();
    assert_eq!(who["email"], email.as_str());
    assert_eq!(who["key_generation"], 1);

    let local = tempfile::tempdir().unwrap();
    let file = local.path().join("hello.txt");
    std::fs::write(&file, b"hello, coffer").unwrap();
    let dir = local.path().join("photos");
    std::fs::create_dir_all(dir.join("2025")).unwrap();
    std::fs::write(dir.join("2025/a.jpg"), vec![7u8; 300_000]).unwrap();
    std::fs::write(dir.join("b.png"), b"png").unwrap();
    let (file_arg, dir_arg) = (file.to_str().unwrap(), dir.to_str().unwrap());

    me.ok(&["mkdir", "-p", "/docs/notes"]);
    me.ok(&["put", file_arg, "/docs/"]);
    me.ok(&["put", "-r", dir_arg, "/"]);

    let ls: Value = serde_json::from_str(&me.ok(&["ls", "--json", "/"])).unwrap();
    let names: Vec<_> = ls
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["docs", "photos"]);
    assert_eq!(ls[0]["kind"], "folder");
    assert_eq!(ls[0]["id"].as_str().unwrap().len(), 32);
    let docs: Value = serde_json::from_str(&me.ok(&["ls", "--json", "/docs"])).unwrap();
    assert_eq!(docs[0]["name"], "hello.txt");
    assert_eq!(docs[0]["size"], 13);
    assert!(docs[0]["mtime"].as_i64().unwrap() > 0);
    assert_eq!(me.ok(&["ls", "/docs"]), "hello.txt\nnotes/\n");
    let long = me.ok(&["ls", "-l", "/docs"]);
    assert!(
        long.lines()
            .any(|l| l.starts_with('-') && l.contains("13 B") && l.ends_with("hello.txt")),
        "{long}"
    );

    let tree = me.ok(&["tree", "/photos"]);
    assert_eq!(tree, "/photos\n├── 2025/\n│   └── a.jpg\n└── b.png\n");
    let tree: Value = serde_json::from_str(&me.ok(&["tree", "--json"])).unwrap();
    assert_eq!(
        tree["children"][1]["children"][0]["children"][0]["name"],
        "a.jpg"
    );

    let df = me.ok(&["df"]);
    assert!(df.contains("3 files"), "{df}");
    let df: Value = serde_json::from_str(&me.ok(&["df", "--json"])).unwrap();
    assert_eq!(df["files"], 3);

    let out = local.path().join("out");
    std::fs::create_dir(&out).unwrap();
    me.ok(&["get", "/docs/hello.txt", out.to_str().unwrap()]);
    assert_eq!(
        std::fs::read(out.join("hello.txt")).unwrap(),
        b"hello, coffer"
    );
    me.ok(&["get", "-r", "/photos", out.to_str().unwrap()]);
    assert_eq!(
        std::fs::read(out.join("photos/2025/a.jpg")).unwrap(),
        vec![7u8; 300_000]
    );

    me.ok(&["mv", "/docs/hello.txt", "/docs/notes/"]);
    me.ok(&["mv", "/docs/notes/hello.txt", "/docs/notes/hi.txt"]);
    assert_eq!(me.ok(&["ls", "/docs/notes"]), "hi.txt\n");
    me.ok(&["rm", "/docs/notes/hi.txt"]);
    let err = me.fails(&["rm", "/photos"], 1);
    assert!(err.contains("not empty"), "{err}");
    me.ok(&["rm", "-r", "/photos"]);
    assert_eq!(me.ok(&["ls"]), "docs/\n");

    // Quiet and broken pipes: no noise.
    let quiet = me.run(&["-q", "mkdir", "-p", "/docs"]);
    assert!(quiet.status.success() && quiet.stderr.is_empty());

    me.ok(&["logout"]);
    let err = me.fails(&["whoami"], 3);
    assert!(err.starts_with("coffer: not logged in"), "{err}");
    // Logging in again works with the email given.
    me.ok(&["login", "--email", &email]);
    assert_eq!(me.ok(&["ls"]), "docs/\n");
}

/// The README's quick start, word for word: destination folders that do not exist yet are
/// created, an empty folder is removed without -r, and after logout `login` remembers the
/// server and the email.
#[test]
fn the_readme_quick_start() {
    let server = TestServer::start();
    let me = Coffer::new(server.url());
    let email = unique_email();
    let bare = |args: &[&str]| {
        let mut cmd = me.command(args);
        cmd.env_remove("COFFER_SERVER");
        cmd.output().expect("run coffer")
    };
    let signup = bare(&["--server", server.url(), "signup", "--email", &email]);
    assert!(signup.status.success(), "{signup:?}");

    let local = tempfile::tempdir().unwrap();
    let video = local.path().join("holiday.mkv");
    std::fs::write(&video, vec![9u8; 2_500_000]).unwrap();
    let thesis = local.path().join("thesis");
    std::fs::create_dir_all(thesis.join("ch1")).unwrap();
    std::fs::write(thesis.join("ch1/intro.md"), b"# Intro").unwrap();
    me.ok(&["put", video.to_str().unwrap(), "/videos/"]);
    me.ok(&["put", "-r", thesis.to_str().unwrap(), "/docs/"]);
    assert_eq!(
        me.ok(&["tree", "/"]),
        "/\n├── docs/\n│   └── thesis/\n│       └── ch1/\n│           └── intro.md\n└── videos/\n    └── holiday.mkv\n"
    );

    me.ok(&["mkdir", "-p", "/a/b"]);
    me.ok(&["mv", "/a/b", "/c"]);
    me.ok(&["rm", "/c"]);
    let err = me.fails(&["rm", "/docs"], 1);
    assert!(err.contains("not empty (use -r"), "{err}");
    assert_eq!(me.ok(&["ls", "/"]), "a/\ndocs/\nvideos/\n");

    me.ok(&["logout"]);
    let login = bare(&["login"]);
    assert!(login.status.success(), "{login:?}");
    let back = local.path().join("back.mkv");
    me.ok(&["get", "/videos/holiday.mkv", back.to_str().unwrap()]);
    assert_eq!(std::fs::read(back).unwrap(), vec![9u8; 2_500_000]);
}

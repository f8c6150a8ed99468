//! Public links end to end: the owner creates them, a reader without an account lists and
//! downloads through them, the server counts, expires and revokes them, and neither the secret
//! nor the password ever crosses the wire.

use crate::common::{TestServer, bytes, new_drive, snapshot};
use coffer_client::{
    ClientError, DrivePath, LinkError, LinkOptions, LinkState, LinkUrl, PublicLink, TransferOptions,
};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use zeroize::Zeroizing;

const MIB: usize = 1 << 20;

fn root() -> DrivePath {
    DrivePath::root()
}

async fn open(url: &str, password: Option<&str>) -> coffer_client::Result<PublicLink> {
    PublicLink::open(&LinkUrl::parse(url).expect("a link URL"), password).await
}

fn link_error(result: coffer_client::Result<impl Sized>) -> LinkError {
    match result {
        Err(ClientError::Link(e)) => e,
        Err(other) => panic!("expected a link error, got {other}"),
        Ok(_) => panic!("expected a link error, got success"),
    }
}

/// A local tree: project/{a.txt, big.bin (> 1 MiB), sub/b.txt, sub/deeper/c.bin, empty/}.
fn project(dir: &Path) -> std::path::PathBuf {
    let src = dir.join("project");
    for (i, (rel, len)) in [
        ("a.txt", 100),
        ("big.bin", 2 * MIB + 77),
        ("sub/b.txt", 0),
        ("sub/deeper/c.bin", 70_000),
    ]
    .into_iter()
    .enumerate()
    {
        let path = src.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes(len, 40 + i as u64)).unwrap();
    }
    std::fs::create_dir_all(src.join("empty")).unwrap();
    src
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_link_round_trips_byte_for_byte() {
    let server = TestServer::start();
    let (drive, _store, _config) = new_drive(&server).await;
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("report.bin");
    let data = bytes(MIB + 5, 1);
    std::fs::write(&src, &data).unwrap();
    let opts = TransferOptions::default();
    drive.put_file(&src, "/", &opts).await.unwrap();

    let created = drive
        .create_link("/report.bin", LinkOptions::default())
        .await
        .unwrap();
    assert!(created.url.starts_with(&format!("{}/l/", server.url)));
    assert_eq!(created.link.state, LinkState::Active);
    assert_eq!(created.link.downloads, 0);

    let link = open(&created.url, None).await.unwrap();
    assert_eq!(link.root().name, "report.bin");
    assert_eq!(link.root().size, Some(data.len() as u64));
    let listed = link.ls(&root()).await.unwrap();
    assert_eq!(listed.len(), 1);
    let out = tempfile::tempdir().unwrap();
    let summary = link.get(&root(), out.path(), &opts).await.unwrap();
    assert_eq!(summary.target, out.path().join("report.bin"));
    assert!(std::fs::read(&summary.target).unwrap() == data);

    let links = drive.links().await.unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].downloads, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_link_lists_and_downloads_the_whole_subtree() {
    let server = TestServer::start();
    let (drive, _store, _config) = new_drive(&server).await;
    let local = tempfile::tempdir().unwrap();
    let src = project(local.path());
    let opts = TransferOptions::default();
    drive.put_dir(&src, "/", &opts).await.unwrap();
    drive.mkdir("/outside", false).await.unwrap();

    let created = drive
        .create_link("/project", LinkOptions::default())
        .await
        .unwrap();
    let link = open(&created.url, None).await.unwrap();
    let names = |entries: Vec<coffer_client::Entry>| -> Vec<String> {
        entries.into_iter().map(|e| e.name).collect()
    };
    assert_eq!(
        names(link.ls(&root()).await.unwrap()),
        ["a.txt", "big.bin", "empty", "sub"]
    );
    let deeper = DrivePath::parse("/sub/deeper").unwrap();
    let listed = link.ls(&deeper).await.unwrap();
    assert_eq!(names(listed.clone()), ["c.bin"]);
    assert_eq!(listed[0].path.to_string(), "/sub/deeper/c.bin");
    // A sub path through the URL (in the fragment).
    let sub = LinkUrl::parse(&format!("{}/sub", &*created.url)).unwrap();
    assert_eq!(sub.path().to_string(), "/sub");
    assert_eq!(
        names(link.ls(sub.path()).await.unwrap()),
        ["b.txt", "deeper"]
    );
    let missing = link.ls(&DrivePath::parse("/nope").unwrap()).await;
    assert!(
        matches!(missing, Err(ClientError::NotFound(_))),
        "{missing:?}"
    );

    let out = tempfile::tempdir().unwrap();
    let summary = link.get(&root(), out.path(), &opts).await.unwrap();
    assert_eq!(summary.target, out.path().join("project"));
    assert_eq!(summary.files, 4);
    assert_eq!(snapshot(&summary.target), snapshot(&src));
    assert!(summary.target.join("empty").is_dir());
    // One file inside the folder link.
    let one = tempfile::tempdir().unwrap();
    let c = DrivePath::parse("/sub/deeper/c.bin").unwrap();
    let got = link.get(&c, one.path(), &opts).await.unwrap();
    let expected = std::fs::read(src.join("sub/deeper/c.bin")).unwrap();
    assert!(std::fs::read(got.target).unwrap() == expected);
    assert_eq!(drive.links().await.unwrap()[0].downloads, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_link_needs_the_right_password() {
    let server = TestServer::start();
    let (drive, _store, _config) = new_drive(&server).await;
    drive.mkdir("/private", false).await.unwrap();
    let options = LinkOptions {
        password: Some(Zeroizing::new("open sesame".into())),
        ..LinkOptions::default()
    };
    let created = drive.create_link("/private", options).await.unwrap();
    assert!(created.link.password);
    assert!(matches!(
        link_error(open(&created.url, None).await),
        LinkError::PasswordRequired
    ));
    assert!(matches!(
        link_error(open(&created.url, Some("open sesame!")).await),
        LinkError::WrongKeyOrPassword
    ));
    let link = open(&created.url, Some("open sesame")).await.unwrap();
    assert_eq!(link.root().name, "private");
    // A wrong key in the URL, right password: the same answer as a wrong password.
    let (base, _) = created.url.split_once('#').unwrap();
    let other_key = coffer_crypto::LinkSecret::from_bytes([3; 32]).to_fragment();
    let forged = format!("{base}#{other_key}");
    assert!(matches!(
        link_error(open(&forged, Some("open sesame")).await),
        LinkError::WrongKeyOrPassword
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_expiry_and_revocation_stop_the_link() {
    let server = TestServer::start();
    let (drive, _store, _config) = new_drive(&server).await;
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("f.txt");
    std::fs::write(&src, b"limited").unwrap();
    let opts = TransferOptions::default();
    drive.put_file(&src, "/", &opts).await.unwrap();

    let limited = LinkOptions {
        max_downloads: Some(2),
        ..LinkOptions::default()
    };
    let created = drive.create_link("/f.txt", limited).await.unwrap();
    let link = open(&created.url, None).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        link.get(&root(), out.path(), &opts).await.unwrap();
    }
    let third = link.get(&root(), out.path(), &opts).await;
    assert!(matches!(link_error(third), LinkError::Exhausted));
    assert!(matches!(
        link_error(open(&created.url, None).await),
        LinkError::Exhausted
    ));
    assert_eq!(drive.links().await.unwrap()[0].state, LinkState::Exhausted);

    let short = LinkOptions {
        expires_in: Some(Duration::from_secs(2)),
        ..LinkOptions::default()
    };
    let expiring = drive.create_link("/f.txt", short).await.unwrap();
    open(&expiring.url, None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let expired = link_error(open(&expiring.url, None).await);
    assert!(matches!(expired, LinkError::Expired(_)), "{expired:?}");

    let revoked = drive
        .create_link("/f.txt", LinkOptions::default())
        .await
        .unwrap();
    let reader = open(&revoked.url, None).await.unwrap();
    drive.revoke_link(revoked.link.id).await.unwrap();
    drive.revoke_link(revoked.link.id).await.unwrap();
    let e = link_error(open(&revoked.url, None).await);
    assert_eq!(e.to_string(), "this link was revoked by its owner");
    // A reader that opened it before is stopped too.
    assert!(matches!(
        link_error(reader.get(&root(), out.path(), &opts).await),
        LinkError::Revoked
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_account_neither_sees_nor_revokes_a_link() {
    let server = TestServer::start();
    let (owner, _s1, _c1) = new_drive(&server).await;
    let (other, _s2, _c2) = new_drive(&server).await;
    owner.mkdir("/mine", false).await.unwrap();
    let created = owner
        .create_link("/mine", LinkOptions::default())
        .await
        .unwrap();
    assert!(other.links().await.unwrap().is_empty());
    let e = other.revoke_link(created.link.id).await.unwrap_err();
    assert!(matches!(e, ClientError::NotFound(_)), "{e:?}");
    open(&created.url, None).await.unwrap();
    assert_eq!(owner.links().await.unwrap()[0].state, LinkState::Active);
}

/// A TCP proxy that forwards both ways and records every byte the client sends.
async fn recording_proxy(target: &str) -> (String, Arc<Mutex<Vec<u8>>>) {
    let target = target
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&recorded);
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let server = TcpStream::connect(&target).await.unwrap();
            let (mut client_read, mut client_write) = client.into_split();
            let (mut server_read, mut server_write) = server.into_split();
            let sink = Arc::clone(&sink);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 << 10];
                while let Ok(n) = client_read.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    sink.lock().unwrap().extend_from_slice(&buf[..n]);
                    if server_write.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
                let _ = server_write.shutdown().await;
            });
            tokio::spawn(async move {
                let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
            });
        }
    });
    (url, recorded)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secret_and_the_password_never_reach_the_server() {
    let server = TestServer::start();
    let (proxy, recorded) = recording_proxy(&server.url).await;
    let config = tempfile::tempdir().unwrap();
    let store = coffer_client::SessionStore::new(config.path());
    let email = crate::common::unique_email();
    let session = coffer_client::signup(&proxy, &email, crate::common::PASSWORD, &store)
        .await
        .unwrap();
    let drive = coffer_client::Drive::open(session).unwrap();
    let local = tempfile::tempdir().unwrap();
    let src = project(local.path());
    let opts = TransferOptions::default();
    drive.put_dir(&src, "/", &opts).await.unwrap();

    let password = "tr0ub4dor&3 link password";
    let options = LinkOptions {
        password: Some(Zeroizing::new(password.into())),
        ..LinkOptions::default()
    };
    let created = drive.create_link("/project", options).await.unwrap();
    assert!(created.url.starts_with(&proxy));
    let link = open(&created.url, Some(password)).await.unwrap();
    link.ls(&DrivePath::parse("/sub").unwrap()).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    link.get(&root(), out.path(), &opts).await.unwrap();
    assert_eq!(snapshot(&out.path().join("project")), snapshot(&src));
    let wrong = open(&created.url, Some("not it")).await;
    assert!(matches!(link_error(wrong), LinkError::WrongKeyOrPassword));

    let fragment = created.url.split_once('#').unwrap().1.to_owned();
    let secret = coffer_crypto::LinkSecret::from_fragment(&fragment).unwrap();
    let sent = recorded.lock().unwrap().clone();
    // The recording saw the link traffic at all...
    assert!(contains(&sent, b"/public/links/"));
    assert!(contains(&sent, b"CofferLink "));
    assert!(contains(&sent, b"CofferTicket "));
    assert!(contains(&sent, b"POST /api/v1/links"));
    // ...and none of the secrets, in any form.
    assert!(
        !contains(&sent, fragment.as_bytes()),
        "the fragment was sent"
    );
    assert!(!contains(&sent, &fragment.as_bytes()[..20]));
    assert!(!contains(&sent, hex::encode(secret.as_bytes()).as_bytes()));
    assert!(
        !contains(&sent, secret.as_bytes()),
        "the raw secret was sent"
    );
    assert!(
        !contains(&sent, password.as_bytes()),
        "the password was sent"
    );
    assert!(!contains(&sent, b"not it"), "a wrong password was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_keys_are_rate_limited_and_then_even_the_right_key_waits() {
    let server = TestServer::start();
    let (drive, _store, _config) = new_drive(&server).await;
    drive.mkdir("/guarded", false).await.unwrap();
    let created = drive
        .create_link("/guarded", LinkOptions::default())
        .await
        .unwrap();
    let (base, _) = created.url.split_once('#').unwrap();
    let mut limited = None;
    // The default limit is 10 wrong keys per link per window.
    for i in 0..12u8 {
        let key = coffer_crypto::LinkSecret::from_bytes([i; 32]).to_fragment();
        match link_error(open(&format!("{base}#{key}"), None).await) {
            LinkError::WrongKeyOrPassword => {}
            LinkError::TooManyAttempts(seconds) => {
                limited = Some(seconds);
                break;
            }
            other => panic!("attempt {i}: {other:?}"),
        }
    }
    let seconds = limited.expect("rate limited within 12 wrong keys");
    assert!(seconds > 0);
    let right = link_error(open(&created.url, None).await);
    assert!(matches!(right, LinkError::TooManyAttempts(_)), "{right:?}");
    assert!(
        right
            .to_string()
            .starts_with("too many wrong attempts, retry in ")
    );
}

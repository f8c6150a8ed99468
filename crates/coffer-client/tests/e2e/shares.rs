//! Sharing: contacts and pins, read and write shares under `/shared`, unshare with key
//! rotation, refused keys and grants, concurrent writers.

use crate::common::{PASSWORD, TestServer, bytes, snapshot, unique_email};
use coffer_client::{
    ClientError, ContactStatus, Drive, LinkOptions, NoProgress, SessionStore, ShareOptions,
    SharePermission, TransferOptions,
};
use std::path::Path;

struct User {
    drive: Drive,
    email: String,
    store: SessionStore,
    _config: tempfile::TempDir,
}

impl User {
    async fn new(server: &TestServer) -> User {
        let config = tempfile::tempdir().unwrap();
        let store = SessionStore::new(config.path());
        let email = unique_email();
        let session = coffer_client::signup(&server.url, &email, PASSWORD, &store)
            .await
            .unwrap();
        User {
            drive: Drive::open_with_store(session, &store).unwrap(),
            email,
            store,
            _config: config,
        }
    }

    /// The same account in a new process: a new drive over the same config directory.
    fn reopen(&mut self) {
        let session = self.store.load().unwrap().unwrap();
        self.drive = Drive::open_with_store(session, &self.store).unwrap();
    }

    fn shared(&self, owner: &User) -> String {
        format!("/shared/{}", owner.email)
    }

    /// Edits this account's contacts file as JSON (what a different server answer at first
    /// use, or a rollback, would have left there).
    fn edit_contacts(&mut self, edit: impl FnOnce(&mut serde_json::Value)) {
        let path = self.store.dir().join("contacts.json");
        let mut json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let accounts = json["accounts"].as_object_mut().unwrap();
        assert_eq!(accounts.len(), 1);
        edit(accounts.values_mut().next().unwrap());
        std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
        self.reopen();
    }
}

/// Uploads `data` as `dir/name` to `dest` (the future owns everything it needs).
fn put(
    drive: &Drive,
    dir: &Path,
    name: &str,
    data: &[u8],
    dest: &str,
) -> impl Future<Output = coffer_client::Result<coffer_client::Entry>> + Send + use<> {
    let local = dir.join(name);
    std::fs::write(&local, data).unwrap();
    let drive = drive.clone();
    let dest = dest.to_owned();
    async move {
        drive
            .put_file(&local, &dest, &TransferOptions::default())
            .await
    }
}

fn names(entries: &[coffer_client::Entry]) -> Vec<String> {
    entries.iter().map(|e| e.name.clone()).collect()
}

/// Alice's `/proj` with a file and a subfolder with a file.
async fn project(alice: &User, local: &Path) {
    alice.drive.mkdir("/proj/sub", true).await.unwrap();
    put(&alice.drive, local, "a.txt", b"alpha", "/proj/")
        .await
        .unwrap();
    put(
        &alice.drive,
        local,
        "big.bin",
        &bytes(300_000, 4),
        "/proj/sub/",
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_and_write_shares_allow_what_they_grant() {
    let server = TestServer::start();
    let (alice, bob, carol) = (
        User::new(&server).await,
        User::new(&server).await,
        User::new(&server).await,
    );
    let local = tempfile::tempdir().unwrap();
    project(&alice, local.path()).await;
    let opts = ShareOptions::default();

    let read = alice
        .drive
        .share("/proj", &bob.email, SharePermission::Read, opts)
        .await
        .unwrap();
    assert_eq!(read.permission, SharePermission::Read);
    assert_eq!(
        names(&bob.drive.ls("/shared").await.unwrap()),
        [alice.email.as_str()]
    );
    let base = format!("{}/proj", bob.shared(&alice));
    assert_eq!(
        names(&bob.drive.ls(&bob.shared(&alice)).await.unwrap()),
        ["proj"]
    );
    assert_eq!(names(&bob.drive.ls(&base).await.unwrap()), ["a.txt", "sub"]);
    let out = local.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let t = TransferOptions::default();
    bob.drive
        .get_file(&format!("{base}/sub/big.bin"), &out.join("big"), &t)
        .await
        .unwrap();
    assert_eq!(std::fs::read(out.join("big")).unwrap(), bytes(300_000, 4));
    // Reading only: every write is refused by the server, and says so.
    let e = put(
        &bob.drive,
        local.path(),
        "b.txt",
        b"bob",
        &format!("{base}/"),
    )
    .await;
    assert!(matches!(e, Err(ClientError::ReadOnlyShare)), "{e:?}");
    assert!(e.unwrap_err().to_string().starts_with("read-only share"));
    let e = bob.drive.mkdir(&format!("{base}/new"), false).await;
    assert!(matches!(e, Err(ClientError::ReadOnlyShare)), "{e:?}");
    // Carol gets nothing: no share, and the folder's id is not found for her.
    assert!(carol.drive.ls("/shared").await.unwrap().is_empty());
    assert!(matches!(
        carol
            .drive
            .ls(&format!("/shared/{}/proj", alice.email))
            .await,
        Err(ClientError::NotFound(_))
    ));
    // Bob cannot share what is not his.
    let e = bob
        .drive
        .share(&base, &carol.email, SharePermission::Read, opts)
        .await;
    assert!(
        matches!(&e, Err(ClientError::NotOwner { owner, .. }) if *owner == alice.email),
        "{e:?}"
    );

    // Upgraded to write: the next generation of the same share.
    let write = alice
        .drive
        .share("/proj", &bob.email, SharePermission::Write, opts)
        .await
        .unwrap();
    assert_eq!(write.share_id, read.share_id);
    put(
        &bob.drive,
        local.path(),
        "b.txt",
        b"from bob",
        &format!("{base}/"),
    )
    .await
    .unwrap();
    bob.drive
        .mkdir(&format!("{base}/sub/deeper"), false)
        .await
        .unwrap();
    bob.drive
        .mv(&format!("{base}/b.txt"), &format!("{base}/sub/deeper/"))
        .await
        .unwrap();
    put(&bob.drive, local.path(), "tmp", b"x", &format!("{base}/"))
        .await
        .unwrap();
    bob.drive.rm(&format!("{base}/tmp"), false).await.unwrap();
    // A new version of Alice's file, by Bob.
    put(
        &bob.drive,
        local.path(),
        "a.txt",
        b"alpha by bob",
        &format!("{base}/"),
    )
    .await
    .unwrap();
    // Moving out of the share, or the share itself, is refused before any request.
    assert!(matches!(
        bob.drive.mv(&format!("{base}/a.txt"), "/").await,
        Err(ClientError::InvalidOperation { .. })
    ));
    assert!(matches!(
        bob.drive.rm(&base, true).await,
        Err(ClientError::InvalidOperation { .. })
    ));

    // Alice reads what Bob wrote: his key is trusted below her write grant only.
    let tree = alice.drive.tree("/proj").await.unwrap();
    let sub = &tree.children[1];
    let deeper = sub
        .children
        .iter()
        .find(|c| c.entry.name == "deeper")
        .unwrap();
    assert_eq!(deeper.entry.path.to_string(), "/proj/sub/deeper");
    assert_eq!(deeper.children[0].entry.name, "b.txt");
    alice
        .drive
        .get_file("/proj/a.txt", &out.join("a"), &t)
        .await
        .unwrap();
    assert_eq!(std::fs::read(out.join("a")).unwrap(), b"alpha by bob");

    // `/shared` is reserved in one's own drive.
    for e in [
        alice.drive.mkdir("/shared", false).await.map(drop),
        alice.drive.mkdir("/shared", true).await.map(drop),
        put(&alice.drive, local.path(), "shared", b"x", "/")
            .await
            .map(drop),
        alice.drive.mv("/proj", "/shared").await.map(drop),
    ] {
        assert!(
            matches!(e, Err(ClientError::InvalidOperation { .. })),
            "{e:?}"
        );
    }

    let view = alice.drive.shares().await.unwrap();
    assert_eq!(view.outgoing.len(), 1);
    assert_eq!(view.outgoing[0].path, "/proj");
    let view = bob.drive.shares().await.unwrap();
    assert_eq!(view.incoming.len(), 1);
    assert_eq!(view.incoming[0].path, base);
    assert_eq!(
        view.incoming[0].owner_status,
        Some(ContactStatus::Unverified)
    );

    // Bob leaves.
    bob.drive.unshare(&base, None, &NoProgress).await.unwrap();
    assert!(bob.drive.ls("/shared").await.unwrap().is_empty());
    assert!(alice.drive.shares().await.unwrap().outgoing.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unshare_ends_access_and_rotates_every_folder() {
    let server = TestServer::start();
    let (alice, mut bob) = (User::new(&server).await, User::new(&server).await);
    let local = tempfile::tempdir().unwrap();
    project(&alice, local.path()).await;
    let t = TransferOptions::default();
    alice
        .drive
        .share(
            "/proj",
            &bob.email,
            SharePermission::Write,
            ShareOptions::default(),
        )
        .await
        .unwrap();
    let base = format!("{}/proj", bob.shared(&alice));
    put(
        &bob.drive,
        local.path(),
        "bob.txt",
        b"written by bob",
        &format!("{base}/sub/"),
    )
    .await
    .unwrap();
    let link = alice
        .drive
        .create_link("/proj/sub", LinkOptions::default())
        .await
        .unwrap();
    let file_link = alice
        .drive
        .create_link("/proj/a.txt", LinkOptions::default())
        .await
        .unwrap();
    let before = local.path().join("before");
    alice.drive.get_dir("/proj", &before, &t).await.unwrap();

    let report = alice
        .drive
        .unshare("/proj", Some(&bob.email), &NoProgress)
        .await
        .unwrap();
    assert_eq!(report.folders_rotated, 2);
    assert_eq!(report.links_revoked, vec![link.link.id]);
    // (Bob's client may trust its share list for a moment; a new one sees it gone at once.)
    bob.reopen();
    assert!(bob.drive.ls("/shared").await.unwrap().is_empty());
    assert!(bob.drive.ls(&base).await.is_err());
    // Everything, Bob's file included, now signed by Alice alone, reads the same.
    let after = local.path().join("after");
    alice.drive.get_dir("/proj", &after, &t).await.unwrap();
    assert_eq!(snapshot(&before), snapshot(&after));
    let view = alice.drive.shares().await.unwrap();
    assert!(
        view.outgoing.is_empty() && view.pending.is_empty(),
        "{view:?}"
    );
    // A link to a file keeps working (files keep their keys).
    let links = alice.drive.links().await.unwrap();
    let kept = links.iter().find(|l| l.id == file_link.link.id).unwrap();
    assert_eq!(kept.revoked_at, None);
    // Repeating is refused (nothing shared, nothing pending).
    assert!(matches!(
        alice
            .drive
            .unshare("/proj", Some(&bob.email), &NoProgress)
            .await,
        Err(ClientError::NotShared { .. })
    ));
    assert!(
        coffer_server::store_check::check_data_dir(server.data_dir())
            .await
            .unwrap()
            .is_consistent()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_key_is_refused_before_and_after_verification() {
    let server = TestServer::start();
    let (mut alice, bob, carol) = (
        User::new(&server).await,
        User::new(&server).await,
        User::new(&server).await,
    );
    alice.drive.mkdir("/proj", false).await.unwrap();
    let added = alice.drive.contact_add(&bob.email).await.unwrap();
    assert_eq!(added.status, ContactStatus::Unverified);
    alice.drive.contact_add(&carol.email).await.unwrap();
    // Pins survive a new drive.
    alice.reopen();
    let contacts = alice.drive.contacts().await.unwrap();
    assert_eq!(contacts.len(), 2);
    // Strict sharing wants a verified contact.
    let strict = ShareOptions { strict: true };
    assert!(matches!(
        alice
            .drive
            .share("/proj", &bob.email, SharePermission::Read, strict)
            .await,
        Err(ClientError::Unverified { .. })
    ));

    // The server now answers other keys for Bob than the pinned ones (simulated by pinning
    // Carol's keys under Bob's address: the comparison is the same).
    let (b, c) = (bob.email.clone(), carol.email.clone());
    for verified in [false, true] {
        alice.edit_contacts(|book| {
            let carol_keys = book["contacts"][&c]["keys"].clone();
            book["contacts"][&b]["keys"] = carol_keys;
            book["contacts"][&b]["verified"] = serde_json::Value::Bool(verified);
        });
        let listed = alice.drive.contacts().await.unwrap();
        let bob_contact = listed.iter().find(|x| x.email == b).unwrap();
        assert!(matches!(
            bob_contact.status,
            ContactStatus::KeyChanged { .. }
        ));
        let e = alice
            .drive
            .share("/proj", &b, SharePermission::Read, ShareOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(e, ClientError::KeyChanged { .. }), "{e:?}");
        assert!(
            e.to_string()
                .contains(&format!("coffer contacts verify {b}"))
        );
    }
    // Comparing fingerprints: a wrong one changes nothing, Bob's own one is accepted.
    let view = alice.drive.contact_verify(&b).await.unwrap();
    assert!(view.key_changed);
    assert_eq!(view.theirs, bob.drive.fingerprint());
    assert_eq!(view.mine, alice.drive.fingerprint());
    let wrong = carol.drive.fingerprint().to_string();
    assert!(matches!(
        alice.drive.contact_confirm(&b, Some(&wrong)).await,
        Err(ClientError::FingerprintMismatch { .. })
    ));
    let digits = bob.drive.fingerprint().to_string().replace(' ', "");
    let confirmed = alice
        .drive
        .contact_confirm(&b, Some(&digits))
        .await
        .unwrap();
    assert_eq!(confirmed.status, ContactStatus::Verified);
    alice
        .drive
        .share("/proj", &b, SharePermission::Read, strict)
        .await
        .unwrap();
    assert_eq!(
        bob.drive
            .ls(&format!("/shared/{}/proj", alice.email))
            .await
            .unwrap()
            .len(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recipient_refuses_grants_under_another_key_or_rolled_back() {
    let server = TestServer::start();
    let (alice, mut bob, carol) = (
        User::new(&server).await,
        User::new(&server).await,
        User::new(&server).await,
    );
    alice.drive.mkdir("/proj", false).await.unwrap();
    let share = alice
        .drive
        .share(
            "/proj",
            &bob.email,
            SharePermission::Read,
            ShareOptions::default(),
        )
        .await
        .unwrap();
    let base = format!("/shared/{}/proj", alice.email);
    bob.drive.ls(&base).await.unwrap();
    // Bob pinned Alice on first use; a grant signed by another key than the pinned one (here:
    // the pin says Carol's keys) is refused, pointing at `contacts verify`.
    bob.drive.contact_add(&carol.email).await.unwrap();
    let (a, c) = (alice.email.clone(), carol.email.clone());
    let real = std::cell::RefCell::new(serde_json::Value::Null);
    bob.edit_contacts(|book| {
        *real.borrow_mut() = book["contacts"][&a]["keys"].clone();
        book["contacts"][&a]["keys"] = book["contacts"][&c]["keys"].clone();
    });
    let e = bob.drive.ls(&base).await.unwrap_err();
    assert!(matches!(e, ClientError::KeyChanged { .. }), "{e:?}");
    // Back to the real pin, but having seen a later generation of the grant: a rollback.
    let id = share.share_id.to_string();
    bob.edit_contacts(|book| {
        book["contacts"][&a]["keys"] = real.borrow().clone();
        book["generations"][&id] = serde_json::json!(7);
    });
    let e = bob.drive.ls(&base).await.unwrap_err();
    assert!(
        matches!(&e, ClientError::Integrity { reason, .. } if reason.contains("older grant")),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_leave_a_consistent_tree() {
    let server = TestServer::start();
    let (alice, bob) = (User::new(&server).await, User::new(&server).await);
    let local = tempfile::tempdir().unwrap();
    alice.drive.mkdir("/proj", false).await.unwrap();
    alice
        .drive
        .share(
            "/proj",
            &bob.email,
            SharePermission::Write,
            ShareOptions::default(),
        )
        .await
        .unwrap();
    let base = format!("/shared/{}/proj/", alice.email);
    let (a_dir, b_dir) = (local.path().join("a"), local.path().join("b"));
    std::fs::create_dir(&a_dir).unwrap();
    std::fs::create_dir(&b_dir).unwrap();
    let mut work = Vec::new();
    for i in 0..8 {
        let size = if i % 4 == 0 { 200_000 } else { 100 };
        work.push(tokio::spawn(put(
            &alice.drive,
            &a_dir,
            &format!("a{i}"),
            &bytes(size, i),
            "/proj/",
        )));
        work.push(tokio::spawn(put(
            &bob.drive,
            &b_dir,
            &format!("b{i}"),
            &bytes(size, 100 + i),
            &base,
        )));
    }
    // Both write the same name: one version wins, the other is a new version or a conflict.
    work.push(tokio::spawn(put(
        &alice.drive,
        &a_dir,
        "same",
        b"alice",
        "/proj/",
    )));
    work.push(tokio::spawn(put(&bob.drive, &b_dir, "same", b"bob", &base)));
    for w in work {
        let _ = w.await.unwrap();
    }
    let listed = alice.drive.ls("/proj").await.unwrap();
    assert!(listed.len() >= 16, "{:?}", names(&listed));
    assert_eq!(names(&listed), names(&bob.drive.ls(&base).await.unwrap()));
    alice.drive.tree("/proj").await.unwrap();
    assert!(
        coffer_server::store_check::check_data_dir(server.data_dir())
            .await
            .unwrap()
            .is_consistent()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downgrading_to_read_rotates_and_stops_trusting_the_writer() {
    let server = TestServer::start();
    let (alice, mut bob) = (User::new(&server).await, User::new(&server).await);
    let local = tempfile::tempdir().unwrap();
    alice.drive.mkdir("/proj", false).await.unwrap();
    let opts = ShareOptions::default();
    let write = alice
        .drive
        .share("/proj", &bob.email, SharePermission::Write, opts)
        .await
        .unwrap();
    let base = format!("/shared/{}/proj", alice.email);
    put(
        &bob.drive,
        local.path(),
        "b.txt",
        b"bob",
        &format!("{base}/"),
    )
    .await
    .unwrap();
    let read = alice
        .drive
        .share("/proj", &bob.email, SharePermission::Read, opts)
        .await
        .unwrap();
    assert_eq!(read.permission, SharePermission::Read);
    assert_ne!(read.share_id, write.share_id);
    bob.reopen();
    assert_eq!(names(&bob.drive.ls(&base).await.unwrap()), ["b.txt"]);
    let e = put(&bob.drive, local.path(), "c.txt", b"c", &format!("{base}/")).await;
    assert!(matches!(e, Err(ClientError::ReadOnlyShare)), "{e:?}");
    // Bob's file is Alice's now (re-signed by the rotation) and still reads.
    let out = local.path().join("out");
    alice
        .drive
        .get_file("/proj/b.txt", &out, &TransferOptions::default())
        .await
        .unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), b"bob");
}

/// Stops an unshare after its first folder, as a crash would.
struct CrashAfterOneFolder;

impl coffer_client::ProgressSink for CrashAfterOneFolder {
    fn folder_rekeyed(&self, _path: &str) {
        panic!("interrupted on purpose");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_unshare_is_finished_by_running_it_again() {
    static CRASH: CrashAfterOneFolder = CrashAfterOneFolder;
    let server = TestServer::start();
    let (mut alice, bob) = (User::new(&server).await, User::new(&server).await);
    let local = tempfile::tempdir().unwrap();
    project(&alice, local.path()).await;
    alice
        .drive
        .share(
            "/proj",
            &bob.email,
            SharePermission::Write,
            ShareOptions::default(),
        )
        .await
        .unwrap();
    let base = format!("/shared/{}/proj", alice.email);
    put(
        &bob.drive,
        local.path(),
        "bob.txt",
        b"by bob",
        &format!("{base}/sub/"),
    )
    .await
    .unwrap();

    let (drive, email) = (alice.drive.clone(), bob.email.clone());
    let crashed =
        tokio::spawn(async move { drive.unshare("/proj", Some(&email), &CRASH).await }).await;
    assert!(crashed.is_err());
    // Finish it on another device: a drive with no local memory of the former writer (pins in
    // memory only).
    let session = alice.store.load().unwrap().unwrap();
    alice.drive = Drive::open(session).unwrap();
    let view = alice.drive.shares().await.unwrap();
    assert_eq!(view.pending, ["/proj"]);
    assert!(view.outgoing.is_empty());
    // Run again: the share is gone, the rotation is pending; the former writer's key is still
    // trusted, from the grant the server kept (signed by Alice), for the nodes not yet
    // re-signed.
    let report = alice
        .drive
        .unshare("/proj", Some(&bob.email), &NoProgress)
        .await
        .unwrap();
    assert_eq!(report.folders_rotated, 2);
    assert!(alice.drive.shares().await.unwrap().pending.is_empty());
    let out = local.path().join("out");
    alice
        .drive
        .get_file("/proj/sub/bob.txt", &out, &TransferOptions::default())
        .await
        .unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), b"by bob");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_shared_folders_with_one_name_are_numbered() {
    let server = TestServer::start();
    let (alice, bob) = (User::new(&server).await, User::new(&server).await);
    let local = tempfile::tempdir().unwrap();
    alice.drive.mkdir("/a/docs", true).await.unwrap();
    alice.drive.mkdir("/b/docs", true).await.unwrap();
    put(&alice.drive, local.path(), "in-b", b"b", "/b/docs/")
        .await
        .unwrap();
    let opts = ShareOptions::default();
    let first = alice
        .drive
        .share("/a/docs", &bob.email, SharePermission::Read, opts)
        .await
        .unwrap();
    let second = alice
        .drive
        .share("/b/docs", &bob.email, SharePermission::Read, opts)
        .await
        .unwrap();
    let owner = bob.shared(&alice);
    assert_eq!(
        names(&bob.drive.ls(&owner).await.unwrap()),
        ["docs", "docs (2)"]
    );
    // The lower share id keeps the name.
    let b_name = if second.share_id < first.share_id {
        "docs"
    } else {
        "docs (2)"
    };
    let listed = bob.drive.ls(&format!("{owner}/{b_name}")).await.unwrap();
    assert_eq!(names(&listed), ["in-b"]);
    let out = local.path().join("out");
    bob.drive
        .get_dir(
            &format!("{owner}/{b_name}"),
            &out,
            &TransferOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(std::fs::read(out.join("in-b")).unwrap(), b"b");
}

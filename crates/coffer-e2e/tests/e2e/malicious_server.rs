//! A malicious server: each test rewrites what the server stores (database rows and blob files,
//! with the server stopped), restarts it, and checks that the client refuses with an integrity
//! error and never writes plaintext to the destination.

use coffer_client::{ClientError, Drive, SessionStore, TransferOptions};
use coffer_e2e::{ServerProcess, chunk_files, open_db, pseudo_random, signup};
use sqlx::SqlitePool;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

const SIZE: usize = 3 * 1024 * 1024 + 1234; // four chunks

/// An account holding `/docs/a.bin`, `/docs/b.bin` (same size, other bytes), `/docs/sub/` and
/// `/other/`; the server is stopped so that the test can tamper with its store.
struct World {
    tmp: TempDir,
    data: PathBuf,
    addr: String,
    a: Vec<u8>,
}

impl World {
    async fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let server = ServerProcess::start(&data);
        let drive = signup(&server.url, "victim@example.org", &tmp.path().join("cfg")).await;
        let a = pseudo_random(1, SIZE);
        for (name, bytes) in [("a.bin", &a), ("b.bin", &pseudo_random(2, SIZE))] {
            let local = tmp.path().join(name);
            std::fs::write(&local, bytes).unwrap();
            drive.mkdir("/docs", true).await.unwrap();
            drive
                .put_file(&local, "/docs/", &TransferOptions::default())
                .await
                .unwrap();
        }
        drive.mkdir("/docs/sub", true).await.unwrap();
        drive.mkdir("/other", true).await.unwrap();
        let addr = server.addr().to_string();
        server.stop();
        World { tmp, data, addr, a }
    }

    async fn db(&self) -> SqlitePool {
        open_db(&self.data).await
    }

    /// Restarts the server on the same address and opens a fresh drive (no cached nodes).
    fn restart(&self) -> (ServerProcess, Drive) {
        let server = ServerProcess::start_on(&self.data, &self.addr);
        let session = SessionStore::new(self.tmp.path().join("cfg"))
            .load()
            .unwrap()
            .expect("a saved session");
        (server, Drive::open(session).unwrap())
    }

    fn dest(&self) -> PathBuf {
        self.tmp.path().join("downloaded.bin")
    }
}

/// The node id and current version id of the node at `path`, read before tampering.
async fn ids(world: &World, path: &str) -> (Vec<u8>, Option<Vec<u8>>) {
    let (server, drive) = world.restart();
    let entry = drive.stat(path).await.unwrap();
    server.stop();
    let id = entry.id.as_bytes().to_vec();
    let version: Option<Vec<u8>> = sqlx::query_scalar("SELECT version_id FROM nodes WHERE id = $1")
        .bind(&id)
        .fetch_one(&world.db().await)
        .await
        .unwrap();
    (id, version)
}

fn assert_integrity<T: std::fmt::Debug>(result: Result<T, ClientError>, what: &str) {
    match result {
        Err(ClientError::Integrity { .. }) => {}
        other => panic!("{what}: expected an integrity error, got {other:?}"),
    }
}

/// Downloads `/docs/a.bin` and expects a refusal with nothing at the destination.
async fn expect_refused_download(world: &World, what: &str) {
    let (_server, drive) = world.restart();
    let dest = world.dest();
    let result = drive
        .get_file("/docs/a.bin", &dest, &TransferOptions::default())
        .await;
    assert_integrity(result, what);
    assert_no_plaintext(&dest, world.tmp.path());
}

fn assert_no_plaintext(dest: &Path, dir: &Path) {
    assert!(!dest.exists(), "{} was written", dest.display());
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "partial files left: {leftovers:?}");
}

async fn exec(db: &SqlitePool, sql: &str, binds: &[&[u8]]) {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
    for b in binds {
        q = q.bind(b.to_vec());
    }
    let done = q.execute(db).await.unwrap();
    assert!(done.rows_affected() > 0, "tampering changed nothing: {sql}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untampered_download_is_byte_identical() {
    let world = World::new().await;
    let (_server, drive) = world.restart();
    drive
        .get_file("/docs/a.bin", &world.dest(), &TransferOptions::default())
        .await
        .unwrap();
    assert_eq!(std::fs::read(world.dest()).unwrap(), world.a);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flipped_byte_in_a_chunk_is_refused() {
    let world = World::new().await;
    let (_, version) = ids(&world, "/docs/a.bin").await;
    let files = chunk_files(&world.data, &version.unwrap());
    let mut bytes = std::fs::read(&files[1]).unwrap();
    bytes[100] ^= 0x01;
    std::fs::write(&files[1], bytes).unwrap();
    expect_refused_download(&world, "flipped chunk byte").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swapped_chunks_are_refused() {
    let world = World::new().await;
    let (_, version) = ids(&world, "/docs/a.bin").await;
    let version = version.unwrap();
    // A thorough attacker swaps the blobs and the hashes it serves with them, so every chunk
    // still matches its advertised hash.
    let files = chunk_files(&world.data, &version);
    let renamed = |from: &Path, index: u64| {
        let name = from.file_name().unwrap().to_string_lossy().into_owned();
        let hash = name.split_once('-').unwrap().1.to_owned();
        from.with_file_name(format!("{index}-{hash}"))
    };
    let (to0, to1) = (renamed(&files[1], 0), renamed(&files[0], 1));
    std::fs::rename(&files[0], &to1).unwrap();
    std::fs::rename(&files[1], &to0).unwrap();
    let db = world.db().await;
    for (from, to) in [(0i64, 99i64), (1, 0), (99, 1)] {
        let done = sqlx::query("UPDATE chunks SET idx = $1 WHERE version_id = $2 AND idx = $3")
            .bind(to)
            .bind(&version)
            .bind(from)
            .execute(&db)
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 1);
    }
    db.close().await;
    expect_refused_download(&world, "swapped chunks").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_last_chunk_is_refused() {
    let world = World::new().await;
    let (id, version) = ids(&world, "/docs/a.bin").await;
    let version = version.unwrap();
    let db = world.db().await;
    // Claim one chunk fewer and serve the first three: a truncated file.
    exec(
        &db,
        "DELETE FROM chunks WHERE version_id = $1 AND idx = 3",
        &[&version],
    )
    .await;
    exec(
        &db,
        "UPDATE nodes SET chunk_count = chunk_count - 1, ciphertext_size = 3 * (1048576 + 16) WHERE id = $1",
        &[&id],
    )
    .await;
    db.close().await;
    expect_refused_download(&world, "dropped last chunk").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_claimed_size_is_refused() {
    for size in ["0", "16", "ciphertext_size + 1048592"] {
        let world = World::new().await;
        let (id, _) = ids(&world, "/docs/a.bin").await;
        let db = world.db().await;
        exec(
            &db,
            &format!("UPDATE nodes SET ciphertext_size = {size} WHERE id = $1"),
            &[&id],
        )
        .await;
        db.close().await;
        expect_refused_download(&world, &format!("claimed size {size}")).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swapped_attributes_are_refused() {
    let world = World::new().await;
    let (a, _) = ids(&world, "/docs/a.bin").await;
    let (b, _) = ids(&world, "/docs/b.bin").await;
    let db = world.db().await;
    swap_column(&db, "encrypted_attributes", &a, &b).await;
    db.close().await;
    {
        let (_server, drive) = world.restart();
        assert_integrity(drive.ls("/docs").await, "listing with swapped attributes");
    }
    expect_refused_download(&world, "swapped attributes").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swapped_wrapped_keys_are_refused() {
    let world = World::new().await;
    let (a, _) = ids(&world, "/docs/a.bin").await;
    let (b, _) = ids(&world, "/docs/b.bin").await;
    let db = world.db().await;
    swap_column(&db, "wrapped_key", &a, &b).await;
    db.close().await;
    expect_refused_download(&world, "swapped wrapped keys").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moved_without_rewrapping_is_refused() {
    let world = World::new().await;
    let (a, _) = ids(&world, "/docs/a.bin").await;
    let (other, _) = ids(&world, "/other").await;
    let db = world.db().await;
    exec(
        &db,
        "UPDATE nodes SET parent_id = $1 WHERE id = $2",
        &[&other, &a],
    )
    .await;
    db.close().await;
    let (_server, drive) = world.restart();
    assert_integrity(drive.ls("/other").await, "node moved by the server");
    let dest = world.dest();
    let result = drive
        .get_file("/other/a.bin", &dest, &TransferOptions::default())
        .await;
    assert!(result.is_err(), "a node the server moved must not download");
    assert_no_plaintext(&dest, world.tmp.path());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn older_version_chunks_are_refused() {
    let world = World::new().await;
    let (_, old_version) = ids(&world, "/docs/a.bin").await;
    let old_version = old_version.unwrap();
    let saved: Vec<Vec<u8>> = chunk_files(&world.data, &old_version)
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let old_rows: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT idx, hash FROM chunks WHERE version_id = $1 ORDER BY idx")
            .bind(&old_version)
            .fetch_all(&world.db().await)
            .await
            .unwrap();
    // The user uploads a new version of the same size.
    {
        let (_server, drive) = world.restart();
        let local = world.tmp.path().join("a.bin");
        std::fs::write(&local, pseudo_random(3, SIZE)).unwrap();
        drive
            .put_file(&local, "/docs/a.bin", &TransferOptions::default())
            .await
            .unwrap();
    }
    let (_, new_version) = ids(&world, "/docs/a.bin").await;
    let new_version = new_version.unwrap();
    assert_ne!(new_version, old_version);
    // The server serves the old version's chunks (and their hashes) as the new version's.
    let db = world.db().await;
    for (file, (index, old_hash)) in chunk_files(&world.data, &new_version).iter().zip(&old_rows) {
        let hex: String = old_hash.iter().map(|b| format!("{b:02x}")).collect();
        std::fs::remove_file(file).unwrap();
        std::fs::write(
            file.with_file_name(format!("{index}-{hex}")),
            &saved[*index as usize],
        )
        .unwrap();
        let done = sqlx::query("UPDATE chunks SET hash = $1 WHERE version_id = $2 AND idx = $3")
            .bind(old_hash)
            .bind(&new_version)
            .bind(index)
            .execute(&db)
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 1);
    }
    db.close().await;
    expect_refused_download(&world, "older version's chunks").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_node_is_refused() {
    // The attacker has an account of its own on the same server and moves one of its own,
    // validly signed nodes into the victim's folder.
    let world = World::new().await;
    let (docs, _) = ids(&world, "/docs").await;
    let attacker_id = {
        let (server, _) = world.restart();
        let drive = signup(
            &server.url,
            "mallory@example.org",
            &world.tmp.path().join("m"),
        )
        .await;
        let local = world.tmp.path().join("evil.txt");
        std::fs::write(&local, b"trust me").unwrap();
        let entry = drive
            .put_file(&local, "/", &TransferOptions::default())
            .await
            .unwrap();
        server.stop();
        entry.id.as_bytes().to_vec()
    };
    let db = world.db().await;
    let victim: Vec<u8> = sqlx::query_scalar("SELECT account_id FROM nodes WHERE id = $1")
        .bind(&docs)
        .fetch_one(&db)
        .await
        .unwrap();
    exec(
        &db,
        "UPDATE nodes SET account_id = $1, parent_id = $2 WHERE id = $3",
        &[&victim, &docs, &attacker_id],
    )
    .await;
    db.close().await;
    let (_server, drive) = world.restart();
    assert_integrity(drive.ls("/docs").await, "injected node");
    let dest = world.dest();
    assert!(
        drive
            .get_file("/docs/evil.txt", &dest, &TransferOptions::default())
            .await
            .is_err()
    );
    assert_no_plaintext(&dest, world.tmp.path());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_attributes_cannot_rename_or_reparent() {
    // The server copies a folder's record fields onto another node, trying to make /docs/sub
    // look like it is named "other" (rename) while staying where it is.
    let world = World::new().await;
    let (sub, _) = ids(&world, "/docs/sub").await;
    let (other, _) = ids(&world, "/other").await;
    let db = world.db().await;
    exec(
        &db,
        "UPDATE nodes SET encrypted_attributes = (SELECT encrypted_attributes FROM nodes WHERE id = $1), \
         name_tag = (SELECT name_tag FROM nodes WHERE id = $1) WHERE id = $2",
        &[&other, &sub],
    )
    .await;
    db.close().await;
    let (_server, drive) = world.restart();
    assert_integrity(drive.ls("/docs").await, "replayed attributes");
}

async fn swap_column(db: &SqlitePool, column: &str, a: &[u8], b: &[u8]) {
    let get = format!("SELECT {column} FROM nodes WHERE id = $1");
    let va: Vec<u8> = sqlx::query_scalar(sqlx::AssertSqlSafe(get.clone()))
        .bind(a)
        .fetch_one(db)
        .await
        .unwrap();
    let vb: Vec<u8> = sqlx::query_scalar(sqlx::AssertSqlSafe(get))
        .bind(b)
        .fetch_one(db)
        .await
        .unwrap();
    let set = format!("UPDATE nodes SET {column} = $1 WHERE id = $2");
    exec(db, &set, &[&vb, a]).await;
    exec(db, &set, &[&va, b]).await;
}

/// Small files keep their one chunk in the database (PROTOCOL.md §9.1): flipping a byte of it,
/// swapping two files' rows, or cutting it short is caught like tampering with a blob.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_small_files_are_refused() {
    let world = World::new().await;
    let (server, drive) = world.restart();
    for (name, seed) in [("s1.txt", 11), ("s2.txt", 12)] {
        let local = world.tmp.path().join(name);
        std::fs::write(&local, pseudo_random(seed, 3000)).unwrap();
        drive
            .put_file(&local, "/docs/", &TransferOptions::default())
            .await
            .unwrap();
    }
    server.stop();
    let (_, v1) = ids(&world, "/docs/s1.txt").await;
    let (_, v2) = ids(&world, "/docs/s2.txt").await;
    let (v1, v2) = (v1.unwrap(), v2.unwrap());
    let inline: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT data FROM chunks WHERE version_id = $1 AND idx = 0")
            .bind(&v1)
            .fetch_one(&world.db().await)
            .await
            .unwrap();
    let original = inline.expect("a small file's chunk is kept in its row");
    let hex: String = v1.iter().map(|b| format!("{b:02x}")).collect();
    let blob_dir = world.data.join("blobs/v").join(&hex[..2]).join(&hex);
    assert!(!blob_dir.exists(), "a small file has no blob");

    let mut flipped = original.clone();
    flipped[100] ^= 1;
    let mut cut = original.clone();
    cut.truncate(original.len() - 1);
    for (what, bytes) in [("a flipped byte", flipped), ("a cut chunk", cut)] {
        let db = world.db().await;
        exec(
            &db,
            "UPDATE chunks SET data = $1, size = length($1) WHERE version_id = $2",
            &[&bytes, &v1],
        )
        .await;
        let (_server, drive) = world.restart();
        let dest = world.dest();
        let got = drive
            .get_file("/docs/s1.txt", &dest, &TransferOptions::default())
            .await;
        assert_integrity(got, what);
        assert_no_plaintext(&dest, world.tmp.path());
    }
    // The other small file's (valid) chunk and hash in place of this one's.
    let db = world.db().await;
    exec(
        &db,
        "UPDATE chunks SET data = (SELECT data FROM chunks WHERE version_id = $1), \
           hash = (SELECT hash FROM chunks WHERE version_id = $1), \
           size = (SELECT size FROM chunks WHERE version_id = $1) WHERE version_id = $2",
        &[&v2, &v1],
    )
    .await;
    let (_server, drive) = world.restart();
    let dest = world.dest();
    let got = drive
        .get_file("/docs/s1.txt", &dest, &TransferOptions::default())
        .await;
    assert_integrity(got, "another file's chunk");
    assert_no_plaintext(&dest, world.tmp.path());
}

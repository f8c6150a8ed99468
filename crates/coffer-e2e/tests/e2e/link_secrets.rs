//! A public link's secret and password never reach the server: after creating a password link,
//! reading it (right and wrong passwords) and downloading through it, neither the URL fragment,
//! the secret in hex or raw, nor the password appears in the server's data directory or its
//! debug log.

use coffer_client::{LinkOptions, LinkUrl, PublicLink, TransferOptions};
use coffer_e2e::{ServerProcess, pseudo_random, read_tree, signup};

const LINK_PASSWORD: &str = "Link-Password-m3x8";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_secrets_reach_neither_the_disk_nor_the_log() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let server = ServerProcess::start(&data);
    let drive = signup(&server.url, "links@example.org", &tmp.path().join("cfg")).await;
    let local = tmp.path().join("shared.bin");
    std::fs::write(&local, pseudo_random(3, 1_200_000)).unwrap();
    let opts = TransferOptions::default();
    drive.put_file(&local, "/", &opts).await.unwrap();

    let options = LinkOptions {
        password: Some(LINK_PASSWORD.to_owned().into()),
        ..LinkOptions::default()
    };
    let created = drive.create_link("/shared.bin", options).await.unwrap();
    let url = LinkUrl::parse(&created.url).unwrap();
    assert!(PublicLink::open(&url, Some("wrong")).await.is_err());
    let link = PublicLink::open(&url, Some(LINK_PASSWORD)).await.unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    link.get(url.path(), &out, &opts).await.unwrap();
    assert_eq!(
        std::fs::read(out.join("shared.bin")).unwrap(),
        std::fs::read(&local).unwrap()
    );
    let log_path = server.log_path.clone();
    server.stop();

    let fragment = created.url.split_once('#').unwrap().1.to_owned();
    let secret = coffer_crypto::LinkSecret::from_fragment(&fragment).unwrap();
    let hex: String = secret
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let log = std::fs::read(&log_path).unwrap();
    assert!(
        coffer_e2e::contains(&log, b"/api/v1/public/links"),
        "the debug log recorded the link requests"
    );
    let mut files = read_tree(&data);
    files.push((log_path, log));
    let secrets: [&[u8]; 4] = [
        fragment.as_bytes(),
        hex.as_bytes(),
        secret.as_bytes(),
        LINK_PASSWORD.as_bytes(),
    ];
    for (path, bytes) in &files {
        for (i, needle) in secrets.iter().enumerate() {
            assert!(
                !coffer_e2e::contains(bytes, needle),
                "{} contains secret #{i}",
                path.display()
            );
        }
    }
}

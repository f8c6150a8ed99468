//! `link list`: one line per link (pure formatting).

use super::format_time;
use coffer_client::{Link, LinkState};

/// The header and one line per link: id, node, state, downloads (of the limit), expiry
/// (UTC), password, and the takedown in force (claimant, date).
pub fn link_table(links: &[Link]) -> Vec<String> {
    let mut lines = vec![format!(
        "{:<32}  {:<32}  {:<10}  {:>9}  {:<16}  {:<8}  {}",
        "ID", "NODE", "STATE", "DOWNLOADS", "EXPIRES (UTC)", "PASSWORD", "TAKEDOWN"
    )];
    lines.extend(links.iter().map(link_line));
    lines
}

fn link_line(link: &Link) -> String {
    let downloads = match link.max_downloads {
        Some(max) => format!("{}/{max}", link.downloads),
        None => link.downloads.to_string(),
    };
    let takedown = link.takedown.as_ref().map_or_else(
        || "-".to_owned(),
        |t| {
            format!(
                "{} ({})",
                t.claimant.as_deref().unwrap_or("unnamed claimant"),
                format_time(Some(t.at))
            )
        },
    );
    format!(
        "{:<32}  {:<32}  {:<10}  {:>9}  {:<16}  {:<8}  {}",
        link.id.to_string(),
        link.node_id.to_string(),
        state_name(link.state),
        downloads,
        format_time(link.expires_at),
        if link.password { "yes" } else { "no" },
        // One line whatever the claimant wrote.
        takedown.replace(['\n', '\r'], " ")
    )
}

/// The state as `link list` and the API name it.
pub fn state_name(state: LinkState) -> &'static str {
    match state {
        LinkState::Active => "active",
        LinkState::Revoked => "revoked",
        LinkState::TakenDown => "taken_down",
        LinkState::Expired => "expired",
        LinkState::Exhausted => "exhausted",
        LinkState::Gone => "gone",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_client::LinkTakedown;

    fn link(state: LinkState) -> Link {
        Link {
            id: "0123456789abcdef0123456789abcdef".parse().unwrap(),
            node_id: "00112233445566778899aabbccddeeff".parse().unwrap(),
            state,
            password: false,
            expires_at: None,
            max_downloads: None,
            downloads: 0,
            created_at: 0,
            revoked_at: None,
            takedown: None,
        }
    }

    #[test]
    fn lines_align_under_the_header() {
        let active = link(LinkState::Active);
        let limited = Link {
            password: true,
            expires_at: Some(1_700_000_000_000),
            max_downloads: Some(5),
            downloads: 2,
            ..link(LinkState::Exhausted)
        };
        let taken = Link {
            takedown: Some(LinkTakedown {
                id: "ffffffffffffffffffffffffffffffff".parse().unwrap(),
                at: 0,
                claimant: Some("ACME\nLegal".into()),
            }),
            ..link(LinkState::TakenDown)
        };
        let lines = link_table(&[active, limited, taken]);
        assert_eq!(lines.len(), 4);
        assert!(lines[0].starts_with("ID  "), "{}", lines[0]);
        let ids = "0123456789abcdef0123456789abcdef  00112233445566778899aabbccddeeff";
        assert_eq!(
            lines[1],
            format!("{ids}  active              0  -                 no        -")
        );
        assert_eq!(
            lines[2],
            format!("{ids}  exhausted         2/5  2023-11-14 22:13  yes       -")
        );
        assert!(
            lines[3].ends_with(
                "taken_down          0  -                 no        ACME Legal (1970-01-01 00:00)"
            ),
            "{}",
            lines[3]
        );
        let state_at = lines[0].find("STATE").unwrap();
        assert!(
            lines[1..]
                .iter()
                .all(|l| l[state_at..].starts_with(|c: char| c.is_ascii_lowercase()))
        );
    }
}

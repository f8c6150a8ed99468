//! `sessions`: one line per session, and the `--json` shape (pure formatting).

use super::format_time;
use coffer_client::sessions::SessionInfo;
use serde::Serialize;

/// One session in `sessions --json` (stable: every member always present).
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct SessionJson {
    pub id: String,
    pub created_at: i64,
    pub last_used_at: i64,
    pub expires_at: i64,
    pub client: Option<String>,
    pub current: bool,
}

pub fn session_json(sessions: &[SessionInfo]) -> Vec<SessionJson> {
    sessions
        .iter()
        .map(|s| SessionJson {
            id: s.id.to_string(),
            created_at: s.created_at,
            last_used_at: s.last_used_at,
            expires_at: s.expires_at,
            client: s.client.clone(),
            current: s.current,
        })
        .collect()
}

/// The header and one line per session: `*` for this one, id, times (UTC) and client.
pub fn session_table(sessions: &[SessionInfo]) -> Vec<String> {
    let mut lines = vec![format!(
        "  {:<32}  {:<16}  {:<16}  {:<16}  {}",
        "ID", "CREATED (UTC)", "LAST USED (UTC)", "EXPIRES (UTC)", "CLIENT"
    )];
    lines.extend(sessions.iter().map(|s| {
        // One line whatever the client sent as its User-Agent.
        let client: String = (s.client.as_deref().unwrap_or("-").chars())
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        format!(
            "{} {:<32}  {:<16}  {:<16}  {:<16}  {}",
            if s.current { "*" } else { " " },
            s.id.to_string(),
            format_time(Some(s.created_at)),
            format_time(Some(s.last_used_at)),
            format_time(Some(s.expires_at)),
            client
        )
    }));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_api::Id;

    #[test]
    fn the_current_session_is_marked_and_clients_stay_on_one_line() {
        let session = |current, client: Option<&str>| SessionInfo {
            id: Id([1; 16]),
            created_at: 0,
            last_used_at: 60_000,
            expires_at: 86_400_000,
            client: client.map(str::to_string),
            current,
        };
        let lines = session_table(&[session(true, Some("a\nb")), session(false, None)]);
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("  ID"));
        assert!(lines[1].starts_with("* 0101"), "{}", lines[1]);
        assert!(lines[1].contains("1970-01-01 00:01") && lines[1].ends_with("a b"));
        assert!(lines[2].starts_with("  0101") && lines[2].ends_with("  -"));
        let json = session_json(&[session(false, None)]);
        assert_eq!(json[0].id, "01".repeat(16));
        assert_eq!(json[0].client, None);
    }
}

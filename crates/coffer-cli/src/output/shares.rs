//! `contacts list`, `shares`, `fingerprint`: tables and JSON shapes (pure formatting).

use super::format_time;
use coffer_client::{Contact, ContactStatus, SharePermission, SharesView};
use serde::Serialize;

/// A contact's status as `contacts list` shows it.
pub fn status_name(status: &ContactStatus) -> &'static str {
    match status {
        ContactStatus::Verified => "verified",
        ContactStatus::Unverified => "unverified",
        ContactStatus::KeyChanged { .. } => "KEY CHANGED",
    }
}

pub fn permission_name(permission: SharePermission) -> &'static str {
    match permission {
        SharePermission::Read => "read",
        SharePermission::Write => "write",
    }
}

/// One contact in `contacts list --json` and `contacts add --json`.
#[derive(Debug, Serialize)]
pub struct JsonContact<'a> {
    pub email: &'a str,
    /// `verified`, `unverified` or `key_changed`.
    pub status: &'static str,
    pub fingerprint: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_fingerprint: Option<&'a str>,
    /// Unix milliseconds.
    pub pinned_at: i64,
}

impl<'a> JsonContact<'a> {
    pub fn of(contact: &'a Contact) -> JsonContact<'a> {
        let (status, new_fingerprint) = match &contact.status {
            ContactStatus::Verified => ("verified", None),
            ContactStatus::Unverified => ("unverified", None),
            ContactStatus::KeyChanged { new_fingerprint } => {
                ("key_changed", Some(new_fingerprint.as_str()))
            }
        };
        JsonContact {
            email: &contact.email,
            status,
            fingerprint: &contact.fingerprint,
            new_fingerprint,
            pinned_at: contact.pinned_at,
        }
    }
}

/// The header and one line per contact; a changed key gets a second line with the new
/// fingerprint, so the user sees what to compare.
pub fn contact_table(contacts: &[Contact]) -> Vec<String> {
    let mut lines = vec![format!(
        "{:<32}  {:<11}  {:<35}  {}",
        "EMAIL", "STATUS", "FINGERPRINT", "PINNED (UTC)"
    )];
    for c in contacts {
        lines.push(format!(
            "{:<32}  {:<11}  {:<35}  {}",
            c.email,
            status_name(&c.status),
            c.fingerprint,
            format_time(Some(c.pinned_at))
        ));
        if let ContactStatus::KeyChanged { new_fingerprint } = &c.status {
            lines.push(format!(
                "{:<32}  {:<11}  {:<35}  compare it: coffer contacts verify {}",
                "", "now shown", new_fingerprint, c.email
            ));
        }
    }
    lines
}

/// `shares --json`.
#[derive(Debug, Serialize)]
pub struct JsonShares {
    pub outgoing: Vec<JsonOutgoing>,
    pub incoming: Vec<JsonIncoming>,
    /// Folders whose key rotation after an unshare has not finished.
    pub pending_rotations: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct JsonOutgoing {
    pub path: String,
    pub email: String,
    pub permission: &'static str,
    pub share_id: String,
}

#[derive(Debug, Serialize)]
pub struct JsonIncoming {
    pub path: String,
    pub owner: String,
    pub permission: &'static str,
    /// `verified`, `unverified`, `key_changed`, or absent when the owner is not pinned.
    pub owner_status: Option<&'static str>,
    /// Why the share cannot be opened, when it cannot.
    pub refused: Option<String>,
}

impl JsonShares {
    pub fn of(view: &SharesView) -> JsonShares {
        JsonShares {
            outgoing: view
                .outgoing
                .iter()
                .map(|s| JsonOutgoing {
                    path: s.path.clone(),
                    email: s.email.clone(),
                    permission: permission_name(s.permission),
                    share_id: s.share_id.to_string(),
                })
                .collect(),
            incoming: view
                .incoming
                .iter()
                .map(|s| JsonIncoming {
                    path: s.path.clone(),
                    owner: s.owner.clone(),
                    permission: permission_name(s.permission),
                    owner_status: s.owner_status.as_ref().map(|st| match st {
                        ContactStatus::Verified => "verified",
                        ContactStatus::Unverified => "unverified",
                        ContactStatus::KeyChanged { .. } => "key_changed",
                    }),
                    refused: s.refused.clone(),
                })
                .collect(),
            pending_rotations: view.pending.clone(),
        }
    }
}

/// `shares` as text: what I share, what is shared with me, unfinished rotations.
pub fn shares_text(view: &SharesView) -> Vec<String> {
    let mut lines = Vec::new();
    if view.outgoing.is_empty() {
        lines.push("You share nothing.".to_owned());
    } else {
        lines.push("Shared by you:".to_owned());
        for s in &view.outgoing {
            lines.push(format!(
                "  {}  with {} ({})",
                s.path,
                s.email,
                permission_name(s.permission)
            ));
        }
    }
    if view.incoming.is_empty() {
        lines.push("Nothing is shared with you.".to_owned());
    } else {
        lines.push("Shared with you:".to_owned());
        for s in &view.incoming {
            let owner = match &s.owner_status {
                Some(status) => status_name(status),
                None => "not pinned",
            };
            let mut line = format!(
                "  {}  ({}; {} is {})",
                s.path,
                permission_name(s.permission),
                s.owner,
                owner
            );
            if let Some(why) = &s.refused {
                line.push_str(&format!(" — cannot be opened: {why}"));
            }
            lines.push(line);
        }
    }
    for path in &view.pending {
        lines.push(format!(
            "Key rotation of {path} did not finish: run `coffer unshare {path}` again."
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_client::{IncomingShare, OutgoingShare};

    fn contact(status: ContactStatus) -> Contact {
        Contact {
            email: "bob@example.org".into(),
            status,
            fingerprint: "11111 22222 33333 44444 55555 66666".into(),
            pinned_at: 0,
        }
    }

    #[test]
    fn a_changed_key_shows_both_fingerprints_and_what_to_do() {
        let changed = contact(ContactStatus::KeyChanged {
            new_fingerprint: "99999 88888 77777 66666 55555 44444".into(),
        });
        let lines = contact_table(&[contact(ContactStatus::Verified), changed]);
        assert_eq!(lines.len(), 4);
        assert!(lines[1].contains("verified"));
        assert!(lines[2].contains("KEY CHANGED") && lines[2].contains("11111 22222"));
        assert!(lines[3].contains("99999 88888") && lines[3].contains("contacts verify"));
        let json =
            serde_json::to_value(JsonContact::of(&contact(ContactStatus::Unverified))).unwrap();
        assert_eq!(json["status"], "unverified");
        assert!(json.get("new_fingerprint").is_none());
    }

    #[test]
    fn shares_name_both_directions_and_unfinished_rotations() {
        let view = SharesView {
            outgoing: vec![OutgoingShare {
                path: "/docs".into(),
                email: "bob@example.org".into(),
                permission: SharePermission::Write,
                share_id: coffer_api::Id([7; 16]),
            }],
            incoming: vec![IncomingShare {
                path: "/shared/ana@example.org/plans".into(),
                owner: "ana@example.org".into(),
                permission: SharePermission::Read,
                owner_status: None,
                refused: Some("ana@example.org's key changed".into()),
            }],
            pending: vec!["/old".into()],
        };
        let text = shares_text(&view).join("\n");
        assert!(text.contains("/docs  with bob@example.org (write)"));
        assert!(
            text.contains("/shared/ana@example.org/plans  (read; ana@example.org is not pinned)")
        );
        assert!(text.contains("cannot be opened"));
        assert!(text.contains("coffer unshare /old"));
        let json = serde_json::to_value(JsonShares::of(&view)).unwrap();
        assert_eq!(json["outgoing"][0]["permission"], "write");
        assert_eq!(json["pending_rotations"][0], "/old");
    }
}

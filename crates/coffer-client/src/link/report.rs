//! Abuse reports (PROTOCOL.md §11): anyone holding a link may report it to the operator. By
//! default the report names only the link id; with the key included, the operator can verify
//! what the link serves — and read it, which is why the reporter must ask for it explicitly.

use super::{LinkError, LinkUrl};
use crate::error::Result;
use crate::http::Api;
use coffer_api::{B64, Id, NewAbuseReport};

/// What to tell the operator.
#[derive(Debug, Clone, Default)]
pub struct AbuseReport {
    pub reason: String,
    /// How the operator can reach the reporter.
    pub contact: Option<String>,
    /// Send the link's secret (and password) so the operator can verify the content.
    pub include_key: bool,
}

/// Files the report; the receipt id. With `include_key` on a password link, `password` is
/// needed ([`LinkError::PasswordRequired`] without it). The password is not checked here: the
/// operator's verification tells whether the key and password are right.
pub async fn report_link(
    url: &LinkUrl,
    report: &AbuseReport,
    password: Option<&str>,
) -> Result<Id> {
    let api = Api::new(url.server())?;
    let link = url.id();
    let (link_secret, link_password) = if report.include_key {
        let info = api
            .public_link(link)
            .await
            .map_err(|e| LinkError::from_api(e, None))?;
        let password = match (&info.password, password) {
            (None, _) => None,
            (Some(_), None) => return Err(LinkError::PasswordRequired.into()),
            (Some(_), Some(password)) => Some(password.to_owned()),
        };
        (Some(B64(url.secret().as_bytes().to_vec())), password)
    } else {
        (None, None)
    };
    let body = NewAbuseReport {
        link_id: link,
        reason: report.reason.clone(),
        contact: report.contact.clone(),
        link_secret,
        link_password,
    };
    let receipt = api
        .report_abuse(&body)
        .await
        .map_err(|e| LinkError::from_api(e, None))?;
    Ok(receipt.id)
}

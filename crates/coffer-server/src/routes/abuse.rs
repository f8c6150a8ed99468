//! `POST /api/v1/abuse` (PROTOCOL.md §11): anyone may report a public link, without an account.
//! The report must name an existing link (`404 not_found` otherwise). Reports are counted per
//! client address in the database's fixed windows (the mechanism of wrong link keys, under the
//! key `abuse:<address>`), so a flood is refused with `429` across restarts and servers. The
//! secret and password a reporter may include are stored for the operator's verification
//! (`coffer-server admin abuse verify`) and never logged.

use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::link_access::{ClientAddress, address_key};
use crate::state::{AppState, now_ms};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use coffer_api::{AbuseReportReceipt, Id, NewAbuseReport};
use zeroize::Zeroizing;

/// Longest reason, in bytes.
pub const MAX_REASON_LEN: usize = 4096;
/// Longest contact, in bytes.
pub const MAX_CONTACT_LEN: usize = 256;
/// Longest link password kept, in bytes.
pub const MAX_PASSWORD_LEN: usize = 1024;

/// Stores a report about a public link. `404 not_found` for an unknown link, `400 bad_request`
/// for an empty or too long reason (4 KiB), contact (256 bytes) or password (1 KiB), or a
/// secret that is not 32 bytes; `429 rate_limited` once the client address sent too many.
#[utoipa::path(post, path = "/api/v1/abuse", tag = "abuse",
    request_body = NewAbuseReport,
    responses((status = 201, description = "The report is stored", body = AbuseReportReceipt)))]
pub async fn report_abuse(
    State(state): State<AppState>,
    client: ClientAddress,
    ApiJson(body): ApiJson<NewAbuseReport>,
) -> Result<(StatusCode, Json<AbuseReportReceipt>), ApiError> {
    let now = now_ms();
    if let Some(ip) = client.0 {
        let window =
            i64::try_from(state.settings.link_failure_window.as_millis()).unwrap_or(i64::MAX);
        let key = format!("abuse:{}", address_key(ip));
        let counted = state
            .meta
            .record_link_failures(&[&key], now, window)
            .await?;
        if let Some(w) = counted.first()
            && w.failures > state.settings.abuse_reports_per_address
        {
            let until = w.window_start.saturating_add(window);
            let millis = u64::try_from(until.saturating_sub(now)).unwrap_or(0);
            return Err(ApiError::rate_limited(millis.div_ceil(1000)));
        }
    }
    let report = new_report(body)?;
    state.meta.create_abuse_report(&report, now).await?;
    Ok((
        StatusCode::CREATED,
        Json(AbuseReportReceipt { id: report.id }),
    ))
}

/// The request body checked and turned into a store record with a fresh id.
fn new_report(body: NewAbuseReport) -> Result<coffer_store::NewAbuseReport, ApiError> {
    let secret = body.link_secret.map(|s| Zeroizing::new(s.0));
    let password = body.link_password.map(Zeroizing::new);
    let reason = body.reason.trim();
    if reason.is_empty() || reason.len() > MAX_REASON_LEN {
        return Err(ApiError::bad_request(format!(
            "reason must be 1 to {MAX_REASON_LEN} bytes"
        )));
    }
    if body
        .contact
        .as_ref()
        .is_some_and(|c| c.len() > MAX_CONTACT_LEN)
    {
        return Err(ApiError::bad_request(format!(
            "contact must be at most {MAX_CONTACT_LEN} bytes"
        )));
    }
    if secret
        .as_ref()
        .is_some_and(|s| s.len() != coffer_crypto::LINK_SECRET_LEN)
    {
        return Err(ApiError::bad_request("link_secret must be 32 bytes"));
    }
    if password
        .as_ref()
        .is_some_and(|p| p.len() > MAX_PASSWORD_LEN)
    {
        return Err(ApiError::bad_request(format!(
            "link_password must be at most {MAX_PASSWORD_LEN} bytes"
        )));
    }
    Ok(coffer_store::NewAbuseReport {
        id: Id::random(),
        link_id: body.link_id,
        reason: reason.to_string(),
        contact: body.contact,
        link_secret: secret,
        link_password: password,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_api::{B64, ErrorCode};

    fn body() -> NewAbuseReport {
        NewAbuseReport {
            link_id: Id::random(),
            reason: "  malware  ".into(),
            contact: Some("a@example.org".into()),
            link_secret: Some(B64(vec![1; 32])),
            link_password: Some("pw".into()),
        }
    }

    #[test]
    fn well_formed_reports_are_kept_trimmed() {
        let report = new_report(body()).unwrap();
        assert_eq!(report.reason, "malware");
        assert_eq!(report.link_secret.unwrap().as_slice(), &[1; 32]);
    }

    #[test]
    fn malformed_reports_are_bad_requests() {
        let cases: [fn(&mut NewAbuseReport); 5] = [
            |b| b.reason = " ".into(),
            |b| b.reason = "x".repeat(MAX_REASON_LEN + 1),
            |b| b.contact = Some("c".repeat(MAX_CONTACT_LEN + 1)),
            |b| b.link_secret = Some(B64(vec![1; 31])),
            |b| b.link_password = Some("p".repeat(MAX_PASSWORD_LEN + 1)),
        ];
        for (i, change) in cases.iter().enumerate() {
            let mut b = body();
            change(&mut b);
            let refused = new_report(b).expect_err(&format!("case {i}"));
            assert_eq!(refused.code(), ErrorCode::BadRequest, "case {i}");
        }
    }
}

//! Who may read through a public link (PROTOCOL.md §10.4): the `CofferLink` access token,
//! checked against the stored hash in constant time and rate-limited per link and per client
//! address, and the `CofferTicket` download ticket.
//!
//! Order of the checks, and why: an unknown link is `404`; an inactive one answers its `410`
//! before anything else (the state is public anyway); then a link or address that used up its
//! wrong guesses is refused with `429` **even with the right token** — otherwise a guesser
//! would learn that a guess was right from the answer changing while locked; then the token.
//! Only a well-formed 32-byte token that is wrong counts as a failure: a missing or malformed
//! header is no guess. Nothing here logs a header value.

use crate::error::ApiError;
use crate::state::{AppState, now_ms};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use coffer_api::{B64, ErrorCode, Id, LINK_ACCESS_HEADER, LINK_AUTH_SCHEME, TICKET_AUTH_SCHEME};
use coffer_store::{FailureWindow, LinkRecord, LinkState};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Access tokens and tickets are 32 bytes (43 base64url characters).
const SECRET_LEN: usize = 32;
/// Longest Authorization value looked at.
const MAX_AUTHORIZATION_LEN: usize = 256;

/// The client's address, as the listener saw it (`None` when the server runs without
/// connection info, e.g. in a router test). Behind a reverse proxy this is the proxy's.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let info = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(ClientAddress(info.map(|ConnectInfo(addr)| addr.ip())))
    }
}

/// The rate-limit key of an address: IPv4 as is, IPv6 by its /64 (one host usually holds a
/// whole /64, so single addresses would give it billions of budgets).
pub(crate) fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => format!("ip:{v4}"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("ip:{v4}"),
            None => {
                let s = v6.segments();
                format!("ip:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The 32 bytes after `scheme` in the Authorization header; `None` if absent or malformed.
fn credential(headers: &HeaderMap, scheme: &str) -> Option<Zeroizing<Vec<u8>>> {
    let value = headers.get(AUTHORIZATION).map(HeaderValue::to_str)?.ok()?;
    if value.len() > MAX_AUTHORIZATION_LEN {
        return None;
    }
    let (given, text) = value.split_once(' ')?;
    if !given.eq_ignore_ascii_case(scheme) {
        return None;
    }
    let bytes = Zeroizing::new(B64::decode(text.trim()).ok()?);
    (bytes.len() == SECRET_LEN).then_some(bytes)
}

/// What the server stores for a ticket: BLAKE3 of its 32 bytes.
pub fn ticket_hash(ticket: &[u8]) -> [u8; 32] {
    *blake3::hash(ticket).as_bytes()
}

fn key_wrong() -> ApiError {
    ApiError::new(
        ErrorCode::LinkKeyWrong,
        "the link's key or password is wrong",
    )
}

/// The active link `id`, if the request carries its access token and neither the link nor the
/// client address is locked out. A wrong token is counted against both.
pub async fn authorize(
    state: &AppState,
    id: Id,
    headers: &HeaderMap,
    client: ClientAddress,
) -> Result<LinkRecord, ApiError> {
    authorize_token(state, id, || credential(headers, LINK_AUTH_SCHEME), client).await
}

/// The access token in the `x-coffer-link-access` header (base64url, 32 bytes), which routes
/// that take a bearer token in `Authorization` use (the import, PROTOCOL.md §10.5).
pub fn access_header_token(headers: &HeaderMap) -> Option<Zeroizing<Vec<u8>>> {
    let text = headers.get(LINK_ACCESS_HEADER)?.to_str().ok()?;
    if text.len() > MAX_AUTHORIZATION_LEN {
        return None;
    }
    let bytes = Zeroizing::new(B64::decode(text.trim()).ok()?);
    (bytes.len() == SECRET_LEN).then_some(bytes)
}

/// [`authorize`] with the token taken by `token` (`None`: absent or malformed, no guess),
/// read only once the lockout checks passed.
pub async fn authorize_token(
    state: &AppState,
    id: Id,
    token: impl FnOnce() -> Option<Zeroizing<Vec<u8>>>,
    client: ClientAddress,
) -> Result<LinkRecord, ApiError> {
    let link = active_link(state, id).await?;
    let now = now_ms();
    let settings = &state.settings;
    let window = i64::try_from(settings.link_failure_window.as_millis()).unwrap_or(i64::MAX);
    let link_key = format!("link:{id}");
    let address_key = client.0.map(address_key);
    let mut keys = vec![link_key.clone()];
    keys.extend(address_key.clone());
    // Held until the answer is decided, so that guesses sent at once count against each other.
    let (_slot, in_flight) = state.link_attempts.begin(&keys);
    let (for_link, for_address) = tokio::try_join!(
        state.meta.link_failures_in_window(&link_key, now, window),
        async {
            match &address_key {
                Some(key) => state.meta.link_failures_in_window(key, now, window).await,
                None => Ok(FailureWindow::default()),
            }
        },
    )?;
    let limits = [
        settings.link_failures_per_link,
        settings.link_failures_per_address,
    ];
    let locked = [Some(for_link), address_key.as_ref().map(|_| for_address)]
        .into_iter()
        .flatten()
        .zip(in_flight)
        .zip(limits)
        .filter(|((counted, others), limit)| {
            u64::from(counted.failures).saturating_add(*others) >= u64::from(*limit)
        })
        .map(|((counted, _), _)| {
            // A key locked only by checks in flight has no window yet: retry in a second.
            if counted.failures == 0 {
                now.saturating_add(1000)
            } else {
                counted.window_start.saturating_add(window)
            }
        })
        .max();
    if let Some(until) = locked {
        let millis = u64::try_from(until.saturating_sub(now)).unwrap_or(0);
        return Err(ApiError::rate_limited(millis.div_ceil(1000).max(1)));
    }
    let token = token().ok_or_else(key_wrong)?;
    let hash = blake3::hash(&token);
    if bool::from(hash.as_bytes().ct_eq(&link.access_hash)) {
        return Ok(link);
    }
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    state.meta.record_link_failures(&keys, now, window).await?;
    Err(key_wrong())
}

/// The link `id` if it is active (`404` unknown, `410` with its state's code otherwise).
pub async fn active_link(state: &AppState, id: Id) -> Result<LinkRecord, ApiError> {
    let link = state.meta.public_link(id).await?;
    match link.state(now_ms()) {
        LinkState::Active => Ok(link),
        inactive => Err(ApiError::link_inactive(inactive)),
    }
}

/// The link `id`, if the request carries a live ticket issued for it. A revoked or taken-down
/// link refuses its tickets at once; expiry and exhaustion do not stop a ticket already issued.
pub async fn authorize_ticket(
    state: &AppState,
    id: Id,
    headers: &HeaderMap,
) -> Result<LinkRecord, ApiError> {
    let refused = || {
        ApiError::new(
            ErrorCode::Unauthorized,
            "a valid download ticket for this link is required",
        )
    };
    let ticket = credential(headers, TICKET_AUTH_SCHEME).ok_or_else(refused)?;
    let link = state
        .meta
        .ticket_link(&ticket_hash(&ticket), now_ms())
        .await?
        .filter(|link| link.id == id)
        .ok_or_else(refused)?;
    if link.revoked_at.is_some() {
        return Err(ApiError::link_inactive(LinkState::Revoked));
    }
    if link.takedown.is_some() {
        return Err(ApiError::link_inactive(LinkState::TakenDown));
    }
    Ok(link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_keyed_by_host_or_slash_64() {
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(address_key(v4), "ip:192.0.2.7");
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(address_key(mapped), "ip:192.0.2.7");
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_eq!(address_key(a), "ip:2001:db8:1:2::/64");
    }

    #[test]
    fn credentials_need_their_scheme_and_32_bytes() {
        let mut headers = HeaderMap::new();
        assert!(credential(&headers, LINK_AUTH_SCHEME).is_none());
        let token = B64::encode(&[7; 32]);
        let set = |headers: &mut HeaderMap, value: String| {
            headers.insert(AUTHORIZATION, HeaderValue::from_str(&value).unwrap());
        };
        set(&mut headers, format!("CofferLink {token}"));
        assert_eq!(
            credential(&headers, LINK_AUTH_SCHEME).unwrap().as_slice(),
            &[7; 32]
        );
        assert!(credential(&headers, TICKET_AUTH_SCHEME).is_none());
        set(&mut headers, format!("Bearer {token}"));
        assert!(credential(&headers, LINK_AUTH_SCHEME).is_none());
        set(
            &mut headers,
            format!("CofferLink {}", B64::encode(&[7; 31])),
        );
        assert!(credential(&headers, LINK_AUTH_SCHEME).is_none());
        set(&mut headers, "CofferLink not*base64".to_string());
        assert!(credential(&headers, LINK_AUTH_SCHEME).is_none());
    }
}

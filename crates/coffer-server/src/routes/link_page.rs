//! `GET /l/{id}`: where a public link's URL lands (PROTOCOL.md §10.1).
//!
//! A browser gets a small self-contained page: no scripts, no external assets, nothing that
//! could read the fragment (the link's secret, which never reaches the server) or send it
//! anywhere; `Referrer-Policy: no-referrer` and a CSP that forbids everything but inline style
//! make sure of it. A client asking for JSON gets the public link information instead, exactly
//! as `GET /api/v1/public/links/{id}` answers it.

use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::link_access::active_link;
use crate::outgoing;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use coffer_api::{Id, PublicLinkInfo};

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; \
                   form-action 'none'; frame-ancestors 'none'";

/// The link's landing page for browsers, or its public information as JSON for clients that
/// ask for `application/json` (then `410` with the link's state, `404` for an unknown id).
#[utoipa::path(get, path = "/l/{id}", tag = "public links",
    params(("id" = Id, Path, description = "Link id")),
    responses(
        (status = 200, description = "For browsers: a page explaining how to open the link", content_type = "text/html"),
        (status = 200, description = "With Accept: application/json: the link's public parameters", body = PublicLinkInfo),
    ))]
pub async fn link_page(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Id>,
    headers: HeaderMap,
) -> Response {
    let found = active_link(&state, id).await;
    if wants_json(&headers) {
        return match found {
            Ok(link) => Json(outgoing::public_link(link)).into_response(),
            Err(e) => e.into_response(),
        };
    }
    let (status, message) = match &found {
        Ok(_) => (StatusCode::OK, None),
        Err(e) => (
            StatusCode::from_u16(e.code().status()).unwrap_or(StatusCode::NOT_FOUND),
            Some(unavailable_sentence(e)),
        ),
    };
    let mut response = (status, page(message)).into_response();
    let set = response.headers_mut();
    set.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    set.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    set.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    set.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    set.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// JSON only for a client that asks for it and not for HTML: browsers always accept HTML.
fn wants_json(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    accept.contains("application/json") && !accept.contains("text/html")
}

fn unavailable_sentence(error: &ApiError) -> &'static str {
    use coffer_api::ErrorCode as C;
    match error.code() {
        C::LinkRevoked => "This link was revoked by its owner.",
        C::LinkTakenDown => "This link was disabled by the operator.",
        C::LinkExpired => "This link has expired.",
        C::LinkExhausted => "This link's downloads are used up.",
        C::LinkGone => "What this link pointed to was deleted.",
        C::NotFound => "There is no such link.",
        _ => "This link cannot be opened right now; try again later.",
    }
}

/// The page. Static text only: nothing from the request is echoed into it.
fn page(unavailable: Option<&str>) -> String {
    let body = match unavailable {
        Some(sentence) => format!("<p class=\"warn\">{sentence}</p>"),
        None => "<p>This is an encrypted coffer link. The key that opens it is the part of \
                 the address after <code>#</code>: your browser keeps it and never sends it \
                 to this server, which cannot read what the link holds.</p>\n\
                 <p>To download it, copy the address from the address bar (all of it, with \
                 the part after <code>#</code>) and run, with the coffer command-line client:\
                 </p>\n<pre>coffer get '<i>the address you copied</i>'</pre>\n\
                 <p>If the link has a password, coffer asks for it.</p>"
            .to_string(),
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <title>coffer link</title>\n<style>body{{font:16px/1.5 system-ui,sans-serif;\
         max-width:40em;margin:3em auto;padding:0 1em;color:#222}}pre{{background:#f3f3f3;\
         padding:.8em;overflow-x:auto}}.warn{{color:#a40000}}</style></head>\n\
         <body><h1>coffer link</h1>\n{body}\n</body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_clients_asking_for_json_get_json() {
        let with = |accept: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT, HeaderValue::from_str(accept).unwrap());
            wants_json(&headers)
        };
        assert!(with("application/json"));
        assert!(!with(
            "text/html,application/xhtml+xml,application/json;q=0.9"
        ));
        assert!(!with("*/*"));
        assert!(!wants_json(&HeaderMap::new()));
    }

    #[test]
    fn the_page_has_no_script_and_no_external_asset() {
        for page in [page(None), page(Some("There is no such link."))] {
            assert!(!page.contains("<script"));
            assert!(!page.contains("src="));
            assert!(!page.contains("http"));
        }
        assert!(page(None).contains("coffer get"));
    }
}

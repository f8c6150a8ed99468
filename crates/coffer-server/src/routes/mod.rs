//! The HTTP surface: which route goes to which handler, and the layers around them (request
//! logging, body limits, deadlines, problem+json fallbacks).

pub mod abuse;
pub mod accounts;
pub mod chunks;
pub mod imports;
pub mod link_page;
pub mod links;
pub mod meta;
pub mod nodes;
pub mod public_links;
pub mod rekey;
pub mod second_factor;
pub mod sessions;
pub mod shares;
pub mod uploads;

use crate::error::{ApiError, method_not_allowed, not_found};
use crate::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, post, put};
use coffer_api::ErrorCode;
use std::time::Duration;
use tower_http::trace::TraceLayer;

/// Largest JSON request body.
pub const JSON_BODY_LIMIT: usize = 1024 * 1024;

/// The application: every route, its limits and its logging.
pub fn router(state: AppState) -> Router {
    let json = Router::new()
        .route("/healthz", get(meta::healthz))
        .route("/api/v1/openapi.json", get(meta::openapi_json))
        .route("/api/v1/signup/start", post(accounts::signup_start))
        .route("/api/v1/signup/finish", post(accounts::signup_finish))
        .route("/api/v1/login/start", post(accounts::login_start))
        .route("/api/v1/login/finish", post(accounts::login_finish))
        .route("/api/v1/logout", post(accounts::logout))
        .route("/api/v1/account", get(accounts::account))
        .route("/api/v1/usage", get(accounts::usage))
        .route("/api/v1/accounts/lookup", get(accounts::lookup))
        .route("/api/v1/sessions", get(sessions::list_sessions))
        .route("/api/v1/sessions/{id}", delete(sessions::revoke_session))
        .route(
            "/api/v1/sessions/revoke-others",
            post(sessions::revoke_other_sessions),
        )
        .route(
            "/api/v1/2fa",
            get(second_factor::status).delete(second_factor::disable),
        )
        .route("/api/v1/2fa/setup", post(second_factor::setup))
        .route("/api/v1/2fa/enable", post(second_factor::enable))
        .route(
            "/api/v1/shares",
            post(shares::create_share).get(shares::list_shares),
        )
        .route(
            "/api/v1/shares/{id}",
            get(shares::get_share)
                .put(shares::update_share)
                .delete(shares::delete_share),
        )
        .route("/api/v1/shares/{id}/writers", get(shares::share_writers))
        .route("/api/v1/rekeys/{folder_id}", delete(shares::clear_rekey))
        .route("/api/v1/nodes", post(nodes::create_folder))
        .route(
            "/api/v1/nodes/{id}",
            get(nodes::get_node)
                .put(nodes::update_node)
                .delete(nodes::delete_node),
        )
        .route("/api/v1/nodes/{id}/children", get(nodes::children))
        .route(
            "/api/v1/uploads",
            post(uploads::create_upload).get(uploads::list_uploads),
        )
        .route(
            "/api/v1/uploads/{id}",
            get(uploads::get_upload).delete(uploads::delete_upload),
        )
        .route("/api/v1/uploads/{id}/commit", post(uploads::commit_upload))
        .route(
            "/api/v1/links",
            post(links::create_link).get(links::list_links),
        )
        .route(
            "/api/v1/links/{id}",
            get(links::get_link).delete(links::revoke_link),
        )
        .route("/api/v1/links/{id}/import", post(imports::import_file))
        .route("/api/v1/public/links/{id}", get(public_links::link_info))
        .route(
            "/api/v1/public/links/{id}/open",
            post(public_links::open_link),
        )
        .route(
            "/api/v1/public/links/{id}/nodes/{node}",
            get(public_links::link_node),
        )
        .route(
            "/api/v1/public/links/{id}/nodes/{node}/children",
            get(public_links::link_children),
        )
        .route(
            "/api/v1/public/links/{id}/downloads",
            post(public_links::create_download),
        )
        .route("/api/v1/abuse", post(abuse::report_abuse))
        .route("/l/{id}", get(link_page::link_page))
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            state.settings.json_timeout,
            deadline,
        ));
    // Chunk bodies are limited per upload session by the handler, while they stream.
    let chunks = Router::new()
        .route(
            "/api/v1/uploads/{id}/chunks/{index}",
            put(chunks::put_chunk),
        )
        .route(
            "/api/v1/nodes/{id}/versions/{version_id}/chunks/{index}",
            get(chunks::get_chunk),
        )
        .route(
            "/api/v1/public/links/{id}/nodes/{node}/versions/{version_id}/chunks/{index}",
            get(public_links::link_chunk),
        )
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(
            state.settings.chunk_timeout,
            deadline,
        ));
    // Small-file batches carry their content: a larger limit than other JSON.
    let batches = Router::new()
        .route("/api/v1/uploads/batch", post(uploads::commit_small_files))
        .layer(DefaultBodyLimit::max(coffer_api::MAX_BATCH_BODY))
        .layer(middleware::from_fn_with_state(
            state.settings.chunk_timeout,
            deadline,
        ));
    // A key rotation names every child of the folder: up to about 40 MB for 100,000 children.
    let rekeys = Router::new()
        .route("/api/v1/nodes/{id}/rekey", post(rekey::rekey_folder))
        .layer(DefaultBodyLimit::max(rekey::REKEY_BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            state.settings.chunk_timeout,
            deadline,
        ));
    json.merge(chunks)
        .merge(batches)
        .merge(rekeys)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(log_response),
        )
        .with_state(state)
}

/// A span per request: method and route template (never the raw path or query, which hold
/// ids and name tags, nor any header: Authorization carries bearer tokens, link access tokens
/// and download tickets), and the account once authenticated.
fn request_span(request: &Request) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("-", MatchedPath::as_str);
    tracing::info_span!(
        "request",
        method = %request.method(),
        route,
        account = tracing::field::Empty,
    )
}

fn log_response<B>(response: &axum::http::Response<B>, latency: Duration, _span: &tracing::Span) {
    tracing::info!(
        status = response.status().as_u16(),
        latency_ms = (latency.as_secs_f64() * 1e6).round() / 1e3,
        "response"
    );
}

/// Answers `503 unavailable` when a request takes longer than its deadline.
async fn deadline(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => axum::response::IntoResponse::into_response(ApiError::new(
            ErrorCode::Unavailable,
            "the request took too long",
        )),
    }
}

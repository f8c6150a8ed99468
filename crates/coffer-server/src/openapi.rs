//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` annotations and the
//! wire types' `ToSchema` derives — never written by hand. `docs/openapi.json` is this output
//! (`coffer-server openapi > docs/openapi.json`); a test fails when the two differ.

use crate::routes::{
    abuse, accounts, chunks, imports, link_page, links, meta, nodes, public_links, rekey,
    second_factor, sessions, shares, uploads,
};
use coffer_api::Problem;
use std::sync::OnceLock;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "coffer",
        description = "HTTP API of the coffer end-to-end encrypted drive. Every binary field is \
            base64url without padding, every id 32 lowercase hex characters; the formats are \
            specified in docs/PROTOCOL.md. Every error is application/problem+json with a \
            stable `code`.",
        license(name = "AGPL-3.0-or-later"),
    ),
    paths(
        meta::healthz,
        meta::openapi_json,
        accounts::signup_start,
        accounts::signup_finish,
        accounts::login_start,
        accounts::login_finish,
        accounts::logout,
        accounts::account,
        accounts::usage,
        accounts::lookup,
        nodes::get_node,
        nodes::children,
        nodes::create_folder,
        nodes::update_node,
        nodes::delete_node,
        chunks::get_chunk,
        uploads::create_upload,
        uploads::list_uploads,
        uploads::get_upload,
        uploads::delete_upload,
        uploads::commit_upload,
        uploads::commit_small_files,
        chunks::put_chunk,
        links::create_link,
        links::list_links,
        links::get_link,
        links::revoke_link,
        imports::import_file,
        public_links::link_info,
        public_links::open_link,
        public_links::link_node,
        public_links::link_children,
        public_links::create_download,
        public_links::link_chunk,
        link_page::link_page,
        abuse::report_abuse,
        shares::create_share,
        shares::list_shares,
        shares::get_share,
        shares::update_share,
        shares::delete_share,
        shares::share_writers,
        shares::clear_rekey,
        rekey::rekey_folder,
        sessions::list_sessions,
        sessions::revoke_session,
        sessions::revoke_other_sessions,
        second_factor::status,
        second_factor::setup,
        second_factor::enable,
        second_factor::disable,
    ),
    components(schemas(Problem, coffer_api::ErrorCode)),
    modifiers(&BearerAndProblems),
    tags(
        (name = "service", description = "Health and this document"),
        (name = "accounts", description = "OPAQUE signup and login, sessions, the account"),
        (name = "nodes", description = "The encrypted file tree and chunk downloads"),
        (name = "uploads", description = "Resumable upload sessions and chunk uploads"),
        (name = "links", description = "The owner's public links: create, list, revoke"),
        (name = "public links", description = "Reading through a public link, without an account \
            (PROTOCOL.md §10.4)"),
        (name = "abuse", description = "Reporting a public link to the operator (PROTOCOL.md §11)"),
        (name = "shares", description = "Folders shared with other accounts, and key rotations \
            (PROTOCOL.md §12)"),
        (name = "sessions", description = "The account's sessions and its second factor (TOTP)"),
    ),
)]
pub struct ApiDoc;

/// Adds the security schemes (bearer tokens; a public link's access token and download ticket,
/// both in the Authorization header), and to every operation a `default` response: the
/// problem+json error every route may return.
struct BearerAndProblems;

impl Modify for BearerAndProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        let authorization = |description: &str| {
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                description,
            )))
        };
        components.add_security_scheme(
            "link",
            authorization("`CofferLink <base64url access token>` (PROTOCOL.md §10.2)"),
        );
        components.add_security_scheme(
            "ticket",
            authorization("`CofferTicket <base64url download ticket>` (PROTOCOL.md §10.4)"),
        );
        let problem = ResponseBuilder::new()
            .description("An error, with a stable `code` (see ErrorCode)")
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                        "Problem",
                    ))))
                    .build(),
            )
            .build();
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                operation
                    .responses
                    .responses
                    .insert("default".to_string(), RefOr::T(problem.clone()));
            }
        }
    }
}

/// The document as pretty JSON with a final newline, built once.
pub fn document_json() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut json = ApiDoc::openapi()
            .to_pretty_json()
            .expect("the OpenAPI document is plain data and always serialises");
        json.push('\n');
        json
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_document_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == document_json(),
            "docs/openapi.json is stale: run `cargo run -p coffer-server -- openapi > docs/openapi.json`"
        );
    }

    #[test]
    fn every_route_is_documented_with_errors() {
        let doc: serde_json::Value = serde_json::from_str(document_json()).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        assert_eq!(paths.len(), 41);
        for (path, item) in paths {
            for (method, op) in item.as_object().unwrap() {
                assert!(op["responses"]["default"].is_object(), "{method} {path}");
            }
        }
    }
}

//! The generic answers: malformed requests, unknown routes, wrong methods, health, OpenAPI.

use crate::common::*;
use coffer_api::*;
use reqwest::Method;

#[tokio::test]
async fn malformed_requests_get_problem_json() {
    let server = TestServer::start().await;
    let grace = server.signup("grace@example.org").await;
    let json_post = |path: &str, body: String| {
        let request = server.http.post(server.url(path)).bearer_auth(&grace.token);
        request
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let response = json_post("/api/v1/nodes", "{not json".into())
        .await
        .unwrap();
    expect_problem(response, ErrorCode::BadRequest, "malformed JSON").await;
    let response = json_post("/api/v1/nodes", "{\"id\": 5}".into())
        .await
        .unwrap();
    expect_problem(response, ErrorCode::BadRequest, "missing fields").await;
    let huge = format!("{{\"email\": \"{}\"}}", "a".repeat(2 * 1024 * 1024));
    let response = json_post("/api/v1/login/start", huge).await.unwrap();
    expect_problem(response, ErrorCode::PayloadTooLarge, "huge body").await;
    let no_type = server
        .http
        .post(server.url("/api/v1/login/start"))
        .body("{}");
    expect_problem(
        no_type.send().await.unwrap(),
        ErrorCode::BadRequest,
        "no type",
    )
    .await;

    let (t, root) = (grace.token(), grace.root);
    server
        .fails(ErrorCode::NotFound, Method::GET, "/api/v1/nope", t, NO_BODY)
        .await;
    server
        .fails(ErrorCode::NotFound, Method::GET, "/", None, NO_BODY)
        .await;
    let wrong_method = ErrorCode::MethodNotAllowed;
    server
        .fails(wrong_method, Method::DELETE, "/api/v1/account", t, NO_BODY)
        .await;
    let bad = ErrorCode::BadRequest;
    server
        .fails(bad, Method::GET, "/api/v1/nodes/NOT-AN-ID", t, NO_BODY)
        .await;
    for query in [
        "limit=0",
        "limit=5001",
        "limit=x",
        "after=zz",
        "name_tag=%2B%2B",
    ] {
        let path = format!("/api/v1/nodes/{root}/children?{query}");
        server.fails(bad, Method::GET, &path, t, NO_BODY).await;
    }
    server
        .fails(bad, Method::GET, "/api/v1/uploads?parent=xyz", t, NO_BODY)
        .await;
}

#[tokio::test]
async fn health_and_openapi_are_served() {
    let server = TestServer::start().await;
    let health: Health = server.get("/healthz", None).await;
    assert_eq!(health.status, "ok");
    let doc: serde_json::Value = server.get("/api/v1/openapi.json", None).await;
    assert!(doc["paths"]["/api/v1/uploads/{id}/chunks/{index}"]["put"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

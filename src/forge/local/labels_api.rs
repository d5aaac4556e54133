//! The embedded forge's label endpoints, as GitHub's: `GET /repos/{o}/{r}/labels`,
//! `GET /repos/{o}/{r}/labels/{name}` (404 when missing) and `POST /repos/{o}/{r}/labels`
//! (owner and collaborators; 422 `already_exists` for a taken name). The presence issue
//! needs them: the host creates its `janus-presence` label when the repository lacks it.

#![allow(clippy::result_large_err)]

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::Uri;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde_json::Value;

use super::api::{
    check_repo, created, object, page, params, require_user, required_field, string_field,
    ApiResult,
};
use super::layers::{store_error, Caller};
use super::store::RepoLabel;
use super::{json, Ctx};

/// The label routes (layers are added with the other API routes in `mod.rs`).
pub(crate) fn routes() -> Router<Ctx> {
    Router::new()
        .route(
            "/api/v3/repos/{owner}/{repo}/labels",
            get(list_labels).post(create_label),
        )
        .route("/api/v3/repos/{owner}/{repo}/labels/{name}", get(get_label))
}

fn render(ctx: &Ctx, l: &RepoLabel) -> Value {
    json::label(&ctx.urls, &ctx.store, &l.name)
}

async fn list_labels(
    State(ctx): State<Ctx>,
    Path((owner, repo)): Path<(String, String)>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> ApiResult {
    check_repo(&ctx, &owner, &repo)?;
    let p = params(q);
    let items = ctx
        .store
        .repo_labels()
        .iter()
        .map(|l| render(&ctx, l))
        .collect();
    Ok(page(&ctx, &uri, &p, items))
}

async fn get_label(
    State(ctx): State<Ctx>,
    Path((owner, repo, name)): Path<(String, String, String)>,
) -> ApiResult {
    check_repo(&ctx, &owner, &repo)?;
    let label = ctx.store.repo_label(&name).map_err(store_error)?;
    Ok(Json(render(&ctx, &label)).into_response())
}

async fn create_label(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let user = require_user(&caller)?;
    check_repo(&ctx, &owner, &repo)?;
    let m = object(&body)?;
    let name = required_field(&m, "name", "Label", "name can't be blank")?;
    let color = string_field(&m, "color", "Label")?;
    let description = string_field(&m, "description", "Label")?;
    let label = ctx
        .store
        .create_repo_label(user.id, name, color, description)
        .map_err(store_error)?;
    let v = render(&ctx, &label);
    let location = v["url"].as_str().unwrap_or_default().to_string();
    Ok(created(location, v))
}

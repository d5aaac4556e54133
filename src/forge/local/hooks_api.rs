//! A local-only test hook of the embedded forge over HTTP, for tests that drive the forge
//! from another process (the browser tests run `janus demo` or `janus forge`; in-process
//! tests use the fault rules of `faults.rs` instead):
//!
//! `POST /api/v3/_forge/rate_limit {"remaining": N}` spends the caller's own budget (its
//! account with a token, its address without one) down to at most `N` requests for the rest
//! of the hour. At 0 the next counted request gets the forge's real exhaustion answer, as
//! GitHub gives it: 403 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset`. It only
//! ever lowers, and only the caller's own budget: nobody raises a limit or spends another's.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Extension, Json, Router};
use serde_json::json;

use super::api::{object, ApiResult};
use super::layers::{validation, RateKey};
use super::Ctx;

/// The hook's route (`mod.rs` adds the API layers: it is not counted, like `/_forge/users`).
pub(crate) fn routes() -> Router<Ctx> {
    Router::new().route("/api/v3/_forge/rate_limit", post(lower_rate_limit))
}

/// `{"remaining": N}` → 200 with the caller's budget as `GET /rate_limit` reports `core`.
async fn lower_rate_limit(
    State(ctx): State<Ctx>,
    Extension(key): Extension<RateKey>,
    body: Bytes,
) -> ApiResult {
    let m = object(&body)?;
    let wanted = m.get("remaining").and_then(|v| v.as_u64()).ok_or_else(|| {
        validation(
            "RateLimit",
            "remaining",
            "invalid",
            "remaining must be a whole number of requests (0 or more)",
        )
    })?;
    let now = ctx.store.now();
    let current = ctx.limiter.status(key, now).remaining();
    let remaining = u32::try_from(wanted).unwrap_or(u32::MAX).min(current);
    ctx.limiter.set_remaining(key, now, remaining);
    let s = ctx.limiter.status(key, now);
    Ok(Json(json!({
        "limit": s.limit,
        "remaining": s.remaining(),
        "reset": s.reset,
        "used": s.used,
    }))
    .into_response())
}

//! `GET /login`, `POST /login` (form field `key`), `POST /logout`, and the language switch.

use super::{Chrome, render};
use crate::state::AppState;
use crate::web::i18n::{LANG_COOKIE, Lang};
use crate::web::session::{IDLE, SESSION_COOKIE};
use crate::web::{local_path, same_origin, session_token};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    next: String,
    failed: bool,
}

/// Where to go after logging in.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// The login form.
pub async fn form(headers: HeaderMap, Query(query): Query<LoginQuery>) -> Response {
    let lang = Lang::of(&headers);
    login_page(
        lang,
        local_path(query.next.as_deref()),
        false,
        StatusCode::OK,
    )
}

fn login_page(lang: Lang, next: String, failed: bool, status: StatusCode) -> Response {
    let path = format!(
        "/login?next={}",
        url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
    );
    let page = LoginPage {
        chrome: Chrome::anonymous(lang, lang.text().login_title, &path),
        next,
        failed,
    };
    (status, render(&page)).into_response()
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    key: String,
    next: Option<String>,
}

/// Logs in with an API key: a session and its cookie, then back to the page asked for. A
/// form sent from another site is refused (no one can log a browser in to their key).
pub async fn submit(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = Lang::of(&headers);
    let next = local_path(form.next.as_deref());
    if !same_origin(&headers) {
        return super::message_page(lang, StatusCode::FORBIDDEN, "cross-site form refused");
    }
    let record = match patron_app::keys::authenticate(state.store.as_ref(), form.key.trim()).await {
        Ok(Some(record)) => record,
        Ok(None) => return login_page(lang, next, true, StatusCode::UNAUTHORIZED),
        Err(e) => return super::error_page(lang, e),
    };
    let (token, _) = match state.sessions.start(record.digest_array()) {
        Ok(started) => started,
        Err(e) => return super::error_page(lang, patron_app::AppError::Io(e.to_string())),
    };
    tracing::info!(key = record.id, "dashboard login");
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        IDLE.as_secs(),
        secure_suffix(&headers)
    );
    ([(SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
}

/// ` ; Secure` when the page came through HTTPS (a proxy in front says so).
fn secure_suffix(headers: &HeaderMap) -> &'static str {
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    if https { "; Secure" } else { "" }
}

/// The logout form's field.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    csrf: String,
}

/// Ends the session (its form carries the session's CSRF token) and clears the cookie.
pub async fn logout(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Response {
    let lang = Lang::of(&headers);
    if let Some(token) = session_token(&headers) {
        match state.sessions.get(&token) {
            Some(session) if session.csrf_matches(&form.csrf) => state.sessions.end(&token),
            Some(_) => {
                return super::message_page(lang, StatusCode::FORBIDDEN, "CSRF token mismatch");
            }
            None => {}
        }
    }
    let cookie = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    ([(SET_COOKIE, cookie)], Redirect::to("/login")).into_response()
}

/// Switches the pages to language `code` (a cookie for a year) and goes back.
pub async fn switch_language(
    Path(code): Path<String>,
    Query(query): Query<LoginQuery>,
) -> Response {
    let next = local_path(query.next.as_deref());
    let Some(lang) = Lang::parse(&code) else {
        return Redirect::to(&next).into_response();
    };
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
        lang.code()
    );
    ([(SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
}

//! The dashboard: pages rendered on the server (askama templates, plain forms; one small
//! embedded script updates the segment builder's figures as the reader types),
//! every asset embedded in the binary, charts drawn as SVG in Rust, German and English.
//!
//! Pages read what the score run computed and stored (its summary, the cards) through the
//! same application layer as the API and the CLI; nothing is aggregated per page view.
//!
//! * [`session`] — log in with an API key; session cookie and CSRF tokens.
//! * [`i18n`] — the reader's language and every text in both languages.
//! * [`charts`] — SVG charts; [`format`] — numbers in the reader's language.
//! * [`pages`] — one module per page.

pub mod charts;
pub mod format;
pub mod i18n;
pub mod pages;
pub mod session;

use crate::state::AppState;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HOST, ORIGIN};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use i18n::{Lang, Text};
use patron_store::{ApiKeyRecord, Scope};
use std::sync::Arc;

/// The pages, on the server's state.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(pages::overview::page))
        .route("/login", get(pages::login::form).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/lang/{code}", get(pages::login::switch_language))
        .route("/customers", get(pages::customer::search))
        .route("/customers/{id}", get(pages::customer::page))
        .route("/worklists", get(pages::worklists::index))
        .route("/worklists/contested", get(pages::contests::page))
        .route(
            "/worklists/contested/resolve",
            post(pages::contests::resolve),
        )
        .route("/worklists/{list}", get(pages::worklists::page))
        .route("/worklists/{list}/export", get(pages::worklists::export))
        .route("/worklists/{list}/handled", post(pages::worklists::handled))
        .route(
            "/segments",
            get(pages::segments::page).post(pages::segments::save),
        )
        .route("/models", get(pages::models::page))
        .route("/segments/figures", get(pages::segments::figures))
        .route("/segments/{name}/export", get(pages::segments::export))
        .route("/assets/style.css", get(style))
        .route("/assets/segments.js", get(segments_script))
        .layer(axum::middleware::map_response(page_headers))
}

/// The style sheet, from the binary.
async fn style() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/style.css"),
    )
        .into_response()
}

/// The segment builder's script, from the binary.
async fn segments_script() -> Response {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/segments.js"),
    )
        .into_response()
}

/// What every page answers with: a policy that lets the page load nothing from elsewhere and
/// run no script but its own, not be framed, and not be cached (it shows personal data).
async fn page_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    if !h.contains_key(CACHE_CONTROL) {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Who is looking at a page, in which language.
pub struct Viewer {
    /// The API key they logged in with (or send as Bearer).
    pub key: ApiKeyRecord,
    /// Their language.
    pub lang: Lang,
    /// The CSRF token of their session; none for a Bearer request (it has no forms to send).
    pub csrf: Option<String>,
    /// The path and query of the page, for the language switch.
    pub path: String,
}

impl Viewer {
    /// The texts in the viewer's language.
    pub fn text(&self) -> &'static Text {
        self.lang.text()
    }

    /// Refuses a form (403) unless it carries this viewer's session CSRF token: a request
    /// with a Bearer key has no session, and so no forms.
    #[allow(clippy::result_large_err)] // the error is the page the handler answers with
    pub fn check_csrf(&self, given: &str) -> Result<(), Response> {
        let valid = self
            .csrf
            .as_deref()
            .is_some_and(|token| session::tokens_match(token, given));
        if valid {
            Ok(())
        } else {
            Err(pages::message_page(
                self.lang,
                StatusCode::FORBIDDEN,
                "CSRF token mismatch",
            ))
        }
    }
}

/// The session token of a request, if it sends one.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    i18n::cookie(headers, session::SESSION_COOKIE).filter(|t| !t.is_empty())
}

impl FromRequestParts<Arc<AppState>> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let lang = Lang::of(&parts.headers);
        let path = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        let store = state.store.as_ref();
        let failed = pages::failed(lang);
        let (key, csrf) = if let Some(key) = crate::auth::bearer_key(&parts.headers) {
            let key = key.unwrap_or_default();
            let record = patron_app::keys::authenticate(store, key)
                .await
                .map_err(failed)?
                .ok_or_else(|| {
                    pages::message_page(lang, StatusCode::UNAUTHORIZED, lang.text().login_failed)
                })?;
            (record, None)
        } else {
            let session = session_token(&parts.headers)
                .and_then(|token| state.sessions.get(&token).map(|s| (token, s)));
            let Some((token, session)) = session else {
                return Err(to_login(&path));
            };
            let Some(record) = patron_app::keys::by_digest(store, &session.key_digest)
                .await
                .map_err(failed)?
            else {
                // The key was revoked: so are its sessions.
                state.sessions.end(&token);
                return Err(to_login(&path));
            };
            (record, Some(session.csrf))
        };
        if !key.scope.allows(Scope::Read) {
            return Err(pages::message_page(
                lang,
                StatusCode::FORBIDDEN,
                &format!("{}: {} ≠ read", key.name, key.scope.as_str()),
            ));
        }
        Ok(Viewer {
            key,
            lang,
            csrf,
            path,
        })
    }
}

/// A redirect to the login form that comes back to `path` afterwards.
fn to_login(path: &str) -> Response {
    let next: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
    Redirect::to(&format!("/login?next={next}")).into_response()
}

/// A path to go back to after a form: only a path on this server (`/…`, not `//host`).
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_owned(),
        _ => "/".to_owned(),
    }
}

/// Whether a form was sent from one of this server's own pages: a browser names the page's
/// origin in `Origin`; a request without it (not a browser) passes.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(ORIGIN).and_then(|o| o.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(host))
}

//! One module per page; what every page shares (the frame around it, error pages).

pub mod contests;
pub mod customer;
pub mod login;
pub mod models;
pub mod overview;
pub mod segments;
pub mod worklists;

use super::Viewer;
use super::i18n::{Lang, Text};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use patron_app::AppError;

/// The frame around every page: language, navigation, who is logged in, the logout form.
pub struct Chrome {
    /// The texts.
    pub t: &'static Text,
    /// `de` or `en` (the page's `lang`).
    pub lang: &'static str,
    /// The page's title.
    pub title: String,
    /// Where the language switch goes.
    pub switch_href: String,
    /// The logged-in key's name; none on the login page.
    pub who: Option<String>,
    /// The session's CSRF token, for the logout form; none without a session.
    pub csrf: Option<String>,
    /// The search box's text.
    pub query: String,
}

impl Chrome {
    /// The frame of a page `viewer` looks at.
    pub fn of(viewer: &Viewer, title: &str) -> Chrome {
        Chrome {
            t: viewer.text(),
            lang: viewer.lang.code(),
            title: title.to_owned(),
            switch_href: switch_href(viewer.lang, &viewer.path),
            who: Some(viewer.key.name.clone()),
            csrf: viewer.csrf.clone(),
            query: String::new(),
        }
    }

    /// The frame of a page nobody is logged in to.
    pub fn anonymous(lang: Lang, title: &str, path: &str) -> Chrome {
        Chrome {
            t: lang.text(),
            lang: lang.code(),
            title: title.to_owned(),
            switch_href: switch_href(lang, path),
            who: None,
            csrf: None,
            query: String::new(),
        }
    }
}

fn switch_href(lang: Lang, path: &str) -> String {
    let next: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
    format!("/lang/{}?next={next}", lang.other().code())
}

/// A page with only a message (errors, refusals).
#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    chrome: Chrome,
    message: String,
}

/// A page saying `message` with `status`.
pub fn message_page(lang: Lang, status: StatusCode, message: &str) -> Response {
    let title = if status == StatusCode::NOT_FOUND {
        lang.text().not_found
    } else {
        lang.text().error_title
    };
    let page = MessagePage {
        chrome: Chrome::anonymous(lang, title, "/"),
        message: message.to_owned(),
    };
    (status, render(&page)).into_response()
}

/// The page of an application error: its message when it is the reader's to fix (an unknown
/// customer, no run yet), a general one when it is the server's (logged with the details).
pub fn error_page(lang: Lang, error: AppError) -> Response {
    let api = crate::error::ApiError::from(error);
    let status = api.code().kind().http_status();
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = if status.is_server_error() {
        lang.text().error_title.to_owned()
    } else {
        api.message().to_owned()
    };
    message_page(lang, status, &message)
}

/// The page of an API error (a route's answer reused by a page): its status and message.
pub fn api_error_page(lang: Lang, error: &crate::error::ApiError) -> Response {
    let status = StatusCode::from_u16(error.code().kind().http_status())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = if status.is_server_error() {
        lang.text().error_title
    } else {
        error.message()
    };
    message_page(lang, status, message)
}

/// The cards of the latest run meeting `condition` as a download in `format` named
/// `NAME-run-ID.csv`: the API's streamed export, for a page's list.
pub async fn export_condition(
    state: &crate::state::AppState,
    lang: Lang,
    condition: &str,
    format: Option<&str>,
    name: &str,
) -> PageResult {
    let filter = patron_app::cards::card_filter(&state.project, Some(condition), None)
        .map_err(|e| api_error_page(lang, &e.into()))?;
    crate::routes::exports::export(state, format.unwrap_or("csv"), filter, None, name, None)
        .await
        .map_err(|e| api_error_page(lang, &e))
}

/// A template rendered to HTML; a template that fails to render is a 500 with a plain page.
pub fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page did not render");
            (StatusCode::INTERNAL_SERVER_ERROR, "the page did not render").into_response()
        }
    }
}

/// A page's result: the page, or the page of its error.
pub type PageResult = Result<Response, Response>;

/// Turns an application error into its page, in the viewer's language.
pub fn failed(lang: Lang) -> impl Fn(AppError) -> Response {
    move |e| error_page(lang, e)
}

//! Errors as the API answers them: JSON `{"code", "message", "details"}`, with the application
//! layer's stable codes and the HTTP status of the code's kind.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use patron_app::AppError;
use patron_core::code::Code;
use serde::Serialize;

/// An error answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code (`customer_not_found`, `invalid_fact`, …).
    pub code: String,
    /// What happened, in words.
    pub message: String,
    /// Structured details (the invalid items, the rejected rows); empty when there are none.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

/// An error on its way to becoming a response.
#[derive(Debug, Clone)]
pub struct ApiError {
    code: Code,
    message: String,
    details: serde_json::Value,
    retry_after: Option<u64>,
    /// A status other than the code's kind gives: a configuration sent by the client that
    /// does not compile is the client's mistake (422), not the server's (500).
    status: Option<u16>,
}

impl ApiError {
    /// An error with `code` and `message`.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            details: serde_json::json!({}),
            retry_after: None,
            status: None,
        }
    }

    /// Answered with `status` instead of the code's.
    pub fn status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// With structured details.
    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }

    /// With a `Retry-After` header (seconds).
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The code.
    pub fn code(&self) -> Code {
        self.code
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let details = match &e {
            AppError::InvalidFacts(items) => serde_json::json!({ "items": items }),
            AppError::RulesInvalid(problems) => serde_json::json!({ "problems": problems }),
            _ => serde_json::json!({}),
        };
        let code = e.code();
        // Internal failures are logged (without the request's data) and answered in general.
        if code.kind().http_status() >= 500 {
            tracing::error!(code = code.as_str(), error = %e, "request failed");
        }
        ApiError::new(code, e.to_string()).details(details)
    }
}

impl From<patron_store::StoreError> for ApiError {
    fn from(e: patron_store::StoreError) -> Self {
        AppError::from(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status.unwrap_or(self.code.kind().http_status()))
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ErrorBody {
            code: self.code.as_str().to_owned(),
            message: self.message,
            details: self.details,
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

/// The result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

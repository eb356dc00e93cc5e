//! Every way a request can fail, and the one place that turns a failure into
//! an HTTP status and a `{code, message}` body.
//!
//! Client errors carry their detail to the client and are not logged. Server
//! errors are logged once, here, with their cause, and the client sees only a
//! generic message: a D1 error's text includes a JavaScript stack and must
//! never leave the Worker.

use serde::Serialize;

/// A failed request. The variant names what happened; [`Error::status`] and
/// [`Error::code`] are exhaustive matches, so a new variant cannot be added
/// without choosing both.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A request field is missing, of the wrong type or out of range.
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    /// The body is not JSON, or not a JSON object where one is required.
    #[error("{0}")]
    MalformedBody(String),
    /// The body is larger than the route accepts.
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// The body declares a content type other than JSON.
    #[error("the body must be application/json")]
    UnsupportedMediaType,
    /// The route exists but not for this method.
    #[error("{method} is not allowed here")]
    MethodNotAllowed {
        method: String,
        /// The method the route does accept, for the `Allow` header.
        allowed: &'static str,
    },
    /// No route, or a record that does not exist in the caller's organization.
    /// A record of another organization answers exactly like a missing one.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// No tool has this name.
    #[error("unknown tool {0:?}")]
    UnknownTool(String),
    /// No session, or a session that is invalid or expired.
    #[error("you must be signed in")]
    Unauthorized,
    /// Sign-in with an unknown email or a wrong password (one answer for both).
    #[error("invalid email or password")]
    InvalidCredentials,
    /// A cookie-carrying request from an origin that is not trusted.
    #[error("the request's origin is not trusted")]
    InvalidOrigin,
    /// Signed in, but a member of no organization.
    #[error("you are not a member of any organization")]
    NoMembership,
    /// The caller's role does not allow the action; the message says which.
    #[error("{0}")]
    Forbidden(String),
    /// A refusal that Better Auth names with its own code (`code`), kept so
    /// that clients written for Better Auth see the same answers.
    #[error("{message}")]
    Refused {
        status: u16,
        code: &'static str,
        message: String,
    },
    /// The request conflicts with existing records (for example a dataset
    /// still used by widgets); the message names them.
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts; retry after the given number of seconds.
    #[error("too many attempts, retry in {retry_after} seconds")]
    RateLimited { retry_after: u32 },
    /// The Worker is misconfigured (for example no `BETTER_AUTH_SECRET`).
    #[error("configuration: {0}")]
    Config(&'static str),
    /// D1 or the Workers runtime failed.
    #[error("runtime: {0}")]
    Runtime(#[from] worker::Error),
    /// A stored value could not be read back (a corrupt row, for example).
    #[error("stored data: {0}")]
    Corrupt(String),
}

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The body of every error response.
#[derive(Debug, Serialize, PartialEq)]
pub struct ErrorBody {
    pub code: &'static str,
    pub message: String,
}

impl Error {
    /// A validation failure naming `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            Error::Validation { .. } | Error::MalformedBody(_) => 400,
            Error::Unauthorized | Error::InvalidCredentials => 401,
            Error::InvalidOrigin | Error::NoMembership | Error::Forbidden(_) => 403,
            Error::NotFound(_) | Error::UnknownTool(_) => 404,
            Error::MethodNotAllowed { .. } => 405,
            Error::Conflict(_) => 409,
            Error::PayloadTooLarge { .. } => 413,
            Error::UnsupportedMediaType => 415,
            Error::RateLimited { .. } => 429,
            Error::Refused { status, .. } => *status,
            Error::Config(_) | Error::Runtime(_) | Error::Corrupt(_) => 500,
        }
    }

    /// The machine-readable code of the error body.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Validation { .. } | Error::MalformedBody(_) => "VALIDATION_ERROR",
            Error::PayloadTooLarge { .. } => "PAYLOAD_TOO_LARGE",
            Error::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Error::MethodNotAllowed { .. } => "METHOD_NOT_ALLOWED",
            Error::NotFound(_) => "NOT_FOUND",
            Error::UnknownTool(_) => "UNKNOWN_TOOL",
            Error::Unauthorized => "UNAUTHORIZED",
            Error::InvalidCredentials => "INVALID_EMAIL_OR_PASSWORD",
            Error::InvalidOrigin => "INVALID_ORIGIN",
            Error::NoMembership => "NO_ACTIVE_ORGANIZATION",
            Error::Forbidden(_) => "FORBIDDEN",
            Error::Refused { code, .. } => code,
            Error::Conflict(_) => "CONFLICT",
            Error::RateLimited { .. } => "TOO_MANY_REQUESTS",
            Error::Config(_) | Error::Runtime(_) | Error::Corrupt(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// Whether the fault is the server's: logged, and hidden from the client.
    pub fn is_server_error(&self) -> bool {
        self.status() >= 500
    }

    /// The body the client sees.
    pub fn body(&self) -> ErrorBody {
        let message = if self.is_server_error() {
            "the server could not complete the request".to_string()
        } else {
            self.to_string()
        };
        ErrorBody {
            code: self.code(),
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_error_names_the_field() {
        let body = Error::invalid("email", "must be an email address").body();
        assert_eq!(body.code, "VALIDATION_ERROR");
        assert_eq!(body.message, "email: must be an email address");
    }

    #[test]
    fn server_errors_hide_their_cause() {
        let error = Error::Corrupt("session row 42 has no token".into());
        assert_eq!(error.status(), 500);
        assert!(!error.body().message.contains("42"));
    }

    #[test]
    fn refusals_keep_better_auth_codes() {
        let error = Error::Refused {
            status: 422,
            code: "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
            message: "User already exists. Use another email.".into(),
        };
        assert_eq!(error.status(), 422);
        assert_eq!(error.code(), "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL");
    }
}

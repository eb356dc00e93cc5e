//! Reading requests and writing responses: bodies bounded before they are
//! parsed, JSON parsed into typed structs with the failing field named, and
//! every answer written as JSON.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use worker::{Headers, Request, Response};

use crate::error::{Error, Result};

/// The largest body accepted by the auth and organization endpoints.
pub const AUTH_BODY_LIMIT: usize = 64 * 1024;
/// The largest body accepted by tool calls and MCP (an `append_rows` of a
/// few thousand rows fits; larger imports are sent in several calls).
pub const TOOL_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Reads the body as JSON into `T`, refusing it with 413 when longer than
/// `limit` (by its declared length before reading, and by its real length
/// after) and with 415 when it declares a content type other than JSON.
/// An empty body reads as `{}`, so bodiless POSTs reach the field checks.
pub async fn read_json<T: DeserializeOwned>(req: &mut Request, limit: usize) -> Result<T> {
    let headers = req.headers();
    if let Some(content_type) = headers.get("content-type")? {
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if !essence.eq_ignore_ascii_case("application/json") {
            return Err(Error::UnsupportedMediaType);
        }
    }
    if let Some(length) = headers.get("content-length")? {
        if length.trim().parse::<usize>().map_or(true, |n| n > limit) {
            return Err(Error::PayloadTooLarge { limit });
        }
    }
    let bytes = req.bytes().await?;
    parse_json(&bytes, limit)
}

/// Parses `bytes` into `T` (see [`read_json`]); pure, for the host tests.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8], limit: usize) -> Result<T> {
    if bytes.len() > limit {
        return Err(Error::PayloadTooLarge { limit });
    }
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    // Parsing to a `Value` first, then to `T`, makes every request type
    // share one deserializer: parsing each type straight from bytes would
    // compile a second copy of every request struct's parser into the
    // bundle.
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        let message = strip_position(&e);
        Error::MalformedBody(format!("the body is not valid JSON: {message}"))
    })?;
    from_value(value)
}

/// Reads a JSON value into `T`, naming the field that does not fit.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T> {
    crate::json::from_value(value).map_err(|e| {
        let (path, message) = e.into_parts();
        if path == "." {
            Error::MalformedBody(format!("the body has the wrong shape: {message}"))
        } else {
            Error::invalid(path, message)
        }
    })
}

/// Parses a query string (`a=1&b=x%20y`) into `T`, as strings.
///
/// A value whose percent-escapes are broken is refused naming its
/// parameter: read as empty, it would silently mean "not given". A pair
/// whose name does not decode is skipped, like any unknown parameter.
pub fn parse_query<T: DeserializeOwned>(query: Option<&str>) -> Result<T> {
    let mut pairs = serde_json::Map::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let Some(key) = form_decode(key) else {
            continue;
        };
        let value = form_decode(value)
            .ok_or_else(|| Error::invalid(key.as_str(), "is not valid percent-encoded UTF-8"))?;
        pairs.insert(key, Value::String(value));
    }
    from_value(Value::Object(pairs))
}

fn form_decode(text: &str) -> Option<String> {
    crate::auth::cookie::percent_decode(&text.replace('+', " "))
}

/// serde_json appends "at line 1 column 17" to its messages; the field name
/// is more use to a client than a column number.
fn strip_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.find(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// A JSON response with the given status.
pub fn json<T: Serialize>(status: u16, value: &T) -> Result<Response> {
    Ok(Response::from_json(value)?.with_status(status))
}

/// A JSON response with the given status and extra headers (cookies, for
/// example; `Set-Cookie` may repeat).
pub fn json_with_headers<T: Serialize + ?Sized>(
    status: u16,
    value: &T,
    extra: &[(&str, String)],
) -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    for (name, value) in extra {
        headers.append(name, value)?;
    }
    let body = serde_json::to_vec(value).map_err(|e| Error::Corrupt(e.to_string()))?;
    Ok(Response::from_bytes(body)?
        .with_status(status)
        .with_headers(headers))
}

/// The response for a failed request. Server errors are logged here, once.
pub fn error_response(error: &Error) -> Result<Response> {
    if error.is_server_error() {
        crate::log::server_error(error);
    }
    let mut extra = Vec::new();
    if let Error::RateLimited { retry_after } = error {
        extra.push(("retry-after", retry_after.to_string()));
    }
    if let Error::Unauthorized = error {
        extra.push(("www-authenticate", "Bearer".to_string()));
    }
    if let Error::MethodNotAllowed { allowed, .. } = error {
        extra.push(("allow", allowed.to_string()));
    }
    json_with_headers(error.status(), &error.body(), &extra)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Column {
        #[allow(dead_code)]
        name: String,
        #[allow(dead_code)]
        nullable: bool,
    }

    #[derive(Debug, Deserialize)]
    struct Body {
        #[allow(dead_code)]
        columns: Vec<Column>,
    }

    #[test]
    fn wrong_type_names_the_nested_field() {
        let body = br#"{"columns":[{"name":"a","nullable":true},{"name":"b","nullable":1}]}"#;
        let error = parse_json::<Body>(body, 1024).unwrap_err();
        match error {
            Error::Validation { field, .. } => assert_eq!(field, "columns[1].nullable"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn missing_field_is_a_validation_error() {
        let error = parse_json::<Body>(b"{}", 1024).unwrap_err();
        assert_eq!(error.status(), 400);
        assert!(error.to_string().contains("columns"), "{error}");
    }

    #[test]
    fn invalid_json_is_malformed() {
        let error = parse_json::<Body>(b"{\"columns\": [", 1024).unwrap_err();
        assert!(matches!(error, Error::MalformedBody(_)), "{error:?}");
    }

    #[test]
    fn oversized_bodies_are_refused_before_parsing() {
        let error = parse_json::<Body>(&[b' '; 11], 10).unwrap_err();
        assert!(matches!(error, Error::PayloadTooLarge { limit: 10 }));
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = "[".repeat(100_000);
        let error = parse_json::<serde_json::Value>(deep.as_bytes(), 1 << 20).unwrap_err();
        assert_eq!(error.status(), 400);
    }

    #[test]
    fn query_strings_decode() {
        #[derive(Deserialize)]
        struct Query {
            #[serde(rename = "organizationId")]
            organization_id: String,
        }
        let query: Query = parse_query(Some("organizationId=a%20b+c&x=1")).unwrap();
        assert_eq!(query.organization_id, "a b c");
    }

    #[test]
    fn a_broken_escape_names_its_parameter() {
        #[derive(Debug, Deserialize)]
        struct Query {
            #[allow(dead_code)]
            #[serde(rename = "organizationId")]
            organization_id: Option<String>,
        }
        for query in [
            "organizationId=%ZZ",
            "organizationId=abc%",
            "organizationId=%E0%A4",
        ] {
            match parse_query::<Query>(Some(query)).unwrap_err() {
                Error::Validation { field, .. } => assert_eq!(field, "organizationId"),
                other => panic!("{query}: unexpected {other:?}"),
            }
        }
        let skipped: Query = parse_query(Some("%ZZ=1&organizationId=x")).unwrap();
        assert_eq!(skipped.organization_id.as_deref(), Some("x"));
    }
}

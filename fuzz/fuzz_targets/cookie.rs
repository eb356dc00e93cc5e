//! Fuzzes the session cookie and bearer parsing of `orgscope::auth::cookie`
//! with arbitrary header text, checking what the parsers promise: only
//! well-shaped credentials come out, and percent-encoding is reversible and
//! agrees with JavaScript's `decodeURIComponent`.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use orgscope::auth::cookie::{
    find_cookie, parse_signed, percent_decode, percent_encode, read_credential, signed_value,
    Credential, SECURE_SESSION_COOKIE, SESSION_COOKIE,
};

#[derive(Debug, Arbitrary)]
struct Input {
    cookie: Option<String>,
    authorization: Option<String>,
    /// A cookie name to look up, or free text to parse and encode.
    text: String,
    /// When set, `text` is sent as a session cookie or bearer value, so
    /// that the signed-value paths see well-framed input often.
    frame: Option<Frame>,
}

#[derive(Debug, Arbitrary)]
enum Frame {
    Cookie,
    SecureCookie,
    Bearer,
}

fuzz_target!(|input: Input| {
    let (cookie, authorization) = headers(&input);
    check_credential(cookie.as_deref(), authorization.as_deref());
    check_find_cookie(cookie.as_deref().unwrap_or(""), &input.text);
    check_parse_signed(&input.text);
    check_percent_encoding(&input.text);
});

/// The headers to read: the fuzzed ones, or `text` framed as a credential.
fn headers(input: &Input) -> (Option<String>, Option<String>) {
    let text = &input.text;
    match input.frame {
        None => (input.cookie.clone(), input.authorization.clone()),
        Some(Frame::Cookie) => (Some(format!("theme=dark; {SESSION_COOKIE}={text}")), None),
        Some(Frame::SecureCookie) => (Some(format!("{SECURE_SESSION_COOKIE}={text}")), None),
        Some(Frame::Bearer) => (None, Some(format!("Bearer {text}"))),
    }
}

fn check_credential(cookie: Option<&str>, authorization: Option<&str>) {
    let Some(credential) = read_credential(cookie, authorization) else {
        return;
    };
    match &credential {
        Credential::Signed { token, signature } => assert_signed_shape(token, signature),
        Credential::Raw(token) => assert_token_shape(token),
    }
    // A session cookie, when present, decides alone: the bearer header must
    // not be read in its place.
    let from_cookie = cookie.and_then(|header| {
        find_cookie(header, SECURE_SESSION_COOKIE).or_else(|| find_cookie(header, SESSION_COOKIE))
    });
    if let Some(value) = from_cookie {
        assert_eq!(Some(&credential), parse_signed(value).as_ref());
    }
}

fn check_find_cookie(header: &str, name: &str) {
    let Some(value) = find_cookie(header, name) else {
        return;
    };
    assert_eq!(value, value.trim(), "cookie values are trimmed");
    assert!(!value.contains(';'), "a value stops at the next cookie");
    // The value of the first `name=value` pair, whitespace around either
    // side ignored.
    let first = header
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| key.trim() == name)
        .map(|(_, first)| first.trim());
    assert_eq!(Some(value), first, "{name:?} in {header:?}");
}

fn check_parse_signed(text: &str) {
    if let Some(credential) = parse_signed(text) {
        let Credential::Signed { token, signature } = &credential else {
            panic!("parse_signed returned {credential:?}");
        };
        assert_signed_shape(token, signature);
        // What was accepted can be written back and read again.
        let rewritten = signed_value(token, signature);
        assert_eq!(parse_signed(&rewritten), Some(credential.clone()));
    }
}

fn check_percent_encoding(text: &str) {
    let encoded = percent_encode(text);
    assert!(
        encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.!~*'()%".contains(&b)),
        "{encoded:?}"
    );
    assert_eq!(percent_decode(&encoded).as_deref(), Some(text));
    assert_eq!(
        percent_decode(text),
        decode_uri_component(text),
        "decoding {text:?}"
    );
}

/// `decodeURIComponent`, written for clarity: every `%` must start an
/// escape of exactly two hex digits, and the bytes must be UTF-8.
fn decode_uri_component(text: &str) -> Option<String> {
    let mut out = Vec::new();
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte != b'%' {
            out.push(byte);
            rest = tail;
            continue;
        }
        let [high, low, tail @ ..] = tail else {
            return None;
        };
        out.push(hex_value(*high)? * 16 + hex_value(*low)?);
        rest = tail;
    }
    String::from_utf8(out).ok()
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

fn assert_token_shape(token: &str) {
    assert_eq!(token.len(), 32, "{token:?}");
    assert!(
        token.bytes().all(|b| b.is_ascii_alphanumeric()),
        "{token:?}"
    );
}

fn assert_signed_shape(token: &str, signature: &str) {
    assert_token_shape(token);
    assert_eq!(signature.len(), 44, "{signature:?}");
    assert!(signature.ends_with('='), "{signature:?}");
    assert!(
        signature
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)),
        "{signature:?}"
    );
}

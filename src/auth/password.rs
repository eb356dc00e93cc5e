//! Better Auth's password hash: scrypt (N = 16384, r = 16, p = 1, 64-byte
//! key) over the NFKC-normalized password, salted with 16 random bytes
//! written as 32 lowercase hex characters (those characters are the salt),
//! stored as `"<saltHex>:<keyHex>"`.

use super::crypto;
use crate::error::Result;
use crate::ids;

const KEY_LEN: u32 = 64;

/// Hashes `password` for storage in `account.password`.
pub fn hash(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    ids::random_bytes(&mut salt)?;
    let salt = to_hex(&salt);
    let key = crypto::scrypt(password, &salt, KEY_LEN)?;
    Ok(format!("{salt}:{}", to_hex(&key)))
}

/// Whether `password` matches a stored hash. A stored value that is not in
/// the format above never matches.
pub fn verify(password: &str, stored: &str) -> Result<bool> {
    let Some((salt, key)) = parse(stored) else {
        return Ok(false);
    };
    let computed = crypto::scrypt(password, salt, KEY_LEN)?;
    Ok(crypto::constant_time_eq(&computed, &key))
}

/// Splits a stored hash into its salt text and key bytes.
fn parse(stored: &str) -> Option<(&str, Vec<u8>)> {
    let (salt, key) = stored.split_once(':')?;
    let key = from_hex(key)?;
    (!salt.is_empty() && key.len() == KEY_LEN as usize).then_some((salt, key))
}

/// Checks a candidate password against Better Auth's length rules; the
/// message names the rule broken.
pub fn check_length(password: &str) -> Result<(), (&'static str, &'static str)> {
    // JavaScript counts UTF-16 code units; so does this.
    let len = password.encode_utf16().count();
    if len < 8 {
        Err(("PASSWORD_TOO_SHORT", "Password too short"))
    } else if len > 128 {
        Err(("PASSWORD_TOO_LONG", "Password too long"))
    } else {
        Ok(())
    }
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        assert_eq!(to_hex(&[0, 15, 255]), "000fff");
        assert_eq!(from_hex("000fff"), Some(vec![0, 15, 255]));
        assert_eq!(from_hex("0g"), None);
        assert_eq!(from_hex("abc"), None);
        assert_eq!(from_hex("é0"), None);
    }

    #[test]
    fn stored_hashes_parse_only_in_better_auth_format() {
        let key = "ab".repeat(64);
        assert!(parse(&format!("{}:{key}", "0".repeat(32))).is_some());
        assert!(parse(&key).is_none());
        assert!(parse(&format!(":{key}")).is_none());
        assert!(parse("salt:abcd").is_none());
    }

    #[test]
    fn password_length_counts_like_javascript() {
        assert!(check_length("1234567").is_err());
        assert!(check_length("12345678").is_ok());
        assert_eq!(
            check_length(&"x".repeat(129)).unwrap_err().0,
            "PASSWORD_TOO_LONG"
        );
        // Four emoji are eight UTF-16 code units.
        assert!(check_length("😀😀😀😀").is_ok());
    }
}

//! Identifiers and session tokens: 32 characters of `[A-Za-z0-9]` drawn from
//! the runtime's cryptographic random source, the format Better Auth uses
//! for its ids and tokens.

use crate::error::{Error, Result};

const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Bytes at or above this value are redrawn: 248 = 4 * 62, so every
/// character is equally likely (no modulo bias).
const REJECT_FROM: u8 = 248;
/// The length of every id and token.
pub const ID_LEN: usize = 32;

/// A fresh 32-character id or token.
pub fn random_id() -> Result<String> {
    let mut out = String::with_capacity(ID_LEN);
    // 48 bytes are enough for 32 characters with probability 1 - 1e-10;
    // the loop draws again in the rare other case.
    let mut pool = [0u8; 48];
    while out.len() < ID_LEN {
        random_bytes(&mut pool)?;
        append_unbiased(&mut out, &pool, ID_LEN);
    }
    Ok(out)
}

/// A domain record id: `prefix_` followed by a [`random_id`].
pub fn generate_id(prefix: &str) -> Result<String> {
    Ok(format!("{prefix}_{}", random_id()?))
}

/// Fills `buf` from the runtime's CSPRNG (`crypto.getRandomValues` in
/// workerd, the operating system on the host).
pub fn random_bytes(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|_| Error::Config("no cryptographic random source"))
}

/// Appends characters drawn from `bytes` to `out` until it holds `len`,
/// skipping the bytes that would bias the draw.
fn append_unbiased(out: &mut String, bytes: &[u8], len: usize) {
    for &byte in bytes {
        if out.len() == len {
            return;
        }
        if byte < REJECT_FROM {
            out.push(char::from(ALPHABET[usize::from(byte % 62)]));
        }
    }
}

/// Whether `text` has the shape of an id or token this module makes.
pub fn looks_like_token(text: &str) -> bool {
    text.len() == ID_LEN && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_32_alphanumerics() {
        let id = random_id().unwrap();
        assert!(looks_like_token(&id), "{id}");
        assert_ne!(id, random_id().unwrap());
    }

    #[test]
    fn generated_ids_carry_their_prefix() {
        let id = generate_id("dash").unwrap();
        assert!(id.starts_with("dash_"));
        assert!(looks_like_token(&id["dash_".len()..]));
    }

    #[test]
    fn biased_bytes_are_skipped() {
        let mut out = String::new();
        append_unbiased(&mut out, &[248, 255, 0, 61, 62, 247], 4);
        assert_eq!(out, "A9A9");
    }

    #[test]
    fn every_character_is_reachable_and_equally_likely() {
        let bytes: Vec<u8> = (0..=255).collect();
        let mut out = String::new();
        append_unbiased(&mut out, &bytes, 1000);
        assert_eq!(out.len(), 248);
        for c in ALPHABET {
            assert_eq!(out.bytes().filter(|b| b == c).count(), 4);
        }
    }
}

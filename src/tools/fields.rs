//! Checks on the free-text fields of tool arguments. Text is stored and
//! returned verbatim (quotes, SQL, markup and all: it is only ever a bound
//! value); what is refused is what no name should hold.

use crate::error::{Error, Result};

/// The longest name or title.
pub const MAX_NAME: usize = 200;
/// The longest description.
pub const MAX_DESCRIPTION: usize = 2000;

/// A required name or title: not blank, at most [`MAX_NAME`] characters, no
/// control characters. Surrounding whitespace is trimmed.
pub fn name(field: &str, value: &str) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if trimmed.chars().count() > MAX_NAME {
        return Err(Error::invalid(
            field,
            format!("must be at most {MAX_NAME} characters"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(trimmed.to_string())
}

/// An optional description: at most [`MAX_DESCRIPTION`] characters, no NUL
/// or other control characters except newlines and tabs.
pub fn description(field: &str, value: Option<&str>) -> Result<Option<String>> {
    let Some(text) = value else {
        return Ok(None);
    };
    if text.chars().count() > MAX_DESCRIPTION {
        return Err(Error::invalid(
            field,
            format!("must be at most {MAX_DESCRIPTION} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(Some(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_sql_and_quotes_verbatim() {
        let hostile = "Robert'); DROP TABLE dashboard;-- \"x\"";
        assert_eq!(name("name", hostile).unwrap(), hostile);
    }

    #[test]
    fn names_refuse_blank_long_and_control_text() {
        assert!(name("name", "  ").is_err());
        assert!(name("name", &"x".repeat(201)).is_err());
        assert!(name("name", "a\0b").is_err());
        assert!(name("title", "a\nb")
            .unwrap_err()
            .to_string()
            .starts_with("title:"));
    }

    #[test]
    fn descriptions_allow_lines_but_not_nul() {
        assert_eq!(
            description("d", Some("a\nb")).unwrap().as_deref(),
            Some("a\nb")
        );
        assert!(description("d", Some("a\0b")).is_err());
        assert_eq!(description("d", None).unwrap(), None);
    }
}

//! Reads parsed JSON into typed structs: strictly, and naming the field that
//! does not fit by its path (`columns[2].type`).
//!
//! Every request body, tool argument and stored configuration goes through
//! [`from_value`], so each type's deserializer is compiled into the bundle
//! once, for this one deserializer. It differs from serde_json's own
//! `Value` deserializer in two ways:
//!
//! - an error carries the path of the value it is about, set where it
//!   arises and kept as it travels up, so no wrapper is needed around every
//!   visitor;
//! - a struct reads only from a JSON object: serde would also fill one from
//!   an array, positionally, which no client means to send.

use std::fmt;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess,
    Unexpected, Visitor,
};
use serde_json::{Map, Number, Value};

/// Why a value did not fit: the path of the value, and what was wrong.
///
/// Boxed so that every `Result` the deserializer passes up is one pointer
/// wide: with the detail inline, each of the many monomorphized visitors
/// copies it around, which measurably grows the wasm bundle.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError(Box<Detail>);

/// What a [`FieldError`] holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    /// Where, like `columns[2].type`; `.` for the value itself.
    pub path: String,
    pub message: String,
    /// Set once the path is final, so that outer values keep it.
    located: bool,
    /// A missing or unknown field's name, appended to the path where the
    /// error is located.
    field: Option<String>,
}

impl std::ops::Deref for FieldError {
    type Target = Detail;

    fn deref(&self) -> &Detail {
        &self.0
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for FieldError {}

impl de::Error for FieldError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        FieldError::new(message.to_string(), None)
    }

    fn missing_field(field: &'static str) -> Self {
        FieldError::new("is required".to_string(), Some(field.to_string()))
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        let message = match expected {
            [] => "unknown field: no fields are allowed here".to_string(),
            _ => format!("unknown field, expected one of: {}", expected.join(", ")),
        };
        FieldError::new(message, Some(field.to_string()))
    }
}

impl FieldError {
    fn new(message: String, field: Option<String>) -> Self {
        FieldError(Box::new(Detail {
            path: String::new(),
            message,
            located: false,
            field,
        }))
    }

    /// The path and the message, taken apart.
    pub fn into_parts(self) -> (String, String) {
        let detail = *self.0;
        (detail.path, detail.message)
    }
    /// The path as seen from the field `outer` that held the value:
    /// `config`, `config.chartType` or `config.filters[0]`.
    pub fn path_within(&self, outer: &str) -> String {
        match self.path.as_str() {
            "." => outer.to_string(),
            path if path.starts_with('[') => format!("{outer}{path}"),
            path => format!("{outer}.{path}"),
        }
    }

    /// Locates an error that arose at `path`, unless a deeper value already
    /// did.
    fn at(mut self, path: &Path<'_>) -> Self {
        let detail = &mut self.0;
        if !detail.located {
            let mut located = path.to_string();
            if let Some(field) = detail.field.take() {
                located = Path::Key(path, &field).to_string();
            }
            detail.path = located;
            detail.located = true;
        }
        self
    }
}

/// Reads `value` into `T`.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, FieldError> {
    let root = Path::Root;
    T::deserialize(ValueDeserializer { value, path: &root }).map_err(|e| e.at(&root))
}

/// Parses JSON text (a stored column) into `T`, through [`from_value`].
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    from_value(value).map_err(|e| e.to_string())
}

/// Where a value sits: a chain of keys and indexes, built on the stack as
/// the deserializer descends.
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => f.write_str("."),
            Path::Key(Path::Root, key) => f.write_str(key),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(Path::Root, index) => write!(f, "[{index}]"),
            Path::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

struct ValueDeserializer<'p> {
    value: Value,
    path: &'p Path<'p>,
}

impl ValueDeserializer<'_> {
    fn invalid_type<E: de::Expected>(&self, expected: &E) -> FieldError {
        de::Error::invalid_type(unexpected(&self.value), expected)
    }
}

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => number_unexpected(n),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// A number as an error message names it. A fraction is not printed:
/// `Unexpected::Float` would bring Rust's float formatting (about 20 KB)
/// into the bundle for the sake of one message.
fn number_unexpected(n: &Number) -> Unexpected<'static> {
    if let Some(u) = n.as_u64() {
        Unexpected::Unsigned(u)
    } else if let Some(i) = n.as_i64() {
        Unexpected::Signed(i)
    } else {
        Unexpected::Other("a number with a fraction or an exponent")
    }
}

fn visit_number<'de, V: Visitor<'de>>(n: Number, visitor: V) -> Result<V::Value, FieldError> {
    if let Some(u) = n.as_u64() {
        visitor.visit_u64(u)
    } else if let Some(i) = n.as_i64() {
        visitor.visit_i64(i)
    } else {
        visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
    }
}

impl<'de, 'p> Deserializer<'de> for ValueDeserializer<'p> {
    type Error = FieldError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        let path = self.path;
        let result = match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => visit_number(n, visitor),
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => visit_array(items, path, visitor),
            Value::Object(map) => visit_object(map, path, visitor),
        };
        result.map_err(|e| e.at(path))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        let path = self.path;
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
        .map_err(|e| e.at(path))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, FieldError> {
        let path = self.path;
        visitor.visit_newtype_struct(self).map_err(|e| e.at(path))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, FieldError> {
        // Only an object, never an array read positionally.
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        let path = self.path;
        match self.value {
            Value::Object(map) => visit_object(map, path, visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
        .map_err(|e| e.at(path))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        let path = self.path;
        match self.value {
            Value::Array(items) => visit_array(items, path, visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
        .map_err(|e| e.at(path))
    }

    /// A unit variant is a string (`"bar"`); a variant with data is an
    /// object of one key (`{"bar": ...}`).
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, FieldError> {
        let path = self.path;
        let result = match self.value {
            Value::String(variant) => visitor.visit_enum(variant.into_deserializer()),
            Value::Object(map) if map.len() == 1 => match map.into_iter().next() {
                Some((variant, value)) => visitor.visit_enum(EnumAccess {
                    variant,
                    value,
                    path,
                }),
                None => Err(de::Error::invalid_length(0, &"an object of one key")),
            },
            other => Err(de::Error::invalid_type(
                unexpected(&other),
                &"a string or an object of one key",
            )),
        };
        result.map_err(|e| e.at(path))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct tuple tuple_struct identifier
    }
}

fn visit_array<'de, V: Visitor<'de>>(
    items: Vec<Value>,
    path: &Path<'_>,
    visitor: V,
) -> Result<V::Value, FieldError> {
    let length = items.len();
    let mut access = ArrayAccess {
        items: items.into_iter(),
        index: 0,
        path,
    };
    let value = visitor.visit_seq(&mut access)?;
    if access.items.len() == 0 {
        Ok(value)
    } else {
        Err(de::Error::invalid_length(length, &"fewer elements"))
    }
}

fn visit_object<'de, V: Visitor<'de>>(
    map: Map<String, Value>,
    path: &Path<'_>,
    visitor: V,
) -> Result<V::Value, FieldError> {
    visitor.visit_map(ObjectAccess {
        entries: map.into_iter(),
        pending: None,
        path,
    })
}

struct ArrayAccess<'p> {
    items: std::vec::IntoIter<Value>,
    index: usize,
    path: &'p Path<'p>,
}

impl<'de> SeqAccess<'de> for &mut ArrayAccess<'_> {
    type Error = FieldError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, FieldError> {
        let Some(value) = self.items.next() else {
            return Ok(None);
        };
        let path = Path::Index(self.path, self.index);
        self.index += 1;
        seed.deserialize(ValueDeserializer { value, path: &path })
            .map(Some)
            .map_err(|e| e.at(&path))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct ObjectAccess<'p> {
    entries: serde_json::map::IntoIter,
    /// The entry whose key was read and whose value is next.
    pending: Option<(String, Value)>,
    path: &'p Path<'p>,
}

impl<'de> MapAccess<'de> for ObjectAccess<'_> {
    type Error = FieldError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, FieldError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        let read = seed.deserialize(key.as_str().into_deserializer());
        // An unknown field names itself under this object; any other
        // refusal of a key is about that key.
        let path = Path::Key(self.path, &key);
        let read = read.map_err(|e: FieldError| match e.field {
            Some(_) => e.at(self.path),
            None => e.at(&path),
        })?;
        self.pending = Some((key, value));
        Ok(Some(read))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, FieldError> {
        let Some((key, value)) = self.pending.take() else {
            return Err(de::Error::custom("a value was read before its key"));
        };
        let path = Path::Key(self.path, &key);
        seed.deserialize(ValueDeserializer { value, path: &path })
            .map_err(|e| e.at(&path))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// A variant with data: `{"variant": value}`.
struct EnumAccess<'p> {
    variant: String,
    value: Value,
    path: &'p Path<'p>,
}

impl<'de, 'p> de::EnumAccess<'de> for EnumAccess<'p> {
    type Error = FieldError;
    type Variant = VariantAccess<'p>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, VariantAccess<'p>), FieldError> {
        let variant = seed.deserialize(self.variant.as_str().into_deserializer())?;
        let access = VariantAccess {
            variant: self.variant,
            value: self.value,
            path: self.path,
        };
        Ok((variant, access))
    }
}

struct VariantAccess<'p> {
    variant: String,
    value: Value,
    path: &'p Path<'p>,
}

impl<'de> de::VariantAccess<'de> for VariantAccess<'_> {
    type Error = FieldError;

    fn unit_variant(self) -> Result<(), FieldError> {
        match self.value {
            Value::Null => Ok(()),
            other => Err(de::Error::invalid_type(unexpected(&other), &"null")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, FieldError> {
        let VariantAccess {
            variant,
            value,
            path,
        } = self;
        let path = Path::Key(path, &variant);
        seed.deserialize(ValueDeserializer { value, path: &path })
            .map_err(|e| e.at(&path))
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, FieldError> {
        let VariantAccess {
            variant,
            value,
            path,
        } = self;
        let path = Path::Key(path, &variant);
        ValueDeserializer { value, path: &path }.deserialize_seq(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, FieldError> {
        let VariantAccess {
            variant,
            value,
            path,
        } = self;
        let path = Path::Key(path, &variant);
        ValueDeserializer { value, path: &path }.deserialize_struct("", fields, visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Column {
        name: String,
        #[serde(default)]
        nullable: bool,
        kind: Kind,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Text,
        Integer,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Body {
        dataset_id: String,
        columns: Vec<Column>,
        limit: Option<u32>,
    }

    fn error(value: Value) -> FieldError {
        from_value::<Body>(value).unwrap_err()
    }

    #[test]
    fn reads_a_well_formed_value() {
        let body: Body = from_value(json!({
            "datasetId": "ds_1",
            "columns": [{"name": "a", "kind": "text"}, {"name": "b", "kind": "integer", "nullable": true}],
            "limit": null,
        }))
        .unwrap();
        assert_eq!(body.columns[1].kind, Kind::Integer);
        assert!(body.columns[1].nullable);
        assert_eq!(body.limit, None);
    }

    #[test]
    fn a_wrong_type_names_the_nested_field() {
        let e = error(
            json!({"datasetId": "d", "columns": [{"name": "a", "kind": "text"}, {"name": 7, "kind": "text"}]}),
        );
        assert_eq!(e.path, "columns[1].name");
        assert!(
            e.message.starts_with("invalid type: integer `7`"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_missing_field_is_named_under_its_object() {
        assert_eq!(error(json!({"columns": []})).path, "datasetId");
        let nested = error(json!({"datasetId": "d", "columns": [{"name": "a"}]}));
        assert_eq!(nested.path, "columns[0].kind");
        assert_eq!(nested.message, "is required");
    }

    #[test]
    fn an_unknown_field_is_named() {
        let e = error(json!({"datasetId": "d", "columns": [], "orgId": "other"}));
        assert_eq!(e.path, "orgId");
        assert!(e
            .message
            .contains("expected one of: datasetId, columns, limit"));
    }

    #[test]
    fn an_unknown_variant_names_its_field() {
        let e = error(json!({"datasetId": "d", "columns": [{"name": "a", "kind": "blob"}]}));
        assert_eq!(e.path, "columns[0].kind");
        assert!(
            e.message.contains("unknown variant `blob`"),
            "{}",
            e.message
        );
    }

    #[test]
    fn out_of_range_numbers_name_their_field() {
        assert_eq!(
            error(json!({"datasetId": "d", "columns": [], "limit": -1})).path,
            "limit"
        );
        assert_eq!(
            error(json!({"datasetId": "d", "columns": [], "limit": 1.5})).path,
            "limit"
        );
        assert_eq!(
            error(json!({"datasetId": "d", "columns": [], "limit": 1e10})).path,
            "limit"
        );
    }

    #[test]
    fn structs_never_read_from_arrays() {
        let positional = error(json!(["d", []]));
        assert_eq!(positional.path, ".");
        assert!(
            positional.message.contains("invalid type: sequence"),
            "{}",
            positional.message
        );
        let nested = error(json!({"datasetId": "d", "columns": [["a", false, "text"]]}));
        assert_eq!(nested.path, "columns[0]");
    }

    #[test]
    fn other_shapes_are_refused_at_the_root() {
        for value in [json!(null), json!("x"), json!(42), json!(true)] {
            assert_eq!(error(value).path, ".");
        }
    }

    #[test]
    fn values_and_maps_read_back_unchanged() {
        let value = json!({"a": [1, -2, 3.5, "x", null, true, {"b": {}}]});
        assert_eq!(from_value::<Value>(value.clone()).unwrap(), value);
        let map: std::collections::BTreeMap<String, i64> = from_value(json!({"x": 1})).unwrap();
        assert_eq!(map["x"], 1);
        let e =
            from_value::<std::collections::BTreeMap<String, i64>>(json!({"x": "1"})).unwrap_err();
        assert_eq!(e.path, "x");
    }

    #[test]
    fn internally_tagged_enums_read_through_their_tag() {
        #[derive(Debug, Deserialize, PartialEq)]
        #[serde(tag = "type", rename_all = "lowercase")]
        enum Shape {
            Circle { radius: f64 },
        }
        let shape: Shape = from_value(json!({"type": "circle", "radius": 2.0})).unwrap();
        assert_eq!(shape, Shape::Circle { radius: 2.0 });
        assert!(from_value::<Shape>(json!({"type": "square"})).is_err());
    }

    #[test]
    fn externally_tagged_variants_name_the_variant() {
        #[derive(Debug, Deserialize, PartialEq)]
        #[serde(rename_all = "lowercase")]
        enum Filter {
            Eq(String),
            Between { low: i64, high: i64 },
        }
        assert_eq!(
            from_value::<Filter>(json!({"eq": "x"})).unwrap(),
            Filter::Eq("x".into())
        );
        let e = from_value::<Filter>(json!({"between": {"low": 1, "high": "2"}})).unwrap_err();
        assert_eq!(e.path, "between.high");
    }

    #[test]
    fn paths_within_an_outer_field() {
        let at = |path: &str| {
            let mut error: FieldError = de::Error::custom("x");
            error.0.path = path.to_string();
            error
        };
        assert_eq!(at(".").path_within("config"), "config");
        assert_eq!(at("schedule").path_within("config"), "config.schedule");
        assert_eq!(at("[0].op").path_within("filters"), "filters[0].op");
    }

    #[test]
    fn stored_text_parses_through_the_same_reader() {
        let columns: Vec<Column> = from_str(r#"[{"name":"a","kind":"text"}]"#).unwrap();
        assert_eq!(columns.len(), 1);
        assert!(from_str::<Vec<Column>>("[1]")
            .unwrap_err()
            .starts_with("[0]:"));
        assert!(from_str::<Vec<Column>>("[").is_err());
    }
}

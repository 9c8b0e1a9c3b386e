//! One entry of a source's `[columns]`, `[attributes]` or `[properties]` table.
//!
//! Either a header name (`order_id = "InvoiceNo"`) or a table:
//! `customer_id = { column = "CustomerID", integer = true }`,
//! `amount = { expr = "Quantity * UnitPrice" }`, `channel = { value = "web" }`,
//! `signup = { column = "Signup", type = "date", formats = ["%d.%m.%Y"] }`.

use crate::model::AttrType;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;

/// Where a canonical field's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSpec {
    /// The details (a plain string is `column = "…"` with defaults).
    pub detail: DetailedColumn,
}

/// The table form of a column mapping.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetailedColumn {
    /// A header name of the source.
    pub column: Option<String>,
    /// An arithmetic expression over header names: `+ - * /`, parentheses, numbers;
    /// names with spaces in backticks.
    pub expr: Option<String>,
    /// A constant.
    pub value: Option<String>,
    /// The text is a whole number written as a float (`17850.0` → `17850`); for ids.
    #[serde(default)]
    pub integer: bool,
    /// Date formats for this column only.
    #[serde(default)]
    pub formats: Vec<String>,
    /// The type of an attribute (`string`, `number`, `bool`, `date`).
    #[serde(rename = "type", default)]
    pub attr_type: AttrType,
    /// The value used when the cell is empty.
    pub default: Option<String>,
}

impl ColumnSpec {
    /// How many of `column`, `expr`, `value` are set (exactly one is valid).
    pub fn sources_set(&self) -> usize {
        let d = &self.detail;
        usize::from(d.column.is_some())
            + usize::from(d.expr.is_some())
            + usize::from(d.value.is_some())
    }
}

impl<'de> Deserialize<'de> for ColumnSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SpecVisitor;
        impl<'de> Visitor<'de> for SpecVisitor {
            type Value = ColumnSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a column name or a table like { column = \"…\" } / { expr = \"…\" } / { value = \"…\" }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ColumnSpec, E> {
                Ok(ColumnSpec {
                    detail: DetailedColumn {
                        column: Some(v.to_owned()),
                        ..Default::default()
                    },
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ColumnSpec, A::Error> {
                let detail =
                    DetailedColumn::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ColumnSpec { detail })
            }
        }
        deserializer.deserialize_any(SpecVisitor)
    }
}

//! Parquet output of `patron export`: one typed column per card field.

use crate::commands::export::COLUMNS;
use anyhow::{Context, Result};
use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

fn kind(column: &str) -> DataType {
    match column {
        "value_score"
        | "churn_risk"
        | "clv"
        | "p_alive"
        | "potential"
        | "revenue"
        | "margin"
        | "days_since_last_order"
        | "payment_risk" => DataType::Float64,
        "orders" => DataType::Int64,
        "lead" | "profiling" => DataType::Boolean,
        _ => DataType::Utf8,
    }
}

fn column(rows: &[Value], name: &str, ty: &DataType) -> ArrayRef {
    match ty {
        DataType::Float64 => Arc::new(
            rows.iter()
                .map(|r| r[name].as_f64())
                .collect::<Float64Array>(),
        ),
        DataType::Int64 => Arc::new(
            rows.iter()
                .map(|r| r[name].as_i64())
                .collect::<Int64Array>(),
        ),
        DataType::Boolean => Arc::new(
            rows.iter()
                .map(|r| r[name].as_bool())
                .collect::<BooleanArray>(),
        ),
        _ => Arc::new(
            rows.iter()
                .map(|r| r[name].as_str().map(str::to_owned))
                .collect::<StringArray>(),
        ),
    }
}

/// Writes the rows to a Parquet file (zstd-compressed).
pub fn write(path: &Path, rows: &[Value]) -> Result<()> {
    let fields: Vec<Field> = COLUMNS
        .iter()
        .map(|c| Field::new(*c, kind(c), *c != "customer_id"))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let arrays: Vec<ArrayRef> = COLUMNS.iter().map(|c| column(rows, c, &kind(c))).collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays)?;
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
        .build();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, schema, Some(props))?;
    writer.write(&batch)?;
    writer.close()?;
    Ok(())
}

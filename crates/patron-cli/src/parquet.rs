//! Parquet output of `patron export`: one typed column per exported field, as the export
//! schema ([`EXPORT_COLUMNS`]) types it.

use anyhow::{Context, Result};
use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use patron_engine::scorecard::{Cell, ColumnType, EXPORT_COLUMNS, ExportRow};
use std::path::Path;
use std::sync::Arc;

fn data_type(ty: ColumnType) -> DataType {
    match ty {
        ColumnType::Text => DataType::Utf8,
        ColumnType::Number => DataType::Float64,
        ColumnType::Integer => DataType::Int64,
        ColumnType::Bool => DataType::Boolean,
    }
}

/// Column `index` of the rows as an Arrow array of its type.
fn column(rows: &[ExportRow], index: usize, ty: ColumnType) -> ArrayRef {
    let cells = rows.iter().map(|r| r.cells()[index].clone());
    match ty {
        ColumnType::Number => Arc::new(
            cells
                .map(|c| match c {
                    Cell::Number(x) => x,
                    _ => None,
                })
                .collect::<Float64Array>(),
        ),
        ColumnType::Integer => Arc::new(
            cells
                .map(|c| match c {
                    Cell::Integer(i) => Some(i),
                    _ => None,
                })
                .collect::<Int64Array>(),
        ),
        ColumnType::Bool => Arc::new(
            cells
                .map(|c| match c {
                    Cell::Bool(b) => Some(b),
                    _ => None,
                })
                .collect::<BooleanArray>(),
        ),
        ColumnType::Text => Arc::new(
            cells
                .map(|c| match c {
                    Cell::Text(t) => t.map(str::to_owned),
                    _ => None,
                })
                .collect::<StringArray>(),
        ),
    }
}

/// Writes the rows to a Parquet file (zstd-compressed).
pub fn write(path: &Path, rows: &[ExportRow]) -> Result<()> {
    let fields: Vec<Field> = EXPORT_COLUMNS
        .iter()
        .map(|(name, ty)| Field::new(*name, data_type(*ty), *name != "customer_id"))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let arrays: Vec<ArrayRef> = EXPORT_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, (_, ty))| column(rows, i, *ty))
        .collect();
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

//! Reading a Parquet file as rows of text fields, so that mapping, skip rules, parsing,
//! rejections and profiling work exactly as for CSV.
//!
//! Every value is written as text the default parsers accept:
//!
//! - null → an empty field;
//! - integers and floats as Rust displays them (`-12`, `0.1`, never `1e-7` or a `,`), so the
//!   source's `decimal` and `thousands` settings do not apply: numbers in Parquet are typed;
//! - decimals as plain decimal text (`Decimal128(10, 2)` 1234 → `12.34`);
//! - booleans as `true`/`false`;
//! - `Date32`/`Date64` as `YYYY-MM-DD`;
//! - timestamps as `YYYY-MM-DD HH:MM:SS` in UTC (a time zone in the type only changes how the
//!   instant is displayed, so the stored UTC instant is written), fractional seconds dropped;
//! - strings as they are; binary (byte arrays without a string annotation, as old Hive or
//!   Impala files have them) as their bytes, decoded with the source's `encoding`;
//! - dictionary-encoded columns as their values.
//!
//! Other types (lists, structs, maps, unions, times of day, durations, intervals, fixed-size
//! binary) are not read: such a column's fields are empty, and mapping one is a header error.

use crate::reader::{ColumnKind, Header, RawRecord, ReadError};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowTemporalType, Date32Type, Date64Type, Decimal32Type, Decimal64Type, Decimal128Type,
    Decimal256Type, DecimalType, Float16Type, Float32Type, Float64Type, Int8Type, Int16Type,
    Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, OffsetSizeTrait, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use patron_core::config::Encoding;
use std::fmt::Display;
use std::fs::File;
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Rows decoded at a time.
const BATCH_ROWS: usize = 8192;

/// How a column of this type is written as text; `None` when it cannot be.
fn kind_of(data_type: &DataType) -> Option<ColumnKind> {
    use DataType as D;
    match data_type {
        D::Date32 | D::Date64 | D::Timestamp(..) => Some(ColumnKind::IsoTime),
        D::Null
        | D::Boolean
        | D::Int8
        | D::Int16
        | D::Int32
        | D::Int64
        | D::UInt8
        | D::UInt16
        | D::UInt32
        | D::UInt64
        | D::Float16
        | D::Float32
        | D::Float64
        | D::Decimal32(..)
        | D::Decimal64(..)
        | D::Decimal128(..)
        | D::Decimal256(..)
        | D::Utf8
        | D::LargeUtf8
        | D::Utf8View
        | D::Binary
        | D::LargeBinary
        | D::BinaryView => Some(ColumnKind::Text),
        D::Dictionary(_, values) if !matches!(**values, D::Dictionary(..)) => kind_of(values),
        _ => None,
    }
}

/// The header of a Parquet file: its top-level column names and how each is written.
fn header_of(schema: &arrow_schema::Schema) -> Header {
    let fields = schema.fields();
    Header {
        names: fields.iter().map(|f| f.name().clone()).collect(),
        kinds: fields
            .iter()
            .map(|f| {
                kind_of(f.data_type())
                    .unwrap_or_else(|| ColumnKind::Unsupported(f.data_type().to_string()))
            })
            .collect(),
    }
}

/// Rows of a Parquet file, read in batches and handed out one at a time as text fields.
pub(crate) struct ParquetRows {
    batches: ParquetRecordBatchReader,
    /// For each header column, its position in the decoded batches (`None`: not read).
    positions: Vec<Option<usize>>,
    /// The current batch's columns (in decoded order).
    columns: Vec<Cells>,
    /// Rows in the current batch, and the next one to hand out.
    batch_len: usize,
    next_in_batch: usize,
    /// Rows handed out before the current batch.
    rows_before: u64,
    /// Rows in the file and its size, for the progress estimate in `count`.
    total_rows: u64,
    file_len: u64,
    count: Arc<AtomicU64>,
    encoding: Encoding,
    scratch: Vec<u8>,
}

impl ParquetRows {
    /// Opens `file`; `count` receives an estimate of the bytes read so far (by rows).
    /// Binary columns are decoded with `encoding`; strings are UTF-8 by definition.
    pub fn open(
        file: File,
        count: Arc<AtomicU64>,
        encoding: Encoding,
    ) -> io::Result<(Self, Header)> {
        let not_parquet = |e: parquet::errors::ParquetError| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("not a readable Parquet file ({e})"),
            )
        };
        let file_len = file.metadata()?.len();
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(not_parquet)?;
        let header = header_of(builder.schema());
        let read: Vec<usize> = (0..header.names.len())
            .filter(|&i| !matches!(header.kinds[i], ColumnKind::Unsupported(_)))
            .collect();
        let mut positions = vec![None; header.names.len()];
        for (position, &column) in read.iter().enumerate() {
            positions[column] = Some(position);
        }
        let mask = ProjectionMask::roots(builder.parquet_schema(), read);
        let total_rows = u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
        let batches = builder
            .with_projection(mask)
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(not_parquet)?;
        let rows = ParquetRows {
            batches,
            positions,
            columns: Vec::new(),
            batch_len: 0,
            next_in_batch: 0,
            rows_before: 0,
            total_rows,
            file_len,
            count,
            encoding,
            scratch: Vec::with_capacity(64),
        };
        Ok((rows, header))
    }

    /// Reads the next row into `out` (its `line` is the 1-based row number); `Ok(false)` at
    /// the end.
    pub fn next(&mut self, out: &mut RawRecord) -> Result<bool, ReadError> {
        while self.next_in_batch == self.batch_len {
            if !self.next_batch()? {
                return Ok(false);
            }
        }
        let row = self.next_in_batch;
        self.next_in_batch += 1;
        out.record.clear();
        for position in &self.positions {
            self.scratch.clear();
            if let Some(p) = position {
                self.columns[*p].write(row, self.encoding, &mut self.scratch);
            }
            out.record.push_field(&self.scratch);
        }
        out.line = self.rows_before + row as u64 + 1;
        Ok(true)
    }

    /// Decodes the next batch; `Ok(false)` at the end of the file.
    fn next_batch(&mut self) -> Result<bool, ReadError> {
        self.rows_before += self.batch_len as u64;
        self.batch_len = 0;
        self.next_in_batch = 0;
        let Some(batch) = self.batches.next() else {
            return Ok(false);
        };
        let batch: RecordBatch = batch.map_err(|e| ReadError::Parquet {
            line: self.rows_before + 1,
            message: e.to_string(),
        })?;
        self.columns = batch.columns().iter().map(Cells::new).collect();
        self.batch_len = batch.num_rows();
        self.report_progress();
        Ok(true)
    }

    /// Estimates bytes read from the share of rows decoded.
    fn report_progress(&self) {
        let done = self.rows_before + self.batch_len as u64;
        let estimate = if self.total_rows == 0 {
            self.file_len
        } else {
            (u128::from(self.file_len) * u128::from(done) / u128::from(self.total_rows)) as u64
        };
        self.count.store(estimate, Ordering::Relaxed);
    }

    /// The number of columns decoded (for tests of the projection).
    #[cfg(test)]
    fn decoded_columns(&self) -> usize {
        use arrow_array::RecordBatchReader;
        self.batches.schema().fields().len()
    }
}

/// One column of a batch; dictionaries are resolved to their values.
struct Cells {
    /// The column, or a dictionary's values.
    values: ArrayRef,
    /// The column itself when it is a dictionary (for its nulls), with its keys as indexes.
    dictionary: Option<(ArrayRef, Vec<usize>)>,
}

impl Cells {
    fn new(column: &ArrayRef) -> Self {
        match column.as_any_dictionary_opt() {
            Some(d) => Cells {
                values: d.values().clone(),
                dictionary: Some((column.clone(), d.normalized_keys())),
            },
            None => Cells {
                values: column.clone(),
                dictionary: None,
            },
        }
    }

    /// Appends the text of `row` to `out` (nothing for null).
    fn write(&self, row: usize, encoding: Encoding, out: &mut Vec<u8>) {
        let index = match &self.dictionary {
            Some((column, _)) if column.is_null(row) => return,
            Some((_, keys)) => keys[row],
            None => row,
        };
        if !self.values.is_null(index) {
            write_value(self.values.as_ref(), index, encoding, out);
        }
    }
}

/// Appends the text of the non-null value at `i` (types as listed in the module docs).
fn write_value(array: &dyn Array, i: usize, encoding: Encoding, out: &mut Vec<u8>) {
    use DataType as D;
    match array.data_type() {
        D::Boolean => display(out, array.as_boolean().value(i)),
        D::Int8 => number::<Int8Type>(array, i, out),
        D::Int16 => number::<Int16Type>(array, i, out),
        D::Int32 => number::<Int32Type>(array, i, out),
        D::Int64 => number::<Int64Type>(array, i, out),
        D::UInt8 => number::<UInt8Type>(array, i, out),
        D::UInt16 => number::<UInt16Type>(array, i, out),
        D::UInt32 => number::<UInt32Type>(array, i, out),
        D::UInt64 => number::<UInt64Type>(array, i, out),
        D::Float16 => number::<Float16Type>(array, i, out),
        D::Float32 => number::<Float32Type>(array, i, out),
        D::Float64 => number::<Float64Type>(array, i, out),
        D::Decimal32(..) => decimal::<Decimal32Type>(array, i, out),
        D::Decimal64(..) => decimal::<Decimal64Type>(array, i, out),
        D::Decimal128(..) => decimal::<Decimal128Type>(array, i, out),
        D::Decimal256(..) => decimal::<Decimal256Type>(array, i, out),
        D::Date32 => temporal::<Date32Type>(array, i, "%Y-%m-%d", out),
        D::Date64 => temporal::<Date64Type>(array, i, "%Y-%m-%d", out),
        D::Timestamp(unit, _) => timestamp(array, *unit, i, out),
        D::Utf8 => out.extend_from_slice(array.as_string::<i32>().value(i).as_bytes()),
        D::LargeUtf8 => out.extend_from_slice(array.as_string::<i64>().value(i).as_bytes()),
        D::Utf8View => out.extend_from_slice(array.as_string_view().value(i).as_bytes()),
        D::Binary => binary::<i32>(array, i, encoding, out),
        D::LargeBinary => binary::<i64>(array, i, encoding, out),
        D::BinaryView => bytes(array.as_binary_view().value(i), encoding, out),
        // Not read (see `kind_of`), so never reached; `Null` has no values.
        _ => {}
    }
}

fn display(out: &mut Vec<u8>, value: impl Display) {
    // Writing into a Vec cannot fail.
    let _ = write!(out, "{value}");
}

fn number<T: ArrowPrimitiveType>(array: &dyn Array, i: usize, out: &mut Vec<u8>)
where
    T::Native: Display,
{
    display(out, array.as_primitive::<T>().value(i));
}

fn decimal<T: DecimalType>(array: &dyn Array, i: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(array.as_primitive::<T>().value_as_string(i).as_bytes());
}

fn timestamp(array: &dyn Array, unit: TimeUnit, i: usize, out: &mut Vec<u8>) {
    const FORMAT: &str = "%Y-%m-%d %H:%M:%S";
    match unit {
        TimeUnit::Second => temporal::<TimestampSecondType>(array, i, FORMAT, out),
        TimeUnit::Millisecond => temporal::<TimestampMillisecondType>(array, i, FORMAT, out),
        TimeUnit::Microsecond => temporal::<TimestampMicrosecondType>(array, i, FORMAT, out),
        TimeUnit::Nanosecond => temporal::<TimestampNanosecondType>(array, i, FORMAT, out),
    }
}

/// A date or an instant as UTC text; the raw number when out of chrono's range (the mapping
/// then rejects the row with that value).
fn temporal<T: ArrowTemporalType>(array: &dyn Array, i: usize, format: &str, out: &mut Vec<u8>)
where
    i64: From<T::Native>,
{
    let array = array.as_primitive::<T>();
    match array.value_as_datetime(i) {
        Some(t) => display(out, t.format(format)),
        None => display(out, i64::from(array.value(i))),
    }
}

fn binary<O: OffsetSizeTrait>(array: &dyn Array, i: usize, encoding: Encoding, out: &mut Vec<u8>) {
    bytes(array.as_binary::<O>().value(i), encoding, out);
}

/// Raw bytes, transcoded to UTF-8 when the source is Windows-1252 (invalid UTF-8 is left for
/// the mapping to reject, with its usual hint).
fn bytes(value: &[u8], encoding: Encoding, out: &mut Vec<u8>) {
    match encoding {
        Encoding::Utf8 => out.extend_from_slice(value),
        Encoding::Windows1252 => out.extend_from_slice(
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(value)
                .0
                .as_bytes(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::builder::{ListBuilder, StringBuilder};
    use arrow_array::{
        BinaryArray, DictionaryArray, Float32Array, Int64Array, TimestampNanosecondArray,
    };
    use parquet::arrow::ArrowWriter;

    fn write(batch: &RecordBatch) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        let mut writer =
            ArrowWriter::try_new(file.reopen().unwrap(), batch.schema(), None).unwrap();
        writer.write(batch).unwrap();
        writer.close().unwrap();
        file
    }

    fn rows(file: &tempfile::NamedTempFile, encoding: Encoding) -> (Header, Vec<Vec<String>>) {
        let count = Arc::new(AtomicU64::new(0));
        let (mut rows, header) =
            ParquetRows::open(file.reopen().unwrap(), count.clone(), encoding).unwrap();
        let mut raw = RawRecord {
            record: csv::ByteRecord::new(),
            line: 0,
        };
        let mut out = Vec::new();
        while rows.next(&mut raw).unwrap() {
            assert_eq!(raw.line, out.len() as u64 + 1);
            let fields = raw.record.iter();
            out.push(
                fields
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect(),
            );
        }
        assert_eq!(
            count.load(Ordering::Relaxed),
            file.as_file().metadata().unwrap().len()
        );
        (header, out)
    }

    #[test]
    fn types_beyond_the_integration_tests() {
        let mut list = ListBuilder::new(StringBuilder::new());
        list.values().append_value("a");
        list.append(true);
        list.append(false);
        let dictionary: DictionaryArray<Int32Type> = vec![Some("web"), None].into_iter().collect();
        let batch = RecordBatch::try_from_iter([
            (
                "f32",
                Arc::new(Float32Array::from(vec![0.1, 1e20])) as ArrayRef,
            ),
            ("u", Arc::new(Int64Array::from(vec![-7, i64::MAX]))),
            (
                "ns",
                Arc::new(TimestampNanosecondArray::from(vec![-1, 1_500_000_000])),
            ),
            (
                "bin",
                Arc::new(BinaryArray::from(vec![&b"Gr\xfc\xdfe"[..], b""])),
            ),
            ("dict", Arc::new(dictionary)),
            ("tags", Arc::new(list.finish())),
        ])
        .unwrap();
        let file = write(&batch);
        let (header, rows) = rows(&file, Encoding::Windows1252);
        assert_eq!(header.names, ["f32", "u", "ns", "bin", "dict", "tags"]);
        assert_eq!(header.kinds[2], ColumnKind::IsoTime);
        assert!(matches!(&header.kinds[5], ColumnKind::Unsupported(t) if t.contains("List")));
        assert_eq!(
            rows,
            [
                ["0.1", "-7", "1969-12-31 23:59:59", "Grüße", "web", ""],
                [
                    "100000000000000000000",
                    "9223372036854775807",
                    "1970-01-01 00:00:01",
                    "",
                    "",
                    ""
                ],
            ]
        );
        let (rows, _) = ParquetRows::open(
            file.reopen().unwrap(),
            Arc::new(AtomicU64::new(0)),
            Encoding::Utf8,
        )
        .unwrap();
        assert_eq!(rows.decoded_columns(), 5, "the list column is not decoded");
    }

    #[test]
    fn a_csv_file_is_not_parquet() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(b"a,b\n1,2\n").unwrap();
        let e = ParquetRows::open(
            file.reopen().unwrap(),
            Arc::new(AtomicU64::new(0)),
            Encoding::Utf8,
        )
        .err()
        .unwrap();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(
            e.to_string().starts_with("not a readable Parquet file"),
            "{e}"
        );
    }
}

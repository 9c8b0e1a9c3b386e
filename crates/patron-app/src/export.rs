//! Cards written as export rows: CSV (German Excel's dialect on request) and JSON lines, a
//! chunk at a time, so a run of millions is streamed, never held. `patron export` and the
//! server's `/v1/exports/cards` write through these functions.

use crate::AppError;
use patron_engine::scorecard::{Cell, EXPORT_COLUMNS, ExportRow};

/// `rows` as CSV, with the header first when `header`. `german`: `;` between fields, a
/// decimal comma and Windows-1252, what Excel in Germany opens.
pub fn csv_rows(rows: &[ExportRow], header: bool, german: bool) -> Result<Vec<u8>, AppError> {
    let mut buffer = Vec::new();
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(if german { b';' } else { b',' })
            .from_writer(&mut buffer);
        let failed = |e: csv::Error| AppError::Io(format!("writing CSV: {e}"));
        if header {
            w.write_record(EXPORT_COLUMNS.iter().map(|(name, _)| *name))
                .map_err(failed)?;
        }
        for r in rows {
            w.write_record(r.cells().iter().map(|c| cell(c, german)))
                .map_err(failed)?;
        }
        w.flush()
            .map_err(|e| AppError::Io(format!("writing CSV: {e}")))?;
    }
    if german {
        let text = String::from_utf8(buffer).map_err(|e| AppError::Corrupt(e.to_string()))?;
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
        return Ok(bytes.into_owned());
    }
    Ok(buffer)
}

/// `rows` as JSON lines: one object per line.
pub fn jsonl_rows(rows: &[ExportRow]) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::with_capacity(rows.len() * 512);
    for r in rows {
        serde_json::to_writer(&mut out, r).map_err(|e| AppError::Corrupt(e.to_string()))?;
        out.push(b'\n');
    }
    Ok(out)
}

fn cell(v: &Cell<'_>, german: bool) -> String {
    match v {
        Cell::Text(t) => t.unwrap_or("").to_owned(),
        Cell::Number(None) => String::new(),
        Cell::Number(Some(x)) => {
            // As JSON writes it (shortest round trip), with a decimal comma for German Excel.
            let text = serde_json::Number::from_f64(*x).map_or_else(String::new, |n| n.to_string());
            if german { text.replace('.', ",") } else { text }
        }
        Cell::Integer(i) => i.to_string(),
        Cell::Bool(b) => b.to_string(),
    }
}

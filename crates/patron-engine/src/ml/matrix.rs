//! A dense column-major matrix of `f64` with `NaN` for missing values: what models fit on.

use super::error::MlError;

/// A dense matrix stored column by column (`data[col * rows + row]`); `NaN` marks a missing
/// value.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    data: Vec<f64>,
    rows: usize,
    cols: usize,
}

impl Matrix {
    /// A matrix from column-major data.
    pub fn from_columns_data(data: Vec<f64>, rows: usize, cols: usize) -> Result<Self, MlError> {
        if data.len() != rows * cols {
            return Err(MlError::Invalid(format!(
                "matrix data has {} values, expected {rows} × {cols}",
                data.len()
            )));
        }
        Ok(Matrix { data, rows, cols })
    }

    /// A matrix from its columns (all of the same length).
    pub fn from_columns(columns: &[Vec<f64>]) -> Result<Self, MlError> {
        let rows = columns.first().map_or(0, Vec::len);
        if let Some(bad) = columns.iter().position(|c| c.len() != rows) {
            return Err(MlError::Invalid(format!(
                "column {bad} has {} values, expected {rows}",
                columns[bad].len()
            )));
        }
        Ok(Matrix {
            data: columns.concat(),
            rows,
            cols: columns.len(),
        })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The column-major values.
    pub fn data(&self) -> &[f64] {
        &self.data
    }

    /// One column.
    pub fn col(&self, col: usize) -> &[f64] {
        &self.data[col * self.rows..(col + 1) * self.rows]
    }

    /// One value.
    pub fn get(&self, row: usize, col: usize) -> f64 {
        self.data[col * self.rows + row]
    }

    /// A new matrix with these rows, in this order.
    pub fn select_rows(&self, rows: &[usize]) -> Matrix {
        let mut data = Vec::with_capacity(rows.len() * self.cols);
        for col in 0..self.cols {
            let values = self.col(col);
            data.extend(rows.iter().map(|&r| values[r]));
        }
        Matrix {
            data,
            rows: rows.len(),
            cols: self.cols,
        }
    }

    /// A new matrix with these columns, in this order.
    pub fn select_cols(&self, cols: &[usize]) -> Matrix {
        let mut data = Vec::with_capacity(cols.len() * self.rows);
        for &col in cols {
            data.extend_from_slice(self.col(col));
        }
        Matrix {
            data,
            rows: self.rows,
            cols: cols.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_rows_and_columns() {
        let m = Matrix::from_columns(&[vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]]).unwrap();
        assert_eq!(m.get(2, 1), 6.0);
        let r = m.select_rows(&[2, 0]);
        assert_eq!(r.data(), &[3.0, 1.0, 6.0, 4.0]);
        let c = m.select_cols(&[1]);
        assert_eq!(c.col(0), &[4.0, 5.0, 6.0]);
        assert!(Matrix::from_columns(&[vec![1.0], vec![]]).is_err());
    }
}

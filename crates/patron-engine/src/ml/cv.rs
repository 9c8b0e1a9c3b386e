//! Cross-validation: fold assignments (stratified k-fold with a seeded shuffle, or read from a
//! `row_index,fold` file) and fitting a learner on every fold.

use super::error::{MlError, Position};
use super::matrix::Matrix;
use super::metrics::Scores;
use super::model::{Learner, ModelSummary};
use super::rng::SplitMix64;
use super::table::Table;
use serde::Serialize;

/// Which fold (test set) every row belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folds {
    fold: Vec<usize>,
    k: usize,
}

impl Folds {
    /// Stratified k-fold: each class's rows are shuffled with the seed and dealt to the folds
    /// in turn, so every fold has nearly the same size and positive rate.
    pub fn stratified(y: &[f64], k: usize, seed: u64) -> Result<Folds, MlError> {
        let positives = y.iter().filter(|&&v| v == 1.0).count();
        let smaller = positives.min(y.len() - positives);
        if k < 2 || smaller < k {
            return Err(MlError::Invalid(format!(
                "{k}-fold cross-validation needs k ≥ 2 and at least k rows of each class \
                 ({positives} positive, {} negative)",
                y.len() - positives
            )));
        }
        let mut rng = SplitMix64::new(seed);
        let mut fold = vec![0; y.len()];
        let mut next = 0;
        for class in [1.0, 0.0] {
            let mut rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
            rng.shuffle(&mut rows);
            for row in rows {
                fold[row] = next % k;
                next += 1;
            }
        }
        Ok(Folds { fold, k })
    }

    /// Reads a folds file: delimited text with columns `row_index` (0-based data row) and
    /// `fold` (any integers; their sorted distinct values become folds 0, 1, …). Every row of
    /// the `rows`-row table must appear exactly once.
    pub fn parse(bytes: &[u8], rows: usize) -> Result<Folds, MlError> {
        let table = Table::parse(bytes).map_err(|e| match e {
            MlError::Table { at, message } => MlError::Folds { at, message },
            other => other,
        })?;
        let (row_col, fold_col) = (
            folds_column(&table, "row_index")?,
            folds_column(&table, "fold")?,
        );
        if table.rows() != rows {
            return Err(MlError::folds(
                Position::default(),
                format!(
                    "the folds file lists {} rows, the table has {rows}",
                    table.rows()
                ),
            ));
        }
        let mut given: Vec<Option<i64>> = vec![None; rows];
        for i in 0..table.rows() {
            let row = integer(&table, i, row_col)?;
            let at = Position::field(table.line_of(i), row_col, "row_index");
            let slot = usize::try_from(row)
                .ok()
                .and_then(|r| given.get_mut(r))
                .ok_or_else(|| {
                    MlError::folds(
                        at.clone(),
                        format!("row {row} is not in the table (0 ..= {})", rows - 1),
                    )
                })?;
            if slot.replace(integer(&table, i, fold_col)?).is_some() {
                return Err(MlError::folds(at, format!("row {row} appears twice")));
            }
        }
        // Equal counts, no duplicates and all in range: every row has a fold.
        Self::from_labels(given.into_iter().flatten().collect())
    }

    /// Folds from arbitrary integer fold labels, one per row.
    pub fn from_labels(labels: Vec<i64>) -> Result<Folds, MlError> {
        let mut distinct = labels.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() < 2 {
            return Err(MlError::folds(Position::default(), "fewer than 2 folds"));
        }
        let fold = labels
            .iter()
            .map(|l| distinct.binary_search(l).unwrap_or_default())
            .collect();
        Ok(Folds {
            fold,
            k: distinct.len(),
        })
    }

    /// Number of folds.
    pub fn k(&self) -> usize {
        self.k
    }

    /// The fold of every row.
    pub fn assignment(&self) -> &[usize] {
        &self.fold
    }

    /// Rows tested in fold `f`.
    pub fn test_rows(&self, f: usize) -> Vec<usize> {
        (0..self.fold.len())
            .filter(|&i| self.fold[i] == f)
            .collect()
    }

    /// Rows trained on in fold `f`.
    pub fn train_rows(&self, f: usize) -> Vec<usize> {
        (0..self.fold.len())
            .filter(|&i| self.fold[i] != f)
            .collect()
    }
}

/// The index of a required column of a folds file.
fn folds_column(table: &Table, name: &str) -> Result<usize, MlError> {
    table.column_index(name).ok_or_else(|| {
        MlError::folds(
            Position::line(1),
            format!("no `{name}` column (header: {})", table.header().join(", ")),
        )
    })
}

/// The integer in row `i`, column `c` of a folds file.
fn integer(table: &Table, i: usize, c: usize) -> Result<i64, MlError> {
    let cell = &table.column(c)[i];
    cell.parse::<i64>().map_err(|_| {
        MlError::folds(
            Position::field(table.line_of(i), c, &table.header()[c]),
            format!("`{cell}` is not an integer"),
        )
    })
}

/// The result of one fold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FoldResult {
    /// Fold number (0-based).
    pub fold: usize,
    /// Rows trained on.
    pub train_rows: usize,
    /// Rows tested.
    pub test_rows: usize,
    /// Positives among the tested rows.
    pub test_positives: usize,
    /// Metrics on the tested rows.
    #[serde(flatten)]
    pub scores: Scores,
    /// What the fitted model reports (trees, iterations).
    #[serde(flatten)]
    pub model: ModelSummary,
}

/// Out-of-fold predictions and per-fold results.
#[derive(Debug, Clone, PartialEq)]
pub struct CvRun {
    /// Each row's probability from the model that did not train on it.
    pub oof: Vec<f64>,
    /// One result per fold.
    pub folds: Vec<FoldResult>,
}

/// Checks that `folds` and `y` cover `rows` rows and that every fold tests both classes.
pub fn check_folds(folds: &Folds, y: &[f64], rows: usize) -> Result<(), MlError> {
    if folds.fold.len() != rows || y.len() != rows {
        return Err(MlError::Invalid(format!(
            "{} fold assignments and {} labels for {} rows",
            folds.fold.len(),
            y.len(),
            rows
        )));
    }
    // A fold that tests one class only has no ROC AUC (and its metrics would be NaN): a
    // folds file that makes one is rejected, naming the fold.
    for f in 0..folds.k {
        let test = folds.test_rows(f);
        let positives = test.iter().filter(|&&i| y[i] == 1.0).count();
        if positives == 0 || positives == test.len() {
            return Err(MlError::folds(
                Position::default(),
                format!(
                    "fold {f} tests {} rows, all {}: its ROC AUC is undefined; give every fold rows of both classes",
                    test.len(),
                    if positives == 0 {
                        "negative"
                    } else {
                        "positive"
                    }
                ),
            ));
        }
    }
    Ok(())
}

/// Fits `learner` on every fold's training rows and predicts its test rows; `on_fold` is
/// called after each fold.
pub fn cross_validate(
    learner: &dyn Learner,
    x: &Matrix,
    y: &[f64],
    folds: &Folds,
    on_fold: &mut dyn FnMut(&FoldResult),
) -> Result<CvRun, MlError> {
    check_folds(folds, y, x.rows())?;
    let mut oof = vec![f64::NAN; y.len()];
    let mut results = Vec::with_capacity(folds.k);
    for f in 0..folds.k {
        let (train, test) = (folds.train_rows(f), folds.test_rows(f));
        let y_train: Vec<f64> = train.iter().map(|&r| y[r]).collect();
        let y_test: Vec<f64> = test.iter().map(|&r| y[r]).collect();
        let model = learner.fit(&x.select_rows(&train), &y_train)?;
        let p = model.predict_proba(&x.select_rows(&test));
        for (&row, &q) in test.iter().zip(&p) {
            oof[row] = q;
        }
        let result = FoldResult {
            fold: f,
            train_rows: train.len(),
            test_rows: test.len(),
            test_positives: y_test.iter().filter(|&&v| v == 1.0).count(),
            scores: Scores::of(&y_test, &p),
            model: model.summary(),
        };
        on_fold(&result);
        results.push(result);
    }
    Ok(CvRun {
        oof,
        folds: results,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratified_folds_balance_classes() {
        let y: Vec<f64> = (0..103).map(|i| f64::from(u8::from(i % 5 == 0))).collect();
        let folds = Folds::stratified(&y, 5, 42).unwrap();
        for f in 0..5 {
            let test = folds.test_rows(f);
            assert!((20..=21).contains(&test.len()), "{}", test.len());
            let pos = test.iter().filter(|&&r| y[r] == 1.0).count();
            assert!((4..=5).contains(&pos));
        }
        assert_eq!(folds, Folds::stratified(&y, 5, 42).unwrap());
        assert_ne!(folds, Folds::stratified(&y, 5, 43).unwrap());
        assert!(Folds::stratified(&[1.0, 0.0, 0.0], 2, 1).is_err());
    }

    #[test]
    fn reads_a_folds_file() {
        let folds = Folds::parse(b"row_index,fold\n2,7\n0,3\n1,7\n", 3).unwrap();
        assert_eq!(folds.assignment(), &[0, 1, 1]);
        let e = Folds::parse(b"row_index,fold\n0,1\n0,2\n", 2).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 3, column 1 (row_index): row 0 appears twice"
        );
        let e = Folds::parse(b"row_index,fold\n0,1\n5,2\n", 2).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 3, column 1 (row_index): row 5 is not in the table (0 ..= 1)"
        );
        let e = Folds::parse(b"row_index,fold\n0,1\n", 2).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the folds file lists 1 rows, the table has 2"
        );
        let e = Folds::parse(b"row,fold\n0,1\n", 1).unwrap_err();
        assert!(
            e.to_string().starts_with("line 1: no `row_index` column"),
            "{e}"
        );
    }
}

//! Model choice: gradient boosting with a few settings, the regularised logistic model with a
//! few penalties, and a blend of the best of each, compared by cross-validation — with a nested
//! estimate of how well *choosing* does, so the score reported for the winner is not the
//! optimistic maximum of several noisy scores.
//!
//! Every candidate is cross-validated on the given folds (its out-of-fold predictions choose the
//! final model). For the nested estimate each outer fold `f` needs a choice made without `f`:
//! the inner folds are the other outer folds, and the model that predicts inner fold `g` is
//! fitted on the rows of neither `f` nor `g`. That model is the same for the pair `(f, g)` and
//! `(g, f)`, so one fit serves both: a candidate costs `k` fits for its cross-validation and
//! `k(k−1)/2` for the nested choice (15 for five folds), not `k · k_inner`. The blend costs
//! nothing: it averages the probabilities of the GBM and the logistic model that score best in
//! the same context (all folds, or the inner folds of `f`).

use super::cv::{self, Folds};
use super::error::MlError;
use super::gbm::{Gbm, GbmParams};
use super::logistic::{Logistic, LogisticParams};
use super::matrix::Matrix;
use super::metrics::{Scores, log_loss, roc_auc};
use super::model::Learner;
use serde::Serialize;

/// What the choice maximises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// Pooled out-of-fold ROC AUC (higher is better).
    RocAuc,
    /// Pooled out-of-fold log loss (lower is better).
    LogLoss,
}

impl Criterion {
    /// Parses `auc`, `roc_auc`, `logloss` or `log_loss`.
    pub fn parse(name: &str) -> Option<Criterion> {
        match name.to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "auc" | "roc_auc" => Some(Criterion::RocAuc),
            "logloss" | "log_loss" => Some(Criterion::LogLoss),
            _ => None,
        }
    }

    /// The criterion's value as a loss (lower is better).
    fn loss(self, y: &[f64], p: &[f64]) -> f64 {
        match self {
            Criterion::RocAuc => -roc_auc(y, p),
            Criterion::LogLoss => log_loss(y, p),
        }
    }
}

/// A candidate learner.
#[derive(Debug, Clone, PartialEq)]
pub enum Candidate {
    /// Gradient boosting with these settings (on the ordinal design).
    Gbm(GbmParams),
    /// Logistic regression with this penalty (on the one-hot design).
    Logistic(LogisticParams),
}

impl Candidate {
    /// `gbm` or `logistic`.
    pub fn family(&self) -> &'static str {
        match self {
            Candidate::Gbm(_) => "gbm",
            Candidate::Logistic(_) => "logistic",
        }
    }

    /// Its settings in words, e.g. `rate 0.05, depth 3, min leaf 5, l2 5`.
    pub fn settings(&self) -> String {
        match self {
            Candidate::Gbm(p) => format!(
                "rate {}, depth {}, min leaf {}, l2 {}, ≤ {} trees",
                p.learning_rate, p.max_depth, p.min_leaf_weight, p.l2, p.max_trees
            ),
            Candidate::Logistic(p) => format!("l2 {} (C = {})", p.l2, 1.0 / p.l2),
        }
    }
}

/// The default candidates. The GBM settings run from the library default to a shallow,
/// strongly regularised, slowly learning one that suits a few hundred rows (early stopping on
/// a held-out tenth of each training set picks the number of trees); the logistic penalties
/// run from weak to strong (`C` = 10 … 0.01).
pub fn default_candidates(seed: u64) -> Vec<Candidate> {
    let gbm = |learning_rate, max_depth, min_leaf_weight, l2, max_trees| {
        Candidate::Gbm(GbmParams {
            learning_rate,
            max_depth,
            min_leaf_weight,
            l2,
            max_trees,
            seed,
            ..GbmParams::default()
        })
    };
    let logistic = |l2| {
        Candidate::Logistic(LogisticParams {
            l2,
            ..LogisticParams::default()
        })
    };
    vec![
        logistic(0.1),
        logistic(1.0),
        logistic(10.0),
        logistic(100.0),
        gbm(0.1, 5, 1.0, 1.0, 300),
        gbm(0.05, 3, 5.0, 5.0, 600),
        gbm(0.05, 7, 2.0, 1.0, 600),
    ]
}

/// The inputs of the choice: one design per family, rows in the same order.
pub struct Designs<'a> {
    /// Level codes for categorical columns (the GBM's design).
    pub ordinal: &'a Matrix,
    /// Columns of `ordinal` that hold level codes.
    pub categorical: &'a [usize],
    /// One-hot columns (the logistic model's design).
    pub onehot: &'a Matrix,
}

/// One candidate's cross-validated scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CandidateScore {
    /// `logistic-1`, `gbm-2`, `blend`: family and position among the family's candidates.
    pub name: String,
    /// `gbm`, `logistic` or `blend`.
    pub family: &'static str,
    /// Settings in words.
    pub settings: String,
    /// Pooled out-of-fold metrics.
    #[serde(flatten)]
    pub scores: Scores,
    /// In how many outer folds the nested choice picked it.
    pub chosen_in_folds: usize,
}

/// The nested estimate: per outer fold, what was chosen without it and how that did on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NestedFold {
    /// Outer fold (0-based).
    pub fold: usize,
    /// The candidate chosen on the other folds.
    pub chosen: String,
    /// Its metrics on this fold.
    #[serde(flatten)]
    pub scores: Scores,
}

/// The outcome of [`choose`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Selection {
    /// What was maximised.
    pub criterion: Criterion,
    /// Every candidate, in the order tried, the blend last.
    pub candidates: Vec<CandidateScore>,
    /// The winner's name.
    pub chosen: String,
    /// Why, in words.
    pub reason: String,
    /// Mean ROC AUC over the outer folds of the nested choice: the honest score of "choose,
    /// then fit" (the winner's own out-of-fold score is the best of several, so optimistic).
    pub nested_roc_auc_mean: f64,
    /// Standard deviation of the nested per-fold ROC AUC.
    pub nested_roc_auc_sd: f64,
    /// Mean log loss over the outer folds of the nested choice.
    pub nested_log_loss_mean: f64,
    /// Per outer fold.
    pub nested: Vec<NestedFold>,
    /// The nested out-of-fold probabilities (each row predicted by the model chosen and
    /// fitted without its fold).
    #[serde(skip)]
    pub nested_oof: Vec<f64>,
    /// The winner's out-of-fold probabilities.
    #[serde(skip)]
    pub chosen_oof: Vec<f64>,
}

impl Selection {
    /// The winning candidate's settings, or `None` for the blend.
    pub fn winner<'a>(&self, candidates: &'a [Candidate]) -> Option<&'a Candidate> {
        let index = self.candidates.iter().position(|c| c.name == self.chosen)?;
        candidates.get(index)
    }
}

/// Predictions of one candidate: out-of-fold, and per outer fold the inner out-of-fold
/// predictions of every other fold's rows (NaN on the outer fold's own rows).
struct Predictions {
    oof: Vec<f64>,
    inner: Vec<Vec<f64>>,
}

/// Cross-validates every candidate and the blend over `folds`, chooses by `criterion`, and
/// estimates the choice by nested cross-validation. `on_fit` is called after every fit (for
/// progress); there are `candidates × (k + k(k−1)/2)` of them.
pub fn choose(
    candidates: &[Candidate],
    designs: &Designs<'_>,
    y: &[f64],
    folds: &Folds,
    criterion: Criterion,
    on_fit: &mut dyn FnMut(),
) -> Result<Selection, MlError> {
    cv::check_folds(folds, y, designs.ordinal.rows())?;
    let k = folds.k();
    if k < 3 {
        return Err(MlError::Invalid(format!(
            "model choice needs at least 3 folds (nested cross-validation), got {k}"
        )));
    }
    if candidates.is_empty() {
        return Err(MlError::Invalid("no candidate models".into()));
    }
    let mut predictions = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        predictions.push(predict(candidate, designs, y, folds, on_fit)?);
    }
    let assignment = folds.assignment();
    let names = names(candidates);

    // The final choice: pooled out-of-fold scores of all rows.
    let all: Vec<usize> = (0..y.len()).collect();
    let oofs: Vec<&[f64]> = predictions.iter().map(|p| p.oof.as_slice()).collect();
    let (blend_oof, blend_of) = blend(candidates, &oofs, y, &all, criterion);
    let mut scored: Vec<(String, &'static str, String, Vec<f64>)> = candidates
        .iter()
        .zip(&predictions)
        .zip(&names)
        .map(|((c, p), n)| (n.clone(), c.family(), c.settings(), p.oof.clone()))
        .collect();
    if let (Some(p), Some((g, l))) = (blend_oof, blend_of) {
        let settings = format!("mean probability of {} and {}", names[g], names[l]);
        scored.push(("blend".into(), "blend", settings, p));
    }
    let losses: Vec<f64> = scored.iter().map(|s| criterion.loss(y, &s.3)).collect();
    let best = argmin(&losses);

    // The nested estimate: for each outer fold, choose on the inner predictions of the other
    // folds, then predict the fold with the chosen candidate fitted without it.
    let mut nested_oof = vec![f64::NAN; y.len()];
    let mut nested = Vec::with_capacity(k);
    let mut chosen_count = vec![0usize; scored.len()];
    for f in 0..k {
        let inner_rows: Vec<usize> = (0..y.len()).filter(|&i| assignment[i] != f).collect();
        let test_rows = folds.test_rows(f);
        let inner: Vec<&[f64]> = predictions.iter().map(|p| p.inner[f].as_slice()).collect();
        let mut inner_losses: Vec<f64> = inner
            .iter()
            .map(|p| criterion.loss(&pick(y, &inner_rows), &pick(p, &inner_rows)))
            .collect();
        let (inner_blend, parts) = blend(candidates, &inner, y, &inner_rows, criterion);
        if let Some(p) = &inner_blend {
            inner_losses.push(criterion.loss(&pick(y, &inner_rows), &pick(p, &inner_rows)));
        }
        let choice = argmin(&inner_losses);
        chosen_count[choice] += 1;
        let fold_p: Vec<f64> = if choice < candidates.len() {
            pick(&predictions[choice].oof, &test_rows)
        } else {
            let (g, l) = parts.unwrap_or_else(|| unreachable!("the blend was scored"));
            test_rows
                .iter()
                .map(|&i| 0.5 * (predictions[g].oof[i] + predictions[l].oof[i]))
                .collect()
        };
        for (&row, &p) in test_rows.iter().zip(&fold_p) {
            nested_oof[row] = p;
        }
        nested.push(NestedFold {
            fold: f,
            chosen: scored[choice].0.clone(),
            scores: Scores::of(&pick(y, &test_rows), &fold_p),
        });
    }
    let aucs: Vec<f64> = nested.iter().map(|n| n.scores.roc_auc).collect();
    let (auc_mean, auc_sd) = mean_sd(&aucs);
    let nested_log_loss_mean =
        nested.iter().map(|n| n.scores.log_loss).sum::<f64>() / nested.len() as f64;
    let candidates_scored: Vec<CandidateScore> = scored
        .iter()
        .zip(&chosen_count)
        .map(|(s, &count)| CandidateScore {
            name: s.0.clone(),
            family: s.1,
            settings: s.2.clone(),
            scores: Scores::of(y, &s.3),
            chosen_in_folds: count,
        })
        .collect();
    let reason = reason(&candidates_scored, best, criterion);
    Ok(Selection {
        criterion,
        chosen: scored[best].0.clone(),
        reason,
        nested_roc_auc_mean: auc_mean,
        nested_roc_auc_sd: auc_sd,
        nested_log_loss_mean,
        nested,
        nested_oof,
        chosen_oof: scored[best].3.clone(),
        candidates: candidates_scored,
    })
}

/// Names in the report: family and 1-based position within the family.
fn names(candidates: &[Candidate]) -> Vec<String> {
    let mut seen = std::collections::HashMap::new();
    candidates
        .iter()
        .map(|c| {
            let n = seen.entry(c.family()).or_insert(0);
            *n += 1;
            format!("{}-{n}", c.family())
        })
        .collect()
}

/// The winner's advantage in words: over the best of the other family and over the runner-up.
fn reason(scored: &[CandidateScore], best: usize, criterion: Criterion) -> String {
    let value = |s: &CandidateScore| match criterion {
        Criterion::RocAuc => s.scores.roc_auc,
        Criterion::LogLoss => s.scores.log_loss,
    };
    let what = match criterion {
        Criterion::RocAuc => "ROC AUC",
        Criterion::LogLoss => "log loss",
    };
    let winner = &scored[best];
    let runner_up = scored
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != best)
        .map(|(_, s)| s)
        .min_by(|a, b| {
            let (a, b) = (value(a), value(b));
            match criterion {
                Criterion::RocAuc => b.total_cmp(&a),
                Criterion::LogLoss => a.total_cmp(&b),
            }
        });
    match runner_up {
        Some(r) => format!(
            "{} ({}) has the best pooled out-of-fold {what}, {:.4}; next is {} ({}) with {:.4}",
            winner.name,
            winner.settings,
            value(winner),
            r.name,
            r.settings,
            value(r)
        ),
        None => format!(
            "{} ({}) is the only candidate: {what} {:.4}",
            winner.name,
            winner.settings,
            value(winner)
        ),
    }
}

/// Fits `candidate` for the cross-validation and for every pair of folds.
fn predict(
    candidate: &Candidate,
    designs: &Designs<'_>,
    y: &[f64],
    folds: &Folds,
    on_fit: &mut dyn FnMut(),
) -> Result<Predictions, MlError> {
    let (learner, x): (Box<dyn Learner>, &Matrix) = match candidate {
        Candidate::Gbm(params) => (
            Box::new(Gbm {
                params: *params,
                categorical: designs.categorical.to_vec(),
            }),
            designs.ordinal,
        ),
        Candidate::Logistic(params) => (Box::new(Logistic { params: *params }), designs.onehot),
    };
    let k = folds.k();
    let assignment = folds.assignment();
    let n = y.len();
    let mut fit_predict = |train: &[usize], test: &[usize]| -> Result<Vec<f64>, MlError> {
        let y_train = pick(y, train);
        let model = learner.fit(&x.select_rows(train), &y_train)?;
        on_fit();
        Ok(model.predict_proba(&x.select_rows(test)))
    };
    let mut oof = vec![f64::NAN; n];
    for f in 0..k {
        let test = folds.test_rows(f);
        let p = fit_predict(&folds.train_rows(f), &test)?;
        for (&row, &q) in test.iter().zip(&p) {
            oof[row] = q;
        }
    }
    let mut inner = vec![vec![f64::NAN; n]; k];
    for f in 0..k {
        for g in f + 1..k {
            let train: Vec<usize> = (0..n)
                .filter(|&i| assignment[i] != f && assignment[i] != g)
                .collect();
            let test: Vec<usize> = (0..n)
                .filter(|&i| assignment[i] == f || assignment[i] == g)
                .collect();
            let p = fit_predict(&train, &test)?;
            for (&row, &q) in test.iter().zip(&p) {
                // Rows of g predicted without f and g: inner predictions of outer fold f, and
                // rows of f those of outer fold g.
                if assignment[row] == g {
                    inner[f][row] = q;
                } else {
                    inner[g][row] = q;
                }
            }
        }
    }
    Ok(Predictions { oof, inner })
}

/// The blend on `rows`' choice: the mean probability of the GBM and the logistic candidate
/// that score best on `rows`, and which two those are; `None` without both families.
fn blend(
    candidates: &[Candidate],
    predictions: &[&[f64]],
    y: &[f64],
    rows: &[usize],
    criterion: Criterion,
) -> (Option<Vec<f64>>, Option<(usize, usize)>) {
    let y_rows = pick(y, rows);
    let losses: Vec<f64> = predictions
        .iter()
        .map(|p| criterion.loss(&y_rows, &pick(p, rows)))
        .collect();
    let best_of = |family: &str| {
        (0..candidates.len())
            .filter(|&c| candidates[c].family() == family)
            .min_by(|&a, &b| losses[a].total_cmp(&losses[b]))
    };
    let (Some(g), Some(l)) = (best_of("gbm"), best_of("logistic")) else {
        return (None, None);
    };
    let p = predictions[g]
        .iter()
        .zip(predictions[l])
        .map(|(a, b)| 0.5 * (a + b))
        .collect();
    (Some(p), Some((g, l)))
}

/// `values` at `rows`.
fn pick(values: &[f64], rows: &[usize]) -> Vec<f64> {
    rows.iter().map(|&i| values[i]).collect()
}

/// Index of the smallest value (the first of equals: earlier, simpler candidates win ties).
fn argmin(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v < values[best] {
            best = i;
        }
    }
    best
}

fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ml::rng::SplitMix64;

    /// `rows` rows of `columns` categorical columns with four levels each whose effects on the
    /// log-odds add up (the logistic model's own form), as ordinal codes and one-hot columns.
    fn additive(rows: usize, columns: usize, seed: u64) -> (Matrix, Matrix, Vec<f64>) {
        let mut rng = SplitMix64::new(seed);
        let mut uniform = move || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let effects: Vec<[f64; 4]> = (0..columns)
            .map(|_| [0.0, uniform() - 0.5, 2.0 * uniform() - 1.0, 1.5 * uniform()])
            .collect();
        let codes: Vec<Vec<f64>> = (0..columns)
            .map(|_| (0..rows).map(|_| (uniform() * 4.0).floor()).collect())
            .collect();
        let y = (0..rows)
            .map(|r| {
                let z: f64 = -1.2
                    + (0..columns)
                        .map(|c| effects[c][codes[c][r] as usize])
                        .sum::<f64>();
                f64::from(u8::from(uniform() < 1.0 / (1.0 + (-z).exp())))
            })
            .collect();
        let onehot: Vec<Vec<f64>> = codes
            .iter()
            .flat_map(|column| {
                (0..4).map(move |level| {
                    column
                        .iter()
                        .map(|&v| f64::from(u8::from(v == f64::from(level))))
                        .collect()
                })
            })
            .collect();
        (
            Matrix::from_columns(&codes).unwrap(),
            Matrix::from_columns(&onehot).unwrap(),
            y,
        )
    }

    #[test]
    fn every_row_gets_a_nested_prediction_and_the_report_adds_up() {
        let (ordinal, onehot, y) = additive(300, 6, 7);
        let categorical: Vec<usize> = (0..6).collect();
        let designs = Designs {
            ordinal: &ordinal,
            categorical: &categorical,
            onehot: &onehot,
        };
        let folds = Folds::stratified(&y, 4, 42).unwrap();
        let candidates = default_candidates(42);
        let mut fits = 0;
        let s = choose(
            &candidates,
            &designs,
            &y,
            &folds,
            Criterion::RocAuc,
            &mut || {
                fits += 1;
            },
        )
        .unwrap();
        assert_eq!(fits, candidates.len() * (4 + 6));
        assert_eq!(
            s.candidates.len(),
            candidates.len() + 1,
            "the blend is last"
        );
        assert_eq!(s.candidates.last().unwrap().family, "blend");
        assert_eq!(
            s.candidates
                .iter()
                .map(|c| c.chosen_in_folds)
                .sum::<usize>(),
            4
        );
        assert!(s.nested_oof.iter().all(|p| (0.0..=1.0).contains(p)));
        let best = s
            .candidates
            .iter()
            .map(|c| c.scores.roc_auc)
            .fold(f64::NEG_INFINITY, f64::max);
        let winner = s.candidates.iter().find(|c| c.name == s.chosen).unwrap();
        assert_eq!(winner.scores.roc_auc, best);
        // The same inputs give the same choice, to the bit.
        let again = choose(
            &candidates,
            &designs,
            &y,
            &folds,
            Criterion::RocAuc,
            &mut || {},
        )
        .unwrap();
        assert_eq!(again, s);
        assert!(Criterion::parse("logloss") == Some(Criterion::LogLoss));
        assert!(
            choose(
                &candidates,
                &designs,
                &y,
                &Folds::stratified(&y, 2, 1).unwrap(),
                Criterion::RocAuc,
                &mut || {}
            )
            .is_err()
        );
    }
}

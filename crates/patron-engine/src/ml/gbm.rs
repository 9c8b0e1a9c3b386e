//! Gradient-boosted trees (forust-ml) behind the [`Learner`]/[`Model`] traits.
//!
//! Defaults need no tuning: learning rate 0.1, trees of depth ≤ 5, up to 300 trees with early
//! stopping (20 rounds without a better log loss) on a stratified 10 % validation split of the
//! training rows. Missing values (`NaN`) go down whichever branch of a split fits them best.
//! Categorical columns given as level codes are ordered by their positive rate in the training
//! rows ([`LevelOrder`]). Contributions are tree SHAP values, which add up to the log-odds.

use super::error::MlError;
use super::forest::Forest;
use super::level_order::LevelOrder;
use super::matrix::Matrix;
use super::model::{Contributions, Learner, Model, ModelSummary};
use super::rng::SplitMix64;
use super::shap::TreeShap;
use forust_ml::gradientbooster::{ContributionsMethod, GradientBooster};
use forust_ml::metric::Metric;

/// Settings of [`Gbm`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GbmParams {
    /// Shrinkage of every tree.
    pub learning_rate: f32,
    /// Most trees.
    pub max_trees: usize,
    /// Deepest tree.
    pub max_depth: usize,
    /// Least sum of hessians (≈ p(1 − p) per row) in a leaf.
    pub min_leaf_weight: f32,
    /// L2 penalty on leaf weights.
    pub l2: f32,
    /// Histogram bins per feature.
    pub bins: u16,
    /// Stop after this many trees without a better validation log loss (`None`: no early
    /// stopping, all `max_trees` on all rows).
    pub early_stopping_rounds: Option<usize>,
    /// Share of the training rows held out for early stopping.
    pub validation_fraction: f64,
    /// Seed of the validation split and of any sampling.
    pub seed: u64,
    /// Use several threads (the result is the same either way).
    pub parallel: bool,
}

impl Default for GbmParams {
    fn default() -> Self {
        GbmParams {
            learning_rate: 0.1,
            max_trees: 300,
            max_depth: 5,
            min_leaf_weight: 1.0,
            l2: 1.0,
            bins: 256,
            early_stopping_rounds: Some(20),
            validation_fraction: 0.1,
            seed: 42,
            parallel: true,
        }
    }
}

/// Gradient boosting with the log loss.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gbm {
    /// Settings.
    pub params: GbmParams,
    /// Columns holding categorical level codes (0, 1, …; `NaN` missing): their levels are
    /// ordered by positive rate in the training rows before fitting ([`LevelOrder`]).
    pub categorical: Vec<usize>,
}

/// A fitted gradient-boosting model.
pub struct GbmModel {
    booster: GradientBooster,
    forest: Forest,
    shap: TreeShap,
    levels: LevelOrder,
    n_features: usize,
    parallel: bool,
}

impl GbmModel {
    /// Trees used for prediction (after early stopping).
    pub fn trees(&self) -> usize {
        self.booster
            .prediction_iteration
            .unwrap_or(self.booster.trees.len())
    }

    /// The model as forust-ml JSON.
    pub fn to_json(&self) -> Result<String, MlError> {
        self.booster
            .json_dump()
            .map_err(|e| MlError::Fit(e.to_string()))
    }

    /// The level order applied to categorical columns before the trees see them.
    pub fn levels(&self) -> &LevelOrder {
        &self.levels
    }

    /// Rebuilds a model from [`GbmModel::to_json`] and its level order.
    pub fn from_json(
        json: &str,
        levels: LevelOrder,
        n_features: usize,
        parallel: bool,
    ) -> Result<GbmModel, MlError> {
        let booster =
            GradientBooster::from_json(json).map_err(|e| MlError::Invalid(e.to_string()))?;
        let used = booster.prediction_iteration.unwrap_or(booster.trees.len());
        let forest = Forest::new(&booster.trees[..used], booster.base_score, parallel);
        let shap = TreeShap::new(&booster.trees[..used], booster.base_score);
        Ok(GbmModel {
            booster,
            forest,
            shap,
            levels,
            n_features,
            parallel,
        })
    }

    /// Path (Saabas) contributions: much faster than the SHAP values of
    /// [`Model::contributions`] (the cost of a prediction), also adding up to the log-odds,
    /// but they favour features split near the roots.
    pub fn path_contributions(&self, x: &Matrix) -> Contributions {
        self.forest.path_contributions(x, &self.levels)
    }
}

impl Learner for Gbm {
    fn name(&self) -> &'static str {
        "gbm"
    }

    fn fit(&self, x: &Matrix, y: &[f64]) -> Result<Box<dyn Model>, MlError> {
        Ok(Box::new(self.fit_model(x, y)?))
    }
}

impl Gbm {
    /// Fits and returns the concrete model.
    pub fn fit_model(&self, x: &Matrix, y: &[f64]) -> Result<GbmModel, MlError> {
        if y.len() != x.rows() || x.rows() == 0 {
            return Err(MlError::Invalid(format!(
                "{} labels for {} rows",
                y.len(),
                x.rows()
            )));
        }
        let p = &self.params;
        let (train, valid) = match p.early_stopping_rounds {
            Some(_) => validation_split(y, p.validation_fraction, p.seed),
            None => ((0..y.len()).collect(), Vec::new()),
        };
        let levels = LevelOrder::fit(x, y, &train, &self.categorical);
        let x = levels.apply(x);
        let mut booster = self.booster()?;
        let (xt, yt) = (x.select_rows(&train), pick(y, &train));
        let wt = vec![1.0; yt.len()];
        let fitted = if valid.is_empty() {
            booster.fit(&view(&xt), &yt, &wt, None)
        } else {
            let (xv, yv) = (x.select_rows(&valid), pick(y, &valid));
            let wv = vec![1.0; yv.len()];
            booster.fit(
                &view(&xt),
                &yt,
                &wt,
                Some(vec![(view(&xv), &yv[..], &wv[..])]),
            )
        };
        fitted.map_err(|e| MlError::Fit(e.to_string()))?;
        let used = booster.prediction_iteration.unwrap_or(booster.trees.len());
        let forest = Forest::new(&booster.trees[..used], booster.base_score, p.parallel);
        let shap = TreeShap::new(&booster.trees[..used], booster.base_score);
        Ok(GbmModel {
            forest,
            shap,
            booster,
            levels,
            n_features: x.cols(),
            parallel: p.parallel,
        })
    }

    fn booster(&self) -> Result<GradientBooster, MlError> {
        let p = &self.params;
        let mut booster = GradientBooster::default()
            .set_iterations(p.max_trees)
            .set_learning_rate(p.learning_rate)
            .set_max_depth(p.max_depth)
            .set_min_leaf_weight(p.min_leaf_weight)
            .set_l2(p.l2)
            .set_nbins(p.bins)
            .set_seed(p.seed)
            .set_parallel(p.parallel)
            .set_initialize_base_score(true)
            .set_evaluation_metric(Some(Metric::LogLoss))
            .set_early_stopping_rounds(p.early_stopping_rounds);
        booster.log_iterations = 0;
        Ok(booster)
    }
}

/// Rows for training and for validation: a seeded, stratified split.
fn validation_split(y: &[f64], fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = SplitMix64::new(seed ^ 0x005E_ED0F_5A11);
    let (mut train, mut valid) = (Vec::new(), Vec::new());
    for class in [0.0, 1.0] {
        let mut rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
        rng.shuffle(&mut rows);
        let held = ((rows.len() as f64) * fraction).round() as usize;
        valid.extend_from_slice(&rows[..held]);
        train.extend_from_slice(&rows[held..]);
    }
    train.sort_unstable();
    valid.sort_unstable();
    (train, valid)
}

/// forust-ml's view of a matrix (both are column-major).
fn view(x: &Matrix) -> forust_ml::Matrix<'_, f64> {
    forust_ml::Matrix::new(x.data(), x.rows(), x.cols())
}

fn pick(y: &[f64], rows: &[usize]) -> Vec<f64> {
    rows.iter().map(|&r| y[r]).collect()
}

impl Model for GbmModel {
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn log_odds(&self, x: &Matrix) -> Vec<f64> {
        self.forest.predict(x, &self.levels)
    }

    fn contributions(&self, x: &Matrix) -> Contributions {
        self.shap
            .contributions(&self.levels.apply(x), self.parallel)
    }

    fn summary(&self) -> ModelSummary {
        ModelSummary {
            trees: Some(self.trees()),
            ..ModelSummary::default()
        }
    }
}

impl GbmModel {
    /// Tree SHAP values as computed by forust-ml itself (much slower; kept to check
    /// [`Model::contributions`] against).
    pub fn forust_contributions(&self, x: &Matrix) -> Contributions {
        let raw = self.booster.predict_contributions(
            &view(&self.levels.apply(x)),
            ContributionsMethod::Shapley,
            self.parallel,
        );
        let width = x.cols() + 1;
        let mut values = Vec::with_capacity(x.rows() * x.cols());
        let mut bias = Vec::with_capacity(x.rows());
        for row in raw.chunks_exact(width) {
            values.extend_from_slice(&row[..x.cols()]);
            bias.push(row[x.cols()]);
        }
        Contributions {
            values,
            bias,
            n_features: x.cols(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ml::model::sigmoid;

    fn data(n: usize) -> (Matrix, Vec<f64>) {
        let mut rng = SplitMix64::new(9);
        let mut unit = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let (mut a, mut b, mut y) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..n {
            let (x0, x1) = (unit(), unit());
            let p = sigmoid(if x0 > 0.5 { 1.5 } else { -1.5 } + x1);
            y.push(f64::from(u8::from(unit() < p)));
            a.push(if i % 7 == 0 { f64::NAN } else { x0 });
            b.push(x1);
        }
        (Matrix::from_columns(&[a, b]).unwrap(), y)
    }

    #[test]
    fn learns_a_step_and_explains_it() {
        let (x, y) = data(4000);
        let model = Gbm::default().fit_model(&x, &y).unwrap();
        assert!(model.trees() > 5 && model.trees() <= 300);
        let p = model.predict_proba(&x);
        let auc = crate::ml::metrics::roc_auc(&y, &p);
        assert!(auc > 0.75, "{auc}");
        let eta = model.log_odds(&x);
        let c = model.contributions(&x);
        for (row, e) in eta.iter().enumerate().take(50) {
            assert!((c.total(row) - e).abs() < 1e-6);
        }
        // The step feature explains more than the linear one.
        let share = |f: usize| (0..x.rows()).map(|r| c.row(r)[f].abs()).sum::<f64>();
        assert!(share(0) > share(1));
    }

    #[test]
    fn orders_categorical_levels_and_still_explains_exactly() {
        // Level codes 0..6 whose positive rate is high for odd codes only: after ordering by
        // rate one split separates them.
        let mut rng = SplitMix64::new(5);
        let (mut codes, mut y) = (Vec::new(), Vec::new());
        for i in 0..3000 {
            let code = (rng.next_u64() % 6) as f64;
            let p = if code as u64 % 2 == 1 { 0.7 } else { 0.2 };
            let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            codes.push(if i % 50 == 0 { f64::NAN } else { code });
            y.push(f64::from(u8::from(u < p)));
        }
        let x = Matrix::from_columns(&[codes]).unwrap();
        let gbm = Gbm {
            params: GbmParams {
                max_depth: 1,
                ..GbmParams::default()
            },
            categorical: vec![0],
        };
        let model = gbm.fit_model(&x, &y).unwrap();
        let auc = crate::ml::metrics::roc_auc(&y, &model.predict_proba(&x));
        assert!(auc > 0.72, "{auc}");
        let (eta, c) = (model.log_odds(&x), model.contributions(&x));
        let path = model.path_contributions(&x);
        for (row, e) in eta.iter().enumerate().take(100) {
            assert!((c.total(row) - e).abs() < 1e-6);
            assert!((path.total(row) - e).abs() < 1e-6);
        }
    }

    #[test]
    fn flat_forest_predicts_as_forust() {
        let (x, y) = data(3000);
        let model = Gbm::default().fit_model(&x, &y).unwrap();
        let forust = model.booster.predict(&view(&x), false);
        assert_eq!(model.log_odds(&x), forust);
        let path = model.path_contributions(&x);
        for (row, e) in forust.iter().enumerate() {
            assert!((path.total(row) - e).abs() < 1e-6);
        }
    }

    #[test]
    fn fast_shap_equals_forust_shap() {
        let (x, y) = data(3000);
        let model = Gbm::default().fit_model(&x, &y).unwrap();
        let (fast, slow) = (model.contributions(&x), model.forust_contributions(&x));
        assert_eq!(fast.values.len(), slow.values.len());
        let worst = fast
            .values
            .iter()
            .chain(&fast.bias)
            .zip(slow.values.iter().chain(&slow.bias))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1e-6, "{worst}");
    }

    #[test]
    fn is_deterministic() {
        let (x, y) = data(2000);
        let a = Gbm::default().fit_model(&x, &y).unwrap().log_odds(&x);
        let b = Gbm::default().fit_model(&x, &y).unwrap().log_odds(&x);
        assert_eq!(a, b);
    }
}

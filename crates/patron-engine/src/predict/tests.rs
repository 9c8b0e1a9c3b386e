//! Training on a synthetic history where churn is learnable ([`synthetic::history`]).

use super::*;
use crate::features::tests::day;
use crate::ml::Model;
use patron_core::facts::Facts;

fn synthetic(n: usize, end: i64) -> Facts {
    synthetic::history(n, day(0), end, 7)
}

#[test]
fn churn_model_beats_chance_on_a_later_period_and_explains_itself() {
    let facts = synthetic(2500, 900);
    let config = TrainConfig::schedule(Target::Churn, facts.as_of, 120, 2, 60);
    assert_eq!(config.holdout, day(780));
    assert_eq!(config.cutoffs, [day(600), day(660)]);
    let trained = train(&facts, &config).unwrap();
    let r = &trained.report;
    assert!(r.holdout.gbm.roc_auc > 0.75, "{:?}", r.holdout.gbm);
    assert!(r.cv_gbm.roc_auc_mean > 0.75, "{:?}", r.cv_gbm);
    assert!(r.holdout.logistic.roc_auc > 0.6, "{:?}", r.holdout.logistic);
    let p = &trained.predictor;
    let table = p.feature_table(&facts, facts.as_of);
    let all = PredictOptions {
        top: usize::MAX,
        explain: Explain::Shap,
    };
    let predictions = p.predict_with(&table, &all).unwrap();
    let bias = p.gbm().contributions(&table.matrix.select_rows(&[0])).bias[0];
    let sum: f64 = predictions[0].reasons.iter().map(|r| r.contribution).sum();
    assert!((sum + bias - predictions[0].log_odds).abs() < 1e-6);
    // Saved and restored, the model predicts the same.
    let restored = Predictor::from_json(&p.to_json().unwrap()).unwrap();
    assert_eq!(
        restored.probabilities(&table).unwrap(),
        p.probabilities(&table).unwrap()
    );
    let fast = PredictOptions {
        top: 3,
        explain: Explain::Path,
    };
    let quick = restored.predict_with(&table, &fast).unwrap();
    assert_eq!(quick[5].reasons.len(), 3);
    assert_eq!(quick[5].probability, predictions[5].probability);
}

#[test]
fn refuses_unobserved_labels() {
    let facts = synthetic(50, 900);
    let mut config = TrainConfig::schedule(Target::Churn, facts.as_of, 120, 1, 60);
    config.holdout = day(850);
    let e = train(&facts, &config).err().unwrap();
    assert_eq!(e.code().as_str(), "not_enough_data");
}

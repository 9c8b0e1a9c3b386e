//! Training on a synthetic history where churn is learnable: customers buy at their own rate
//! until they drop out, and open unhappy tickets shortly before.

use super::*;
use crate::features::tests::day;
use crate::ml::Model;
use crate::ml::rng::SplitMix64;
use patron_core::Money;
use patron_core::facts::{Facts, Grouped, NONE, TicketRow, offsets_from_sorted};
use patron_core::ids::CustomerId;
use patron_core::model::Consent;

fn synthetic(n: usize, end: i64) -> Facts {
    let mut rng = SplitMix64::new(7);
    let mut unit = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let mut f = Facts {
        as_of: day(end),
        ..Facts::default()
    };
    let (mut order_who, mut ticket_who) = (Vec::new(), Vec::new());
    let mut tickets = Vec::new();
    for i in 0..n {
        let c = &mut f.customers;
        c.ids.push(CustomerId::parse(&format!("C{i:05}")).unwrap());
        let created = (unit() * 300.0) as i64;
        c.created_at.push(day(created));
        c.consent.push(Consent::default());
        c.is_stub.push(false);
        c.acquisition_cost.push(None);
        let gap = 10.0 + 50.0 * unit();
        let dropout = created as f64 + 60.0 + unit() * 1500.0;
        let mut t = created as f64 + 1.0;
        let mut k = 0;
        while t < dropout.min(end as f64) {
            let o = &mut f.orders;
            order_who.push(i as u32);
            o.timestamp.push(day(t as i64));
            o.order.push(o.order_ids.intern(&format!("{i}-{k}")));
            let cat = o.categories.intern(["a", "b", "c"][k % 3]);
            o.category.push(cat);
            o.sku.push(NONE);
            o.channel.push(NONE);
            o.quantity.push(1.0);
            o.amount.push(Money::from_f64(20.0 + 30.0 * unit()));
            o.cost.push(None);
            o.is_return.push(false);
            k += 1;
            t += gap * (0.5 + unit());
        }
        if dropout < end as f64 && unit() < 0.7 {
            ticket_who.push(i as u32);
            tickets.push(TicketRow {
                opened_at: day((dropout - 20.0 * unit()) as i64),
                closed_at: None,
                escalated: unit() < 0.3,
                sentiment: Some(-0.5),
                handling_minutes: Some(20.0),
            });
        }
    }
    f.orders.offsets = offsets_from_sorted(&order_who, n);
    f.events.offsets = vec![0; n + 1];
    f.invoices.offsets = vec![0; n + 1];
    f.outcomes.offsets = vec![0; n + 1];
    f.tickets = Grouped {
        offsets: offsets_from_sorted(&ticket_who, n),
        rows: tickets,
    };
    f
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
    assert_eq!(e.code(), "not_enough_data");
}

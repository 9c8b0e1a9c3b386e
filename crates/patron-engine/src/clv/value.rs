//! Discounted customer lifetime value from a transaction model and a spend estimate.
//!
//! Over a horizon of `H` periods of length `p` (in the transaction model's time unit),
//!
//! ```text
//! CLV = Σ_{i=1..H} (E(i·p) − E((i−1)·p)) · spend / (1 + d)^i,   d = (1 + annual)^{1/periods_per_year} − 1
//! ```
//!
//! where `E(t)` is the cumulative conditional expected number of purchases by `t` after the end
//! of observation: purchases in period `i` are discounted as if paid at its end. `d` is the
//! per-period rate equivalent to the annual rate, so twelve monthly discounts compound to exactly
//! one annual discount.
//!
//! **Time units.** The transaction models work in whatever unit the data used for `t_x` and `T`
//! (CDNOW: weeks). Convert horizons with [`TimeUnit`]: a month is 365.25/12 = 30.4375 days =
//! 4.348 weeks — never "30 days", which would lose 5 days a year and shift every monthly
//! bucket. `TimeUnit::Month.in_units_of(TimeUnit::Week)` is the `period_in_model_units` of a
//! monthly schedule for a model fitted in weeks.

use super::ClvError;
use super::data::{FastMap, FrequencyData};

/// Calendar units for converting horizons and periods into a model's time unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeUnit {
    /// One day.
    Day,
    /// Seven days.
    Week,
    /// An average Gregorian month: 365.25 / 12 = 30.4375 days.
    Month,
}

impl TimeUnit {
    /// Length in days: 1, 7 or 365.25/12.
    pub fn days(self) -> f64 {
        match self {
            TimeUnit::Day => 1.0,
            TimeUnit::Week => 7.0,
            TimeUnit::Month => 365.25 / 12.0,
        }
    }

    /// How many `other` units one `self` unit is (e.g. a month is 4.348 weeks).
    pub fn in_units_of(self, other: TimeUnit) -> f64 {
        self.days() / other.days()
    }

    /// How many of these units make a year of 365.25 days (365.25, 52.18 or 12).
    pub fn per_year(self) -> f64 {
        365.25 / self.days()
    }
}

/// A transaction model whose conditional expectation factors as `P(alive) × E[purchases |
/// alive]`, the second factor depending on the history only through `x` and `T`. This holds for
/// BG/NBD (FHL 2005 eq. 10), MBG/NBD and Pareto/NBD (Fader & Hardie note 009 eq. 41), and lets
/// [`discounted_clv_batch`] compute the horizon sum once per distinct `(x, T)`.
pub trait AliveModel {
    /// Probability that the customer is alive at the end of observation.
    fn p_alive(&self, x: f64, t_x: f64, t: f64) -> f64;

    /// Expected purchases in `(T, T + t_future]` for a customer known to be alive at `T`.
    fn expected_if_alive(&self, t_future: f64, x: f64, t: f64) -> f64;
}

/// A validated discounting schedule: horizon, period length and per-period discount rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiscountSchedule {
    horizon_periods: u32,
    period: f64,
    ln_one_plus_rate: f64,
}

impl DiscountSchedule {
    /// `horizon_periods` periods of `period_in_model_units` each, discounted at the per-period
    /// equivalent of `annual_discount_rate` with `periods_per_year` periods a year. Errors unless
    /// the period and periods per year are finite and > 0 and the rate is finite and > −1.
    pub fn new(
        horizon_periods: u32,
        period_in_model_units: f64,
        annual_discount_rate: f64,
        periods_per_year: f64,
    ) -> Result<Self, ClvError> {
        let bad = |name, value, reason| {
            Err(ClvError::InvalidArgument {
                name,
                value,
                reason,
            })
        };
        if !(period_in_model_units.is_finite() && period_in_model_units > 0.0) {
            return bad(
                "period_in_model_units",
                period_in_model_units,
                "must be finite and > 0",
            );
        }
        if !(periods_per_year.is_finite() && periods_per_year > 0.0) {
            return bad(
                "periods_per_year",
                periods_per_year,
                "must be finite and > 0",
            );
        }
        if !(annual_discount_rate.is_finite() && annual_discount_rate > -1.0) {
            return bad(
                "annual_discount_rate",
                annual_discount_rate,
                "must be finite and > -1",
            );
        }
        Ok(DiscountSchedule {
            horizon_periods,
            period: period_in_model_units,
            // ln(1 + d) = ln(1 + annual) / periods_per_year, exact for the compounding identity.
            ln_one_plus_rate: annual_discount_rate.ln_1p() / periods_per_year,
        })
    }

    /// The per-period discount rate `d = (1 + annual)^{1/periods_per_year} − 1`.
    pub fn per_period_rate(&self) -> f64 {
        self.ln_one_plus_rate.exp_m1()
    }

    /// Number of periods.
    pub fn horizon_periods(&self) -> u32 {
        self.horizon_periods
    }

    /// Discounted expected purchases over the horizon: the CLV of a spend of 1 per purchase,
    /// given the cumulative expectation `expected(t)`.
    pub fn unit_value(&self, expected: impl Fn(f64) -> f64) -> f64 {
        let mut previous = expected(0.0);
        let mut total = 0.0;
        for i in 1..=self.horizon_periods {
            let current = expected(f64::from(i) * self.period);
            total += (current - previous) * (-f64::from(i) * self.ln_one_plus_rate).exp();
            previous = current;
        }
        total
    }
}

/// Discounted CLV of one customer (see the module documentation for the formula):
/// `expected(t)` is the cumulative conditional expected number of purchases by `t` model units
/// after the end of observation, `spend` the expected value of one purchase. Returns NaN when
/// the schedule is invalid (see [`DiscountSchedule::new`]); never NaN otherwise for a finite
/// `expected` and `spend`.
pub fn discounted_clv(
    expected: impl Fn(f64) -> f64,
    spend: f64,
    horizon_periods: u32,
    period_in_model_units: f64,
    annual_discount_rate: f64,
    periods_per_year: f64,
) -> f64 {
    match DiscountSchedule::new(
        horizon_periods,
        period_in_model_units,
        annual_discount_rate,
        periods_per_year,
    ) {
        Ok(schedule) => spend * schedule.unit_value(expected),
        Err(_) => f64::NAN,
    }
}

/// Discounted CLV of every customer in `data` (one value per row, in order) with per-row
/// `spend`. Uses the factorisation of [`AliveModel`]: the horizon sum is computed once per
/// distinct `(x, T)` and multiplied by each customer's `P(alive)` and spend, so a million
/// customers cost a million `P(alive)` evaluations plus a few thousand horizon sums.
pub fn discounted_clv_batch<M: AliveModel + ?Sized>(
    model: &M,
    data: &FrequencyData,
    spend: &[f64],
    schedule: &DiscountSchedule,
) -> Result<Vec<f64>, ClvError> {
    if spend.len() != data.len() {
        return Err(ClvError::LengthMismatch(format!(
            "data {}, spend {}",
            data.len(),
            spend.len()
        )));
    }
    if let Some(i) = spend.iter().position(|s| !s.is_finite()) {
        return Err(ClvError::InvalidRow {
            index: i,
            reason: format!("spend = {} is not finite", spend[i]),
        });
    }
    let mut unit_values: FastMap<[u64; 2], f64> = FastMap::default();
    let mut out = Vec::with_capacity(data.len());
    for (i, &value_per_purchase) in spend.iter().enumerate() {
        let (x, t) = (data.x[i], data.t[i]);
        let unit = *unit_values
            .entry([x.to_bits(), t.to_bits()])
            .or_insert_with(|| schedule.unit_value(|h| model.expected_if_alive(h, x, t)));
        out.push(value_per_purchase * model.p_alive(x, data.t_x[i], t) * unit);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clv::BgNbd;

    fn model() -> BgNbd {
        BgNbd::new(0.2426, 4.4135, 0.7929, 2.4258).unwrap()
    }

    #[test]
    fn time_units() {
        assert_eq!(TimeUnit::Month.days(), 30.4375);
        assert!(
            (TimeUnit::Month.in_units_of(TimeUnit::Week) - 4.348_214_285_714_286).abs() < 1e-12
        );
        assert!((TimeUnit::Week.per_year() - 52.178_571_428_571_43).abs() < 1e-12);
    }

    #[test]
    fn formula_by_hand() {
        // Linear expectation: one purchase per period, spend 10, 12 % a year compounding monthly.
        let d = 1.12f64.powf(1.0 / 12.0) - 1.0;
        let by_hand: f64 = (1..=12).map(|i| 10.0 / (1.0 + d).powi(i)).sum();
        let got = discounted_clv(|t| t, 10.0, 12, 1.0, 0.12, 12.0);
        assert!((got - by_hand).abs() < 1e-12);
        // Twelve monthly factors compound to one annual factor.
        let s = DiscountSchedule::new(12, 1.0, 0.12, 12.0).unwrap();
        assert!(((1.0 + s.per_period_rate()).powi(12) - 1.12).abs() < 1e-14);
        assert!(discounted_clv(|t| t, 10.0, 12, 0.0, 0.12, 12.0).is_nan());
        assert!(discounted_clv(|t| t, 10.0, 12, 1.0, -1.0, 12.0).is_nan());
    }

    /// Property grid: monotone in the horizon, decreasing in the rate, never NaN.
    #[test]
    fn properties_on_a_grid() {
        let m = model();
        let week_per_month = TimeUnit::Month.in_units_of(TimeUnit::Week);
        let customers = [
            (0.0, 0.0, 30.0),
            (2.0, 30.43, 38.86),
            (7.0, 10.0, 35.0),
            (25.0, 38.0, 38.0),
        ];
        let rates = [0.0, 0.05, 0.1, 0.25, 1.0];
        for &(x, t_x, t) in &customers {
            let e = |h: f64| m.expected_purchases(h, x, t_x, t);
            for &rate in &rates {
                let mut last = 0.0;
                for horizon in 0..=36 {
                    let v = discounted_clv(e, 20.0, horizon, week_per_month, rate, 12.0);
                    assert!(!v.is_nan());
                    assert!(
                        v >= last - 1e-12,
                        "horizon not monotone at {horizon} for ({x}, {t_x}, {t})"
                    );
                    last = v;
                }
            }
            for horizon in [1, 12, 60] {
                let values: Vec<f64> = rates
                    .iter()
                    .map(|&rate| discounted_clv(e, 20.0, horizon, week_per_month, rate, 12.0))
                    .collect();
                assert!(
                    values.windows(2).all(|w| w[1] < w[0]),
                    "rate not decreasing: {values:?}"
                );
            }
        }
    }

    #[test]
    fn batch_equals_one_by_one() {
        let m = model();
        let data = FrequencyData::unweighted(
            vec![0.0, 2.0, 2.0, 7.0],
            vec![0.0, 30.43, 12.0, 10.0],
            vec![30.0, 38.86, 38.86, 35.0],
        )
        .unwrap();
        let spend = [15.0, 22.35, 10.0, 40.0];
        let schedule =
            DiscountSchedule::new(12, TimeUnit::Month.in_units_of(TimeUnit::Week), 0.1, 12.0)
                .unwrap();
        let batch = discounted_clv_batch(&m, &data, &spend, &schedule).unwrap();
        for i in 0..data.len() {
            let e = |h: f64| m.expected_purchases(h, data.x[i], data.t_x[i], data.t[i]);
            let single = discounted_clv(
                e,
                spend[i],
                12,
                TimeUnit::Month.in_units_of(TimeUnit::Week),
                0.1,
                12.0,
            );
            assert!(
                (batch[i] - single).abs() < 1e-12 * single.abs().max(1.0),
                "row {i}"
            );
        }
        assert!(discounted_clv_batch(&m, &data, &spend[..2], &schedule).is_err());
    }
}

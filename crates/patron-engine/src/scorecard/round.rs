//! Numbers on stored cards are written with four decimals: enough for every decision and
//! explanation, and it keeps a run of millions of cards small.

use serde::Serializer;

/// Four decimals (non-finite values unchanged).
pub fn round4(x: f64) -> f64 {
    if x.is_finite() {
        (x * 1e4).round() / 1e4
    } else {
        x
    }
}

/// Serialises an `f64` with four decimals.
pub fn f4<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(round4(*v))
}

/// Serialises an `Option<f64>` with four decimals.
pub fn opt4<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) => s.serialize_some(&round4(*x)),
        None => s.serialize_none(),
    }
}

/// Serialises an `f64` with two decimals (amounts).
pub fn f2<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(round2(*v))
}

/// Serialises an `Option<f64>` with two decimals (amounts).
pub fn opt2<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) => s.serialize_some(&round2(*x)),
        None => s.serialize_none(),
    }
}

fn round2(x: f64) -> f64 {
    if x.is_finite() {
        (x * 100.0).round() / 100.0
    } else {
        x
    }
}

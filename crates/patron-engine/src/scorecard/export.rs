//! The exported row of a card: one schema ([`COLUMNS`]) for CSV, JSON and Parquet, and for the
//! API's card lists. Adding a column here adds it to every format.

use super::Card;
use serde::Serialize;

/// The type of an exported column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Text (empty when absent).
    Text,
    /// A decimal number (empty when absent).
    Number,
    /// A whole number.
    Integer,
    /// true / false.
    Bool,
}

/// One exported value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// Text, absent or present.
    Text(Option<&'a str>),
    /// A decimal number, absent or present.
    Number(Option<f64>),
    /// A whole number.
    Integer(i64),
    /// A flag.
    Bool(bool),
}

/// The exported columns with their types, in order.
pub const COLUMNS: &[(&str, ColumnType)] = &[
    ("customer_id", ColumnType::Text),
    ("tier", ColumnType::Text),
    ("status", ColumnType::Text),
    ("value_score", ColumnType::Number),
    ("churn_risk", ColumnType::Number),
    ("clv", ColumnType::Number),
    ("stage", ColumnType::Text),
    ("action", ColumnType::Text),
    ("action_rule", ColumnType::Text),
    ("portfolio", ColumnType::Text),
    ("p_alive", ColumnType::Number),
    ("potential", ColumnType::Number),
    ("revenue", ColumnType::Number),
    ("margin", ColumnType::Number),
    ("orders", ColumnType::Integer),
    ("days_since_last_order", ColumnType::Number),
    ("rfm_segment", ColumnType::Text),
    ("abc", ColumnType::Text),
    ("payment_risk", ColumnType::Number),
    ("payment_band", ColumnType::Text),
    ("alarms", ColumnType::Text),
    ("offer", ColumnType::Text),
    ("next_purchase", ColumnType::Text),
    ("lead", ColumnType::Bool),
    ("profiling", ColumnType::Bool),
];

/// A card's exported fields (serialised as a JSON object in [`COLUMNS`] order).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[allow(missing_docs)] // the fields are the card's, documented on [`Card`]
pub struct ExportRow {
    pub customer_id: String,
    pub tier: String,
    pub status: String,
    pub value_score: Option<f64>,
    pub churn_risk: Option<f64>,
    pub clv: Option<f64>,
    pub stage: Option<String>,
    pub action: Option<String>,
    pub action_rule: Option<String>,
    pub portfolio: Option<String>,
    pub p_alive: Option<f64>,
    pub potential: Option<f64>,
    pub revenue: Option<f64>,
    pub margin: Option<f64>,
    pub orders: u32,
    pub days_since_last_order: Option<f64>,
    pub rfm_segment: Option<String>,
    pub abc: Option<String>,
    pub payment_risk: Option<f64>,
    pub payment_band: Option<String>,
    /// The kinds of the alarms that hold, joined by `|`.
    pub alarms: String,
    pub offer: Option<String>,
    /// The expected next purchase's date (`YYYY-MM-DD`).
    pub next_purchase: Option<String>,
    pub lead: bool,
    pub profiling: bool,
}

impl ExportRow {
    /// The row of a card.
    pub fn of(c: &Card) -> ExportRow {
        ExportRow {
            customer_id: c.customer_id.to_string(),
            tier: c.tier.clone(),
            status: c.status.clone(),
            value_score: c.value_score,
            churn_risk: c.churn_risk,
            clv: c.clv,
            stage: c.stage.clone(),
            action: c.action.clone(),
            action_rule: c.action_rule.clone(),
            portfolio: c.portfolio.clone(),
            p_alive: c.p_alive,
            potential: c.potential,
            revenue: c.revenue,
            margin: c.margin,
            orders: c.orders,
            days_since_last_order: c.days_since_last_order,
            rfm_segment: c.rfm_segment.clone(),
            abc: c.abc.clone(),
            payment_risk: c.payment_risk,
            payment_band: c.payment_band.clone(),
            alarms: c
                .alarms
                .iter()
                .map(|a| a.kind.as_str())
                .collect::<Vec<_>>()
                .join("|"),
            offer: c.offer.clone(),
            next_purchase: c.next_purchase.map(|t| t.date().to_string()),
            lead: c.lead,
            profiling: c.profiling,
        }
    }

    /// The row's values in [`COLUMNS`] order.
    pub fn cells(&self) -> [Cell<'_>; 25] {
        [
            Cell::Text(Some(&self.customer_id)),
            Cell::Text(Some(&self.tier)),
            Cell::Text(Some(&self.status)),
            Cell::Number(self.value_score),
            Cell::Number(self.churn_risk),
            Cell::Number(self.clv),
            Cell::Text(self.stage.as_deref()),
            Cell::Text(self.action.as_deref()),
            Cell::Text(self.action_rule.as_deref()),
            Cell::Text(self.portfolio.as_deref()),
            Cell::Number(self.p_alive),
            Cell::Number(self.potential),
            Cell::Number(self.revenue),
            Cell::Number(self.margin),
            Cell::Integer(i64::from(self.orders)),
            Cell::Number(self.days_since_last_order),
            Cell::Text(self.rfm_segment.as_deref()),
            Cell::Text(self.abc.as_deref()),
            Cell::Number(self.payment_risk),
            Cell::Text(self.payment_band.as_deref()),
            Cell::Text(Some(&self.alarms)),
            Cell::Text(self.offer.as_deref()),
            Cell::Text(self.next_purchase.as_deref()),
            Cell::Bool(self.lead),
            Cell::Bool(self.profiling),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_json_and_columns_agree() {
        let card: Card = serde_json::from_value(serde_json::json!({
            "customer_id": "C1", "as_of": "2026-01-01T00:00:00Z", "lead": false, "profiling": true,
            "consent_note": null, "value_score": 87.5, "value": null, "tier": "VIP",
            "tier_reason": "top", "status": "VIP", "status_reason": "", "portfolio": "stars",
            "service": null, "churn_risk": 0.12, "churn_source": null, "churn_reasons": [],
            "clv": 850.0, "clv_note": null, "p_alive": 0.9, "expected_purchases": 3.0,
            "potential": null, "revenue": 1200.0, "margin": 300.0, "orders": 7,
            "days_since_last_order": 20.0, "rfm_segment": "Champions", "abc": "A", "stage": null,
            "stages": {}, "scores": {}, "payment_risk": null, "payment_band": null,
            "payment_evidence": [], "alarms": [], "offer": "SKU-1", "action": "upsell",
            "action_rule": "r", "next_purchase": null, "reminders": []
        }))
        .unwrap();
        let row = ExportRow::of(&card);
        let json = serde_json::to_value(&row).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut names: Vec<&str> = COLUMNS.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, names);
        for ((name, ty), cell) in COLUMNS.iter().zip(row.cells()) {
            let fits = matches!(
                (ty, &cell),
                (ColumnType::Text, Cell::Text(_))
                    | (ColumnType::Number, Cell::Number(_))
                    | (ColumnType::Integer, Cell::Integer(_))
                    | (ColumnType::Bool, Cell::Bool(_))
            );
            assert!(fits, "{name}: {cell:?}");
        }
        assert_eq!(row.cells()[14], Cell::Integer(7));
        assert_eq!(json["offer"], "SKU-1");
    }
}

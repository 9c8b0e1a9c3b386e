//! Contribution margin per customer: revenue − cost of goods − cost-to-serve.
//!
//! Cost of goods is the line's cost when the source gives one, else revenue × (1 − margin
//! rate) with the most specific configured rate (SKU, then category, then the default); a line
//! with neither counts with no cost of goods and its revenue is reported as `revenue_without_cost`
//! so nobody mistakes it for pure profit. Cost-to-serve is configured per order (plus per
//! channel), per returned line and per ticket and ticket minute.

use patron_core::Money;
use patron_core::config::MarginSection;
use patron_core::facts::{Facts, Interner, NONE};
use serde::Serialize;

/// One customer's margin and its components.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarginRow {
    /// Customer index.
    #[serde(skip)]
    pub customer: u32,
    /// Net revenue (returns subtract).
    pub revenue: Money,
    /// Cost of goods.
    pub cost_of_goods: Money,
    /// Order handling (per order and per channel).
    pub order_costs: Money,
    /// Return handling.
    pub return_costs: Money,
    /// Support: tickets and handling minutes.
    pub service_costs: Money,
    /// Revenue − all of the above.
    pub margin: Money,
    /// Margin ÷ revenue (0 when there is no revenue).
    pub margin_rate: f64,
    /// Revenue of lines with neither a cost nor a configured margin rate.
    pub revenue_without_cost: Money,
    /// Orders, returned lines and tickets counted.
    pub orders: u32,
    /// Returned lines.
    pub returns: u32,
    /// Tickets.
    pub tickets: u32,
    /// Margin < 0.
    pub unprofitable: bool,
}

/// Margins of every customer with revenue or cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarginResult {
    /// Per customer, in customer-index order (customers without orders or tickets omitted).
    pub rows: Vec<MarginRow>,
    /// Sum over customers.
    pub total: MarginTotals,
}

/// Totals over all customers.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MarginTotals {
    /// Revenue.
    pub revenue: Money,
    /// Cost of goods.
    pub cost_of_goods: Money,
    /// Cost-to-serve (orders, returns, service).
    pub cost_to_serve: Money,
    /// Contribution margin.
    pub margin: Money,
    /// Revenue of lines without any cost information.
    pub revenue_without_cost: Money,
    /// Customers with a negative margin.
    pub unprofitable_customers: u64,
    /// Their (negative) margin.
    pub unprofitable_margin: Money,
}

/// Margin rate per interned code, where one is configured.
fn rates_by_code(
    names: &Interner,
    rates: &std::collections::BTreeMap<String, f64>,
) -> Vec<Option<f64>> {
    (0..names.len() as u32)
        .map(|code| rates.get(names.name(code)).copied())
        .collect()
}

/// The cost-of-goods rule, resolved once against a fact set's SKU and category codes: the
/// line's own cost, else revenue × (1 − the most specific configured margin rate).
struct CostOfGoods<'a> {
    facts: &'a Facts,
    sku_rate: Vec<Option<f64>>,
    category_rate: Vec<Option<f64>>,
    default_rate: Option<f64>,
}

impl<'a> CostOfGoods<'a> {
    fn new(facts: &'a Facts, settings: &MarginSection) -> Self {
        let o = &facts.orders;
        CostOfGoods {
            facts,
            sku_rate: rates_by_code(&o.skus, &settings.sku_margin_rates),
            category_rate: rates_by_code(&o.categories, &settings.category_margin_rates),
            default_rate: settings.default_margin_rate,
        }
    }

    /// Cost of goods of order line `i`; `None` when neither a cost nor a rate is known.
    fn of_line(&self, i: usize) -> Option<Money> {
        let o = &self.facts.orders;
        if let Some(cost) = o.cost[i] {
            return Some(cost);
        }
        let rate = |rates: &[Option<f64>], code: u32| {
            (code != NONE).then(|| rates[code as usize]).flatten()
        };
        let rate = rate(&self.sku_rate, o.sku[i])
            .or_else(|| rate(&self.category_rate, o.category[i]))
            .or(self.default_rate)?;
        Some(o.amount[i].times(1.0 - rate))
    }
}

/// Gross margin of every order line (revenue − cost of goods, by the same rules as
/// [`margins`]; a line with no cost information keeps its full revenue), for models that value
/// purchases by margin instead of revenue.
pub fn line_gross_margins(facts: &Facts, settings: &MarginSection) -> Vec<f64> {
    let goods = CostOfGoods::new(facts, settings);
    let o = &facts.orders;
    (0..o.amount.len())
        .map(|i| (o.amount[i] - goods.of_line(i).unwrap_or(Money::ZERO)).to_f64())
        .collect()
}

/// The margin rules resolved once against a fact set: [`MarginCalculator::row`] computes one
/// customer's margin, [`margins`] everyone's.
pub struct MarginCalculator<'a> {
    facts: &'a Facts,
    settings: &'a MarginSection,
    goods: CostOfGoods<'a>,
    channel_cost: Vec<Money>,
    per_order: Money,
    per_return: Money,
    per_ticket: Money,
}

impl<'a> MarginCalculator<'a> {
    /// The calculator for `facts` under `settings`.
    pub fn new(facts: &'a Facts, settings: &'a MarginSection) -> Self {
        let o = &facts.orders;
        let channel_cost = (0..o.channels.len() as u32)
            .map(|c| {
                Money::from_f64(
                    settings
                        .channel_cost_per_order
                        .get(o.channels.name(c))
                        .copied()
                        .unwrap_or(0.0),
                )
            })
            .collect();
        MarginCalculator {
            facts,
            settings,
            goods: CostOfGoods::new(facts, settings),
            channel_cost,
            per_order: Money::from_f64(settings.cost_per_order),
            per_return: Money::from_f64(settings.cost_per_return),
            per_ticket: Money::from_f64(settings.cost_per_ticket),
        }
    }

    /// Customer `c`'s margin; `None` without orders and tickets. `seen_orders` is scratch.
    pub fn row(&self, c: usize, seen_orders: &mut Vec<(u32, u32)>) -> Option<MarginRow> {
        let (facts, settings) = (self.facts, self.settings);
        let o = &facts.orders;
        let range = facts.order_range(c);
        let tickets = facts.tickets.of_or_empty(c);
        if range.is_empty() && tickets.is_empty() {
            return None;
        }
        let mut row = MarginRow {
            customer: c as u32,
            revenue: Money::ZERO,
            cost_of_goods: Money::ZERO,
            order_costs: Money::ZERO,
            return_costs: Money::ZERO,
            service_costs: Money::ZERO,
            margin: Money::ZERO,
            margin_rate: 0.0,
            revenue_without_cost: Money::ZERO,
            orders: 0,
            returns: 0,
            tickets: tickets.len() as u32,
            unprofitable: false,
        };
        seen_orders.clear();
        for i in range {
            row.revenue += o.amount[i];
            match self.goods.of_line(i) {
                Some(cost) => row.cost_of_goods += cost,
                None => row.revenue_without_cost += o.amount[i],
            }
            if o.is_return[i] {
                row.returns += 1;
            } else {
                seen_orders.push((o.order[i], o.channel[i]));
            }
        }
        // One handling cost per order, with the channel of its first line.
        seen_orders.sort_unstable_by_key(|(order, _)| *order);
        seen_orders.dedup_by_key(|(order, _)| *order);
        row.orders = seen_orders.len() as u32;
        for (_, channel) in seen_orders.iter() {
            row.order_costs += self.per_order;
            if *channel != NONE {
                row.order_costs += self.channel_cost[*channel as usize];
            }
        }
        row.return_costs = self.per_return.times(f64::from(row.returns));
        let minutes: f64 = tickets.iter().filter_map(|t| t.handling_minutes).sum();
        row.service_costs = self.per_ticket.times(f64::from(row.tickets))
            + Money::from_f64(minutes * settings.cost_per_ticket_minute);
        row.margin = row.revenue
            - row.cost_of_goods
            - row.order_costs
            - row.return_costs
            - row.service_costs;
        row.margin_rate = if row.revenue == Money::ZERO {
            0.0
        } else {
            row.margin.to_f64() / row.revenue.to_f64()
        };
        row.unprofitable = row.margin.is_negative();
        Some(row)
    }
}

/// Computes every customer's contribution margin.
pub fn margins(facts: &Facts, settings: &MarginSection) -> MarginResult {
    let calculator = MarginCalculator::new(facts, settings);
    let mut rows = Vec::new();
    let mut total = MarginTotals::default();
    let mut seen_orders = Vec::new();
    for c in 0..facts.customers.len() {
        if let Some(row) = calculator.row(c, &mut seen_orders) {
            accumulate(&mut total, &row);
            rows.push(row);
        }
    }
    MarginResult { rows, total }
}

fn accumulate(total: &mut MarginTotals, row: &MarginRow) {
    total.revenue += row.revenue;
    total.cost_of_goods += row.cost_of_goods;
    total.cost_to_serve += row.order_costs + row.return_costs + row.service_costs;
    total.margin += row.margin;
    total.revenue_without_cost += row.revenue_without_cost;
    if row.unprofitable {
        total.unprofitable_customers += 1;
        total.unprofitable_margin += row.margin;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use patron_core::Timestamp;
    use patron_core::facts::{Grouped, TicketRow};
    use patron_core::ids::CustomerId;

    /// Two customers: 0 bought shoes (with cost) and socks (category rate) in two orders and
    /// returned the socks; 1 bought a gadget with no cost information and opened two tickets.
    fn facts() -> Facts {
        let mut f = Facts::default();
        f.customers.ids = vec![
            CustomerId::parse("a").unwrap(),
            CustomerId::parse("b").unwrap(),
        ];
        let o = &mut f.orders;
        let shoes = o.skus.intern("shoe-1");
        let socks = o.skus.intern("sock-1");
        let gadget = o.skus.intern("gadget");
        let (apparel, misc) = (o.categories.intern("Apparel"), o.categories.intern("Misc"));
        let (web, store) = (o.channels.intern("web"), o.channels.intern("store"));
        let (o1, o2, o3, o4) = (
            o.order_ids.intern("1"),
            o.order_ids.intern("2"),
            o.order_ids.intern("2R"),
            o.order_ids.intern("3"),
        );
        let lines = [
            (o1, shoes, apparel, web, 100.0, Some(60.0), false),
            (o2, socks, apparel, store, 20.0, None, false),
            (o3, socks, apparel, store, -20.0, None, true),
            (o4, gadget, misc, web, 50.0, None, false),
        ];
        for (order, sku, category, channel, amount, cost, is_return) in lines {
            o.timestamp.push(Timestamp::from_secs(0));
            o.order.push(order);
            o.sku.push(sku);
            o.category.push(category);
            o.channel.push(channel);
            o.quantity.push(if is_return { -1.0 } else { 1.0 });
            o.amount.push(Money::from_f64(amount));
            o.cost.push(cost.map(Money::from_f64));
            o.is_return.push(is_return);
        }
        o.offsets = vec![0, 3, 4];
        f.events.offsets = vec![0, 0, 0];
        let ticket = |minutes| TicketRow {
            opened_at: Timestamp::from_secs(0),
            closed_at: None,
            escalated: false,
            sentiment: None,
            handling_minutes: Some(minutes),
            text: None,
        };
        f.tickets = Grouped {
            offsets: vec![0, 0, 2],
            rows: vec![ticket(10.0), ticket(20.0)],
        };
        f
    }

    #[test]
    fn components_add_up() {
        let settings = MarginSection {
            category_margin_rates: [("Apparel".to_string(), 0.5)].into(),
            cost_per_order: 2.0,
            channel_cost_per_order: [("store".to_string(), 3.0)].into(),
            cost_per_return: 4.0,
            cost_per_ticket: 5.0,
            cost_per_ticket_minute: 0.5,
            ..Default::default()
        };
        let r = margins(&facts(), &settings);
        let a = &r.rows[0];
        // Revenue 100 + 20 − 20; goods 60 (known) + 10 − 10 (rate 50 %); orders 1 (web) and 2
        // (store): 2 + 2 + 3; one return: 4.
        assert_eq!(a.revenue, Money::from_f64(100.0));
        assert_eq!(a.cost_of_goods, Money::from_f64(60.0));
        assert_eq!((a.orders, a.returns), (2, 1));
        assert_eq!(a.order_costs, Money::from_f64(7.0));
        assert_eq!(a.return_costs, Money::from_f64(4.0));
        assert_eq!(a.margin, Money::from_f64(29.0));
        // b: 50 revenue without cost info; 1 order (2); 2 tickets (10) + 30 minutes (15).
        let b = &r.rows[1];
        assert_eq!(b.revenue_without_cost, Money::from_f64(50.0));
        assert_eq!(b.service_costs, Money::from_f64(25.0));
        assert_eq!(b.margin, Money::from_f64(23.0));
        assert!(!b.unprofitable);
        assert_eq!(r.total.margin, Money::from_f64(52.0));
        // With a default rate of 10 % the gadget costs 45: b loses money.
        let strict = MarginSection {
            default_margin_rate: Some(0.1),
            ..settings
        };
        let r = margins(&facts(), &strict);
        assert_eq!(r.rows[1].margin, Money::from_f64(-22.0));
        assert!(r.rows[1].unprofitable);
        assert_eq!(r.total.unprofitable_customers, 1);
    }
}

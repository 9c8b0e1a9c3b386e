//! `patron basket`: frequent itemsets and association rules of the orders (market baskets).

use crate::cli::Global;
use crate::commands::resolve_as_of;
use crate::output::{Table, count, print_json};
use anyhow::Result;
use clap::Args;
use patron_core::facts::Facts;
use patron_core::ids::CustomerId;
use patron_engine::basket::{
    BasketOptions, Baskets, FeedbackSettings, FrequentItemsets, ItemLevel, LabelMap, Learning,
    NON_PRODUCT_CODES, Offer, OfferFeedback, OfferSettings, Rule, RuleSettings, association_rules,
    customer_answers, fpgrowth, next_best_offers, next_best_offers_learned, purchase_history,
    recent_decline, unit_margins,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Flags of `patron basket`.
#[derive(Debug, Args)]
pub struct BasketArgs {
    /// Minimum support: the fraction of baskets (orders) an itemset must be in, in (0, 1].
    #[arg(long, value_name = "S", value_parser = parse_fraction)]
    pub min_support: f64,
    /// Keep rules with lift ≥ L.
    #[arg(long, value_name = "L", default_value_t = 1.0)]
    pub min_lift: f64,
    /// Keep rules with confidence ≥ C.
    #[arg(long, value_name = "C", default_value_t = 0.0)]
    pub min_confidence: f64,
    /// Items are SKUs or product categories.
    #[arg(long, default_value = "sku", value_parser = ["sku", "category"])]
    pub by: String,
    /// Largest itemset size (default: no limit).
    #[arg(long, value_name = "N")]
    pub max_len: Option<usize>,
    /// Use orders before this date or time (default: the day after the last fact).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Leave out this item code too (repeatable, exact match).
    #[arg(long = "exclude", value_name = "CODE")]
    pub exclude: Vec<String>,
    /// Leave out the non-product codes (default on; the list is in the help).
    #[arg(long, overrides_with = "keep_all", help = exclude_help())]
    pub exclude_non_products: bool,
    /// Keep the non-product codes (turns --exclude-non-products off).
    #[arg(long, overrides_with = "exclude_non_products")]
    pub keep_all: bool,
    /// Show at most N rules in the table (--json lists all).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
    /// Also suggest products to this customer (repeatable): the best confidence × unit margin
    /// (revenue − cost of goods per unit; revenue where the cost is unknown) over the rules
    /// whose antecedents the customer bought.
    #[arg(long = "offers", value_name = "CUSTOMER")]
    pub offers: Vec<String>,
    /// At most N offers per customer.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub top: usize,
    /// Offer again products last bought at least DAYS before the as-of date (default: never
    /// offer what the customer already bought).
    #[arg(long, value_name = "DAYS")]
    pub rebuy_after: Option<i64>,
    /// Do not offer a product the customer declined (outcome `offer_declined`) within DAYS
    /// before the as-of date.
    #[arg(long, value_name = "DAYS", default_value_t = 90)]
    pub decline_cooldown: i64,
    /// Smooth each product's acceptance rate towards the global rate with a prior worth M
    /// offers (scores are multiplied by smoothed rate ÷ global rate).
    #[arg(long, value_name = "M", default_value_t = 20.0)]
    pub prior_strength: f64,
    /// Rank offers by confidence × margin only, ignoring answers to earlier offers.
    #[arg(long)]
    pub no_learning: bool,
    /// Print the time of each step on stderr.
    #[arg(long)]
    pub timings: bool,
}

/// The help of `--exclude-non-products`, naming the codes.
fn exclude_help() -> String {
    format!(
        "Leave out the non-product codes (default on): {} — postage, carriage, fees, \
         discounts, samples and manual adjustments",
        NON_PRODUCT_CODES.join(", ")
    )
}

/// `--min-support`: a number in (0, 1].
fn parse_fraction(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x > 0.0 && x <= 1.0 => Ok(x),
        _ => Err(format!("expected a fraction in (0, 1], got {text:?}")),
    }
}

impl BasketArgs {
    /// The basket-building options these flags ask for.
    fn options(&self) -> BasketOptions {
        let mut exclude = self.exclude.clone();
        if !self.keep_all {
            exclude.extend(NON_PRODUCT_CODES.iter().map(|c| (*c).to_owned()));
        }
        exclude.sort();
        exclude.dedup();
        let level = match self.by.as_str() {
            "category" => ItemLevel::Category,
            _ => ItemLevel::Sku,
        };
        BasketOptions { level, exclude }
    }
}

/// The result of one analysis.
struct Analysis {
    baskets: Baskets,
    frequent: FrequentItemsets,
    rules: Vec<Rule>,
    /// (customer id, offers) for each `--offers` customer.
    offers: Vec<(String, Vec<Offer>)>,
    /// (customer id, [(item, day declined)]) of the products left out after a recent "no".
    declined: Vec<(String, Vec<(u32, i64)>)>,
    /// Everyone's answers to offers, unless `--no-learning`.
    feedback: Option<OfferFeedback>,
}

/// Offers, recently declined products and the feedback they learnt from.
type OffersOf = (
    Vec<(String, Vec<Offer>)>,
    Vec<(String, Vec<(u32, i64)>)>,
    Option<OfferFeedback>,
);

/// The next best offers of each `--offers` customer.
fn offers_of(
    facts: &Facts,
    baskets: &Baskets,
    rules: &[Rule],
    args: &BasketArgs,
) -> Result<OffersOf> {
    if args.offers.is_empty() {
        return Ok((Vec::new(), Vec::new(), None));
    }
    let level = args.options().level;
    let margins = unit_margins(facts, baskets, level);
    let settings = OfferSettings {
        top: args.top,
        rebuy_after_days: args.rebuy_after,
    };
    let learn = FeedbackSettings {
        decline_cooldown_days: args.decline_cooldown,
        prior_strength: args.prior_strength,
    };
    let labels = LabelMap::new(facts, baskets, level);
    let feedback = (!args.no_learning).then(|| OfferFeedback::from_facts(facts, &labels));
    let as_of_day = facts.as_of.day_number();
    let mut all = Vec::new();
    let mut declined = Vec::new();
    for id in &args.offers {
        let customer = CustomerId::parse(id)
            .ok()
            .and_then(|c| facts.customer_index(&c))
            .ok_or_else(|| anyhow::anyhow!("--offers: no customer {id:?} before the as-of date"))?;
        let history = purchase_history(facts, customer, baskets, level);
        let Some(feedback) = &feedback else {
            let offers = next_best_offers(rules, &history, as_of_day, &margins, &settings);
            all.push((id.clone(), offers));
            continue;
        };
        let answers = customer_answers(facts, customer, &labels);
        let learning = Learning {
            feedback,
            answers: &answers,
            settings: learn,
        };
        let offers =
            next_best_offers_learned(rules, &history, as_of_day, &margins, &settings, &learning);
        all.push((id.clone(), offers));
        let mut items: Vec<u32> = answers.iter().map(|a| a.item).collect();
        items.sort_unstable();
        items.dedup();
        let recent = items
            .into_iter()
            .filter_map(|item| {
                recent_decline(&answers, item, as_of_day, args.decline_cooldown)
                    .map(|day| (item, day))
            })
            .collect();
        declined.push((id.clone(), recent));
    }
    Ok((all, declined, feedback))
}

/// `patron basket`.
pub async fn run(global: &Global, args: &BasketArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    let as_of = resolve_as_of(store.as_ref(), args.as_of.as_deref()).await?;
    let mut clock = Timings::new(args.timings);
    let facts = store.load_facts(as_of).await?;
    clock.lap("load facts");
    let baskets = Baskets::from_facts(&facts, &args.options());
    clock.lap("baskets");
    let frequent = fpgrowth(&baskets, args.min_support, args.max_len)?;
    clock.lap("fp-growth");
    let settings = RuleSettings {
        min_lift: args.min_lift,
        min_confidence: args.min_confidence,
    };
    let rules = association_rules(&frequent, &settings)?;
    clock.lap("rules");
    let (offers, declined, feedback) = offers_of(&facts, &baskets, &rules, args)?;
    clock.lap("offers");
    let analysis = Analysis {
        baskets,
        frequent,
        rules,
        offers,
        declined,
        feedback,
    };
    if global.json {
        return print_json(&basket_json(&analysis, args));
    }
    print_summary(&analysis, args, &as_of.date().to_string());
    print_rules(&analysis, args.limit);
    print_offers(&analysis);
    Ok(())
}

/// Item names of item numbers.
fn names(baskets: &Baskets, items: &[u32]) -> Vec<String> {
    items.iter().map(|&i| baskets.name(i).to_owned()).collect()
}

/// A rule as JSON; an infinite conviction (confidence 1) is `null`.
fn rule_json(baskets: &Baskets, r: &Rule) -> Value {
    json!({
        "antecedents": names(baskets, &r.antecedents),
        "consequents": names(baskets, &r.consequents),
        "support": r.support,
        "confidence": r.confidence,
        "lift": r.lift,
        "leverage": r.leverage,
        "conviction": r.conviction.is_finite().then_some(r.conviction),
        "antecedent_support": r.antecedent_support,
        "consequent_support": r.consequent_support,
        "count": r.count,
    })
}

/// One customer's offers as JSON, each with the rule that suggested it.
fn offers_json(a: &Analysis, customer: &str, offers: &[Offer]) -> Value {
    let offers: Vec<Value> = offers
        .iter()
        .map(|o| {
            let rule = &a.rules[o.rule];
            json!({
                "item": a.baskets.name(o.item),
                "score": o.score,
                "confidence": o.confidence,
                "unit_margin": o.margin,
                "acceptance_weight": o.acceptance_weight,
                "offers_answered": a.feedback.as_ref().map(|f| f.offered[o.item as usize]),
                "offers_accepted": a.feedback.as_ref().map(|f| f.accepted[o.item as usize]),
                "because_bought": names(&a.baskets, &rule.antecedents),
                "rule_consequents": names(&a.baskets, &rule.consequents),
            })
        })
        .collect();
    let declined: Vec<Value> = declined_of(a, customer)
        .iter()
        .map(|&(item, day)| {
            json!({
                "item": a.baskets.name(item),
                "declined_on": patron_core::Timestamp::from_secs(day * patron_core::time::DAY).date().to_string(),
            })
        })
        .collect();
    json!({ "customer_id": customer, "offers": offers, "recently_declined": declined })
}

/// The products left out for `customer` because they were declined recently.
fn declined_of<'a>(a: &'a Analysis, customer: &str) -> &'a [(u32, i64)] {
    a.declined
        .iter()
        .find(|(c, _)| c == customer)
        .map_or(&[], |(_, d)| d.as_slice())
}

/// The JSON document `patron basket --json` prints.
fn basket_json(a: &Analysis, args: &BasketArgs) -> Value {
    let rules: Vec<Value> = a.rules.iter().map(|r| rule_json(&a.baskets, r)).collect();
    let mut doc = json!({
        "by": args.by,
        "min_support": args.min_support,
        "min_count": a.frequent.min_count,
        "min_lift": args.min_lift,
        "n_baskets": a.baskets.len(),
        "n_items": a.baskets.n_items(),
        "n_itemsets": a.frequent.itemsets.len(),
        "itemsets_by_size": a.frequent.count_by_size(),
        "n_rules": a.rules.len(),
        "rules": rules,
    });
    if !a.offers.is_empty() {
        let offers: Vec<Value> = a.offers.iter().map(|(c, o)| offers_json(a, c, o)).collect();
        doc["offers"] = Value::Array(offers);
        doc["offer_learning"] = match &a.feedback {
            None => json!({ "enabled": false }),
            Some(f) => json!({
                "enabled": true,
                "decline_cooldown_days": args.decline_cooldown,
                "prior_strength": args.prior_strength,
                "answered": f.total_offered,
                "accepted": f.total_accepted,
                "global_rate": f.global_rate(),
                "unmatched": f.unmatched,
            }),
        };
    }
    doc
}

/// The counts above the table.
fn print_summary(a: &Analysis, args: &BasketArgs, as_of: &str) {
    let sizes: Vec<String> = a
        .frequent
        .count_by_size()
        .iter()
        .map(|&n| count(n as u64))
        .collect();
    let items = if args.by == "category" {
        "categories"
    } else {
        "skus"
    };
    println!(
        "Baskets before {as_of}: {} orders, {} {items}{}",
        count(a.baskets.len() as u64),
        count(a.baskets.n_items() as u64),
        if args.keep_all {
            ""
        } else {
            " (non-product codes excluded)"
        },
    );
    println!(
        "min support {} (≥ {} baskets): {} itemsets{}, {} rules with lift ≥ {}",
        args.min_support,
        count(a.frequent.min_count),
        count(a.frequent.itemsets.len() as u64),
        if sizes.is_empty() {
            String::new()
        } else {
            format!(" (by size: {})", sizes.join(" / "))
        },
        count(a.rules.len() as u64),
        args.min_lift,
    );
}

/// The first `limit` rules as a table.
fn print_rules(a: &Analysis, limit: usize) {
    let mut t = Table::new(&[
        "if bought",
        "then also",
        "support",
        "confidence",
        "lift",
        "leverage",
        "conviction",
    ]);
    for r in a.rules.iter().take(limit) {
        t.row(vec![
            names(&a.baskets, &r.antecedents).join(", "),
            names(&a.baskets, &r.consequents).join(", "),
            format!("{:.5}", r.support),
            format!("{:.4}", r.confidence),
            format!("{:.3}", r.lift),
            format!("{:.5}", r.leverage),
            if r.conviction.is_finite() {
                format!("{:.3}", r.conviction)
            } else {
                "∞".to_owned()
            },
        ]);
    }
    println!("\n{}", t.render());
    if a.rules.len() > limit {
        println!(
            "… {} more (--limit N, or --json for all)",
            count((a.rules.len() - limit) as u64)
        );
    }
}

/// The offers of each `--offers` customer as tables.
fn print_offers(a: &Analysis) {
    for (customer, offers) in &a.offers {
        println!("\nNext best offers for {customer}:");
        if offers.is_empty() {
            println!("  none (no rule applies to what this customer bought)");
            continue;
        }
        let mut t = Table::new(&[
            "offer",
            "score",
            "confidence",
            "unit margin",
            "acceptance ×",
            "because bought",
        ]);
        for o in offers {
            t.row(vec![
                a.baskets.name(o.item).to_owned(),
                format!("{:.2}", o.score),
                format!("{:.4}", o.confidence),
                format!("{:.2}", o.margin),
                format!("{:.2}", o.acceptance_weight),
                names(&a.baskets, &a.rules[o.rule].antecedents).join(", "),
            ]);
        }
        println!("{}", t.render());
        let declined = declined_of(a, customer);
        if !declined.is_empty() {
            let items: Vec<&str> = declined.iter().map(|&(i, _)| a.baskets.name(i)).collect();
            println!(
                "  not offered again (declined recently): {}",
                items.join(", ")
            );
        }
    }
}

/// Step times printed on stderr with `--timings`.
struct Timings {
    on: bool,
    last: Instant,
}

impl Timings {
    fn new(on: bool) -> Self {
        Timings {
            on,
            last: Instant::now(),
        }
    }

    /// Prints the time since the previous lap.
    fn lap(&mut self, step: &str) {
        let now = Instant::now();
        if self.on {
            let d: Duration = now - self.last;
            eprintln!("{step:>12}: {:8.1} ms", d.as_secs_f64() * 1e3);
        }
        self.last = now;
    }
}

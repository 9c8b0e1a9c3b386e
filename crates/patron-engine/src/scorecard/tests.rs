//! Score-card tests on hand-built inputs.

use super::*;
use patron_core::config::ProjectConfig;

fn settings(toml_text: &str) -> Settings {
    let config: ProjectConfig =
        ProjectConfig::parse(toml_text, std::path::Path::new("patron.toml"))
            .expect("config parses");
    Settings::compile(&config).expect("settings compile")
}

fn day(d: i64) -> Timestamp {
    Timestamp::from_secs(d * 86_400)
}

fn id(text: &str) -> patron_core::ids::CustomerId {
    patron_core::ids::CustomerId::parse(text).unwrap()
}

/// A population of `n` buyers whose value grows with their index, plus two leads.
fn population(n: usize) -> Vec<CustomerInputs> {
    let mut all: Vec<CustomerInputs> = (0..n)
        .map(|i| {
            let x = i as f64;
            CustomerInputs {
                customer_id: id(&format!("C{i:05}")),
                profiling_allowed: true,
                marketing_allowed: true,
                revenue: 100.0 + 10.0 * x,
                margin: 30.0 + 3.0 * x,
                orders: 1 + (i % 12) as u32,
                last_order: Some(day(1000 - (i % 50) as i64)),
                days_since_last_order: Some((i % 50) as f64),
                tenure_days: 100.0 + x,
                mean_gap_days: Some(30.0),
                gap_sd_days: Some(5.0 + (i % 7) as f64),
                clv: Some(50.0 + 7.0 * x),
                p_alive: Some(0.5 + 0.5 * (x / n as f64)),
                churn: Some(ChurnInput {
                    risk: ((i * 37) % 100) as f64 / 100.0,
                    source: "test".into(),
                    reasons: vec!["a reason".into()],
                }),
                ..CustomerInputs::new(id(&format!("C{i:05}")))
            }
        })
        .collect();
    for k in 0..2 {
        all.push(CustomerInputs {
            customer_id: id(&format!("L{k}")),
            is_lead: true,
            profiling_allowed: true,
            marketing_allowed: true,
            tenure_days: 10.0,
            ..CustomerInputs::new(id(&format!("L{k}")))
        });
    }
    all
}

#[test]
fn tier_shares_follow_the_configuration() {
    let s = settings("");
    let all = population(5000);
    let ctx = build_context(&all, &s, day(1001), &[]);
    let cards = cards(&all, &ctx, &s);
    let buyers = cards.iter().filter(|c| !c.lead).count() as f64;
    for (tier, share) in [
        ("VIP", 0.10),
        ("Premium", 0.20),
        ("Standard", 0.60),
        ("Basic", 0.10),
    ] {
        let got = cards.iter().filter(|c| c.tier == tier).count() as f64 / buyers;
        assert!((got - share).abs() < 0.005, "{tier}: {got} vs {share}");
    }
    assert_eq!(cards.iter().filter(|c| c.tier == "Lead").count(), 2);
    // The value score means "better than N %": the VIPs are at 90 and above.
    for c in cards.iter().filter(|c| c.tier == "VIP") {
        assert!(c.value_score.unwrap() >= 90.0, "{c:?}");
    }
}

#[test]
fn contributions_add_up_to_the_composite() {
    let s = settings("");
    let all = population(800);
    let ctx = build_context(&all, &s, day(1001), &[]);
    for c in cards(&all, &ctx, &s) {
        let v = c.value.unwrap();
        let sum: f64 = v.contributions.iter().map(|x| x.points).sum();
        assert!((sum - v.composite).abs() < 1e-9, "{sum} vs {}", v.composite);
        assert!((0.0..=100.0).contains(&v.composite));
    }
}

#[test]
fn one_customer_scored_alone_equals_the_batch_row() {
    let s = settings("");
    let all = population(1200);
    let ctx = build_context(&all, &s, day(1001), &[]);
    let batch = cards(&all, &ctx, &s);
    // The context survives a round trip through JSON (as it is stored with the run).
    let stored: ScoringContext =
        serde_json::from_str(&serde_json::to_string(&ctx).unwrap()).unwrap();
    for i in [0, 17, 599, 1199, 1200] {
        assert_eq!(card(&all[i], &stored, &s), batch[i]);
    }
}

#[test]
fn refused_consent_removes_profiling_scores_and_says_so() {
    let s = settings("");
    let mut all = population(500);
    all[10].profiling_allowed = false;
    let ctx = build_context(&all, &s, day(1001), &[]);
    assert_eq!(ctx.population, 499);
    let c = card(&all[10], &ctx, &s);
    assert!(c.value_score.is_none() && c.clv.is_none() && c.churn_risk.is_none());
    assert!(c.action.is_none());
    assert_eq!(c.tier, "Standard");
    assert!(c.tier_reason.contains("consent"));
    let note = c.consent_note.unwrap();
    assert!(note.contains("clv") && note.contains("churn"), "{note}");
    assert!(
        c.margin.is_some(),
        "margin is allowed without consent by default"
    );
}

#[test]
fn allowed_without_consent_is_configurable() {
    let s = settings("[consent]\nallowed_without_consent = [\"clv\", \"value\"]\n");
    let mut all = population(300);
    all[3].profiling_allowed = false;
    let ctx = build_context(&all, &s, day(1001), &[]);
    let c = card(&all[3], &ctx, &s);
    assert!(c.clv.is_some() && c.value_score.is_some());
    assert!(c.churn_risk.is_none() && c.margin.is_none());
}

#[test]
fn an_action_of_a_configured_purpose_needs_that_consent() {
    let toml = r#"
[consent.purposes.phone]
attribute = "consent_phone"
description = "sales calls"

[[actions]]
name = "call"
when = "orders >= 1"
action = "sales call"
purpose = "phone"

[[actions]]
name = "care"
when = "orders >= 1"
action = "service letter"
purpose = "service"
"#;
    let s = settings(toml);
    let mut all = population(200);
    all[5].purposes.insert("phone".into(), true);
    all[6].purposes.insert("phone".into(), false);
    let ctx = build_context(&all, &s, day(1001), &[]);
    let yes = card(&all[5], &ctx, &s);
    assert_eq!(yes.action.as_deref(), Some("sales call"));
    assert!(yes.purposes["phone"]);
    let no = card(&all[6], &ctx, &s);
    assert_eq!(no.action.as_deref(), Some("service letter"));
    // Unknown (no attribute): the row is skipped too.
    assert_eq!(
        card(&all[7], &ctx, &s).action.as_deref(),
        Some("service letter")
    );

    let config = ProjectConfig::parse(
        &toml.replace("purpose = \"phone\"", "purpose = \"phnoe\""),
        std::path::Path::new("patron.toml"),
    )
    .unwrap();
    let errors = Settings::compile(&config).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.to_string().contains("did you mean `phone`")),
        "{errors:?}"
    );
}

#[test]
fn a_consent_attribute_reads_flags_numbers_and_words() {
    use patron_core::model::AttrValue;
    for (value, expected) in [
        (AttrValue::Bool(true), Some(true)),
        (AttrValue::Number(0.0), Some(false)),
        (AttrValue::Text(" Ja ".into()), Some(true)),
        (AttrValue::Text("nein".into()), Some(false)),
        (AttrValue::Text("maybe".into()), None),
    ] {
        assert_eq!(attribute_consent(Some(&value)), expected, "{value:?}");
    }
    assert_eq!(attribute_consent(None), None);
}

#[test]
fn status_and_alarms_of_a_valuable_customer_at_risk() {
    let s = settings("");
    let mut all = population(1000);
    // The best customer: high risk and a broken rhythm.
    let best = &mut all[999];
    best.churn = Some(ChurnInput {
        risk: 0.8,
        source: "test".into(),
        reasons: vec!["orders fell".into()],
    });
    best.days_since_last_order = Some(200.0);
    let ctx = build_context(&all, &s, day(1001), &[]);
    let c = card(&all[999], &ctx, &s);
    assert_eq!(c.tier, "VIP");
    assert_eq!(c.status, "At Risk");
    assert_eq!(c.portfolio.as_deref(), Some("rescue"));
    let kinds: Vec<&str> = c.alarms.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(kinds, ["valuable_at_risk", "rhythm_broken"]);
    assert!(c.alarms[0].evidence.contains("80 %") && c.alarms[0].evidence.contains("orders fell"));
    assert_eq!(c.action.as_deref(), Some("senior adviser call"));
    assert_eq!(c.action_rule.as_deref(), Some("VIP at risk"));
    assert_eq!(c.service.as_ref().unwrap().queue, "key-accounts");
}

#[test]
fn sleepers_and_qualified_leads_raise_alarms() {
    let s = settings("");
    let mut all = population(400);
    all[390].days_since_last_order = Some(400.0);
    all[401].stages.insert("sales".into(), "SQL".into());
    all[401].stage = Some("SQL".into());
    let ctx = build_context(&all, &s, day(1001), &[]);
    let sleeper = card(&all[390], &ctx, &s);
    assert!(
        sleeper.alarms.iter().any(|a| a.kind == "sleeper"),
        "{:?}",
        sleeper.alarms
    );
    let lead = card(&all[401], &ctx, &s);
    assert_eq!(lead.alarms[0].kind, "lead_qualified");
    assert_eq!(lead.action.as_deref(), Some("sales call"));
    assert_eq!(lead.status, "Lead");
}

#[test]
fn reconcile_raises_once_and_clears() {
    let hit = AlarmHit {
        kind: "sleeper".into(),
        evidence: "e".into(),
    };
    let first = reconcile(&[], [("A", &hit), ("B", &hit)]);
    assert_eq!(first.raised.len(), 2);
    let open: Vec<OpenAlarm> = ["A", "B"]
        .iter()
        .map(|c| OpenAlarm {
            customer_id: (*c).into(),
            kind: "sleeper".into(),
        })
        .collect();
    let second = reconcile(&open, [("A", &hit)]);
    assert!(second.raised.is_empty());
    assert_eq!(second.continuing.len(), 1);
    assert_eq!(second.cleared, vec![open[1].clone()]);
}

#[test]
fn card_filters_check_names_and_types() {
    let f = CardFilter::compile(r#"tier == "VIP" && churn_risk > 0.3"#).unwrap();
    let s = settings("");
    let all = population(1000);
    let ctx = build_context(&all, &s, day(1001), &[]);
    let cards = cards(&all, &ctx, &s);
    let n = cards.iter().filter(|c| f.matches(c)).count();
    let expected = cards
        .iter()
        .filter(|c| c.tier == "VIP" && c.churn_risk.unwrap_or(0.0) > 0.3)
        .count();
    assert_eq!(n, expected);
    assert!(n > 0);
    let e = CardFilter::compile(r#"tierr == "VIP""#).unwrap_err();
    assert_eq!(e.column, 1);
    assert!(e.message.contains("did you mean `tier`"), "{e}");
    let e = CardFilter::compile(r#"tier > 3"#).unwrap_err();
    assert!(e.message.contains("needs a number"), "{e}");
    let e = CardFilter::compile("churn_risk + 1").unwrap_err();
    assert!(e.message.contains("expected true/false"), "{e}");
    assert!(
        CardFilter::compile(
            r#"alarm.sleeper || level("SQL") || has(clv) || stage.lifecycle == "active""#
        )
        .is_ok()
    );
}

#[test]
fn bad_settings_are_reported() {
    let config = ProjectConfig::parse(
        "[tiers]\nlevels = [{ name = \"VIP\", share = 0.5 }]\n[consent]\nallowed_without_consent = [\"clvv\"]\n[[actions]]\nname = \"x\"\nwhen = \"tier = 1\"\naction = \"y\"\n",
        std::path::Path::new("patron.toml"),
    )
    .unwrap();
    let errors = Settings::compile(&config).unwrap_err();
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(text.iter().any(|e| e.contains("add up to 1")), "{text:?}");
    assert!(text.iter().any(|e| e.contains("clvv")), "{text:?}");
    assert!(
        text.iter().any(|e| e.contains("[[actions]] \"x\"")),
        "{text:?}"
    );
}

#[test]
fn named_values_stay_sorted_and_serialise_as_a_map() {
    let mut scores: Named<f64> = Named::default();
    assert_eq!(scores.insert("lead".into(), 5.0), None);
    assert_eq!(scores.insert("engagement".into(), -3.0), None);
    assert_eq!(scores.insert("lead".into(), 7.0), Some(5.0));
    assert_eq!(scores.get("lead"), Some(&7.0));
    assert_eq!(scores.get("missing"), None);
    let names: Vec<&String> = scores.iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["engagement", "lead"]);
    assert_eq!(scores.len(), 2);
    let json = serde_json::to_string(&scores).unwrap();
    assert_eq!(json, r#"{"engagement":-3.0,"lead":7.0}"#);
    let back: Named<f64> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, scores);
    scores.clear();
    assert!(scores.is_empty());
}

//! German and English: the browser's language unless the reader switched (a cookie), and
//! every text of the pages in one struct per language, so a text missing in one language
//! does not compile.

use axum::http::HeaderMap;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};

/// The cookie that keeps the language a reader switched to.
pub const LANG_COOKIE: &str = "patron_lang";

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Deutsch.
    De,
    /// English.
    En,
}

impl Lang {
    /// `de` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }

    /// The language a code names.
    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().get(..2)?.to_ascii_lowercase().as_str() {
            "de" => Some(Lang::De),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language (what the switch offers).
    pub fn other(self) -> Lang {
        match self {
            Lang::De => Lang::En,
            Lang::En => Lang::De,
        }
    }

    /// The reader's language: the switch's cookie, else the first of German or English in
    /// `Accept-Language` by preference, else English.
    pub fn of(headers: &HeaderMap) -> Lang {
        if let Some(lang) = cookie(headers, LANG_COOKIE).and_then(|c| Lang::parse(&c)) {
            return lang;
        }
        let accepted = headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let mut best: Option<(f32, Lang)> = None;
        for part in accepted.split(',') {
            let mut pieces = part.split(';');
            let Some(lang) = pieces.next().and_then(Lang::parse) else {
                continue;
            };
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, lang));
            }
        }
        best.map_or(Lang::En, |(_, lang)| lang)
    }

    /// The texts in this language.
    pub fn text(self) -> &'static Text {
        match self {
            Lang::De => &DE,
            Lang::En => &EN,
        }
    }
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_owned())
}

/// Every text of the pages.
#[allow(missing_docs)]
pub struct Text {
    pub lang_name: &'static str,
    pub switch_to: &'static str,
    pub skip: &'static str,
    pub nav_overview: &'static str,
    pub nav_customers: &'static str,
    pub log_out: &'static str,
    pub signed_in_as: &'static str,
    pub login_title: &'static str,
    pub login_intro: &'static str,
    pub api_key: &'static str,
    pub log_in: &'static str,
    pub login_failed: &'static str,
    pub overview_title: &'static str,
    pub run: &'static str,
    pub as_of: &'static str,
    pub customers: &'static str,
    pub clv: &'static str,
    pub value_at_risk: &'static str,
    pub leads: &'static str,
    pub tiers_customers: &'static str,
    pub tiers_clv: &'static str,
    pub tier: &'static str,
    pub share: &'static str,
    pub portfolio_title: &'static str,
    pub portfolio_note: &'static str,
    pub value_score: &'static str,
    pub churn_risk: &'static str,
    pub unplaced: &'static str,
    pub quadrant: &'static str,
    pub pareto_title: &'static str,
    pub pareto_x: &'static str,
    pub pareto_y: &'static str,
    pub trend_title: &'static str,
    pub risk_trend_title: &'static str,
    pub alarms_title: &'static str,
    pub alarm: &'static str,
    pub evidence: &'static str,
    pub customer: &'static str,
    pub none: &'static str,
    pub no_run: &'static str,
    pub search_label: &'static str,
    pub search_hint: &'static str,
    pub search: &'static str,
    pub search_results: &'static str,
    pub no_match: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub company: &'static str,
    pub card_title: &'static str,
    pub card_live: &'static str,
    pub card_run: &'static str,
    pub percentile: &'static str,
    pub status: &'static str,
    pub service_level: &'static str,
    pub reasons: &'static str,
    pub p_alive: &'static str,
    pub expected_purchases: &'static str,
    pub stage: &'static str,
    pub points: &'static str,
    pub payment_risk: &'static str,
    /// Contracts and subscriptions.
    pub contracts: &'static str,
    pub next_action: &'static str,
    pub next_purchase: &'static str,
    pub offer: &'static str,
    pub open_alarms: &'static str,
    pub revenue: &'static str,
    pub orders: &'static str,
    pub days_since_last_order: &'static str,
    pub rfm_segment: &'static str,
    pub abc_class: &'static str,
    pub over_time: &'static str,
    pub ledger: &'static str,
    pub rule: &'static str,
    pub when: &'static str,
    pub recent_orders: &'static str,
    pub recent_events: &'static str,
    pub recent_tickets: &'static str,
    pub order: &'static str,
    pub amount: &'static str,
    pub lines: &'static str,
    pub event_type: &'static str,
    pub opened: &'static str,
    pub closed: &'static str,
    pub escalated: &'static str,
    pub sentiment: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub not_found: &'static str,
    pub error_title: &'static str,
    pub consent_note: &'static str,
    pub nav_worklists: &'static str,
    pub condition: &'static str,
    pub further_condition: &'static str,
    pub apply: &'static str,
    pub export_csv: &'static str,
    pub export_csv_de: &'static str,
    pub next_page: &'static str,
    pub mark_handled: &'static str,
    pub marked_handled: &'static str,
    pub sort_by: &'static str,
    pub no_items: &'static str,
    pub sort_list_by: &'static str,
    pub roc_note: &'static str,
    pub lift_note: &'static str,
    pub calibration_note: &'static str,
    pub nav_models: &'static str,
    pub no_models: &'static str,
    pub model: &'static str,
    pub version: &'static str,
    pub trained: &'static str,
    pub cutoffs: &'static str,
    pub holdout_from: &'static str,
    pub features: &'static str,
    pub holdout_title: &'static str,
    pub holdout_short: &'static str,
    pub logistic_baseline: &'static str,
    pub cv_auc: &'static str,
    pub roc_title: &'static str,
    pub false_positive_rate: &'static str,
    pub true_positive_rate: &'static str,
    pub calibration_title: &'static str,
    pub predicted: &'static str,
    pub observed: &'static str,
    pub lift_title: &'static str,
    pub lift_unit: &'static str,
    pub versions: &'static str,
    pub mean_value_score: &'static str,
    pub mean_churn_risk: &'static str,
    pub nav_segments: &'static str,
    pub status_at_risk: &'static str,
    pub segment_name: &'static str,
    pub description: &'static str,
    pub save_segment: &'static str,
    pub saved_segments: &'static str,
    pub segment_saved: &'static str,
    pub show_figures: &'static str,
    pub segment_condition: &'static str,
    pub figures_title: &'static str,
    pub rfm_title: &'static str,
    pub saved_by: &'static str,
    pub export: &'static str,
    pub action: &'static str,
    pub alarms: &'static str,
    pub contested_title: &'static str,
    pub contested_intro: &'static str,
    pub open_contests: &'static str,
    pub decision: &'static str,
    pub statement: &'static str,
    pub channel: &'static str,
    pub received: &'static str,
    pub outcome: &'static str,
    pub outcome_upheld: &'static str,
    pub outcome_changed: &'static str,
    pub outcome_withdrawn: &'static str,
    pub resolution: &'static str,
    pub resolve: &'static str,
    pub contest_resolved: &'static str,
}

/// English.
pub static EN: Text = Text {
    lang_name: "English",
    switch_to: "Deutsch",
    skip: "Skip to content",
    nav_overview: "Overview",
    nav_customers: "Customers",
    log_out: "Log out",
    signed_in_as: "Signed in as",
    login_title: "Log in",
    login_intro: "Log in with an API key (patron keys create --scope read --name NAME).",
    api_key: "API key",
    log_in: "Log in",
    login_failed: "This key is unknown or revoked.",
    overview_title: "Overview",
    run: "Score run",
    as_of: "as of",
    customers: "Customers",
    clv: "CLV",
    value_at_risk: "CLV at risk",
    leads: "Leads",
    tiers_customers: "Customers by tier",
    tiers_clv: "CLV by tier",
    tier: "Tier",
    share: "Share",
    portfolio_title: "Portfolio: value × churn risk",
    portfolio_note: "Customers and their CLV per cell; the darker, the more customers.",
    value_score: "Value score",
    churn_risk: "Churn risk",
    unplaced: "Without value score or churn risk",
    quadrant: "Quadrant",
    pareto_title: "ABC / Pareto curve",
    pareto_x: "Share of buyers, best first",
    pareto_y: "Share of revenue",
    trend_title: "Customers by tier across runs",
    risk_trend_title: "CLV at risk across runs",
    alarms_title: "Biggest open alarms",
    alarm: "Alarm",
    evidence: "Evidence",
    customer: "Customer",
    none: "none",
    no_run: "No score run yet: run patron score first.",
    search_label: "Find a customer",
    search_hint: "Id, e-mail address or the beginning of a name",
    search: "Search",
    search_results: "Customers found",
    no_match: "No customer matches",
    name: "Name",
    email: "E-mail",
    company: "Company",
    card_title: "Card",
    card_live: "live card, updated after new facts",
    card_run: "card of the score run",
    percentile: "better than this share of customers",
    status: "Status",
    service_level: "Service level",
    reasons: "Reasons",
    p_alive: "P(alive)",
    expected_purchases: "Expected purchases (12 months)",
    stage: "Stage",
    points: "Points",
    payment_risk: "Payment risk",
    contracts: "Contracts",
    next_action: "Next action",
    next_purchase: "Next purchase expected",
    offer: "Offer",
    open_alarms: "Open alarms",
    revenue: "Revenue",
    orders: "Orders",
    days_since_last_order: "Days since last order",
    rfm_segment: "RFM segment",
    abc_class: "ABC class",
    over_time: "Over runs and live updates",
    ledger: "Points ledger",
    rule: "Rule",
    when: "When",
    recent_orders: "Recent orders",
    recent_events: "Recent events",
    recent_tickets: "Recent tickets",
    order: "Order",
    amount: "Amount",
    lines: "Lines",
    event_type: "Event",
    opened: "Opened",
    closed: "Closed",
    escalated: "Escalated",
    sentiment: "Sentiment",
    yes: "yes",
    no: "no",
    not_found: "Not found",
    error_title: "Something went wrong",
    consent_note: "Consent",
    nav_worklists: "Worklists",
    condition: "Condition",
    further_condition: "Further condition (condition language, e.g. clv > 500)",
    apply: "Apply",
    export_csv: "Export CSV",
    export_csv_de: "Export CSV for German Excel",
    next_page: "Next page",
    mark_handled: "Mark handled",
    marked_handled: "Marked handled:",
    sort_by: "Sort this page by",
    no_items: "No customer is on this list.",
    sort_list_by: "Sort the list by",
    roc_note: "the further above the diagonal, the better the ranking",
    lift_note: "decile 1 holds the highest scores",
    calibration_note: "on the diagonal, a predicted 30 % happens 30 % of the time",
    nav_models: "Models",
    no_models: "No model is registered yet: patron models train churn",
    model: "Model",
    version: "Version",
    trained: "Trained",
    cutoffs: "cutoffs, horizon (days)",
    holdout_from: "holdout",
    features: "features",
    holdout_title: "On the later holdout period",
    holdout_short: "holdout",
    logistic_baseline: "Logistic baseline",
    cv_auc: "ROC AUC, cross-validated",
    roc_title: "ROC curve",
    false_positive_rate: "False positive rate",
    true_positive_rate: "True positive rate",
    calibration_title: "Calibration",
    predicted: "Predicted probability",
    observed: "Observed rate",
    lift_title: "Lift by decile",
    lift_unit: "Lift (× the mean rate)",
    versions: "All versions",
    mean_value_score: "Mean value score",
    mean_churn_risk: "Mean churn risk",
    nav_segments: "Segments",
    status_at_risk: "Status at risk",
    segment_name: "Name (letters, digits, - and _)",
    description: "Description",
    save_segment: "Save segment",
    saved_segments: "Saved segments",
    segment_saved: "Saved:",
    show_figures: "Show figures",
    segment_condition: "Condition (condition language, e.g. tier == \"VIP\" && churn_risk > 0.3)",
    figures_title: "Figures of the latest run",
    rfm_title: "RFM segments",
    saved_by: "Saved by",
    export: "Export",
    action: "Action",
    alarms: "Alarms",
    contested_title: "Contested decisions",
    contested_intro: "Customers who contest an automated decision (GDPR Art. 22): review each, set an override or correct the facts if they are right, then resolve it with the answer they get.",
    open_contests: "open",
    decision: "Decision",
    statement: "What the customer says",
    channel: "Channel",
    received: "Received",
    outcome: "Outcome",
    outcome_upheld: "Upheld",
    outcome_changed: "Changed",
    outcome_withdrawn: "Withdrawn",
    resolution: "Resolution (answer to the customer)",
    resolve: "Resolve",
    contest_resolved: "Resolved contest",
};

/// Deutsch.
pub static DE: Text = Text {
    lang_name: "Deutsch",
    switch_to: "English",
    skip: "Zum Inhalt springen",
    nav_overview: "Überblick",
    nav_customers: "Kunden",
    log_out: "Abmelden",
    signed_in_as: "Angemeldet als",
    login_title: "Anmelden",
    login_intro: "Mit einem API-Schlüssel anmelden (patron keys create --scope read --name NAME).",
    api_key: "API-Schlüssel",
    log_in: "Anmelden",
    login_failed: "Dieser Schlüssel ist unbekannt oder widerrufen.",
    overview_title: "Überblick",
    run: "Bewertungslauf",
    as_of: "Stand",
    customers: "Kunden",
    clv: "CLV",
    value_at_risk: "Gefährdeter CLV",
    leads: "Interessenten",
    tiers_customers: "Kunden je Stufe",
    tiers_clv: "CLV je Stufe",
    tier: "Stufe",
    share: "Anteil",
    portfolio_title: "Portfolio: Wert × Abwanderungsrisiko",
    portfolio_note: "Kunden und ihr CLV je Feld; je dunkler, desto mehr Kunden.",
    value_score: "Wertpunktzahl",
    churn_risk: "Abwanderungsrisiko",
    unplaced: "Ohne Wertpunktzahl oder Abwanderungsrisiko",
    quadrant: "Quadrant",
    pareto_title: "ABC- / Pareto-Kurve",
    pareto_x: "Anteil der Käufer, die besten zuerst",
    pareto_y: "Anteil am Umsatz",
    trend_title: "Kunden je Stufe über die Läufe",
    risk_trend_title: "Gefährdeter CLV über die Läufe",
    alarms_title: "Die größten offenen Alarme",
    alarm: "Alarm",
    evidence: "Befund",
    customer: "Kunde",
    none: "keine",
    no_run: "Noch kein Bewertungslauf: zuerst patron score ausführen.",
    search_label: "Kunden finden",
    search_hint: "Kennung, E-Mail-Adresse oder Anfang des Namens",
    search: "Suchen",
    search_results: "Gefundene Kunden",
    no_match: "Kein Kunde passt zu",
    name: "Name",
    email: "E-Mail",
    company: "Firma",
    card_title: "Karte",
    card_live: "Live-Karte, nach neuen Fakten aktualisiert",
    card_run: "Karte des Bewertungslaufs",
    percentile: "besser als dieser Anteil der Kunden",
    status: "Status",
    service_level: "Servicelevel",
    reasons: "Gründe",
    p_alive: "P(aktiv)",
    expected_purchases: "Erwartete Käufe (12 Monate)",
    stage: "Phase",
    points: "Punkte",
    payment_risk: "Zahlungsrisiko",
    contracts: "Verträge",
    next_action: "Nächste Aktion",
    next_purchase: "Nächster Kauf erwartet",
    offer: "Angebot",
    open_alarms: "Offene Alarme",
    revenue: "Umsatz",
    orders: "Bestellungen",
    days_since_last_order: "Tage seit der letzten Bestellung",
    rfm_segment: "RFM-Segment",
    abc_class: "ABC-Klasse",
    over_time: "Über Läufe und Live-Aktualisierungen",
    ledger: "Punktekonto",
    rule: "Regel",
    when: "Wann",
    recent_orders: "Letzte Bestellungen",
    recent_events: "Letzte Ereignisse",
    recent_tickets: "Letzte Tickets",
    order: "Bestellung",
    amount: "Betrag",
    lines: "Positionen",
    event_type: "Ereignis",
    opened: "Eröffnet",
    closed: "Geschlossen",
    escalated: "Eskaliert",
    sentiment: "Stimmung",
    yes: "ja",
    no: "nein",
    not_found: "Nicht gefunden",
    error_title: "Etwas ist schiefgegangen",
    consent_note: "Einwilligung",
    nav_worklists: "Arbeitslisten",
    condition: "Bedingung",
    further_condition: "Weitere Bedingung (Bedingungssprache, z. B. clv > 500)",
    apply: "Anwenden",
    export_csv: "Als CSV exportieren",
    export_csv_de: "Als CSV für deutsches Excel exportieren",
    next_page: "Nächste Seite",
    mark_handled: "Als erledigt markieren",
    marked_handled: "Als erledigt markiert:",
    sort_by: "Diese Seite sortieren nach",
    no_items: "Kein Kunde steht auf dieser Liste.",
    sort_list_by: "Liste sortieren nach",
    roc_note: "je weiter über der Diagonale, desto besser die Reihenfolge",
    lift_note: "Dezil 1 enthält die höchsten Werte",
    calibration_note: "auf der Diagonale tritt ein vorhergesagtes 30 % in 30 % der Fälle ein",
    nav_models: "Modelle",
    no_models: "Noch kein Modell registriert: patron models train churn",
    model: "Modell",
    version: "Version",
    trained: "Trainiert",
    cutoffs: "Stichtage, Horizont (Tage)",
    holdout_from: "Prüfzeitraum ab",
    features: "Merkmale",
    holdout_title: "Im späteren Prüfzeitraum",
    holdout_short: "Prüfzeitraum",
    logistic_baseline: "Logistische Basis",
    cv_auc: "ROC AUC, kreuzvalidiert",
    roc_title: "ROC-Kurve",
    false_positive_rate: "Falsch-Positiv-Rate",
    true_positive_rate: "Richtig-Positiv-Rate",
    calibration_title: "Kalibrierung",
    predicted: "Vorhergesagte Wahrscheinlichkeit",
    observed: "Beobachtete Rate",
    lift_title: "Lift je Dezil",
    lift_unit: "Lift (× mittlere Rate)",
    versions: "Alle Versionen",
    mean_value_score: "Mittlere Wertpunktzahl",
    mean_churn_risk: "Mittleres Abwanderungsrisiko",
    nav_segments: "Segmente",
    status_at_risk: "Status gefährdet",
    segment_name: "Name (Buchstaben, Ziffern, - und _)",
    description: "Beschreibung",
    save_segment: "Segment speichern",
    saved_segments: "Gespeicherte Segmente",
    segment_saved: "Gespeichert:",
    show_figures: "Kennzahlen zeigen",
    segment_condition: "Bedingung (Bedingungssprache, z. B. tier == \"VIP\" && churn_risk > 0.3)",
    figures_title: "Kennzahlen des letzten Laufs",
    rfm_title: "RFM-Segmente",
    saved_by: "Gespeichert von",
    export: "Export",
    action: "Aktion",
    alarms: "Alarme",
    contested_title: "Angefochtene Entscheidungen",
    contested_intro: "Kunden, die eine automatisierte Entscheidung anfechten (DSGVO Art. 22): jede prüfen, bei Recht eine Übersteuerung setzen oder die Daten berichtigen, dann mit der Antwort an den Kunden abschließen.",
    open_contests: "offen",
    decision: "Entscheidung",
    statement: "Aussage des Kunden",
    channel: "Kanal",
    received: "Eingegangen",
    outcome: "Ergebnis",
    outcome_upheld: "Bestätigt",
    outcome_changed: "Geändert",
    outcome_withdrawn: "Zurückgezogen",
    resolution: "Entscheidung (Antwort an den Kunden)",
    resolve: "Abschließen",
    contest_resolved: "Abgeschlossene Anfechtung",
};

impl Text {
    /// What the Pareto curve says at 20 %.
    pub fn pareto_note(&self, share: &str) -> String {
        if std::ptr::eq(self, &DE) {
            format!("Die besten 20 % der Käufer bringen {share} des Umsatzes.")
        } else {
            format!("The best 20% of buyers bring {share} of the revenue.")
        }
    }

    /// A status of the cards in words.
    pub fn status_name(&self, status: &str) -> String {
        let de = std::ptr::eq(self, &DE);
        match (status, de) {
            ("At Risk", true) => "Gefährdet".into(),
            ("Lead", true) => "Interessent".into(),
            _ => status.into(),
        }
    }

    /// A quadrant of the portfolio in words.
    pub fn quadrant_name(&self, quadrant: &str) -> String {
        let de = std::ptr::eq(self, &DE);
        match (quadrant, de) {
            ("stars", false) => "Stars: valuable and loyal",
            ("rescue", false) => "Rescue: valuable, at risk",
            ("develop", false) => "Develop: loyal, less valuable",
            ("let_go", false) => "Let go: less valuable, at risk",
            ("stars", true) => "Stars: wertvoll und treu",
            ("rescue", true) => "Retten: wertvoll, gefährdet",
            ("develop", true) => "Entwickeln: treu, weniger wertvoll",
            ("let_go", true) => "Loslassen: weniger wertvoll, gefährdet",
            _ => quadrant,
        }
        .into()
    }

    /// An alarm's kind in words.
    pub fn alarm_name(&self, kind: &str) -> String {
        let de = std::ptr::eq(self, &DE);
        match (kind, de) {
            ("valuable_at_risk", false) => "Valuable customer at risk",
            ("rhythm_broken", false) => "Buying rhythm broken",
            ("sleeper", false) => "Sleeper",
            ("lead_qualified", false) => "Lead qualified",
            ("renewal_due", false) => "Renewal due, contract at risk",
            ("renewal_due", true) => "Verlängerung fällig, Vertrag gefährdet",
            ("valuable_at_risk", true) => "Wertvoller Kunde gefährdet",
            ("rhythm_broken", true) => "Kaufrhythmus unterbrochen",
            ("sleeper", true) => "Schläfer",
            ("lead_qualified", true) => "Interessent qualifiziert",
            _ => kind,
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(accept: &str, cookie: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT_LANGUAGE, HeaderValue::from_str(accept).unwrap());
        if let Some(c) = cookie {
            h.insert(COOKIE, HeaderValue::from_str(c).unwrap());
        }
        h
    }

    #[test]
    fn the_browser_language_unless_switched() {
        assert_eq!(
            Lang::of(&headers("de-DE,de;q=0.9,en;q=0.8", None)),
            Lang::De
        );
        assert_eq!(
            Lang::of(&headers("fr-FR,en;q=0.5,de;q=0.7", None)),
            Lang::De
        );
        assert_eq!(Lang::of(&headers("en-GB", None)), Lang::En);
        assert_eq!(Lang::of(&headers("fr", None)), Lang::En);
        assert_eq!(
            Lang::of(&headers("de", Some("a=b; patron_lang=en"))),
            Lang::En
        );
    }
}

//! The dashboard end to end in headless chromium: log in, the overview's charts, find a
//! customer and open the card, an event through the API changing the card, the language
//! switch, keyboard navigation, WCAG AA (axe-core), and not one request leaving the machine.
//! Screenshots of each page land in `$CARGO_TARGET_TMPDIR/dashboard/`.

use crate::browser::Browser;
use crate::support::Server;
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// axe-core from npm (`.ci/run` installs it here).
fn axe_source() -> String {
    let path = std::env::var("PATRON_AXE_JS").map_or_else(
        |_| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("npm/node_modules/axe-core/axe.min.js"),
        PathBuf::from,
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is not at {} ({e}): npm install --prefix $CARGO_TARGET_DIR/tmp/npm axe-core@4 \
             (.ci/run does), or set PATRON_AXE_JS",
            path.display()
        )
    })
}

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dashboard");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The page passes axe-core's WCAG 2 A and AA rules (contrast, labels, names, structure).
async fn assert_accessible(browser: &Browser, axe: &str, page: &str) {
    browser.run(axe, json!([])).await;
    let violations = browser
        .run_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})
                .then(r => done(r.violations.map(v => ({id: v.id, help: v.help,
                    nodes: v.nodes.slice(0, 3).map(n => n.html)}))))
                .catch(e => done([{id: 'axe-failed', help: String(e)}]));",
            json!([]),
        )
        .await;
    assert_eq!(
        violations,
        json!([]),
        "{page}: WCAG violations: {violations:#}"
    );
}

/// Every request the browser made went to the server under test.
async fn assert_stays_local(browser: &Browser, base: &str) {
    let requests = browser.requests().await;
    assert!(
        requests.iter().filter(|u| u.starts_with(base)).count() >= 10,
        "the request log holds too few of the pages' requests: {requests:?}"
    );
    for url in &requests {
        // The browser's own pages (the start page) are not on the network.
        let internal = ["data:", "about:", "chrome:", "chrome-untrusted:"]
            .iter()
            .any(|scheme| url.starts_with(scheme));
        assert!(
            url.starts_with(&format!("{base}/")) || internal,
            "a request left the machine: {url}"
        );
    }
}

/// Waits for the one file a download puts in `dir`, and reads it.
async fn wait_for_download(dir: &std::path::Path) -> String {
    let started = Instant::now();
    loop {
        let done: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "csv"))
            .collect();
        if let [file] = done.as_slice() {
            return std::fs::read_to_string(file).unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no download after 30 s: {done:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the card on the customer page (reloaded) is a live one.
async fn wait_for_live_card(browser: &Browser, url: &str, live_text: &str) -> String {
    let started = Instant::now();
    loop {
        browser.go(url).await;
        let source = browser.text("#card-source").await;
        if source == live_text {
            return source;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the card did not become live: {source:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_in_a_real_browser() {
    let server = Server::start(300).await;
    let base = server.base.clone();
    let axe = axe_source();
    let shots = screenshots();
    let downloads = tempfile::tempdir().unwrap();
    let browser = Browser::start("en-US", downloads.path()).await;

    // Without a session a page sends the browser to the login form, and back after it.
    browser.go(&format!("{base}/")).await;
    assert!(
        browser.url().await.contains("/login?next=%2F"),
        "{}",
        browser.url().await
    );
    assert_accessible(&browser, &axe, "login").await;
    browser.screenshot(&shots.join("login.png")).await;
    browser.type_into("#key", "patron_wrong").await;
    browser.click_to("form[action='/login'] button").await;
    assert!(
        browser
            .text("#login-error")
            .await
            .contains("unknown or revoked")
    );
    browser.type_into("#key", &server.read).await;
    browser.click_to("form[action='/login'] button").await;
    assert_eq!(browser.url().await, format!("{base}/"));

    // The overview: key figures and the charts, drawn as SVG images with titles.
    assert_eq!(
        browser
            .run("return document.documentElement.lang", json!([]))
            .await,
        "en"
    );
    assert_eq!(browser.count(".kpi").await, 3);
    assert!(browser.count("svg.chart[role='img'] title").await >= 6);
    let pareto = browser.text("figcaption").await;
    assert!(
        pareto.starts_with("The best 20% of buyers bring"),
        "{pareto}"
    );
    assert_accessible(&browser, &axe, "overview").await;
    browser.screenshot(&shots.join("overview.png")).await;
    // Readable on a 1366×768 laptop: nothing wider than the window.
    let overflow = browser
        .run(
            "return document.documentElement.scrollWidth - window.innerWidth",
            json!([]),
        )
        .await;
    assert!(
        overflow.as_i64().unwrap() <= 0,
        "the page scrolls sideways by {overflow} px"
    );

    // Keyboard: the first Tab reaches the skip link, Enter on it moves to the content.
    browser.press("\u{E004}").await;
    assert_eq!(
        browser
            .run("return document.activeElement.className", json!([]))
            .await,
        "skip"
    );
    browser.press("\u{E007}").await;
    assert_eq!(
        browser
            .run("return document.activeElement.id", json!([]))
            .await,
        "main"
    );

    // Find a customer by e-mail address: one match opens the card.
    let run = server.store.latest_run_id().await.unwrap().unwrap();
    let scored: std::collections::BTreeSet<String> = server
        .store
        .cards(run)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.value_score.is_some() && c.churn_risk.is_some())
        .map(|c| c.customer_id.as_str().to_owned())
        .collect();
    let customers = server.store.customers().await.unwrap();
    let someone = customers
        .iter()
        .find(|c| c.email.is_some() && c.name.is_some() && scored.contains(c.id.as_str()))
        .expect("the demo has scored customers with e-mail addresses");
    let id = someone.id.as_str().to_owned();
    browser
        .type_into("#q", &someone.email.clone().unwrap().to_uppercase())
        .await;
    browser.click_to("form.search button").await;
    let card_url = format!("{base}/customers/{id}");
    assert_eq!(browser.url().await, card_url);
    assert!(
        browser
            .text("h1")
            .await
            .contains(someone.name.as_deref().unwrap())
    );
    assert_eq!(browser.text("#card-source").await, "card of the score run");
    assert!(browser.text("#value-score").await.ends_with("/ 100"));
    assert_eq!(browser.count("dl.sparks svg.chart").await, 3);
    assert_accessible(&browser, &axe, "customer").await;
    browser.screenshot(&shots.join("customer.png")).await;

    // An event through the API: the page, reloaded, shows the live card with the event.
    let (status, answer) = server
        .post(
            "/v1/events",
            Some(&server.ingest),
            &json!({"events": [{"event_id": "browser-e1", "customer_id": id,
                "type": "demo_request", "timestamp": server.as_of.to_string()}]}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    wait_for_live_card(&browser, &card_url, "live card, updated after new facts").await;
    assert!(browser.text("#events").await.contains("demo_request"));
    browser.screenshot(&shots.join("customer-live.png")).await;

    // A contract through the API: the live card gets its contract section.
    let started = server.as_of.plus_days(-400).date().to_string();
    let (status, answer) = server
        .post(
            "/v1/contracts",
            Some(&server.ingest),
            &json!({"contracts": [{"contract_id": "browser-k1", "customer_id": id,
                "plan": "Pro", "started_at": started, "notice_days": 30,
                "billing_period": "yearly", "recurring_value": 599.0}]}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    browser.go(&card_url).await;
    let contracts = browser.text("#contracts").await;
    assert!(
        contracts.contains("browser-k1 (Pro)") && contracts.contains("notice by"),
        "{contracts}"
    );
    assert_accessible(&browser, &axe, "customer with a contract").await;
    browser
        .screenshot(&shots.join("customer-contract.png"))
        .await;

    // A search with several matches lists them; none says so.
    browser.go(&format!("{base}/customers?q=zzzz-nobody")).await;
    assert!(browser.text("main").await.contains("No customer matches"));
    assert_accessible(&browser, &axe, "search").await;

    // The language switch: the same page in German, numbers written the German way.
    browser.go(&format!("{base}/")).await;
    browser.click_to(".session a[lang='de']").await;
    assert_eq!(browser.url().await, format!("{base}/"));
    assert_eq!(
        browser
            .run("return document.documentElement.lang", json!([]))
            .await,
        "de"
    );
    assert_eq!(browser.text("h1").await, "Überblick");
    assert_accessible(&browser, &axe, "overview (de)").await;
    browser.screenshot(&shots.join("overview-de.png")).await;

    // Nothing the browser loaded came from anywhere but the server.
    assert_stays_local(&browser, &base).await;

    // Logging out ends the session: the next page asks to log in again.
    browser.click_to("form[action='/logout'] button").await;
    browser.go(&format!("{base}/customers/{id}")).await;
    assert!(browser.url().await.contains("/login?next="));

    // Worklists, with a key that may also record outcomes.
    browser.go(&format!("{base}/lang/en?next=/worklists")).await;
    browser.type_into("#key", &server.admin).await;
    browser.click_to("form[action='/login'] button").await;
    assert_eq!(browser.url().await, format!("{base}/worklists"));
    assert_accessible(&browser, &axe, "worklists").await;
    browser.screenshot(&shots.join("worklists.png")).await;
    browser.click_to("a[href='/worklists/rescue']").await;
    let rows = browser.count("#worklist tbody tr").await;
    assert!(
        rows > 0,
        "the demo has valuable customers at risk: {}",
        browser.text("main").await
    );
    assert_accessible(&browser, &axe, "worklist").await;
    browser.screenshot(&shots.join("worklist.png")).await;

    // Its export downloads every customer of the list as CSV.
    browser.click("#export-csv").await;
    let csv = wait_for_download(downloads.path()).await;
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("customer_id,"), "{}", lines[0]);
    assert_eq!(lines.len() - 1, rows, "the export holds the list");

    // A further condition narrows the list; a wrong one says what is wrong.
    browser.type_into("#where", "clv > 1000000000").await;
    browser.click_to("form.filter button").await;
    assert_eq!(browser.count("#worklist").await, 0);
    browser
        .go(&format!("{base}/worklists/rescue?where=clv+%3E"))
        .await;
    assert!(!browser.text("#problem").await.is_empty());

    // Marking an item handled records an outcome with who and when.
    browser.go(&format!("{base}/worklists/rescue")).await;
    let first = browser.text("#worklist tbody tr td a").await;
    browser.click_to("#worklist tbody tr form button").await;
    assert!(browser.text(".done").await.ends_with(&first));
    let facts = server
        .store
        .load_customer_facts(
            &patron_core::ids::CustomerId::parse(&first).unwrap(),
            patron_core::Timestamp::from_secs(i64::from(u32::MAX)),
            &Default::default(),
        )
        .await
        .unwrap()
        .unwrap();
    let handled: Vec<_> = facts
        .outcomes
        .rows
        .iter()
        .filter(|o| o.kind == "handled")
        .collect();
    assert_eq!(handled.len(), 1, "{:?}", facts.outcomes.rows);
    let label = handled[0].label.as_deref().unwrap_or_default();
    assert!(label.contains("(rescue) by test"), "{label}");

    // A contested decision waits on its worklist with the card beside what the customer said,
    // and an administrator resolves it there.
    let contest = server
        .store
        .file_contest(&patron_store::NewContest {
            customer_id: patron_core::ids::CustomerId::parse(&first).unwrap(),
            decision: "tier".into(),
            statement: "I have been a customer for ten years".into(),
            channel: "phone".into(),
            received_by: "desk".into(),
        })
        .await
        .unwrap();
    browser.go(&format!("{base}/worklists")).await;
    browser.click_to("a[href='/worklists/contested']").await;
    assert_eq!(browser.count("#contests tbody tr").await, 1);
    assert!(browser.text("#contests").await.contains("ten years"));
    assert_accessible(&browser, &axe, "contested decisions").await;
    browser.screenshot(&shots.join("contested.png")).await;
    browser
        .type_into(
            &format!("#resolution-{}", contest.id),
            "checked: the tier follows the last 12 months",
        )
        .await;
    browser.click_to("#contests form button").await;
    assert!(
        browser
            .text(".done")
            .await
            .ends_with(&contest.id.to_string())
    );
    assert_eq!(browser.count("#contests").await, 0);
    let resolved = server.store.contests(None, false, 10).await.unwrap();
    assert_eq!(resolved[0].outcome.as_deref(), Some("upheld"));
    assert_eq!(resolved[0].resolved_by.as_deref(), Some("test"));

    // A segment: its figures follow the condition as it is typed; saved, it is listed, becomes
    // a worklist, and exports.
    browser.go(&format!("{base}/segments")).await;
    assert_accessible(&browser, &axe, "segments").await;
    browser.type_into("#where", r#"tier == "VIP""#).await;
    let started = Instant::now();
    while browser.count("#figures dl").await == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the figures did not follow the condition"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let vips = server
        .store
        .cards(run)
        .await
        .unwrap()
        .iter()
        .filter(|c| c.tier == "VIP")
        .count();
    let figures = browser.text("#figures").await;
    assert!(
        figures.contains(&format!("{vips} (")),
        "{vips} VIPs: {figures}"
    );
    browser.type_into("#name", "vip-test").await;
    browser.type_into("#description", "our best").await;
    browser
        .click_to("form[action='/segments'][method='post'] button")
        .await;
    assert!(browser.text(".done").await.ends_with("vip-test"));
    assert!(browser.text("#saved").await.contains(r#"tier == "VIP""#));
    assert_accessible(&browser, &axe, "segments with figures").await;
    browser.screenshot(&shots.join("segments.png")).await;
    browser
        .go(&format!("{base}/worklists/saved-vip-test"))
        .await;
    assert_eq!(browser.count("#worklist tbody tr").await, vips.min(50));

    // The models page: a churn model trained on the store, measured on its holdout period.
    browser.go(&format!("{base}/models")).await;
    assert_eq!(browser.count("section.model").await, 0);
    let request = patron_app::models::TrainRequest {
        target: patron_engine::predict::Target::Churn,
        as_of: None,
        horizon_days: 180,
        cutoffs: 3,
        step_days: 90,
        seed: 42,
        predict: patron_engine::predict::PredictOptions {
            top: 3,
            explain: patron_engine::predict::Explain::Path,
        },
        consent: Default::default(),
    };
    patron_app::models::train_model(server.store.as_ref(), &request, &mut patron_app::Silent)
        .await
        .unwrap();
    browser.go(&format!("{base}/models")).await;
    assert_eq!(
        browser.count("#model-churn svg.chart").await,
        3,
        "{}",
        browser
            .run("return document.body.innerText", json!([]))
            .await
    );
    assert!(browser.text("#model-churn table").await.contains("ROC AUC"));
    assert_accessible(&browser, &axe, "models").await;
    browser.screenshot(&shots.join("models.png")).await;
    assert_stays_local(&browser, &base).await;
    browser.close().await;
    server.stop().await;
}

#[tokio::test]
async fn pages_take_a_bearer_key_and_refuse_cross_site_logins_and_forged_logouts() {
    let server = Server::start(120).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = |path: &str, key: Option<&str>| {
        let r = http.get(format!("{}{path}", server.base));
        match key {
            Some(k) => r.bearer_auth(k),
            None => r,
        }
    };
    // Bearer works like a session; nothing redirects to the login form.
    let overview = page("/", Some(&server.read)).send().await.unwrap();
    assert_eq!(overview.status(), 200);
    let headers = overview.headers().clone();
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    assert_eq!(headers["cache-control"], "no-store");
    assert!(overview.text().await.unwrap().contains("<svg"));
    let anonymous = page("/customers/x", None).send().await.unwrap();
    assert_eq!(anonymous.status(), 303);
    assert_eq!(
        anonymous.headers()["location"],
        "/login?next=%2Fcustomers%2Fx"
    );
    assert_eq!(
        page("/", Some("patron_nope"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    // An ingest key may not read the pages.
    assert_eq!(
        page("/", Some(&server.ingest))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    // An unknown customer is a page saying so, with 404.
    let unknown = page("/customers/nobody-here", Some(&server.read))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);

    // A login form sent from another site is refused; from the server's own page it logs in,
    // with an HttpOnly session cookie, and goes back only to a path on this server.
    let login = |origin: &str, next: &str| {
        http.post(format!("{}/login", server.base))
            .header("origin", origin)
            .form(&[("key", server.read.as_str()), ("next", next)])
    };
    assert_eq!(
        login("http://evil.example", "/")
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let ok = login(&server.base, "//evil.example/").send().await.unwrap();
    assert_eq!(ok.status(), 303);
    assert_eq!(ok.headers()["location"], "/");
    let cookie = ok.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_owned();
    let with_session = |path: &str| {
        http.get(format!("{}{path}", server.base))
            .header("cookie", &session)
    };
    let html = with_session("/")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the logout form carries a CSRF token")
        .to_owned();
    // A logout without the session's token is refused; with it, the session ends.
    let logout = |token: &str| {
        http.post(format!("{}/logout", server.base))
            .header("cookie", &session)
            .form(&[("csrf", token)])
    };
    assert_eq!(logout("forged").send().await.unwrap().status(), 403);
    assert_eq!(with_session("/").send().await.unwrap().status(), 200);
    assert_eq!(logout(&csrf).send().await.unwrap().status(), 303);
    assert_eq!(with_session("/").send().await.unwrap().status(), 303);

    // Once the run's lists are prepared, a list is sorted as a whole and paged in that order.
    let started = Instant::now();
    let sorted = loop {
        let html = page("/worklists/upsell?sort=clv", Some(&server.read))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if html.contains("id=\"total\"") {
            break html;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the lists were not prepared"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let run = server.store.latest_run_id().await.unwrap().unwrap();
    let mut expected: Vec<(f64, String)> = Vec::new();
    for record in server.store.cards(run).await.unwrap() {
        let card: patron_engine::scorecard::Card = serde_json::from_str(&record.card).unwrap();
        if card.potential.is_some_and(|p| p >= 0.2) && card.churn_risk.is_some_and(|r| r < 0.5) {
            expected.push((
                card.clv.unwrap_or(f64::NEG_INFINITY),
                card.customer_id.as_str().to_owned(),
            ));
        }
    }
    expected.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let shown: Vec<String> = sorted
        .split("<td><a href=\"/customers/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect();
    let wanted: Vec<String> = expected.iter().take(50).map(|(_, id)| id.clone()).collect();
    assert!(!wanted.is_empty(), "the demo has upsell candidates");
    assert_eq!(shown, wanted);

    // A revoked key ends its sessions at the next page.
    let again = login(&server.base, "/").send().await.unwrap();
    let session = again.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let get = || {
        http.get(format!("{}/", server.base))
            .header("cookie", &session)
    };
    assert_eq!(get().send().await.unwrap().status(), 200);
    let read_id = server
        .store
        .api_keys()
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.scope == patron_store::Scope::Read)
        .unwrap()
        .id;
    patron_app::keys::revoke(server.store.as_ref(), read_id)
        .await
        .unwrap();
    assert_eq!(get().send().await.unwrap().status(), 303);
    server.stop().await;
}

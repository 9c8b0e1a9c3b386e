//! A small W3C WebDriver client (the protocol is JSON over HTTP) driving Debian's chromium
//! through chromedriver, headless, for the dashboard's end-to-end tests.

use base64::Engine;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The element key of the W3C protocol.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process and one browser session on it; both end when dropped.
pub struct Browser {
    driver: Child,
    endpoint: String,
    session: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

/// Where the tests find chromedriver (`.ci/run` installs Debian's chromium-driver).
fn chromedriver() -> String {
    std::env::var("PATRON_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into())
}

impl Browser {
    /// Starts chromedriver on a free loopback port and a headless chromium at 1366×768 that
    /// prefers `language`; every network request it makes is logged for [`Browser::requests`].
    pub async fn start(language: &str, downloads: &std::path::Path) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(chromedriver())
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "chromedriver did not start ({e}): install Debian's chromium and \
                     chromium-driver (.ci/run does)"
                )
            });
        let endpoint = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let started = Instant::now();
        loop {
            let ready = http.get(format!("{endpoint}/status")).send().await;
            if let Ok(r) = ready
                && let Ok(v) = r.json::<Value>().await
                && v["value"]["ready"] == true
            {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver is not ready after 20 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"performance": "ALL"},
            "goog:chromeOptions": {
                "binary": std::env::var("PATRON_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-default-apps", "--no-first-run",
                    "--window-size=1366,768", format!("--lang={language}"),
                    format!("--user-data-dir={}", profile.path().display())
                ],
                "prefs": {
                    "intl.accept_languages": language,
                    "download.default_directory": downloads.display().to_string(),
                    "download.prompt_for_download": false
                },
                "perfLoggingPrefs": {"enableNetwork": true, "enablePage": false}
            }
        }}});
        let answer: Value = http
            .post(format!("{endpoint}/session"))
            .json(&capabilities)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no browser session: {answer}"))
            .to_owned();
        Browser {
            driver,
            endpoint,
            session,
            http,
            _profile: profile,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.endpoint, self.session);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().await.unwrap().json().await.unwrap();
        if let Some(error) = answer["value"].get("error") {
            panic!("WebDriver {path}: {error}: {}", answer["value"]["message"]);
        }
        answer["value"].clone()
    }

    /// Opens `url` and waits for the page to load.
    pub async fn go(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    /// The page's URL.
    pub async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The first element matching `css`.
    pub async fn find(&self, css: &str) -> String {
        let found = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        found[ELEMENT].as_str().unwrap().to_owned()
    }

    /// How many elements match `css`.
    pub async fn count(&self, css: &str) -> usize {
        self.call(
            reqwest::Method::POST,
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        )
        .await
        .as_array()
        .map_or(0, Vec::len)
    }

    /// Types `text` into the element matching `css`.
    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// Clicks the element matching `css` (and waits for a page it opens).
    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// Clicks the element matching `css` and waits until the page it leads to has loaded (a
    /// form's submission may return before its page arrives).
    pub async fn click_to(&self, css: &str) {
        self.run("window.__leaving = true", json!([])).await;
        self.click(css).await;
        let started = Instant::now();
        loop {
            let arrived = self
                .run(
                    "return window.__leaving !== true && document.readyState === 'complete'",
                    json!([]),
                )
                .await;
            if arrived == true {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "clicking {css} led to no page in 20 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The visible text of the element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        let element = self.find(css).await;
        self.call(
            reqwest::Method::GET,
            &format!("/element/{element}/text"),
            None,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its value.
    pub async fn run(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// Runs `script`, whose last argument is the callback to call with the result.
    pub async fn run_async(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/timeouts",
            Some(json!({"script": 60_000})),
        )
        .await;
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// Presses a key (a WebDriver key code such as `\u{E004}` for Tab).
    pub async fn press(&self, key: &str) {
        self.call(
            reqwest::Method::POST,
            "/actions",
            Some(
                json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
                {"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]}]}),
            ),
        )
        .await;
    }

    /// Saves a PNG of the whole page to `path` (the window grown to the page's height for it,
    /// then 1366×768 again).
    pub async fn screenshot(&self, path: &std::path::Path) {
        let height = self
            .run("return document.documentElement.scrollHeight", json!([]))
            .await
            .as_u64()
            .unwrap_or(768)
            .max(768);
        self.resize(1366, height + 140).await;
        let data = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap())
            .unwrap();
        std::fs::write(path, png).unwrap();
        self.resize(1366, 768).await;
    }

    /// Sets the window's size.
    pub async fn resize(&self, width: u64, height: u64) {
        self.call(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await;
    }

    /// The URLs of every network request the browser made since the last call.
    pub async fn requests(&self) -> Vec<String> {
        let log = self
            .call(
                reqwest::Method::POST,
                "/se/log",
                Some(json!({"type": "performance"})),
            )
            .await;
        let mut urls = Vec::new();
        for entry in log.as_array().into_iter().flatten() {
            let Some(message) = entry["message"].as_str() else {
                continue;
            };
            let message: Value = serde_json::from_str(message).unwrap_or_default();
            if message["message"]["method"] == "Network.requestWillBeSent"
                && let Some(url) = message["message"]["params"]["request"]["url"].as_str()
            {
                urls.push(url.to_owned());
            }
        }
        urls
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Browser {
    /// Ends the browser session (chromium exits) and then chromedriver.
    pub async fn close(self) {
        let url = format!("{}/session/{}", self.endpoint, self.session);
        let _ = self.http.delete(url).send().await;
    }
}

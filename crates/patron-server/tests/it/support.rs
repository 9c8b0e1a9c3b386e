//! A demo company imported and scored once per test, served on a free loopback port.

use patron_app::{ImportRequest, Project, Silent, import, score_run};
use patron_core::Timestamp;
use patron_demo::{DemoOptions, generate};
use patron_server::{AppState, ServerOptions};
use patron_store::{Scope, Store};
use std::sync::Arc;
use tokio::sync::oneshot;

/// A running server and keys of every scope.
pub struct Server {
    pub base: String,
    pub read: String,
    pub ingest: String,
    pub admin: String,
    pub store: Arc<dyn Store>,
    pub as_of: Timestamp,
    pub http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Server {
    /// A demo of `customers`, imported and scored, served.
    pub async fn start(customers: u64) -> Server {
        Self::start_with(customers, ServerOptions::default()).await
    }

    /// [`Server::start`] with `options` (live cards as of the run's `as_of`).
    pub async fn start_with(customers: u64, server_options: ServerOptions) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let options = DemoOptions {
            customers,
            ..DemoOptions::default()
        };
        generate(&options, dir.path(), &mut |_| {}).unwrap();
        let project = Project::load(dir.path().to_owned(), None).unwrap();
        let store: Arc<dyn Store> = Arc::from(project.create_store().await.unwrap());
        import(
            &project,
            store.as_ref(),
            &ImportRequest::default(),
            &mut Silent,
        )
        .await
        .unwrap();
        let as_of = patron_app::project::resolve_as_of(store.as_ref(), None)
            .await
            .unwrap();
        score_run(&project, store.as_ref(), as_of, &mut Silent)
            .await
            .unwrap();
        let key = |scope| {
            let store = store.clone();
            async move {
                patron_app::keys::create(store.as_ref(), "test", scope)
                    .await
                    .unwrap()
                    .key
            }
        };
        let (read, ingest, admin) = (
            key(Scope::Read).await,
            key(Scope::Ingest).await,
            key(Scope::Admin).await,
        );
        let server_options = ServerOptions {
            live_as_of: Some(as_of),
            ..server_options
        };
        let state = AppState::new(project, store.clone(), server_options);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            patron_server::serve(state, listener, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        Server {
            base,
            read,
            ingest,
            admin,
            store,
            as_of,
            http: reqwest::Client::new(),
            stop: Some(stop),
            task: Some(task),
            _dir: dir,
        }
    }

    /// A request to `path` with `key` (none: no Authorization header).
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        key: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let r = self.http.request(method, format!("{}{path}", self.base));
        match key {
            Some(k) => r.bearer_auth(k),
            None => r,
        }
    }

    /// GET `path` with `key`: status and JSON body (Null when not JSON).
    pub async fn get(&self, path: &str, key: Option<&str>) -> (u16, serde_json::Value) {
        answer(self.request(reqwest::Method::GET, path, key)).await
    }

    /// POST `body` to `path` with `key`.
    pub async fn post(
        &self,
        path: &str,
        key: Option<&str>,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        answer(self.request(reqwest::Method::POST, path, key).json(body)).await
    }

    /// The project directory.
    pub fn store_dir(&self) -> std::path::PathBuf {
        self._dir.path().to_owned()
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap();
        }
    }
}

/// Sends the request: status and JSON body.
pub async fn answer(request: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

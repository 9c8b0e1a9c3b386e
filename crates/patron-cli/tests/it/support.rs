//! Helpers: run the binary in a project directory, read JSON, build small projects.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `../shared/data` beside the checkout.
pub fn shared_data(file: &str) -> PathBuf {
    repo().join("../shared/data").join(file)
}

/// The result of one run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("stdout is not JSON ({e}): {}\n{}", self.stdout, self.stderr)
        })
    }
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "patron failed:\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Runs `patron ARGS` with the project directory `dir`.
pub fn patron(dir: &Path, args: &[&str]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_patron"))
        .arg("--project")
        .arg(dir)
        .args(args)
        .env_remove("PATRON_PROJECT")
        .env_remove("PATRON_STORE_URL")
        .output()
        .expect("the patron binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `patron status --json`, without the fields that change with every import attempt.
pub fn status(dir: &Path) -> Value {
    let mut v = patron(dir, &["status", "--json"]).ok().json();
    v.as_object_mut().unwrap().remove("sources");
    v
}

/// A temporary project with `patron.toml` and data files.
pub struct TempProject {
    pub dir: tempfile::TempDir,
}

impl TempProject {
    pub fn new(config: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("patron.toml"), config).unwrap();
        TempProject { dir }
    }
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) {
        std::fs::write(self.path().join(name), bytes).unwrap();
    }
    pub fn run(&self, args: &[&str]) -> Run {
        patron(self.path(), args)
    }
}

/// A seeded demo company of `customers` customers in `dir/shop`, imported and analysed.
pub fn demo_project(dir: &Path, customers: &str) -> PathBuf {
    let project = dir.join("shop");
    let p = project.to_str().unwrap();
    patron(
        dir,
        &["demo", p, "--customers", customers, "--json", "--quiet"],
    )
    .ok();
    project
}

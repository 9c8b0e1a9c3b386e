//! `patron demo` (wired up once the generator lands).
use crate::cli::{DemoArgs, Global};
pub async fn run(_global: &Global, _args: &DemoArgs) -> anyhow::Result<()> {
    anyhow::bail!("not yet")
}

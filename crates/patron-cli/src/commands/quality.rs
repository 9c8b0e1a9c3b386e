//! `patron quality` (placeholder until the engine module lands).
use crate::cli::{Global, QualityArgs};
pub async fn run(_global: &Global, _args: &QualityArgs) -> anyhow::Result<()> {
    anyhow::bail!("not yet")
}

//! The demo: a seeded synthetic company written into a directory, imported, analysed (RFM, ABC,
//! margin, CLV), scored (a score run) and checked for data quality — Patron's main job end to
//! end on data anyone can make.

use crate::import::{ImportRequest, Imported, import};
use crate::project::{Project, resolve_as_of};
use crate::quality::{QualityReport, quality_report};
use crate::score::{ScoreRun, score_run};
use crate::{AppError, Progress, Silent};
use patron_core::Timestamp;
use patron_demo::{DemoOptions, DemoSummary, generate};
use patron_engine::abc::{AbcResult, abc, population};
use patron_engine::clv::policy::{ClvInput, Predictions, default_clv};
use patron_engine::margin::{MarginResult, margins};
use patron_engine::rfm::RfmResult;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to generate, and where.
#[derive(Debug, Clone)]
pub struct DemoRequest {
    /// The project directory to write (patron.toml, data/, the store).
    pub dir: PathBuf,
    /// The company.
    pub options: DemoOptions,
    /// A store URL instead of the directory's `patron.db`.
    pub store: Option<String>,
    /// Write into a directory that is not empty (replacing an earlier demo's files).
    pub force: bool,
}

/// The CLV of the demo's customers, as the score card computes it.
pub struct DemoClv {
    /// The fitted input (customers, their summaries).
    pub input: ClvInput,
    /// The models' predictions.
    pub predictions: Predictions,
}

/// Everything the demo did.
pub struct DemoOutcome {
    /// The project it wrote.
    pub project: Project,
    /// What was generated.
    pub generated: DemoSummary,
    /// The import.
    pub imported: Imported,
    /// The analyses' `as_of`: the day after the last fact.
    pub as_of: Timestamp,
    /// RFM segments.
    pub rfm: RfmResult,
    /// ABC classes on the configured basis.
    pub abc: AbcResult,
    /// Contribution margins.
    pub margin: MarginResult,
    /// Lifetime value.
    pub clv: DemoClv,
    /// The score run.
    pub run: ScoreRun,
    /// Data quality of the sources and duplicate candidates (the first 10).
    pub quality: QualityReport,
    /// Seconds: generate, import, analyse, in all.
    pub seconds: [f64; 4],
}

/// Refuses a directory that is not empty unless `force`: the demo writes its patron.toml, data
/// and store there.
fn refuse_non_empty(dir: &Path, force: bool) -> Result<(), AppError> {
    if force {
        return Ok(());
    }
    let non_empty = match std::fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_some(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(AppError::Io(format!("cannot read {}: {e}", dir.display()))),
    };
    if non_empty {
        return Err(AppError::Refused(format!(
            "{} is not empty: the demo would replace its patron.toml, data and store; pass --force to do so, or choose a new directory",
            dir.display()
        )));
    }
    Ok(())
}

/// Removes a store left by an earlier demo (maybe of another size), which would mix with the
/// new data: the demo is self-contained.
fn remove_old_store(dir: &Path) -> Result<(), AppError> {
    for suffix in ["", "-wal", "-shm"] {
        let path = dir.join(format!("patron.db{suffix}"));
        if path.exists() {
            std::fs::remove_file(&path)
                .map_err(|e| AppError::Io(format!("cannot remove {}: {e}", path.display())))?;
        }
    }
    Ok(())
}

/// Generates, imports, analyses and scores the demo company.
pub async fn demo(
    request: &DemoRequest,
    progress: &mut dyn Progress,
) -> Result<DemoOutcome, AppError> {
    refuse_non_empty(&request.dir, request.force)?;
    let started = Instant::now();
    progress.stage("generating", Some(request.options.customers));
    let generated = {
        let (dir, options) = (request.dir.clone(), request.options.clone());
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
        let task = tokio::task::spawn_blocking(move || {
            generate(&options, &dir, &mut |done| {
                let _ = sender.send(done);
            })
        });
        while let Some(done) = receiver.recv().await {
            progress.position(done, request.options.customers);
        }
        task.await
            .map_err(|e| AppError::Io(format!("the generator thread failed: {e}")))?
            .map_err(|e| {
                AppError::Io(format!(
                    "cannot write the demo into {}: {e}",
                    request.dir.display()
                ))
            })?
    };
    let generate_secs = started.elapsed().as_secs_f64();

    let project = Project::load(request.dir.clone(), request.store.clone())?;
    if request.store.is_none() {
        remove_old_store(&request.dir)?;
    }
    let import_started = Instant::now();
    let store = project.create_store().await?;
    let imported = import(
        &project,
        store.as_ref(),
        &ImportRequest::default(),
        progress,
    )
    .await?;
    let import_secs = import_started.elapsed().as_secs_f64();

    let analysis_started = Instant::now();
    progress.stage("analysing", None);
    let as_of = resolve_as_of(store.as_ref(), None).await?;
    let facts = store.load_facts(as_of).await?;
    let rfm = patron_engine::rfm::rfm(&facts, &project.config.rfm)
        .map_err(|e| AppError::Data(e.to_string()))?;
    let margin = margins(&facts, &project.config.margin);
    let abc = abc(
        &population(&margin, project.config.abc.basis),
        project.config.abc.a,
        project.config.abc.b,
    );
    let (_, input, predictions) = default_clv(&facts, 1)
        .map_err(patron_engine::scorecard::PipelineError::from)?
        .ok_or_else(|| AppError::Data("nobody has bought anything yet".into()))?;
    // The score run loads its own fact set (with the properties its rules read).
    drop(facts);
    let run = score_run(&project, store.as_ref(), as_of, &mut Silent).await?;
    let quality = quality_report(&project, 10).await?;
    let analysis_secs = analysis_started.elapsed().as_secs_f64();
    Ok(DemoOutcome {
        generated,
        imported,
        as_of,
        rfm,
        abc,
        margin,
        clv: DemoClv { input, predictions },
        run,
        quality,
        seconds: [
            generate_secs,
            import_secs,
            analysis_secs,
            started.elapsed().as_secs_f64(),
        ],
        project,
    })
}

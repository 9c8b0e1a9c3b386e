//! Segments saved from the dashboard (migration 0019).

use super::now_text;
use crate::{Result, SavedSegment};
use sqlx::{Row, SqlitePool};

/// Saves `segment` under its name (replacing one of the same name), stamped now.
pub(super) async fn save(pool: &SqlitePool, segment: &SavedSegment) -> Result<SavedSegment> {
    let saved_at = now_text();
    sqlx::query(
        "INSERT INTO saved_segments (name, condition, description, saved_by, saved_at)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET condition = excluded.condition,
           description = excluded.description, saved_by = excluded.saved_by,
           saved_at = excluded.saved_at",
    )
    .bind(&segment.name)
    .bind(&segment.condition)
    .bind(&segment.description)
    .bind(&segment.saved_by)
    .bind(&saved_at)
    .execute(pool)
    .await?;
    Ok(SavedSegment {
        saved_at,
        ..segment.clone()
    })
}

/// Every saved segment, by name.
pub(super) async fn list(pool: &SqlitePool) -> Result<Vec<SavedSegment>> {
    let rows = sqlx::query(
        "SELECT name, condition, description, saved_by, saved_at FROM saved_segments ORDER BY name",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SavedSegment {
                name: r.try_get(0)?,
                condition: r.try_get(1)?,
                description: r.try_get(2)?,
                saved_by: r.try_get(3)?,
                saved_at: r.try_get(4)?,
            })
        })
        .collect()
}

/// Deletes segment `name`; whether there was one.
pub(super) async fn delete(pool: &SqlitePool, name: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM saved_segments WHERE name = ?")
        .bind(name)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

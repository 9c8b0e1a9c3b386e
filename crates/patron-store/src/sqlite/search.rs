//! Finding a customer by what a person types: an id, an e-mail address or the beginning of a
//! name (the dashboard's search), through indexes that ignore case (migration 0018).

use crate::{CustomerMatch, Result};
use patron_core::ids::CustomerId;
use sqlx::{Row, SqlitePool};

/// The customers `query` may mean, best first: the id, the e-mail address, then names that
/// begin with it in name order; each once.
pub(super) async fn customers(
    pool: &SqlitePool,
    query: &str,
    limit: u32,
) -> Result<Vec<CustomerMatch>> {
    let query = query.trim();
    if query.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    // Every name that begins with `query` sorts (ignoring case) at or after `query` and before
    // `query` followed by the highest character, so the name index answers it as a range.
    let upper = format!("{query}\u{10FFFF}");
    let rows = sqlx::query(
        "SELECT id, name, email, company, 0 AS rank, '' AS sort FROM customers
           WHERE id = ?1 AND merged_into IS NULL AND is_stub = 0
         UNION ALL
         SELECT * FROM (SELECT id, name, email, company, 1, email FROM customers
           WHERE email = ?1 COLLATE NOCASE AND merged_into IS NULL AND is_stub = 0
           ORDER BY email COLLATE NOCASE LIMIT ?3)
         UNION ALL
         SELECT * FROM (SELECT id, name, email, company, 2, name FROM customers
           WHERE name >= ?1 COLLATE NOCASE AND name < ?2 COLLATE NOCASE
             AND merged_into IS NULL AND is_stub = 0
           ORDER BY name COLLATE NOCASE LIMIT ?3)
         ORDER BY rank, sort COLLATE NOCASE, id",
    )
    .bind(query)
    .bind(&upper)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    let mut found: Vec<CustomerMatch> = Vec::new();
    for row in rows {
        let id: String = row.try_get("id")?;
        if found.iter().any(|m| m.id.as_str() == id) {
            continue;
        }
        found.push(CustomerMatch {
            id: CustomerId::parse(&id).map_err(|e| crate::StoreError::Bulk(e.to_string()))?,
            name: row.try_get("name")?,
            email: row.try_get("email")?,
            company: row.try_get("company")?,
        });
        if found.len() == limit as usize {
            break;
        }
    }
    Ok(found)
}

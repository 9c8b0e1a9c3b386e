//! Converting customers to and from rows.

use crate::Result;
use patron_core::ids::CustomerId;
use patron_core::model::{AttrValue, Consent, Customer};
use patron_core::{Money, Timestamp};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use std::collections::BTreeMap;

/// The customer columns, in the order [`customer_from_row`] reads them.
pub(crate) const CUSTOMER_COLUMNS: &str = "id, created_at, name, email, phone, company, postcode, country, attributes, \
     consent_marketing, consent_profiling, acquisition_cost, is_stub";

pub(crate) fn customer_from_row(r: &SqliteRow) -> Result<Customer> {
    let id: String = r.try_get(0)?;
    let attributes: String = r.try_get(8)?;
    let attributes: BTreeMap<String, AttrValue> =
        serde_json::from_str(&attributes).unwrap_or_default();
    Ok(Customer {
        id: CustomerId::parse(&id).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        created_at: r.try_get::<Option<i64>, _>(1)?.map(Timestamp::from_secs),
        name: r.try_get(2)?,
        email: r.try_get(3)?,
        phone: r.try_get(4)?,
        company: r.try_get(5)?,
        postcode: r.try_get(6)?,
        country: r.try_get(7)?,
        attributes,
        consent: Consent {
            marketing: r.try_get(9)?,
            profiling: r.try_get(10)?,
        },
        acquisition_cost: r.try_get::<Option<i64>, _>(11)?.map(Money::from_raw),
        is_stub: r.try_get(12)?,
    })
}

/// A stable 63-bit fingerprint of a customer's content, to tell changed records from repeats.
pub(crate) fn fingerprint(c: &Customer) -> i64 {
    let json = serde_json::to_string(c).unwrap_or_default();
    let mut h = patron_core::hash::Fnv64::new();
    h.bytes(json.as_bytes());
    (h.finish() >> 1) as i64
}

pub(crate) fn attributes_json(c: &Customer) -> String {
    serde_json::to_string(&c.attributes).unwrap_or_else(|_| "{}".into())
}

/// Overwrites a customer's fields (and clears the stub flag).
pub(crate) async fn update_customer(
    conn: &mut sqlx::SqliteConnection,
    key: i64,
    c: &Customer,
    fp: i64,
    import_id: Option<i64>,
) -> Result<()> {
    sqlx::query(
        "UPDATE customers SET created_at = ?, name = ?, email = ?, phone = ?, company = ?, postcode = ?, country = ?, \
         attributes = ?, consent_marketing = ?, consent_profiling = ?, acquisition_cost = ?, is_stub = ?, \
         fingerprint = ?, import_id = COALESCE(?, import_id) WHERE key = ?",
    )
    .bind(c.created_at.map(|t| t.secs()))
    .bind(&c.name)
    .bind(&c.email)
    .bind(&c.phone)
    .bind(&c.company)
    .bind(&c.postcode)
    .bind(&c.country)
    .bind(attributes_json(c))
    .bind(c.consent.marketing)
    .bind(c.consent.profiling)
    .bind(c.acquisition_cost.map(|m| m.raw()))
    .bind(c.is_stub && import_id.is_none())
    .bind(fp)
    .bind(import_id)
    .bind(key)
    .execute(conn)
    .await?;
    Ok(())
}

//! The OpenAPI 3 document, generated from the route handlers' annotations and the request and
//! response types: what the code does is what the document says.

use crate::routes::{customers, ingest, keys, ops, runs, webhooks};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Patron", description = "Customer and lead scoring: cards in milliseconds, facts in, live cards out."),
    paths(
        ops::healthz, ops::readyz, ops::metrics, ops::openapi,
        customers::card, customers::history, customers::explain, customers::list, customers::route,
        ingest::customers, ingest::orders, ingest::events, ingest::tickets, ingest::invoices, ingest::outcomes,
        runs::list, runs::start, runs::job,
        keys::list,
        webhooks::add, webhooks::list, webhooks::deliveries, webhooks::test, webhooks::redeliver,
    ),
    modifiers(&Bearer),
)]
struct Api;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document.
pub fn document() -> utoipa::openapi::OpenApi {
    Api::openapi()
}

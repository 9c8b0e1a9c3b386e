//! The OpenAPI 3 document, generated from the route handlers' annotations and the request and
//! response types: what the code does is what the document says.

use crate::routes::{
    alarms, contests, customers, exports, ingest, keys, models, ops, privacy, rules, runs, webhooks,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Patron", description = "Customer and lead scoring: cards in milliseconds, facts in, live cards out."),
    paths(
        ops::healthz, ops::readyz, ops::metrics, ops::openapi,
        customers::card, customers::history, customers::explain, customers::list, customers::route,
        customers::score,
        ingest::customers, ingest::patch_customer, ingest::orders, ingest::events, ingest::tickets, ingest::invoices, ingest::outcomes,
        ingest::contracts,
        runs::list, runs::start, runs::job,
        rules::check, rules::diff, rules::publish_rules,
        models::list, alarms::list, alarms::acknowledge, exports::cards,
        keys::list,
        webhooks::add, webhooks::list, webhooks::deliveries, webhooks::test, webhooks::redeliver,
        privacy::export, privacy::erase, privacy::audit, privacy::overrides, privacy::set_override,
        privacy::remove_override, contests::file, contests::list, contests::resolve,
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
        components.schemas.insert(
            "ErrorBody".into(),
            <crate::error::ErrorBody as utoipa::PartialSchema>::schema(),
        );
        // The answers every route can give, documented once: a request that does not parse
        // (400), and on routes with a key: none or a bad one (401), the wrong scope (403), the
        // rate limit (429).
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.patch,
                &mut item.put,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let secured = operation.security.is_some();
                let responses = &mut operation.responses.responses;
                let mut add = |status: &str, what: &str| {
                    responses
                        .entry(status.into())
                        .or_insert_with(|| error_response(what));
                };
                add("400", "A request that does not parse");
                if secured {
                    add("401", "No API key, or an unknown or revoked one");
                    add("403", "The key's scope does not allow this");
                    add("429", "The key's rate limit is exceeded (see Retry-After)");
                }
            }
        }
    }
}

fn error_response(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
        .into()
}

/// The document.
pub fn document() -> utoipa::openapi::OpenApi {
    Api::openapi()
}

//! What the server keeps besides facts and runs: API keys and live cards.

use patron_core::ids::CustomerId;
use serde::Serialize;

/// A key's scope: what the holder may do. Each scope includes the ones before it in
/// `read < ingest < admin` only where noted by [`Scope::allows`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read cards, explanations, runs; score a lead that is not stored; route a ticket.
    Read,
    /// Send facts (customers, orders, events, tickets, invoices, outcomes), and read the
    /// answer with the updated card. Cannot read other customers' cards.
    Ingest,
    /// Everything: runs, rules, keys, webhooks, alarms.
    Admin,
    /// Card exports with customer ids replaced by keyed hashes, and nothing else: for analysts
    /// outside the service team.
    Analyst,
}

impl Scope {
    /// The scope as stored and written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Ingest => "ingest",
            Scope::Admin => "admin",
            Scope::Analyst => "analyst",
        }
    }

    /// Parses `read`, `ingest`, `admin` or `analyst`.
    pub fn parse(text: &str) -> Option<Scope> {
        match text {
            "read" => Some(Scope::Read),
            "ingest" => Some(Scope::Ingest),
            "admin" => Some(Scope::Admin),
            "analyst" => Some(Scope::Analyst),
            _ => None,
        }
    }

    /// Whether a key of this scope may do what needs `needed`: admin may do everything, the
    /// others only their own (an ingest key cannot read, a read key cannot ingest).
    pub fn allows(self, needed: Scope) -> bool {
        self == Scope::Admin || self == needed
    }
}

/// A new key as stored: its digest, never its secret.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    /// Who or what uses it (for the audit trail).
    pub name: String,
    /// What it may do.
    pub scope: Scope,
    /// SHA-256 of the secret.
    pub digest: [u8; 32],
    /// The secret's first characters, to tell keys apart.
    pub prefix: String,
}

/// A stored key.
#[derive(Debug, Clone, Serialize)]
pub struct ApiKeyRecord {
    /// Key id.
    pub id: i64,
    /// Who or what uses it.
    pub name: String,
    /// What it may do.
    pub scope: Scope,
    /// SHA-256 of the secret (not serialized).
    #[serde(skip)]
    pub digest: Vec<u8>,
    /// The secret's first characters.
    pub prefix: String,
    /// When it was created (UTC).
    pub created_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

impl ApiKeyRecord {
    /// The digest as the 32 bytes of a SHA-256 (zeros if the stored one is malformed: it then
    /// matches no key).
    pub fn digest_array(&self) -> [u8; 32] {
        self.digest.as_slice().try_into().unwrap_or([0; 32])
    }
}

/// One version of a customer's live card.
#[derive(Debug, Clone, Serialize)]
pub struct LiveCardRecord {
    /// Row id (grows with every update).
    pub id: i64,
    /// The customer.
    pub customer_id: CustomerId,
    /// The run whose snapshot it was scored against.
    pub run_id: i64,
    /// The card as JSON.
    pub card: String,
    /// When it was computed (UTC).
    pub at: String,
}

/// A webhook endpoint to register.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    /// Where to POST.
    pub url: String,
    /// The message kinds it receives (`stage`, `trigger`, `alarm`, `tier`).
    pub events: Vec<String>,
    /// The signing secret, `whsec_` + base64.
    pub secret: String,
    /// A loopback or private address was allowed for it.
    pub allow_private: bool,
}

/// A registered webhook endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookRecord {
    /// Id.
    pub id: i64,
    /// Where to POST.
    pub url: String,
    /// The message kinds it receives.
    pub events: Vec<String>,
    /// The signing secret (not serialized: shown once, at registration).
    #[serde(skip)]
    pub secret: String,
    /// Private addresses allowed.
    pub allow_private: bool,
    /// Still receiving.
    pub enabled: bool,
    /// Why it was disabled (410 Gone from the receiver, by hand).
    pub disabled_reason: Option<String>,
    /// When it was registered (UTC).
    pub created_at: String,
}

/// A delivery that is due: the endpoint, the message and how often it was tried.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    /// Delivery id.
    pub id: i64,
    /// The endpoint.
    pub webhook: WebhookRecord,
    /// `webhook-id`.
    pub msg_id: String,
    /// The body.
    pub payload: String,
    /// Attempts so far.
    pub attempts: u32,
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub enum AttemptOutcome {
    /// 2xx: delivered.
    Delivered,
    /// Failed; try again at this unix time.
    Retry(i64),
    /// Failed for the last time: dead letter.
    Dead,
    /// 410 Gone: the endpoint is disabled and its pending deliveries cancelled.
    Gone,
}

/// A delivery as the log shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRecord {
    /// Delivery id.
    pub id: i64,
    /// The endpoint.
    pub webhook_id: i64,
    /// `webhook-id`.
    pub msg_id: String,
    /// Message kind.
    pub kind: String,
    /// `pending`, `delivered`, `dead`, `cancelled`.
    pub status: String,
    /// Attempts so far.
    pub attempts: u32,
    /// The last HTTP status.
    pub last_status: Option<u16>,
    /// The last error.
    pub last_error: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<String>,
}

//! The simulation of one customer record, from its own random stream
//! (`Rng::fork(seed, index)`), so the result does not depend on the order records are made in.
//!
//! A record is a regular customer, a lead (about 15%; some convert and then order), or a
//! duplicate (about 0.5%): a second record of the person behind an earlier record.

use crate::acquisition::Acquisition;
use crate::basket::Taste;
use crate::billing::{self, Discipline, Invoice};
use crate::draw::{at_daytime, int_between, plus_secs};
use crate::engagement::{Engagement, Event, LeadJourney};
use crate::orders::{self, Order};
use crate::outcomes::{self, Outcome, OutcomeContext};
use crate::person::{Person, Segment};
use crate::purchases::{self, Propensity, YEAR_SECS};
use crate::record::CustomerRecord;
use crate::subscription::{Subscription, subscribe};
use crate::support::{self, SupportContext, Ticket};
use crate::world::World;
use patron_core::Timestamp;
use patron_core::random::Rng;

/// Share of duplicate records.
const DUPLICATE_SHARE: f64 = 0.005;
/// Share of leads.
const LEAD_SHARE: f64 = 0.15;
/// At most this many records back lies the original of a duplicate.
const DUPLICATE_REACH: u64 = 5_000;
/// Growth of new customers per year (1.4 = 40% more each year).
const ANNUAL_GROWTH: f64 = 1.4;

/// What kind of record this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A customer who orders from the start.
    Regular,
    /// A lead: orders only after converting, if ever.
    Lead,
    /// A second record of an earlier record's person.
    Duplicate,
}

/// A simulated customer record (its facts are in [`Facts`]).
#[derive(Debug, Clone)]
pub struct Simulated {
    /// 0-based record index.
    pub index: u64,
    /// Kind of record.
    pub role: Role,
    /// The row of `customers.csv`.
    pub record: CustomerRecord,
}

/// The facts of one customer, reused from customer to customer to save allocations.
#[derive(Debug, Default)]
pub struct Facts {
    /// Orders and returns, by time.
    pub orders: Vec<Order>,
    /// Events, by time.
    pub events: Vec<Event>,
    /// Tickets, by opening time.
    pub tickets: Vec<Ticket>,
    /// Invoices, by issue date.
    pub invoices: Vec<Invoice>,
    /// Outcomes, by time.
    pub outcomes: Vec<Outcome>,
    /// The plan, in the subscription business.
    pub subscription: Option<Subscription>,
    purchases: Vec<Timestamp>,
    returns: Vec<Timestamp>,
}

/// The first draws of every record's stream, in a fixed layout so that a duplicate can replay
/// the person of its original.
struct Head {
    role: Role,
    original: Option<u64>,
    person_seed: u64,
}

impl Head {
    fn draw(rng: &mut Rng, index: u64) -> Self {
        let u = rng.uniform();
        let back = rng.next_u64();
        let person_seed = rng.next_u64();
        let role = if index > 0 && u < DUPLICATE_SHARE {
            Role::Duplicate
        } else if u < DUPLICATE_SHARE + LEAD_SHARE {
            Role::Lead
        } else {
            Role::Regular
        };
        let original =
            (role == Role::Duplicate).then(|| index - 1 - back % index.min(DUPLICATE_REACH));
        Head {
            role,
            original,
            person_seed,
        }
    }

    /// The person of this record: its own, or its original's for a duplicate.
    fn person(&self, seed: u64) -> Person {
        let (mut person_seed, mut original) = (self.person_seed, self.original);
        while let Some(index) = original {
            let head = Head::draw(&mut Rng::fork(seed, index), index);
            (person_seed, original) = (head.person_seed, head.original);
        }
        Person::draw(&mut Rng::seeded(person_seed))
    }
}

/// A record's latent traits: what drives all of its facts.
struct Profile {
    segment: Segment,
    created: Timestamp,
    taste: Taste,
    discipline: Discipline,
    propensity: Propensity,
    /// Engagement 0 … 1 (chance to open a campaign e-mail while active).
    intensity: f64,
    first_order: Option<Timestamp>,
    lead: Option<LeadJourney>,
}

/// Simulates record `index`, filling `facts`.
pub fn simulate(world: &World, index: u64, facts: &mut Facts) -> Simulated {
    let mut rng = Rng::fork(world.seed, index);
    let head = Head::draw(&mut rng, index);
    let person = head.person(world.seed);
    let segment = person.segment;
    let created = created_at(&mut rng, world, index);
    let acquisition = Acquisition::draw(&mut rng, segment, head.role == Role::Lead);
    let record = match head.role {
        Role::Duplicate => CustomerRecord::duplicate(&mut rng, person, created, acquisition),
        _ => CustomerRecord::original(&mut rng, person, created, acquisition),
    };
    let profile = Profile::draw(
        &mut rng,
        world,
        head.role,
        segment,
        created,
        acquisition.channel,
    );
    let dropout = buy(&mut rng, world, &profile, facts);
    facts.returns.clear();
    facts
        .returns
        .extend(facts.orders.iter().filter(|o| o.is_return).map(|o| o.at));
    let support = SupportContext {
        first_order: profile.first_order,
        dropout,
        returns: &facts.returns,
    };
    support::tickets(&mut rng, world, &support, &mut facts.tickets);
    let subscribed = record.acquisition.consent_marketing && record.email.is_some();
    engage(&mut rng, world, &profile, subscribed, dropout, facts);
    observe(&mut rng, world, &profile, dropout, facts);
    facts.subscription = None;
    if world.subscriptions {
        facts.subscription = subscribe(
            world,
            index,
            segment,
            profile.discipline,
            profile.first_order,
            dropout,
            &mut facts.events,
            &mut facts.invoices,
        );
        facts.events.sort_by_key(|e| e.at);
        facts.invoices.sort_by_key(|i| i.issued);
    }
    Simulated {
        index,
        role: head.role,
        record,
    }
}

impl Profile {
    fn draw(
        rng: &mut Rng,
        world: &World,
        role: Role,
        segment: Segment,
        created: Timestamp,
        channel: &'static str,
    ) -> Self {
        let taste = Taste::draw(rng, segment);
        let discipline = Discipline::draw(rng);
        let soon_after = |rng: &mut Rng| plus_secs(created, int_between(rng, 120, 2400) as f64);
        let (mut propensity, first_order, lead) = match role {
            Role::Regular => (Propensity::draw(rng, segment), Some(soon_after(rng)), None),
            Role::Lead => {
                let lead = LeadJourney::draw(rng, world, created, channel);
                (Propensity::draw(rng, segment), lead.converted, Some(lead))
            }
            Role::Duplicate => (
                Propensity::hesitant(rng),
                rng.chance(0.5).then(|| soon_after(rng)),
                None,
            ),
        };
        if discipline != Discipline::Punctual {
            propensity.dropout = (propensity.dropout * 1.5).min(0.95);
        }
        let responsive = 1.0 - (-propensity.rate / 5.0).exp();
        let intensity = (0.08 + 0.5 * responsive + 0.08 * rng.normal()).clamp(0.02, 0.85);
        Profile {
            segment,
            created,
            taste,
            discipline,
            propensity,
            intensity,
            first_order,
            lead,
        }
    }
}

impl LeadJourney {
    /// A lead's interest and, if it converts before `world.end`, its first order (after about
    /// two months).
    fn draw(rng: &mut Rng, world: &World, created: Timestamp, channel: &'static str) -> Self {
        let interest = rng.beta(1.2, 3.0);
        let converts = rng.chance(0.05 + 0.8 * interest);
        let delay = rng.gamma(2.0, 30.0) * 86_400.0;
        let at = at_daytime(rng, plus_secs(created, delay + 3600.0), world.end);
        let converted = (converts && at < world.end).then_some(at);
        LeadJourney {
            interest,
            converted,
            channel,
        }
    }
}

/// Purchases, orders and invoices; returns the dropout time.
fn buy(rng: &mut Rng, world: &World, profile: &Profile, facts: &mut Facts) -> Option<Timestamp> {
    facts.purchases.clear();
    let dropout = profile.first_order.and_then(|first| {
        purchases::simulate(
            rng,
            profile.propensity,
            first,
            world.end,
            &mut facts.purchases,
        )
    });
    let segment = profile.segment;
    orders::build(
        rng,
        world,
        &profile.taste,
        segment,
        &facts.purchases,
        &mut facts.orders,
    );
    billing::invoices(
        rng,
        world,
        segment,
        profile.discipline,
        &facts.orders,
        &mut facts.invoices,
    );
    dropout
}

/// Web, e-mail and social events.
fn engage(
    rng: &mut Rng,
    world: &World,
    profile: &Profile,
    subscribed: bool,
    dropout: Option<Timestamp>,
    facts: &mut Facts,
) {
    let engagement = Engagement {
        world,
        segment: profile.segment,
        taste: &profile.taste,
        created: profile.created,
        subscribed,
        intensity: profile.intensity,
        browse_rate: 2.0 + 1.2 * profile.propensity.rate,
        first_order: profile.first_order,
        dropout,
        lead: profile.lead,
        orders: &facts.orders,
    };
    engagement.events(rng, &mut facts.events);
}

/// The ground truth: conversion, churn, offer answers.
fn observe(
    rng: &mut Rng,
    world: &World,
    profile: &Profile,
    dropout: Option<Timestamp>,
    facts: &mut Facts,
) {
    let context = OutcomeContext {
        segment: profile.segment,
        taste: &profile.taste,
        converted: profile.lead.and_then(|l| l.converted),
        first_order: profile.first_order,
        dropout,
        orders: facts.purchases.len(),
        intensity: profile.intensity,
    };
    outcomes::outcomes(rng, world, &context, &mut facts.outcomes);
}

/// Sign-up time: spread over the history with growth, in index order (stratified), so ids
/// rise with time like a real CRM's.
fn created_at(rng: &mut Rng, world: &World, index: u64) -> Timestamp {
    let span = (world.end.secs() - world.start.secs()) as f64;
    let growth = ANNUAL_GROWTH.ln() / YEAR_SECS;
    let u = (index as f64 + rng.uniform()) / world.customers.max(1) as f64;
    let offset = (u * (growth * span).exp_m1()).ln_1p() / growth;
    let t = Timestamp::from_secs(world.start.secs() + offset.min(span - 1.0) as i64);
    at_daytime(rng, t, world.end)
}

//! Web, e-mail and social events. Their intensity follows the customer's journey: leads browse
//! more the more interested they are (and, before converting, visit pricing pages, webinars and
//! downloads); active customers browse in proportion to their purchase rate and open the
//! newsletter; after dropping out, the e-mails keep coming but the opens stop.

use crate::basket::Taste;
use crate::campaigns::Campaign;
use crate::catalogue::CATEGORIES;
use crate::draw::{instant_between, int_between, plus_secs, weighted};
use crate::orders::Order;
use crate::person::Segment;
use crate::purchases::YEAR_SECS;
use crate::world::World;
use patron_core::Timestamp;
use patron_core::random::Rng;
use std::fmt;

/// The kind of an event, as written to `events.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A page was viewed.
    PageView,
    /// A campaign e-mail was opened.
    EmailOpen,
    /// A link in a campaign e-mail was clicked.
    EmailClick,
    /// A form was sent (sign-up, contact).
    FormSubmit,
    /// A document was downloaded.
    Download,
    /// A webinar was attended.
    Webinar,
    /// Unsubscribed from the newsletter.
    Unsubscribe,
    /// An e-mail bounced.
    Bounce,
    /// Logged in.
    Login,
    /// Liked a post.
    SocialLike,
    /// Shared a page.
    Share,
    /// Put a product into the cart.
    CartAdd,
    /// Reviewed a product.
    Review,
    /// Referred a friend.
    Referral,
}

impl EventKind {
    /// The type name, e.g. `page_view`.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::PageView => "page_view",
            EventKind::EmailOpen => "email_open",
            EventKind::EmailClick => "email_click",
            EventKind::FormSubmit => "form_submit",
            EventKind::Download => "download",
            EventKind::Webinar => "webinar",
            EventKind::Unsubscribe => "unsubscribe",
            EventKind::Bounce => "bounce",
            EventKind::Login => "login",
            EventKind::SocialLike => "social_like",
            EventKind::Share => "share",
            EventKind::CartAdd => "cart_add",
            EventKind::Review => "review",
            EventKind::Referral => "referral",
        }
    }
}

/// Where an event happened (rendered as a URL path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// No URL.
    None,
    /// `/`
    Home,
    /// `/products/CATEGORY/SKU`
    Product(usize),
    /// `/products/CATEGORY`
    Category(usize),
    /// `/blog/…`
    Blog(usize),
    /// `/help/…`
    Help(usize),
    /// `/pricing`
    Pricing,
    /// `/checkout`
    Checkout,
    /// `/account`
    Account,
    /// `/sale/THEME` for a campaign (index into the world's campaigns).
    Landing(usize),
    /// `/downloads/….pdf`
    Download(usize),
    /// `/webinars/…`
    Webinar(usize),
    /// `/newsletter`
    Newsletter,
    /// `/contact`
    Contact,
    /// `/newsletter/unsubscribe`
    Unsubscribe,
    /// `/refer-a-friend`
    Referral,
}

const BLOG: &[&str] = &[
    "how-to-choose-running-shoes",
    "spring-cleaning-checklist",
    "10-gift-ideas-under-50",
    "caring-for-leather",
    "home-office-setup",
    "camping-for-beginners",
    "our-sustainability-report",
    "black-friday-survival-guide",
    "garden-in-small-spaces",
    "licence-management-for-teams",
];
const HELP: &[&str] = &[
    "shipping",
    "returns",
    "payment",
    "invoices",
    "size-guide",
    "warranty",
    "account",
];
const DOWNLOADS: &[&str] = &[
    "catalogue-2026",
    "b2b-price-list",
    "whitepaper-digital-workplace",
    "size-chart",
];
const WEBINARS: &[&str] = &[
    "licensing-made-easy",
    "outfitting-your-team",
    "product-launch-live",
];

/// A page with what it needs to become a URL.
pub struct Url<'a> {
    /// The page.
    pub page: Page,
    /// For product and campaign names.
    pub world: &'a World,
}

impl fmt::Display for Url<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let catalogue = &self.world.catalogue;
        match self.page {
            Page::None => Ok(()),
            Page::Home => f.write_str("/"),
            Page::Product(p) => {
                let product = catalogue.product(p);
                write!(
                    f,
                    "/products/{}/{}",
                    product.category().slug,
                    product.sku.to_ascii_lowercase()
                )
            }
            Page::Category(c) => write!(f, "/products/{}", CATEGORIES[c].slug),
            Page::Blog(i) => write!(f, "/blog/{}", BLOG[i % BLOG.len()]),
            Page::Help(i) => write!(f, "/help/{}", HELP[i % HELP.len()]),
            Page::Pricing => f.write_str("/pricing"),
            Page::Checkout => f.write_str("/checkout"),
            Page::Account => f.write_str("/account"),
            Page::Landing(c) => write!(f, "/sale/{}", self.world.campaigns[c].theme),
            Page::Download(i) => write!(f, "/downloads/{}.pdf", DOWNLOADS[i % DOWNLOADS.len()]),
            Page::Webinar(i) => write!(f, "/webinars/{}", WEBINARS[i % WEBINARS.len()]),
            Page::Newsletter => f.write_str("/newsletter"),
            Page::Contact => f.write_str("/contact"),
            Page::Unsubscribe => f.write_str("/newsletter/unsubscribe"),
            Page::Referral => f.write_str("/refer-a-friend"),
        }
    }
}

/// One event.
#[derive(Debug, Clone, Copy)]
pub struct Event {
    /// When.
    pub at: Timestamp,
    /// What.
    pub kind: EventKind,
    /// Where.
    pub page: Page,
    /// The campaign (index into the world's campaigns), for e-mail events.
    pub campaign: Option<usize>,
}

/// A lead's way to becoming a customer.
#[derive(Debug, Clone, Copy)]
pub struct LeadJourney {
    /// 0 … 1; drives browsing and the chance to convert.
    pub interest: f64,
    /// The first order, if the lead converted.
    pub converted: Option<Timestamp>,
    /// How the lead signed up (`webinar`, `whitepaper`, `newsletter`, …).
    pub channel: &'static str,
}

/// Everything the events of one customer depend on.
pub struct Engagement<'a> {
    /// The shared world.
    pub world: &'a World,
    /// Consumer or business.
    pub segment: Segment,
    /// Favourite categories.
    pub taste: &'a Taste,
    /// When the record was created.
    pub created: Timestamp,
    /// Receives campaign e-mails (marketing consent and an address).
    pub subscribed: bool,
    /// Chance to open a campaign e-mail while active.
    pub intensity: f64,
    /// Browsing sessions per year while active.
    pub browse_rate: f64,
    /// First order, if any.
    pub first_order: Option<Timestamp>,
    /// Dropout, if the customer dropped out.
    pub dropout: Option<Timestamp>,
    /// Set for leads.
    pub lead: Option<LeadJourney>,
    /// The customer's orders and returns.
    pub orders: &'a [Order],
}

/// Where a customer is in their journey at some instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Lead,
    Active,
    Lapsed,
}

/// Sessions per year after dropping out (or of an account that never orders).
const LAPSED_BROWSE_RATE: f64 = 0.4;

impl Engagement<'_> {
    fn phase(&self, t: Timestamp) -> Phase {
        if let Some(lead) = &self.lead
            && lead.converted.is_none_or(|c| t < c)
        {
            return Phase::Lead;
        }
        match (self.first_order, self.dropout) {
            (None, _) => Phase::Lapsed,
            (Some(_), Some(dropout)) if t >= dropout => Phase::Lapsed,
            _ => Phase::Active,
        }
    }

    fn interest(&self) -> f64 {
        self.lead.map_or(0.0, |l| l.interest)
    }

    fn open_rate(&self, phase: Phase) -> f64 {
        match phase {
            Phase::Lead => 0.08 + 0.45 * self.interest(),
            Phase::Active => self.intensity,
            Phase::Lapsed => self.intensity * 0.05,
        }
    }

    fn browse_rate(&self, phase: Phase, t: Timestamp) -> f64 {
        match phase {
            Phase::Lead if t < self.created.plus_days(120) => 1.0 + 8.0 * self.interest(),
            Phase::Lead => 0.25 * (1.0 + 8.0 * self.interest()),
            Phase::Active => self.browse_rate,
            Phase::Lapsed => LAPSED_BROWSE_RATE,
        }
    }

    /// Fills `events` with the customer's events, sorted by time.
    pub fn events(&self, rng: &mut Rng, events: &mut Vec<Event>) {
        events.clear();
        let mut out = Sink {
            events,
            created: self.created,
            end: self.world.end,
        };
        if let Some(lead) = &self.lead {
            self.sign_up(rng, lead, &mut out);
            if let Some(converted) = lead.converted {
                self.decide(rng, lead.interest, converted, &mut out);
            }
        }
        self.emails(rng, &mut out);
        self.browsing(rng, &mut out);
        for order in self
            .orders
            .iter()
            .filter(|o| !o.is_return && o.channel == "web")
        {
            self.shopping(rng, order, &mut out);
        }
        events.sort_by_key(|e| e.at);
    }

    /// The form a lead filled in, and what it promised.
    fn sign_up(&self, rng: &mut Rng, lead: &LeadJourney, out: &mut Sink<'_>) {
        let at = self.created;
        let item = rng.below(8) as usize;
        match lead.channel {
            "webinar" => {
                out.push(at, EventKind::FormSubmit, Page::Webinar(item));
                out.push(
                    at.plus_days(int_between(rng, 1, 14)),
                    EventKind::Webinar,
                    Page::Webinar(item),
                );
            }
            "whitepaper" => {
                out.push(at, EventKind::FormSubmit, Page::Download(item));
                out.push(
                    plus_secs(at, 8.0),
                    EventKind::Download,
                    Page::Download(item),
                );
            }
            "newsletter" => out.push(at, EventKind::FormSubmit, Page::Newsletter),
            _ => out.push(at, EventKind::FormSubmit, Page::Contact),
        }
    }

    /// The research burst of a lead in the weeks before the first order.
    fn decide(&self, rng: &mut Rng, interest: f64, converted: Timestamp, out: &mut Sink<'_>) {
        let from = converted.plus_days(-30).max(self.created);
        for _ in 0..rng.poisson(3.0 + 5.0 * interest) {
            let at = instant_between(rng, from, converted);
            let item = rng.below(8) as usize;
            match weighted(rng, &[(0, 45.0), (1, 20.0), (2, 20.0), (3, 15.0)]) {
                0 => out.push(at, EventKind::PageView, Page::Pricing),
                1 => out.push(at, EventKind::Webinar, Page::Webinar(item)),
                2 => out.push(at, EventKind::Download, Page::Download(item)),
                _ => {
                    let product = self.taste.product(rng, &self.world.catalogue, self.segment);
                    out.push(at, EventKind::PageView, Page::Product(product));
                }
            }
        }
    }

    /// Opens, clicks, bounces and unsubscribes of the campaigns sent after sign-up.
    fn emails(&self, rng: &mut Rng, out: &mut Sink<'_>) {
        if !self.subscribed {
            return;
        }
        let campaigns = &self.world.campaigns;
        let first = campaigns.partition_point(|c| c.at < self.created);
        if first < campaigns.len() && rng.chance(0.015) {
            out.push_campaign(campaigns[first].at, EventKind::Bounce, Page::None, first);
            return;
        }
        for (index, campaign) in campaigns.iter().enumerate().skip(first) {
            let phase = self.phase(campaign.at);
            if rng.chance(self.open_rate(phase)) {
                self.open(rng, index, campaign, out);
            }
            let leave = match phase {
                Phase::Lead => 0.003,
                Phase::Active => 0.001,
                Phase::Lapsed => 0.004,
            };
            if rng.chance(leave) {
                let at = plus_secs(campaign.at, rng.exponential(1.0 / 86_400.0));
                out.push_campaign(at, EventKind::Unsubscribe, Page::Unsubscribe, index);
                return;
            }
        }
    }

    fn open(&self, rng: &mut Rng, index: usize, campaign: &Campaign, out: &mut Sink<'_>) {
        let opened = plus_secs(campaign.at, rng.exponential(1.0 / (8.0 * 3600.0)));
        out.push_campaign(opened, EventKind::EmailOpen, Page::None, index);
        let click_rate = if campaign.peak { 0.35 } else { 0.22 };
        if rng.chance(click_rate) {
            let clicked = plus_secs(opened, rng.uniform() * 300.0 + 5.0);
            out.push_campaign(clicked, EventKind::EmailClick, Page::Landing(index), index);
            out.push(
                plus_secs(clicked, 3.0),
                EventKind::PageView,
                Page::Landing(index),
            );
        }
    }

    /// Browsing sessions, thinned from the highest rate the customer ever has.
    fn browsing(&self, rng: &mut Rng, out: &mut Sink<'_>) {
        let lead_rate = 1.0 + 8.0 * self.interest();
        let envelope = self.browse_rate.max(lead_rate).max(LAPSED_BROWSE_RATE) / YEAR_SECS;
        let end = self.world.end.secs() as f64;
        let mut t = self.created.secs() as f64;
        loop {
            t += rng.exponential(envelope);
            if !t.is_finite() || t >= end {
                return;
            }
            let at = Timestamp::from_secs(t as i64);
            let phase = self.phase(at);
            if rng.chance(self.browse_rate(phase, at) / (envelope * YEAR_SECS)) {
                self.session(rng, at, phase, out);
            }
        }
    }

    fn session(&self, rng: &mut Rng, start: Timestamp, phase: Phase, out: &mut Sink<'_>) {
        let mut at = start;
        if phase != Phase::Lead && rng.chance(0.35) {
            out.push(at, EventKind::Login, Page::Account);
        }
        for _ in 0..int_between(rng, 1, 4) {
            at = plus_secs(at, 20.0 + rng.uniform() * 160.0);
            let page = self.page(rng, phase);
            out.push(at, EventKind::PageView, page);
            if let Page::Product(_) = page
                && phase != Phase::Lead
                && rng.chance(0.08)
            {
                out.push(plus_secs(at, 15.0), EventKind::CartAdd, page);
            }
        }
        let interest = self.interest();
        let extras = [
            (
                EventKind::Download,
                if phase == Phase::Lead {
                    0.05 + 0.2 * interest
                } else {
                    0.005
                },
            ),
            (
                EventKind::Webinar,
                if phase == Phase::Lead {
                    0.03 + 0.12 * interest
                } else {
                    0.002
                },
            ),
            (EventKind::SocialLike, 0.02),
            (EventKind::Share, 0.01),
            (
                EventKind::Referral,
                if phase == Phase::Active { 0.006 } else { 0.0 },
            ),
        ];
        for (kind, chance) in extras {
            if rng.chance(chance) {
                at = plus_secs(at, 30.0);
                let item = rng.below(8) as usize;
                let page = match kind {
                    EventKind::Download => Page::Download(item),
                    EventKind::Webinar => Page::Webinar(item),
                    EventKind::Referral => Page::Referral,
                    _ => Page::Blog(item),
                };
                out.push(at, kind, page);
            }
        }
    }

    fn page(&self, rng: &mut Rng, phase: Phase) -> Page {
        let pricing = match (phase, self.segment) {
            (Phase::Lead, _) => 10.0 + 40.0 * self.interest(),
            (_, Segment::B2b) => 8.0,
            (_, Segment::B2c) => 1.0,
        };
        let item = rng.below(64) as usize;
        match weighted(
            rng,
            &[
                (0, 15.0),
                (1, 45.0),
                (2, 15.0),
                (3, 8.0),
                (4, 7.0),
                (5, pricing),
                (6, 5.0),
            ],
        ) {
            0 => Page::Home,
            1 => Page::Product(self.taste.product(rng, &self.world.catalogue, self.segment)),
            2 => Page::Category(self.taste.category(rng, self.segment)),
            3 => Page::Blog(item),
            4 => Page::Help(item),
            5 => Page::Pricing,
            _ => Page::Account,
        }
    }

    /// The visit that ends in a web order, and the occasional review afterwards.
    fn shopping(&self, rng: &mut Rng, order: &Order, out: &mut Sink<'_>) {
        let mut at = plus_secs(order.at, -(rng.uniform() * 900.0 + 300.0));
        if rng.chance(0.5) {
            out.push(at, EventKind::Login, Page::Account);
        }
        for line in &order.lines {
            at = plus_secs(at, 20.0 + rng.uniform() * 60.0);
            out.push(at, EventKind::PageView, Page::Product(line.product));
            out.push(
                plus_secs(at, 10.0),
                EventKind::CartAdd,
                Page::Product(line.product),
            );
        }
        out.push(
            plus_secs(order.at, -30.0),
            EventKind::PageView,
            Page::Checkout,
        );
        if rng.chance(0.05) {
            let product = Page::Product(order.lines[0].product);
            out.push(
                order.at.plus_days(int_between(rng, 5, 30)),
                EventKind::Review,
                product,
            );
        }
    }
}

/// Collects events, dropping those outside the customer's lifetime.
struct Sink<'a> {
    events: &'a mut Vec<Event>,
    created: Timestamp,
    end: Timestamp,
}

impl Sink<'_> {
    fn push(&mut self, at: Timestamp, kind: EventKind, page: Page) {
        self.add(Event {
            at,
            kind,
            page,
            campaign: None,
        });
    }

    fn push_campaign(&mut self, at: Timestamp, kind: EventKind, page: Page, campaign: usize) {
        self.add(Event {
            at,
            kind,
            page,
            campaign: Some(campaign),
        });
    }

    fn add(&mut self, mut event: Event) {
        event.at = event.at.max(self.created);
        if event.at < self.end {
            self.events.push(event);
        }
    }
}

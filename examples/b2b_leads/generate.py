#!/usr/bin/env python3
"""Writes data/leads.csv and data/activities.csv for the B2B lead example (deterministic).

Leads L001-L005 are hand-made, with activities at exact distances (30, 60, 90, 180 days) before
2026-03-01, so their scores as of that day can be computed by hand (see the comments below and
crates/patron-cli/tests/it/b2b_leads.rs). The other leads are seeded filler.

    python3 generate.py      # from examples/b2b_leads
"""
import csv
import datetime as dt
import random

AS_OF = dt.datetime(2026, 3, 1)


def before(days, hours=0):
    return (AS_OF - dt.timedelta(days=days, hours=hours)).strftime("%Y-%m-%d %H:%M:%S")


# lead_id, created_at, name, email, company, country, industry, employees, position
HAND = [
    # fit 20 + 15 + 20 = 55; engagement 2.5 + 7.5 + 5 + 15 = 30; SQL (from 2026-01-30)
    ("L001", "2025-11-01 09:00:00", "Mara Lind", "mara@nordsoft.example", "Nordsoft GmbH", "Germany",
     "Software", 500, "CTO"),
    # fit 10 + 15 + 20 = 45; engagement 1.25 + 5 = 6.25; MQL
    ("L002", "2025-11-15 10:00:00", "Jonas Weber", "jonas@kontor.example", "Kontor Finanz AG", "Germany",
     "Finance", 120, "Head of Finance"),
    # fit 20 + 15 + 20 = 55; engagement 0.46875 - 10 = -9.53125; was SQL, stays SQL (forward only)
    ("L003", "2025-08-20 08:00:00", "Ilse Brandt", "ilse@stahlwerk.example", "Stahlwerk Ost", "Germany",
     "Manufacturing", 300, "VP Operations"),
    # fit -10 + 0 - 20 = -30; engagement 5 - 20 = -15 (the unsubscribe does not decay); lead
    ("L004", "2025-12-20 14:00:00", "Tim Kahle", "tim@uni.example", "Universität Nord", "Germany",
     "Education", 8, "Intern"),
    # no attributes: fit 0; no activity: engagement -10; lead
    ("L005", "2025-10-01 12:00:00", "Eva Stein", "eva@example.org", "", "Austria", "", "", ""),
]

# lead_id, timestamp, type, url
HAND_ACTIVITIES = [
    ("L001", before(60), "whitepaper_download", "/whitepapers/roi-guide.pdf"),
    ("L001", before(30), "webinar_attended", "/webinars/scoring-101"),
    ("L001", before(30), "page_view", "/pricing"),
    ("L001", before(30, hours=-2), "page_view", "/pricing/enterprise"),  # same day: limit 1/day
    ("L001", before(30), "demo_request", "/contact/demo"),
    ("L002", before(90), "page_view", "/pricing"),
    ("L002", before(30), "page_view", "/blog/pricing-tips"),  # not the pricing page
    ("L002", before(30), "whitepaper_download", "/whitepapers/roi-guide.pdf"),
    ("L003", before(180), "demo_request", "/contact/demo"),
    ("L004", before(30), "whitepaper_download", "/whitepapers/roi-guide.pdf"),
    ("L004", before(30), "unsubscribe", "/newsletter/unsubscribe"),
]

INDUSTRIES = ["Software", "Finance", "Manufacturing", "Retail", "Education", "Logistics", "Health"]
POSITIONS = ["CEO", "CTO", "CFO", "Head of Marketing", "Head of IT", "VP Sales", "Engineer",
             "Analyst", "Office Manager", "Student", "Intern", "Consultant"]
FIRST = ["Anna", "Ben", "Clara", "David", "Elif", "Finn", "Greta", "Hannes", "Ida", "Jan",
         "Katrin", "Lukas", "Mia", "Noah", "Olga", "Paul"]
LAST = ["Albers", "Bauer", "Claasen", "Dietz", "Engel", "Fuchs", "Graf", "Huber", "Iske", "Jung"]
TYPES = [("page_view", "/pricing"), ("page_view", "/pricing/enterprise"),
         ("webinar_attended", "/webinars/pipeline"), ("whitepaper_download", "/whitepapers/benchmark.pdf"),
         ("page_view", "/blog/lead-scoring"), ("page_view", "/blog/pricing-tips"), ("email_open", ""),
         ("demo_request", "/contact/demo"), ("unsubscribe", "/newsletter/unsubscribe")]
WEIGHTS = [4, 2, 2, 3, 6, 2, 8, 1, 1]


def main():
    rng = random.Random(2026)
    leads = list(HAND)
    activities = list(HAND_ACTIVITIES)
    start = dt.datetime(2025, 3, 1)
    for i in range(6, 61):
        created = start + dt.timedelta(seconds=rng.randrange(300 * 86400))
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = f"{last} {rng.choice(['GmbH', 'AG', 'KG', 'SE'])}"
        size = rng.choice([3, 8, 25, 60, 150, 240, 800, 2500])
        leads.append((f"L{i:03}", created.strftime("%Y-%m-%d %H:%M:%S"), f"{first} {last}",
                      f"{first.lower()}@{last.lower()}.example", company, "Germany",
                      rng.choice(INDUSTRIES), size, rng.choice(POSITIONS)))
        for _ in range(rng.randrange(12)):
            at = created + dt.timedelta(seconds=rng.randrange(max(1, int((AS_OF - created).total_seconds()))))
            kind, url = rng.choices(TYPES, WEIGHTS)[0]
            activities.append((f"L{i:03}", at.strftime("%Y-%m-%d %H:%M:%S"), kind, url))
    with open("data/leads.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["lead_id", "created_at", "name", "email", "company", "country", "industry",
                    "employees", "position"])
        w.writerows(leads)
    activities.sort(key=lambda a: (a[1], a[0], a[2]))
    with open("data/activities.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["activity_id", "lead_id", "timestamp", "type", "url"])
        for n, (lead, at, kind, url) in enumerate(activities, 1):
            w.writerow([f"A{n}", lead, at, kind, url])


if __name__ == "__main__":
    main()

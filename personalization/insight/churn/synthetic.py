"""A generated telecom CRM export with a known churn signal (the shape of IBM's Telco sample).

Stands in for the public Telco customer churn sample, which is not shipped with the hub:
the columns and their mix follow it (about 7,000 customers, a quarter leaving; month-to-month
contracts, short tenure, fibre, electronic cheques and high charges leave more; support
calls added), and each customer's leaving is drawn from a known logistic model, so tests
know which factor was planted and how well any model can do.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Iterator
from typing import IO

COLUMNS = (
    "customer_id", "gender", "senior_citizen", "partner", "dependents", "tenure_months", "phone_service",
    "internet_service", "tech_support", "contract", "paperless_billing", "payment_method", "monthly_charges",
    "total_charges", "support_calls", "churned",
)
CONTRACTS = (("month-to-month", 0.55, 1.5), ("one-year", 0.21, 0.0), ("two-year", 0.24, -1.6))
INTERNET = (("fiber", 0.44, 0.5), ("dsl", 0.34, 0.0), ("none", 0.22, -0.6))
PAYMENTS = (("electronic-check", 0.34, 0.45), ("mailed-check", 0.23, 0.0), ("bank-transfer", 0.22, -0.1), ("credit-card", 0.21, -0.1))
BASE_LOGIT = -2.2


def _pick(rng: random.Random, options: tuple[tuple[str, float, float], ...]) -> tuple[str, float]:
    point, total = rng.random(), 0.0
    for name, share, effect in options:
        total += share
        if point <= total:
            return name, effect
    return options[-1][0], options[-1][2]


def customer(rng: random.Random, number: int, *, prefix: str = "cust") -> dict[str, object]:
    """One customer row (values as a CRM export writes them) with its true probability of leaving."""
    contract, contract_effect = _pick(rng, CONTRACTS)
    longest = {"month-to-month": 40, "one-year": 60, "two-year": 72}[contract]
    tenure = max(1, min(72, int(rng.betavariate(0.9, 1.3) * longest) + 1))
    internet, internet_effect = _pick(rng, INTERNET)
    payment, payment_effect = _pick(rng, PAYMENTS)
    base_charge = {"fiber": 80.0, "dsl": 55.0, "none": 22.0}[internet]
    monthly = round(max(18.25, rng.gauss(base_charge, 12.0)), 2)
    tech_support = internet != "none" and rng.random() < 0.35
    support_calls = min(9, int(rng.expovariate(0.8)))
    senior = rng.random() < 0.16
    logit = (
        BASE_LOGIT + contract_effect + internet_effect + payment_effect
        - 1.0 * math.log(tenure / 12.0)
        + 0.015 * (monthly - 65.0)
        + 0.3 * support_calls
        - (0.5 if tech_support else 0.0)
        + (0.3 if senior else 0.0)
    )
    probability = 1.0 / (1.0 + math.exp(-logit))
    row = {
        "customer_id": f"{prefix}-{number:05d}",
        "gender": rng.choice(("female", "male")),
        "senior_citizen": "yes" if senior else "no",
        "partner": "yes" if rng.random() < 0.48 else "no",
        "dependents": "yes" if rng.random() < 0.3 else "no",
        "tenure_months": tenure,
        "phone_service": "yes" if rng.random() < 0.9 else "no",
        "internet_service": internet,
        "tech_support": "yes" if tech_support else "no",
        "contract": contract,
        "paperless_billing": "yes" if rng.random() < 0.59 else "no",
        "payment_method": payment,
        "monthly_charges": monthly,
        "total_charges": round(monthly * tenure * rng.uniform(0.95, 1.05), 2),
        "support_calls": support_calls,
        "churned": "yes" if rng.random() < probability else "no",
    }
    return {**row, "_probability": probability}


def customers(count: int, *, seed: int = 7, prefix: str = "cust") -> Iterator[dict[str, object]]:
    """`count` customers, the same for the same seed."""
    rng = random.Random(seed)
    for number in range(count):
        yield customer(rng, number, prefix=prefix)


def write_csv(stream: IO[str], count: int, *, seed: int = 7, prefix: str = "cust") -> int:
    """Write the export (no hidden columns) to `stream`; returns the rows written."""
    writer = csv.DictWriter(stream, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    written = 0
    for row in customers(count, seed=seed, prefix=prefix):
        writer.writerow(row)
        written += 1
    return written

#!/usr/bin/env python3
"""Generate many applications across all provinces, for benchmarks and the load test.

    DATABASE_URL=postgres://… .venv/bin/python bench/generate.py --count 10000

Creates one batch ("基准测试批次 <year>"), `count` parks spread over every province with one
application each, in every review state (with tier, core pass and intensity set as a submission
would), and assigns every fifth recommended one to a national reviewer ("bench_national", created
if missing). Everything goes in with bulk_create (a few seconds for 10,000). Running it again with
the same batch name does nothing: submitted applications cannot be deleted, so use a throwaway
database to start over.

Also importable: `generate(count, batch_name=...)` returns the batch (tests use it);
`boundaries=True` gives every application a drawn boundary (a 40-vertex outline of about 2 km
somewhere in China), as NDRC's workbench map reads them.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

STATES = [  # (status, weight, ever_recommended)
    ("submitted", 30, False),
    ("returned", 5, False),
    ("not_recommended", 10, False),
    ("recommended", 20, True),
    ("under_national_review", 20, True),
    ("approved", 10, True),
    ("rejected", 5, True),
]
TIERS = ["below_200k", "200k_1m", "1m_plus"]


def _outline(rng, vertices: int = 40) -> dict:
    """A closed polygon of about 2 km across at a random point of eastern and central China."""
    import math

    lng, lat = 105 + rng.random() * 16, 22 + rng.random() * 18
    ring = [
        [
            round(lng + 0.01 * (1 + 0.2 * rng.random()) * math.cos(2 * math.pi * i / vertices), 6),
            round(lat + 0.01 * (1 + 0.2 * rng.random()) * math.sin(2 * math.pi * i / vertices), 6),
        ]
        for i in range(vertices)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def generate(
    count: int,
    batch_name: str = "基准测试批次",
    year: int = 2025,
    seed: int = 5,
    province_codes: list[str] | None = None,
    boundaries: bool = False,
):
    from django.db import transaction
    from django.utils import timezone

    from applications.models import (
        Application,
        Batch,
        Park,
        Province,
        ReviewAssignment,
        Role,
        User,
    )

    rng = random.Random(seed)
    now = timezone.now()
    batch, created = Batch.objects.get_or_create(
        name=batch_name,
        defaults={
            "year": year,
            "opens_at": now - datetime.timedelta(days=60),
            "deadline": now + datetime.timedelta(days=60),
        },
    )
    if not created and batch.applications.exists():
        print(f"batch {batch_name!r} already has applications; nothing generated", file=sys.stderr)
        return batch
    provinces = list(Province.objects.order_by("code"))
    if province_codes:
        provinces = [p for p in provinces if p.code in province_codes]
    reviewer, _ = User.objects.get_or_create(
        username="bench_national", defaults={"role": Role.NATIONAL, "email": "bench@example.test"}
    )
    statuses = [s for s, weight, _r in STATES for _ in range(weight)]
    recommended = {s for s, _w, r in STATES if r}
    with transaction.atomic():
        parks = Park.objects.bulk_create(
            [
                Park(
                    name=f"{batch_name}园区{i:05d}",
                    province=provinces[i % len(provinces)],
                    management_body=f"{batch_name}园区{i:05d}管理委员会",
                )
                for i in range(count)
            ],
            batch_size=2000,
        )
        applications = []
        for i, park in enumerate(parks):
            status = statuses[rng.randrange(len(statuses))]
            intensity = Decimal(rng.randrange(50, 900)) / Decimal(1000)
            applications.append(
                Application(
                    park=park,
                    batch=batch,
                    status=status,
                    scope="whole",
                    management_body=park.management_body,
                    submission_count=1,
                    submitted_at=now - datetime.timedelta(minutes=i),
                    ever_recommended=status in recommended,
                    tier=TIERS[i % 3],
                    intensity=intensity,
                    core_pass=None if i % 17 == 0 else intensity <= Decimal("0.2"),
                    data={"basic": {"zone_level": park.zone_level}},
                    boundary_geojson=_outline(rng) if boundaries else None,
                )
            )
        applications = Application.objects.bulk_create(applications, batch_size=2000)
        ReviewAssignment.objects.bulk_create(
            [
                ReviewAssignment(application=a, assignee=reviewer, assigned_by=reviewer)
                for n, a in enumerate(x for x in applications if x.ever_recommended)
                if n % 5 == 0
            ],
            batch_size=2000,
        )
    return batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--batch-name", default="基准测试批次")
    parser.add_argument("--year", type=int, default=2025)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zcparks.settings")
    import django

    django.setup()
    batch = generate(args.count, args.batch_name, args.year)
    print(f"batch {batch.name!r} (id {batch.pk}): {batch.applications.count()} applications")


if __name__ == "__main__":
    main()

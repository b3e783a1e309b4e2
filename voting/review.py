"""The fraud review of a round for staff: votes over time, per nominee, the
largest clusters by network and by e-mail domain, and the votes from shared
networks (allow-listed ranges, whose per-IP limits are higher). Charts are
plain SVG drawn on the server, with the same numbers in a table beside them.

A round of up to a week is shown per hour; a longer one per day, each day
opening a review of that day alone, per hour."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone

from nominees.models import PrizeRound

from .models import Vote

CHART_WIDTH = 960
CHART_HEIGHT = 200
# Room around the bars for the axes: counts on the left, times below.
AXIS_LEFT = 48
AXIS_BOTTOM = 36
AXIS_TOP = 10
AXIS_RIGHT = 12
MAX_COUNT_TICKS = 5
MAX_TIME_TICKS = 12
# Hours between time ticks, and days between ticks of a per-day chart.
HOUR_STEPS = (1, 2, 3, 6, 12, 24, 48)
DAY_STEPS = (1, 2, 7, 14, 28)
# Hourly bars while they stay readable; longer rounds are shown per day.
MAX_HOURLY_BUCKETS = 24 * 7
CLUSTERS_SHOWN = 10


@dataclass(frozen=True)
class Bar:
    start: datetime
    votes: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class CountTick:
    """A count on the y-axis and its height in the plot (0 at the top)."""

    votes: int
    y: float


@dataclass(frozen=True)
class TimeTick:
    """A bucket's start on the x-axis, at the middle of its bar."""

    start: datetime
    x: float


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    peak: int
    total: int
    count_ticks: list[CountTick] = ()
    time_ticks: list[TimeTick] = ()
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    left: int = AXIS_LEFT
    top: int = AXIS_TOP

    @property
    def outer_width(self) -> int:
        return AXIS_LEFT + self.width + AXIS_RIGHT

    @property
    def outer_height(self) -> int:
        return AXIS_TOP + self.height + AXIS_BOTTOM

    @property
    def count_title_x(self) -> float:
        """Where the rotated "votes" title is centred along the y-axis."""
        return -self.height / 2

    @property
    def axis_label_y(self) -> int:
        """Baseline of the time labels, below the plot."""
        return self.height + 20


@dataclass(frozen=True)
class Cluster:
    key: str
    votes: int
    valid: int
    nominees: int
    # The names of the shared networks among the cluster's votes.
    shared_networks: tuple[str, ...] = ()
    # What the review shows for a key that is not for reading as it is.
    label: str = ""


@dataclass(frozen=True)
class Review:
    by_hour: bool
    overall: BarChart
    per_nominee: list[tuple[str, BarChart]]
    networks: list[Cluster]
    domains: list[Cluster]
    # The votes per shared network: kept after the purge, which empties the
    # network keys the other clusters are made of.
    shared_networks: list[Cluster]
    # Set when the review covers one Norwegian calendar day, per hour.
    day: date | None = None

    @property
    def links_days(self) -> bool:
        """Per-day bars open their day per hour."""
        return not self.by_hour

    @property
    def previous_day(self) -> date | None:
        return self.day - timedelta(days=1) if self.day else None

    @property
    def next_day(self) -> date | None:
        return self.day + timedelta(days=1) if self.day else None

    @property
    def tick_format(self) -> str:
        """The time axis' labels: hours within a day, days beyond."""
        if self.day:
            return "H.i"
        if self.by_hour:
            return "j. b" if hour_step(len(self.overall.bars)) >= 24 else "j. b H.i"
        return "j. b"

    @property
    def label_format(self) -> str:
        if self.day:
            return "H.i"
        return "j. F Y H.i" if self.by_hour else "j. F Y"

    @property
    def short_label_format(self) -> str:
        if self.day:
            return "H.i"
        return "j. M H.i" if self.by_hour else "j. M"

    @property
    def nominee_rows(self) -> list[tuple[datetime, list[int]]]:
        """The per-nominee charts as table rows: one per bucket, a column per nominee."""
        columns = [chart.bars for _, chart in self.per_nominee]
        return [
            (bar.start, [column[index].votes for column in columns])
            for index, bar in enumerate(self.overall.bars)
        ]


def count_ticks(peak: int) -> list[CountTick]:
    """0 and round counts up to the peak, at most MAX_COUNT_TICKS of them:
    steps of 1, 2 or 5 times a power of ten."""
    if peak <= 0:
        return []
    magnitude = 1
    while True:
        step = next(
            (m * magnitude for m in (1, 2, 5) if peak // (m * magnitude) < MAX_COUNT_TICKS),
            None,
        )
        if step:
            break
        magnitude *= 10
    return [
        CountTick(votes=v, y=round(CHART_HEIGHT - CHART_HEIGHT * v / peak, 2))
        for v in range(0, peak + 1, step)
    ]


def hour_step(buckets: int) -> int:
    return next((h for h in HOUR_STEPS if buckets / h <= MAX_TIME_TICKS), HOUR_STEPS[-1])


def time_ticks(buckets: list[datetime], slot: float, *, by_hour: bool) -> list[TimeTick]:
    """Ticks on whole Norwegian hours (every 1, 2, 3, 6, 12 or 24) or days,
    few enough to read."""
    if not buckets:
        return []
    if by_hour:
        step = hour_step(len(buckets))
        chosen = [
            index
            for index, start in enumerate(buckets)
            if (
                timezone.localtime(start).hour % step == 0
                if step < 24
                else timezone.localtime(start).hour == 0
            )
        ]
        if step >= 24 and len(chosen) > MAX_TIME_TICKS:
            chosen = chosen[:: -(-len(chosen) // MAX_TIME_TICKS)]
    else:
        step = next((d for d in DAY_STEPS if len(buckets) / d <= MAX_TIME_TICKS), DAY_STEPS[-1])
        chosen = list(range(0, len(buckets), step))
    return [TimeTick(start=buckets[i], x=round(i * slot + slot / 2, 2)) for i in chosen]


def chart(
    buckets: list[datetime], counts: dict[datetime, int], peak: int, *, by_hour: bool = True
) -> BarChart:
    slot = CHART_WIDTH / max(1, len(buckets))
    bars = []
    for index, start in enumerate(buckets):
        votes = counts.get(start, 0)
        height = CHART_HEIGHT * votes / peak if peak else 0
        bars.append(
            Bar(
                start=start,
                votes=votes,
                x=round(index * slot, 2),
                y=round(CHART_HEIGHT - height, 2),
                width=round(max(1.0, slot * 0.85), 2),
                height=round(height, 2),
            )
        )
    return BarChart(
        bars=bars,
        peak=peak,
        total=sum(counts.values()),
        count_ticks=count_ticks(peak),
        time_ticks=time_ticks(buckets, slot, by_hour=by_hour),
    )


def time_buckets(first: datetime, last: datetime, *, by_hour: bool) -> list[datetime]:
    """Every bucket from the first to the last, empty ones included, in UTC.
    Days are Norwegian calendar days, 23 or 25 hours long when the clocks change."""
    if by_hour:
        hours = int((last - first) / timedelta(hours=1))
        return [first + timedelta(hours=n) for n in range(hours + 1)]
    first_day, last_day = timezone.localdate(first), timezone.localdate(last)
    return [
        timezone.make_aware(datetime.combine(first_day + timedelta(days=n), time.min)).astimezone(
            UTC
        )
        for n in range((last_day - first_day).days + 1)
    ]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The first instant of a Norwegian calendar day and of the next, in UTC."""
    return tuple(
        timezone.make_aware(datetime.combine(d, time.min)).astimezone(UTC)
        for d in (day, day + timedelta(days=1))
    )


def clusters(votes, field: str) -> list[Cluster]:
    rows = (
        votes.exclude(**{field: ""})  # purged votes belong to no cluster
        .values(field)
        .annotate(
            votes=Count("pk"),
            valid=Count("pk", filter=Q(status=Vote.Status.VALID)),
            nominees=Count("nomination", distinct=True),
        )
        .filter(votes__gt=1)
        .order_by("-votes", field)[:CLUSTERS_SHOWN]
    )
    rows = list(rows)
    shared = defaultdict(list)
    for key, name in (
        votes.filter(**{f"{field}__in": [row[field] for row in rows]})
        .exclude(shared_network=None)
        .values_list(field, "shared_network__name")
        .distinct()
        .order_by(field, "shared_network__name")
    ):
        shared[key].append(name)
    return [
        Cluster(row[field], row["votes"], row["valid"], row["nominees"], tuple(shared[row[field]]))
        for row in rows
    ]


def from_shared_networks(votes) -> list[Cluster]:
    rows = (
        votes.exclude(shared_network=None)
        .values("shared_network", "shared_network__name", "shared_network__network")
        .annotate(
            votes=Count("pk"),
            valid=Count("pk", filter=Q(status=Vote.Status.VALID)),
            nominees=Count("nomination", distinct=True),
        )
        .order_by("-votes", "shared_network__name")
    )
    return [
        Cluster(
            key=str(row["shared_network"]),
            votes=row["votes"],
            valid=row["valid"],
            nominees=row["nominees"],
            label=f"{row['shared_network__name']} ({row['shared_network__network']})",
        )
        for row in rows
    ]


def review(prize_round: PrizeRound, *, day: date | None = None) -> Review:
    """The whole round, or with day only the votes cast that day, per hour."""
    votes = Vote.objects.filter(round=prize_round)
    if day is None:
        first = votes.order_by("cast_at").values_list("cast_at", flat=True).first()
        last = votes.order_by("-cast_at").values_list("cast_at", flat=True).first()
        by_hour = first is None or last - first <= timedelta(hours=MAX_HOURLY_BUCKETS)
    else:
        start, end = day_bounds(day)
        votes = votes.filter(cast_at__gte=start, cast_at__lt=end)
        by_hour = True
    trunc = TruncHour if by_hour else TruncDay  # in Norwegian time, the current time zone
    rows = list(
        votes.annotate(bucket=trunc("cast_at"))
        .values("bucket", "nomination__municipality__name")
        .annotate(votes=Count("pk"))
        .order_by("bucket")
    )
    overall: dict[datetime, int] = {}
    per_nominee: dict[str, dict[datetime, int]] = {
        name: {}
        for name in prize_round.nominations.order_by("municipality__name").values_list(
            "municipality__name", flat=True
        )
    }
    for row in rows:
        bucket = row["bucket"].astimezone(UTC)  # compared and hashed as instants
        overall[bucket] = overall.get(bucket, 0) + row["votes"]
        nominee = per_nominee.setdefault(row["nomination__municipality__name"], {})
        nominee[bucket] = row["votes"]
    if day is not None:
        # Every hour of the day, empty ones included: 23 or 25 when the clocks change.
        buckets = time_buckets(start, end - timedelta(hours=1), by_hour=True)
    elif overall:
        buckets = time_buckets(min(overall), max(overall), by_hour=by_hour)
    else:
        buckets = []
    peak_nominee = max((max(c.values(), default=0) for c in per_nominee.values()), default=0)
    return Review(
        by_hour=by_hour,
        overall=chart(buckets, overall, max(overall.values(), default=0), by_hour=by_hour),
        # One scale for every nominee, so their bars can be compared.
        per_nominee=[
            (name, chart(buckets, counts, peak_nominee, by_hour=by_hour))
            for name, counts in per_nominee.items()
        ],
        networks=clusters(votes, "network_hash"),
        domains=clusters(votes, "email_domain"),
        shared_networks=from_shared_networks(votes),
        day=day,
    )

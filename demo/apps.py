from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The local run's demo: ``load_demo`` (rounds, nominees and a closed round
    with votes, from IMDi's public documents) and ``create_local_admin``. It writes through
    voting's services, so it may import both nominees and voting."""

    name = "demo"

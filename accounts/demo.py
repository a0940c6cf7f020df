import logging

from accounts.models import Role, User

logger = logging.getLogger(__name__)

DEMO_USERS = [
    ("admin@demo.trading.local", "DemoAdmin!2026", "Ada", "Admin", Role.ADMIN),
    ("trader@demo.trading.local", "DemoTrader!2026", "Tom", "Trader", Role.USER),
]


def create_demo_users(out):
    """An admin and a trader; existing accounts are left as they are."""
    for email, password, first, last, role in DEMO_USERS:
        if User.objects.filter(email=email).exists():
            out(f"  {role:5} {email} (exists)")
            continue
        manager = User.objects
        create = manager.create_superuser if role == Role.ADMIN else manager.create_user
        create(email, password, first_name=first, last_name=last)
        logger.info("Created demo %s %s", role, email)
        out(f"  {role:5} {email} / {password}")

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from accounts import demo
        from core import demo as core_demo

        core_demo.register("accounts", demo.create_demo_users)

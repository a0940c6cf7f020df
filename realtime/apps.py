from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = "Realtime feed"

    def ready(self):
        from accounts.signals import sessions_ended
        from realtime.events import close_session_sockets

        sessions_ended.connect(
            close_session_sockets, dispatch_uid="realtime.close_session_sockets"
        )

from rest_framework.routers import DefaultRouter


class Router(DefaultRouter):
    """Routes as the API documents them, with a trailing slash accepted too."""

    include_root_view = False
    include_format_suffixes = False

    def __init__(self):
        super().__init__(trailing_slash="/?")

from django.urls import re_path

from trading import order_views, views

SYMBOL = r"(?P<symbol>[A-Za-z0-9]{1,20})"
HEX = "[0-9a-fA-F]"
UUID = rf"{HEX}{{8}}-{HEX}{{4}}-{HEX}{{4}}-{HEX}{{4}}-{HEX}{{12}}"

urlpatterns = [
    re_path(r"^market/symbols/?$", views.SymbolsView.as_view(), name="market-symbols"),
    re_path(
        rf"^market/klines/{SYMBOL}/?$", views.KlinesView.as_view(), name="market-klines"
    ),
    re_path(
        rf"^market/price/{SYMBOL}/?$", views.PriceView.as_view(), name="market-price"
    ),
    re_path(r"^market/prices/?$", views.PricesView.as_view(), name="market-prices"),
    re_path(
        rf"^market/ticker/{SYMBOL}/?$", views.TickerView.as_view(), name="market-ticker"
    ),
    re_path(r"^market/tickers/?$", views.TickersView.as_view(), name="market-tickers"),
    re_path(
        rf"^market/orderbook/{SYMBOL}/?$",
        views.OrderBookView.as_view(),
        name="market-orderbook",
    ),
    re_path(r"^orders/?$", order_views.OrdersView.as_view(), name="orders"),
    re_path(
        r"^orders/active/?$",
        order_views.ActiveOrdersView.as_view(),
        name="orders-active",
    ),
    re_path(
        r"^orders/history/?$",
        order_views.OrderHistoryView.as_view(),
        name="orders-history",
    ),
    re_path(
        rf"^orders/(?P<orderId>{UUID})/?$",
        order_views.OrderDetailView.as_view(),
        name="order",
    ),
    re_path(r"^positions/?$", order_views.PositionsView.as_view(), name="positions"),
    re_path(
        rf"^positions/(?P<positionId>{UUID})/?$",
        order_views.PositionDetailView.as_view(),
        name="position",
    ),
    re_path(
        rf"^positions/(?P<positionId>{UUID})/close/?$",
        order_views.PositionCloseView.as_view(),
        name="position-close",
    ),
]

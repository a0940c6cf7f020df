from django.urls import re_path

from trading import views

SYMBOL = r"(?P<symbol>[A-Za-z0-9]{1,20})"

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
]

"""A local HTTP server that answers as Binance's spot REST API does."""

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

START = 1704067200000  # 2024-01-01T00:00:00Z

KLINES = [
    [
        START + i * 60_000,
        f"{42000 + i}.10000000",
        f"{42010 + i}.00000000",
        f"{41990 + i}.00000000",
        f"{42001 + i}.25000000",
        "12.34567000",
        START + i * 60_000 + 59_999,
        "518765.43210000",
        321 + i,
        "6.00000000",
        "252000.00000000",
        "0",
    ]
    for i in range(10)
]

TICKER = {
    "symbol": "BTCUSDT",
    "priceChange": "-94.99999800",
    "priceChangePercent": "-95.960",
    "weightedAvgPrice": "0.29628482",
    "prevClosePrice": "0.10002000",
    "lastPrice": "4.00000200",
    "lastQty": "200.00000000",
    "bidPrice": "4.00000000",
    "bidQty": "100.00000000",
    "askPrice": "4.00000200",
    "askQty": "100.00000000",
    "openPrice": "99.00000000",
    "highPrice": "100.00000000",
    "lowPrice": "0.10000000",
    "volume": "8913.30000000",
    "quoteVolume": "15.30000000",
    "openTime": 1499783499040,
    "closeTime": 1499869899040,
    "firstId": 28385,
    "lastId": 28460,
    "count": 76,
}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server.requests.append((url.path, query))
        if self.server.down:
            return self._send(503, {"code": -1001, "msg": "Internal error."})
        symbol = query.get("symbol", "BTCUSDT")
        if symbol not in ("BTCUSDT", "ETHUSDT"):
            return self._send(400, {"code": -1121, "msg": "Invalid symbol."})
        if url.path == "/api/v3/klines":
            rows = KLINES
            if "startTime" in query:
                rows = [r for r in rows if r[0] >= int(query["startTime"])]
            if "endTime" in query:
                rows = [r for r in rows if r[0] <= int(query["endTime"])]
            return self._send(200, rows[: int(query.get("limit", 500))])
        if url.path == "/api/v3/ticker/price":
            if "symbols" in query:
                names = json.loads(query["symbols"])
                return self._send(
                    200, [{"symbol": n, "price": "42001.25000000"} for n in names]
                )
            return self._send(200, {"symbol": symbol, "price": "42001.25600000"})
        if url.path == "/api/v3/ticker/24hr":
            if "symbols" in query:
                names = json.loads(query["symbols"])
                return self._send(200, [dict(TICKER, symbol=n) for n in names])
            return self._send(200, TICKER)
        if url.path == "/api/v3/depth":
            return self._send(
                200,
                {
                    "lastUpdateId": 1027024,
                    "bids": [["42000.01000000", "0.43100000"], ["41999.5", "1.2"]],
                    "asks": [["42000.02000000", "0.12000000"], ["42001", "3"]],
                },
            )
        if url.path == "/api/v3/trades":
            return self._send(
                200,
                [
                    {
                        "id": 28457,
                        "price": "42000.01000000",
                        "qty": "0.01200000",
                        "quoteQty": "504.00012000",
                        "time": 1704067260000,
                        "isBuyerMaker": True,
                        "isBestMatch": True,
                    }
                ],
            )
        return self._send(404, {"code": -1, "msg": "Unknown path."})


@contextmanager
def fake_binance(port):
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.requests = []
    server.down = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()

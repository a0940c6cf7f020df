// Connects as the API documents, plus the websocket transport, and prints what
// happened as one JSON line.
// Usage: node client.mjs <url> <token> <symbol> <waitMs> [orderQuantity]
// With an order quantity, it buys that much of the symbol through the REST API
// once subscribed, and collects the events its own order causes.
import { io } from "socket.io-client";

const [url, token, symbol, waitMs, orderQuantity] = process.argv.slice(2);
const result = {
  connected: false,
  prices: [],
  notifications: [],
  orderUpdates: [],
  balanceUpdates: [],
};

const placeOrder = async () => {
  const response = await fetch(`${url}/api/trading/orders`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${token}`,
      "Content-Type": "application/json",
    },
    body: JSON.stringify({
      symbol,
      side: "BUY",
      type: "MARKET",
      quantity: Number(orderQuantity),
    }),
  });
  result.orderStatus = response.status;
  result.order = (await response.json()).order;
};

const finish = (code) => {
  console.log(JSON.stringify(result));
  socket.close();
  process.exit(code);
};

const socket = io(url, {
  auth: { token },
  transports: ["websocket"],
  reconnection: false,
});

socket.on("connect", () => {
  result.connected = true;
  socket.emit("subscribe", { symbols: [symbol, "NOTASYMBOL"] }, (ack) => {
    result.subscribeAck = ack;
    if (orderQuantity) placeOrder();
  });
  socket.emit("ping", {}, (pong) => {
    result.pong = pong;
  });
});
socket.on("connect_error", (error) => {
  result.connectError = error.message;
  finish(0);
});
socket.on("price_update", (update) => result.prices.push(update));
socket.on("notification", (note) => result.notifications.push(note));
socket.on("order_update", (order) => result.orderUpdates.push(order));
socket.on("balance_update", (balance) => result.balanceUpdates.push(balance));

setTimeout(() => finish(0), Number(waitMs));

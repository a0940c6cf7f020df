// Connects as the API documents, plus the websocket transport, and prints what
// happened as one JSON line. Usage: node client.mjs <url> <token> <symbol> <waitMs>
import { io } from "socket.io-client";

const [url, token, symbol, waitMs] = process.argv.slice(2);
const result = { connected: false, prices: [], notifications: [] };

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

setTimeout(() => finish(0), Number(waitMs));

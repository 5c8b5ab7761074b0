import { ServerResponse } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type Koa from 'koa';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { MqttFanout } from './start-mqtt.ts';

/** Default path of MQTT over WebSocket on the API (ARCHITECTURE.md). */
export const MQTT_WEBSOCKET_PATH = '/mqtt';

/**
 * Serves MQTT over WebSocket at `options.path` (default `/mqtt`) of `server` by handling its `upgrade`
 * event; other paths are left to other upgrade listeners, or refused when there are none.
 * Clients log in inside MQTT (username + access JWT or password, or `token` + API token).
 * Returns a function that detaches it and closes the WebSockets it opened.
 */
export interface AttachMqttWebSocketOptions {
  /** Default `/mqtt`. */
  path?: string;
  /** The client's address from its upgrade request (e.g. the API's, honouring a trusted proxy's header); default the socket's peer. */
  clientAddress?: (request: IncomingMessage) => string;
}

export function attachMqttWebSocket(server: Server, mqtt: Pick<MqttFanout, 'handle'>, options: AttachMqttWebSocketOptions = {}): () => void {
  const path = options.path ?? MQTT_WEBSOCKET_PATH;
  // `mqtt` is the subprotocol MQTT over WebSocket names (MQTT 3.1.1 §6); old clients say `mqttv3.1`.
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
  });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== path) {
      if (server.listenerCount('upgrade') === 1) socket.destroy();
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => ws.terminate());
      mqtt.handle(stream, request, options.clientAddress?.(request));
    });
  };
  server.on('upgrade', onUpgrade);
  return () => {
    server.off('upgrade', onUpgrade);
    for (const ws of wss.clients) ws.terminate();
    wss.close();
  };
}

/**
 * A request's client address as `app` sees it (`ctx.ip`): behind a proxy the app trusts
 * (`API_TRUST_PROXY`), the first address of its forwarding header; else the socket's peer.
 */
export function koaClientAddress(app: Koa): (request: IncomingMessage) => string {
  return (request) => app.createContext(request, new ServerResponse(request)).ip;
}

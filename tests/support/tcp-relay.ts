import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A loopback TCP relay in front of a server, for cutting the network without touching the
 * server: `cut()` resets every open connection and stops listening, so requests in flight fail
 * (the server may or may not have applied them) and new ones are refused, as when an endpoint
 * drops off the network. `resume()` listens again on the same port.
 */
export interface TcpRelay {
  /** `http://127.0.0.1:<port>`, the same across cuts. */
  readonly endpoint: string;
  cut(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

export async function tcpRelay(targetPort: number): Promise<TcpRelay> {
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
    socket.on("error", () => {});
  };
  let server: Server | undefined;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const listening = createServer((client) => {
        const upstream = connect(targetPort, "127.0.0.1");
        track(client);
        track(upstream);
        client.pipe(upstream);
        upstream.pipe(client);
        client.once("close", () => upstream.destroy());
        upstream.once("close", () => client.destroy());
      });
      listening.once("error", reject);
      listening.listen(port, "127.0.0.1", () => {
        server = listening;
        const address = listening.address();
        resolve(typeof address === "object" && address ? address.port : port);
      });
    });
  const cut = async () => {
    const closing = server;
    server = undefined;
    for (const socket of open) socket.resetAndDestroy();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  const port = await listen(0);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    cut,
    async resume() {
      if (!server) await listen(port);
    },
    close: cut,
  };
}

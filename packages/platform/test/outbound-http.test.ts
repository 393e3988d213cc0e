import { createServer, type Server } from "node:http";
import { type AddressInfo, createServer as createNetServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutboundClient, OutboundError } from "../src/index";

let server: Server;
let base: string;
let port: number;
const received: Array<{ method: string; url: string; body: string; auth: string | undefined }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({
        method: req.method ?? "",
        url: req.url ?? "",
        body: Buffer.concat(chunks).toString(),
        auth: req.headers.authorization,
      });
      if (req.url === "/redirect") {
        res.writeHead(302, { location: `${base}/target` }).end();
      } else if (req.url === "/big") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("x".repeat(200_000));
      } else if (req.url === "/exact") {
        res.end("y".repeat(100));
      } else if (req.url === "/hang") {
        // Never answers: the client's total timeout must fire.
      } else if (req.url === "/slow-body") {
        res.writeHead(200);
        res.write("start");
      } else {
        res.writeHead(201, { "x-test": "yes" }).end(JSON.stringify({ ok: true }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function failure(promise: Promise<unknown>): Promise<OutboundError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(OutboundError);
    return error as OutboundError;
  }
  throw new Error("expected the request to fail");
}

describe("outbound client against a local server", () => {
  const allowed = () => createOutboundClient({ allowCidrs: ["127.0.0.0/8"] });

  it("sends method, headers and body to an allowed address and returns the answer", async () => {
    const client = allowed();
    try {
      const res = await client.send({
        url: `${base}/echo`,
        method: "POST",
        headers: { authorization: "Bearer abc", "content-type": "application/json" },
        body: '{"a":1}',
      });
      expect(res.status).toBe(201);
      expect(res.headers["x-test"]).toBe("yes");
      expect(JSON.parse(res.body.toString())).toEqual({ ok: true });
      expect(res.truncated).toBe(false);
      expect(res.durationMs).toBeGreaterThanOrEqual(0);
      expect(received.at(-1)).toMatchObject({
        method: "POST",
        url: "/echo",
        body: '{"a":1}',
        auth: "Bearer abc",
      });
    } finally {
      await client.close();
    }
  });

  it("refuses loopback without an allow-list, by literal and by every literal spelling", async () => {
    const client = createOutboundClient({ allowCidrs: [] });
    const before = received.length;
    try {
      for (const url of [
        `${base}/echo`,
        `http://2130706433:${port}/echo`,
        `http://0x7f.0.0.1:${port}/echo`,
        `http://[::ffff:127.0.0.1]:${port}/echo`,
        `http://[::1]:${port}/echo`,
      ]) {
        const error = await failure(client.send({ url }));
        expect(error.kind).toBe("refused");
      }
      expect(received.length).toBe(before);
    } finally {
      await client.close();
    }
  });

  it("refuses a DNS name that resolves to loopback (localhost) before connecting", async () => {
    const client = createOutboundClient({ allowCidrs: [] });
    const before = received.length;
    try {
      const error = await failure(client.send({ url: `http://localhost:${port}/echo` }));
      expect(error.kind).toBe("refused");
      expect(error.message).toContain("localhost resolves to");
      expect(received.length).toBe(before);
    } finally {
      await client.close();
    }
  });

  it("refuses addresses outside the allow-list and non-http schemes", async () => {
    const client = createOutboundClient({ allowCidrs: ["10.0.0.0/8"] });
    try {
      expect((await failure(client.send({ url: `${base}/echo` }))).kind).toBe("refused");
      expect((await failure(client.send({ url: "ftp://8.8.8.8/" }))).kind).toBe("refused");
    } finally {
      await client.close();
    }
  });

  it("returns redirects as-is without following them", async () => {
    const client = allowed();
    const before = received.length;
    try {
      const res = await client.send({ url: `${base}/redirect` });
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe(`${base}/target`);
      expect(received.length).toBe(before + 1);
    } finally {
      await client.close();
    }
  });

  it("caps the response body and reports truncation", async () => {
    const client = allowed();
    try {
      const res = await client.send({ url: `${base}/big`, maxResponseBytes: 1000 });
      expect(res.status).toBe(200);
      expect(res.body.length).toBe(1000);
      expect(res.truncated).toBe(true);
      const exact = await client.send({ url: `${base}/exact`, maxResponseBytes: 100 });
      expect(exact.body.length).toBe(100);
      expect(exact.truncated).toBe(false);
      const defaulted = await client.send({ url: `${base}/big` });
      expect(defaulted.body.length).toBe(20_480);
    } finally {
      await client.close();
    }
  });

  it("times out a server that never answers, and one that stalls mid-body", async () => {
    const client = allowed();
    try {
      const hang = await failure(client.send({ url: `${base}/hang`, timeoutMs: 300 }));
      expect(hang.kind).toBe("timeout");
      const stall = await failure(client.send({ url: `${base}/slow-body`, timeoutMs: 300 }));
      expect(stall.kind).toBe("timeout");
    } finally {
      await client.close();
    }
  });

  it("reports a closed port as a connect failure", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const client = allowed();
    try {
      const error = await failure(client.send({ url: `http://127.0.0.1:${closedPort}/` }));
      expect(error.kind).toBe("connect");
    } finally {
      await client.close();
    }
  });

  it("applies the connect timeout to a TLS handshake that never completes", async () => {
    // A bare TCP listener accepts the socket but never speaks TLS, so the connection is never ready.
    const sockets: Socket[] = [];
    const silent = createNetServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    const client = allowed();
    try {
      const started = Date.now();
      const error = await failure(
        client.send({ url: `https://127.0.0.1:${silentPort}/`, connectTimeoutMs: 200, timeoutMs: 5000 }),
      );
      expect(error.kind).toBe("timeout");
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      await client.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

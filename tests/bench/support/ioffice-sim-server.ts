// Serves an iOffice simulator with N documents on loopback in its own process,
// so the hub's memory and CPU are measured without it. Prints its URL.

import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { createIofficeSimulator } from "../../../connectors/ioffice/simulator.ts";

const count = Number(process.argv[2] ?? 1000);
const sim = createIofficeSimulator({
  baseUrl: "http://placeholder",
  seed: 5,
  count,
  clientId: "bench",
  clientSecret: "bench-secret-123",
});
const server = serve({ fetch: (req) => sim.app.fetch(req), port: 0, hostname: "127.0.0.1" }, () => {
  console.log(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, documents: sim.ids().length }));
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));

// DVC (provincial one-stop / public-service portal) source connector:
// administrative procedures in the LayThuTuc package. See README.md.

import type { SourceConnector } from "../sdk.ts";
import { DvcClient } from "./client.ts";
import { dvcConfigSchema, type DvcConfig } from "./config.ts";
import { createDvcSimulator } from "./simulator.ts";

const connector: SourceConnector<DvcConfig> = {
  name: "dvc",
  title: "Dịch vụ công – thủ tục hành chính (DVC, gói LayThuTuc)",
  configSchema: dvcConfigSchema,
  create: (config, ctx) => new DvcClient(dvcConfigSchema.parse(config), ctx),
  createSimulator: (options) =>
    createDvcSimulator({
      ...options,
      baseUrl: options.baseUrl,
      ...(typeof options.count === "number" ? { count: options.count } : {}),
    }),
};

export default connector;
export { DvcClient, DvcError, DvcFileTooLargeError, DvcNotFoundError, type DvcCursor } from "./client.ts";
export { dvcConfigSchema, type DvcConfig } from "./config.ts";
export { mapProcedure, type DvcProcedurePackage, type DvcListItem } from "./mapping.ts";
export { createDvcSimulator, type DvcSimulator } from "./simulator.ts";

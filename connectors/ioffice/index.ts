// VNPT iOffice (through the province's LGSP): signed documents issued by the
// agencies. See README.md and ../../../shared/contracts/sources.md.

import type { SourceConnector } from "../sdk.ts";
import { createIofficeClient } from "./client.ts";
import { iofficeConfigSchema, type IofficeConfig } from "./config.ts";
import { createIofficeSimulator, type IofficeSimulatorOptions } from "./simulator.ts";

const ioffice: SourceConnector<IofficeConfig> = {
  name: "ioffice",
  title: "VNPT iOffice: văn bản đã ban hành (signed documents)",
  configSchema: iofficeConfigSchema,
  create: (config, ctx) => createIofficeClient(iofficeConfigSchema.parse(config), ctx),
  createSimulator: (options) => createIofficeSimulator(options as IofficeSimulatorOptions),
};

export default ioffice;

export { createIofficeClient, IofficeError, parseRetryAfter, etagSha256, type IofficeCursor } from "./client.ts";
export { iofficeConfigSchema, MAPPABLE_FIELDS, type IofficeConfig, type IofficeConfigInput, type FieldMap } from "./config.ts";
export { mapIofficeDocument, readListPage, IofficeMappingError } from "./mapping.ts";
export { createIofficeSimulator, type IofficeSimulator, type IofficeSimulatorOptions, type IofficeSimDocument } from "./simulator.ts";

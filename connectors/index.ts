// The registry of built-in connectors: the one place that names them. The hub
// core receives these lists and never imports a connector by name.

import type { SourceConnector, TargetConnector } from "./sdk.ts";
import dvc from "./dvc/index.ts";
import edxmlInbox from "./edxml-inbox/index.ts";
import ioffice from "./ioffice/index.ts";
import liferay from "./liferay/index.ts";
import webhook from "./webhook/index.ts";
import wordpress from "./wordpress/index.ts";

export const builtinSources: SourceConnector<any>[] = [ioffice, dvc, edxmlInbox];
export const builtinTargets: TargetConnector<any>[] = [webhook, wordpress, liferay];

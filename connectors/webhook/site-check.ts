// What a configured site needs for signed push to work, checked at start:
// a secret the signer would refuse (src/delivery would skip the site and its
// deliveries would wait forever) is an error; a push site without an
// endpoint is accepted with a warning (nothing is pushed until it has one).

import type { SiteProblem, TargetSite } from "../sdk.ts";
import { secretProblem } from "./signature.ts";

/** For push sites (a pull site has no endpoint to sign for). */
export function checkWebhookSite(site: Pick<TargetSite, "endpoint" | "secrets">): SiteProblem[] {
  const problems: SiteProblem[] = [];
  site.secrets.forEach((secret, i) => {
    const problem = secretProblem(secret);
    if (problem) {
      problems.push({
        severity: "error",
        path: `secrets[${i}]`,
        message: `${problem}: a Standard Webhooks secret is "whsec_" followed by the base64 of 24–64 random bytes (e.g. whsec_ + the output of \`openssl rand -base64 32\`)`,
      });
    }
  });
  if (site.endpoint === null) {
    problems.push({ severity: "warning", path: "endpoint", message: "push site without an endpoint: nothing is pushed to it until one is configured" });
  } else if (site.secrets.length === 0) {
    problems.push({ severity: "error", path: "secrets", message: "a push site needs at least one whsec_ secret to sign its webhooks" });
  }
  return problems;
}

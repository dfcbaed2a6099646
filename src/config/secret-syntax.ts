// The hub resolves exactly two secret references: `{ env: NAME }` and
// `{ file: path }`. Operators arrive with other habits (`${VAR}` from shells
// and compose files, `%VAR%` from Windows, `env:VAR` from other tools). Such a
// value would otherwise be used literally, e.g. sent to iOffice as the client
// secret, and fail much later as a 401 far from its cause; so it is refused at
// start with its path and the syntax that works.

import { formatPath } from "./issues.ts";

export const SUPPORTED_SECRET_SYNTAX = "write { env: NAME } (an environment variable) or { file: path } (a file's content)";

const STRING_PATTERNS: { test: RegExp; what: string }[] = [
  { test: /\$\{[^}]*\}/u, what: "${…}" },
  { test: /^\$[A-Za-z_][A-Za-z0-9_]*$/u, what: "$NAME" },
  { test: /^%[A-Za-z_][A-Za-z0-9_]*%$/u, what: "%NAME%" },
  { test: /^\{\{.*\}\}$/u, what: "{{ … }}" },
  { test: /^(?:env|secret|secrets|vault|file|var):[^\s/][^\s]*$/iu, what: "prefix:NAME" },
];

/** One-key objects that look like another tool's reference (not `secret`: `auth.secret` is a key). */
const FOREIGN_REFERENCE_KEYS = new Set(["secretRef", "vault", "envVar", "fromEnv", "fromFile", "$env", "$file", "valueFrom"]);

export interface UnresolvedReference {
  path: string;
  message: string;
}

/** Every value in the raw file written in a reference syntax the hub does not resolve. */
export function findUnresolvedReferences(value: unknown, at: PropertyKey[] = []): UnresolvedReference[] {
  if (typeof value === "string") {
    const hit = STRING_PATTERNS.find((p) => p.test.test(value.trim()));
    return hit
      ? [{ path: formatPath(at), message: `"${value}" looks like a secret reference in ${hit.what} form, which the hub does not resolve; ${SUPPORTED_SECRET_SYNTAX}` }]
      : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => findUnresolvedReferences(v, [...at, i]));
  if (value && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 1 && FOREIGN_REFERENCE_KEYS.has(entries[0]![0])) {
      return [{ path: formatPath(at), message: `{ ${entries[0]![0]}: … } is not a secret reference the hub resolves; ${SUPPORTED_SECRET_SYNTAX}` }];
    }
    if (entries.length === 1 && (entries[0]![0] === "env" || entries[0]![0] === "file") && typeof entries[0]![1] !== "string") {
      return [{ path: formatPath(at), message: `{ ${entries[0]![0]}: … } needs a text value; ${SUPPORTED_SECRET_SYNTAX}` }];
    }
    return entries.flatMap(([k, v]) => findUnresolvedReferences(v, [...at, k]));
  }
  return [];
}

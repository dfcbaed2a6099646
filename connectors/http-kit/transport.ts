// Credentials and plain HTTP: a password or client secret sent over http://
// is readable by anyone on the path. Loopback is the one exception (a CMS on
// the same machine, the tests' stand-ins); every other host needs https://.

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

export function isLoopbackUrl(url: string | URL): boolean {
  const u = typeof url === "string" ? new URL(url) : url;
  return LOOPBACK_HOSTS.has(u.hostname) || /^127\.\d+\.\d+\.\d+$/.test(u.hostname);
}

/** Whether credentials may be sent to this address: https://, or http:// to loopback. */
export function credentialsMayTravelTo(url: string | URL): boolean {
  const u = typeof url === "string" ? new URL(url) : url;
  return u.protocol === "https:" || (u.protocol === "http:" && isLoopbackUrl(u));
}

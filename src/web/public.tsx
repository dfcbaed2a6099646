// Routes of the public verification page, /tra-cuu (no sign-in, no cookie,
// no script). Upload is a plain multipart form POST; a pasted SHA-256 is a GET
// form that redirects to /tra-cuu/{sha256}, the address portals link to and
// QR codes carry. Same service and limits as /api/v1/public/verify.

import { Hono, type Context } from "hono";
import QRCode from "qrcode";
import { parseSha256, publicVerificationOf, uploadFailure, type PublicVerification } from "../api/public-verify.ts";
import { rateLimit } from "../api/rate-limit.ts";
import { verifyUrl } from "../delivery/published.ts";
import type { HubContext } from "../hub/context.ts";
import { isLang, translator, type Lang } from "./i18n.ts";
import { langQuery, PUBLIC_CSS, PublicFormPage, PublicResultPage, type PublicView } from "./pages/public-verify.tsx";

const CSP = "default-src 'none'; img-src 'self' data:; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: "svg", margin: 2, errorCorrectionLevel: "M" });
}

export function publicRoutes(ctx: HubContext) {
  const app = new Hono();
  if (!ctx.config.publicVerify.enabled) return app;
  const service: PublicVerification = publicVerificationOf(ctx);
  const base = (c: Context) => ctx.config.server.publicUrl ?? new URL(c.req.url).origin;

  const view = (c: Context): PublicView => {
    const asked = c.req.query("lang");
    const lang: Lang = isLang(asked) ? asked : "vi";
    const url = new URL(c.req.url);
    return { t: translator(lang), lang, path: url.pathname + url.search, maxBytes: ctx.config.ingest.maxFileBytes };
  };

  app.get("/tra-cuu/static/public.css", (c) => c.body(PUBLIC_CSS, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=300" }));

  app.use("/tra-cuu", headers);
  app.use("/tra-cuu/*", headers);
  const limitedPage = (c: Context, seconds: number) => {
    const v = view(c);
    return c.html(<PublicFormPage view={v} error={v.t("pub.limited", { seconds })} />, 429);
  };
  const lookupLimit = rateLimit({ limiter: service.lookups, key: service.clientOf, limited: limitedPage });
  const uploadLimit = rateLimit({ limiter: service.uploads, key: service.clientOf, limited: limitedPage });

  app.get("/tra-cuu", async (c) => {
    const given = c.req.query("sha256");
    if (given === undefined) return c.html(<PublicFormPage view={view(c)} />);
    const sha256 = parseSha256(given);
    const v = view(c);
    if (!sha256) return c.html(<PublicFormPage view={v} error={v.t("pub.badHash")} hash={given.slice(0, 200)} />, 400);
    return c.redirect(`/tra-cuu/${sha256}${langQuery(v.lang)}`, 303);
  });

  app.post("/tra-cuu", uploadLimit, async (c) => {
    const v = view(c);
    try {
      const answer = await service.upload(c.req.raw, c.env);
      return c.html(await result(c, v, answer, "upload"));
    } catch (e) {
      const failure = uploadFailure(e);
      if (!failure) throw e;
      for (const [k, value] of Object.entries(failure.headers)) c.header(k, value);
      const text =
        failure.status === 413 ? v.t("pub.tooLarge", { max: `${Math.round(v.maxBytes / 1024 / 1024)} MB` }) : failure.status === 503 ? v.t("pub.busy") : v.t("pub.badUpload");
      return c.html(<PublicFormPage view={v} error={text} />, failure.status);
    }
  });

  app.get("/tra-cuu/:sha256/qr.svg", lookupLimit, async (c) => {
    const sha256 = parseSha256(c.req.param("sha256"));
    if (!sha256 || sha256 !== c.req.param("sha256")) return c.text("not found", 404);
    return c.body(await qrSvg(verifyUrl(base(c), sha256)), 200, { "content-type": "image/svg+xml", "cache-control": "public, max-age=86400" });
  });

  app.get("/tra-cuu/:sha256", lookupLimit, async (c) => {
    const given = c.req.param("sha256");
    const sha256 = parseSha256(given);
    const v = view(c);
    if (!sha256) return c.html(<PublicFormPage view={v} error={v.t("pub.badHash")} hash={given.slice(0, 200)} />, 400);
    if (sha256 !== given) return c.redirect(`/tra-cuu/${sha256}${langQuery(v.lang)}`, 301);
    return c.html(await result(c, v, await service.lookup(sha256), "hash"));
  });

  async function result(c: Context, v: PublicView, answer: Awaited<ReturnType<PublicVerification["lookup"]>>, mode: "upload" | "hash") {
    const link = verifyUrl(base(c), answer.sha256);
    // Only published bytes get a QR code: an answer about other bytes must not differ by more than the hash.
    const qr = answer.published.length > 0 ? await qrSvg(link) : null;
    return <PublicResultPage view={v} answer={answer} mode={mode} link={link} qrSvg={qr} verifierAvailable={ctx.verifier !== null} />;
  }

  app.onError((error, c) => {
    ctx.log.error({ err: error, path: c.req.path }, "public page failed");
    const v = view(c);
    return c.html(<PublicFormPage view={v} error={v.t("pub.serverError")} />, 500);
  });
  return app;
}

async function headers(c: Context, next: () => Promise<void>) {
  await next();
  c.header("content-security-policy", CSP);
  c.header("x-content-type-options", "nosniff");
  c.header("x-frame-options", "DENY");
  c.header("referrer-policy", "no-referrer");
  if (!c.res.headers.has("cache-control")) c.header("cache-control", "no-store");
}

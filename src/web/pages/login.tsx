// Sign-in.

import type { FC } from "hono/jsx";
import { Csrf, Layout, type View } from "../layout.tsx";

export const LoginPage: FC<{ view: View; next: string; failed: boolean; username?: string; retryAfterSeconds?: number }> = ({ view, next, failed, username, retryAfterSeconds }) => (
  <Layout view={view} title={view.t("login.title")}>
    <form method="post" action="/console/login" class="card narrow stack">
      <Csrf view={view} />
      <input type="hidden" name="next" value={next} />
      {failed ? <p class="flash error" role="alert">{view.t("login.failed")}</p> : null}
      {retryAfterSeconds ? <p class="flash error" role="alert" id="login-throttled">{view.t("login.throttled", { seconds: retryAfterSeconds })}</p> : null}
      <label>
        {view.t("login.username")}
        <input name="username" autocomplete="username" required autofocus value={username ?? ""} />
      </label>
      <label>
        {view.t("login.password")}
        <input name="password" type="password" autocomplete="current-password" required />
      </label>
      <button type="submit" class="primary">{view.t("login.submit")}</button>
    </form>
  </Layout>
);

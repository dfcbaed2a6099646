// A plain message page (errors, 403, 404).

import type { FC } from "hono/jsx";
import { Layout, type View } from "../layout.tsx";

export const MessagePage: FC<{ view: View; title: string; text: string }> = ({ view, title, text }) => (
  <Layout view={view} title={title}>
    <p>{text}</p>
    <p><a href="/console">{view.t("nav.dashboard")}</a></p>
  </Layout>
);

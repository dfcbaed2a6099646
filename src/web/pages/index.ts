// The console's screens, a file per page. Each takes the data it shows (from
// src/operator/data.ts) and a View (translator, language, user, CSRF token);
// none touches the database.

export { LoginPage } from "./login.tsx";
export { DashboardPage } from "./dashboard.tsx";
export { RunsPage } from "./runs.tsx";
export { RunPage } from "./run.tsx";
export { DocumentsPage } from "./documents.tsx";
export { DocumentPage } from "./document.tsx";
export { ProceduresPage } from "./procedures.tsx";
export { ProcedurePage } from "./procedure.tsx";
export { ReviewPage } from "./review.tsx";
export { DeliveriesPage } from "./deliveries.tsx";
export { conditionText, AlertsPage } from "./alerts.tsx";
export { AuditPage } from "./audit.tsx";
export { UsersPage } from "./users.tsx";
export { TokensPage } from "./tokens.tsx";
export { MessagePage } from "./message.tsx";
export type { RunRow } from "./components.tsx";

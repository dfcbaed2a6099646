// The operator console (server-rendered, /console): pages in pages/, routes
// and form posts in console.tsx. The JSON API is in src/api/; both call the
// same functions in src/operator/. The hub wires the console in src/api/app.ts.

export { consoleRoutes } from "./console.tsx";

// A real WordPress for the slow suite and the benchmark: Debian's `wordpress`
// package (/usr/share/wordpress), served by `php -S` on loopback from a
// throwaway tree, installed into a throwaway MariaDB database by a small PHP
// bootstrap (wp_install, an Editor user "portalsync" and an application
// password for it).
//
// Debian's own wp-config.php reads /etc/wordpress/config-<host>.php; rather
// than write there, the tree copies WordPress's top-level PHP files (so their
// __DIR__, hence ABSPATH, is the tree) next to our own wp-config.php, and
// links wp-admin and wp-includes. Application passwords need HTTPS unless
// WP_ENVIRONMENT_TYPE is "local", which the config sets.

import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
export const WORDPRESS_DIR = process.env.PORTALSYNC_WORDPRESS_DIR || "/usr/share/wordpress";
const DB_HOST = process.env.PORTALSYNC_TEST_MARIADB_HOST || "127.0.0.1";
const DB_PORT = Number(process.env.PORTALSYNC_TEST_MARIADB_PORT || 3306);

export interface RealWordPress {
  url: string;
  username: string;
  applicationPassword: string;
  database: string;
  dir: string;
  /** Runs PHP inside the installed WordPress (after wp-load.php); returns stdout. */
  php(code: string): Promise<string>;
  stop(): Promise<void>;
}

/** Why a real WordPress cannot run here (the suite skips with it), or null. */
export async function wordpressUnavailable(): Promise<string | null> {
  try {
    await run("php", ["-r", "exit(extension_loaded('mysqli') ? 0 : 3);"]);
  } catch {
    return "php-cli with php-mysql is not installed";
  }
  try {
    await readdir(path.join(WORDPRESS_DIR, "wp-includes"));
  } catch {
    return `Debian's wordpress package is not installed (${WORDPRESS_DIR})`;
  }
  try {
    await mysql("SELECT 1");
  } catch (error) {
    return `MariaDB does not answer at ${DB_HOST}:${DB_PORT}: ${(error as Error).message}`;
  }
  return null;
}

function mysql(sql: string): Promise<string> {
  const code = `$m = new mysqli(${JSON.stringify(DB_HOST)}, "root", "", "", ${DB_PORT}); $m->multi_query(${JSON.stringify(sql)}) or exit(2); do { if ($r = $m->store_result()) $r->free(); } while ($m->more_results() && $m->next_result()); echo "ok";`;
  return run("php", ["-r", code]).then((r) => r.stdout);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.once("error", reject);
  });
}

export async function startWordPress(options: { workers?: number } = {}): Promise<RealWordPress> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "portalsync-wp-"));
  const root = path.join(dir, "root");
  await mkdir(path.join(root, "wp-content", "uploads"), { recursive: true });
  for (const entry of await readdir(WORDPRESS_DIR)) {
    if (entry.endsWith(".php") && entry !== "wp-config.php") await copyFile(path.join(WORDPRESS_DIR, entry), path.join(root, entry));
  }
  await symlink(path.join(WORDPRESS_DIR, "wp-admin"), path.join(root, "wp-admin"));
  await symlink(path.join(WORDPRESS_DIR, "wp-includes"), path.join(root, "wp-includes"));
  await symlink(path.join(WORDPRESS_DIR, "wp-content", "themes"), path.join(root, "wp-content", "themes"));

  const database = `portalsync_wp_${process.pid}_${randomBytes(4).toString("hex")}`;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const salt = () => randomBytes(24).toString("hex");
  await writeFile(
    path.join(root, "wp-config.php"),
    `<?php
define('DB_NAME', '${database}');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', '${DB_HOST}:${DB_PORT}');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
${["AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT"].map((k) => `define('${k}', '${salt()}');`).join("\n")}
define('WP_ENVIRONMENT_TYPE', 'local');
define('WP_CONTENT_DIR', __DIR__ . '/wp-content');
define('WP_HOME', '${url}');
define('WP_SITEURL', '${url}');
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('WP_DEBUG', false);
$table_prefix = 'wp_';
require_once ABSPATH . 'wp-settings.php';
`,
  );
  // php -S: real files are served as they are, everything else by WordPress.
  await writeFile(
    path.join(root, "router.php"),
    `<?php
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
$file = __DIR__ . $path;
if ($path !== '/' && is_file($file) && substr($file, -4) !== '.php') return false;
if ($path !== '/' && is_file($file)) { require $file; return; }
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = __DIR__ . '/index.php';
require __DIR__ . '/index.php';
`,
  );
  await mysql(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);

  const applicationPassword = await phpIn(
    root,
    url,
    `require_once ABSPATH . 'wp-admin/includes/upgrade.php';
     wp_install('Trang thử nghiệm', 'admin', 'admin@example.test', true, '', 'admin-password-1234');
     update_option('permalink_structure', '/%postname%/');
     // An empty site: whatever a test finds was put there by the hub.
     foreach (get_posts(['post_type' => ['post', 'page'], 'post_status' => 'any', 'numberposts' => -1]) as $p) wp_delete_post($p->ID, true);
     $uid = wp_insert_user(['user_login' => 'portalsync', 'user_pass' => wp_generate_password(24), 'user_email' => 'portalsync@example.test', 'role' => 'editor']);
     if (is_wp_error($uid)) { fwrite(STDERR, $uid->get_error_message()); exit(2); }
     $made = WP_Application_Passwords::create_new_application_password($uid, ['name' => 'portalsync']);
     if (is_wp_error($made)) { fwrite(STDERR, $made->get_error_message()); exit(3); }
     echo $made[0];`,
    true,
  );

  const child: ChildProcess = spawn("php", ["-S", `127.0.0.1:${port}`, "-t", root, path.join(root, "router.php")], {
    cwd: root,
    env: { ...process.env, PHP_CLI_SERVER_WORKERS: String(options.workers ?? 4) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/wp-json/`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`php -S did not serve WordPress: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    username: "portalsync",
    applicationPassword,
    database,
    dir,
    php: (code) => phpIn(root, url, code, false),
    async stop() {
      child.kill("SIGTERM");
      await mysql(`DROP DATABASE IF EXISTS \`${database}\``).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function phpIn(root: string, url: string, code: string, installing: boolean): Promise<string> {
  const host = new URL(url).host;
  const script = `<?php
$_SERVER['HTTP_HOST'] = '${host}';
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_NAME'] = '127.0.0.1';
${installing ? "define('WP_INSTALLING', true);" : ""}
require '${root}/wp-load.php';
${code}
`;
  const file = path.join(root, `.cli-${randomBytes(4).toString("hex")}.php`);
  await writeFile(file, script);
  try {
    const { stdout } = await run("php", [file], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } finally {
    await rm(file, { force: true });
  }
}

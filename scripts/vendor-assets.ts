// Copies the files the producer's static assets take from node_modules into producer/public/vendor/
// (ignored by git): Swagger UI's bundle and stylesheet, which /docs loads from the Worker's own
// origin instead of a CDN. Run by wrangler.producer.toml's [build] command (so `npm start`,
// `wrangler deploy` and `npm run deploy:dry-run` get it) and by vitest.config.ts (so the Workers
// tests see the same assets): nothing to copy by hand after a clean clone.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Files copied: [package, file in the package, folder under producer/public/vendor]. */
export const VENDORED = [
  ["swagger-ui-dist", "swagger-ui-bundle.js", "swagger-ui"],
  ["swagger-ui-dist", "swagger-ui.css", "swagger-ui"],
] as const;

/** Copies what is missing or changed; returns the files written. */
export function vendorAssets(): string[] {
  const require = createRequire(join(root, "package.json"));
  const written: string[] = [];
  for (const [pkg, file, folder] of VENDORED) {
    const from = join(dirname(require.resolve(`${pkg}/package.json`)), file);
    const dir = join(root, "producer/public/vendor", folder);
    const to = join(dir, file);
    // An identical file is left alone: a rewrite would make a running `wrangler dev` reload its
    // assets (and drop its in-memory queue messages) whenever a test run starts.
    if (existsSync(to) && readFileSync(to).equals(readFileSync(from))) continue;
    mkdirSync(dir, { recursive: true });
    copyFileSync(from, to);
    written.push(join("producer/public/vendor", folder, file));
  }
  return written;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const written = vendorAssets();
  console.log(`producer/public/vendor/: ${written.length ? `wrote ${written.join(", ")}` : "up to date"}`);
}

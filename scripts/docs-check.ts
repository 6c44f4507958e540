// `npm run docs:check`: runs the README's checked shell blocks (`<!-- docs:check -->` before the
// fence) in order in one `bash -euo pipefail`, against the real system started from a snapshot of
// the tree, as a reader with `npm start` in another terminal would. Exit 1 names the failing block
// with its script and output. `--verbose` prints every block's output.
import { resolve } from "node:path";
import { checkReadme, report } from "./lib/docs-check";

const root = resolve(import.meta.dirname, "..");
const verbose = process.argv.includes("--verbose");

const { result, blocks, systemOutput } = await checkReadme(resolve(root, "README.md"));
console.log(report(result, blocks, verbose));
if (!result.ok) {
  console.log(`--- system output (tail) ---\n${systemOutput.slice(-4000)}`);
  process.exitCode = 1;
} else {
  console.log(`docs:check: ${blocks.length} README blocks ran against the started system`);
}

// Instruments one widget build with Stryker's instrumenter (the mutation-testing engine's own,
// not ours): every mutant sits in the code behind a switch on globalThis.__stryker__.activeMutant,
// and the code reports which mutants it reached in __stryker__.mutantCoverage.
// Usage: node mutate_instrument.mjs TOOLS_DIR IN.js OUT.js MUTANTS.json
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [tools, input, output, mutantsOut] = process.argv.slice(2);
const entry = path.join(tools, "node_modules", "@stryker-mutator", "instrumenter", "dist", "src", "index.js");
const { Instrumenter } = await import(pathToFileURL(entry).href);
const quiet = () => {};
const loud = (...a) => console.error(...a);
const logger = {
  isTraceEnabled: () => false, isDebugEnabled: () => false, isInfoEnabled: () => false,
  isWarnEnabled: () => true, isErrorEnabled: () => true, isFatalEnabled: () => true,
  trace: quiet, debug: quiet, info: quiet, warn: loud, error: loud, fatal: loud,
};
const content = fs.readFileSync(input, "utf8");
const result = await new Instrumenter(logger).instrument(
  [{ name: path.basename(input), content, mutate: true }],
  { plugins: null, excludedMutations: [], ignorers: [], noHeader: false });
fs.writeFileSync(output, result.files[0].content);
fs.writeFileSync(mutantsOut, JSON.stringify(result.mutants.map((m) => ({
  id: m.id, mutator: m.mutatorName, replacement: m.replacement, location: m.location,
}))));

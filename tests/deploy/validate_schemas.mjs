// Validates Kubernetes objects against the OpenAPI schemas shipped by the npm package
// `kubernetes-models` (offline: no cluster). Reads a JSON array of objects on stdin (what
// check_manifests.py renders with kustomize), prints one line per invalid object and exits 1
// when any is invalid. Kinds the package does not know (custom resources such as
// CloudNativePG's Cluster) are listed as skipped.
//   node tests/deploy/validate_schemas.mjs < objects.json
import { readFileSync } from "node:fs";

const docs = JSON.parse(readFileSync(0, "utf8"));
let bad = 0;
const skipped = new Set();
for (const doc of docs) {
  const [group, version] = doc.apiVersion.includes("/")
    ? doc.apiVersion.split("/")
    : ["", doc.apiVersion];
  const path = group ? `${group}/${version}/${doc.kind}` : `${version}/${doc.kind}`;
  let mod;
  try {
    mod = await import(`kubernetes-models/${path}`);
  } catch {
    skipped.add(`${doc.apiVersion} ${doc.kind}`);
    continue;
  }
  const Model = mod[doc.kind] ?? mod.default;
  try {
    new Model(doc).validate();
  } catch (err) {
    bad++;
    const detail = (err.errors ?? [])
      .map((e) => `${e.instancePath || "/"} ${e.message}`)
      .join("; ");
    console.log(`INVALID ${doc.kind}/${doc.metadata?.name}: ${detail || err.message}`);
  }
}
for (const s of skipped) console.log(`SKIPPED (no schema): ${s}`);
console.log(`${docs.length - bad - [...skipped].length} valid, ${bad} invalid`);
process.exit(bad ? 1 : 0);

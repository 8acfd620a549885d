// Verify SD-JWTs with an independent implementation, @sd-jwt/core (OpenWallet Foundation).
// Usage: node verify_sd_jwt.mjs <node_modules dir> < {"jwk": {...}, "tokens": ["..."]}
// Prints one JSON array: per token {"header", "payload"} (disclosures applied) or {"error"}.
import { createRequire } from "node:module";
import { createHash, createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";

const require = createRequire(path.join(process.argv[2], "noop.js"));
const { SDJwtInstance } = require("@sd-jwt/core");
const input = JSON.parse(readFileSync(0, "utf8"));
const key = createPublicKey({ key: input.jwk, format: "jwk" });

const sdjwt = new SDJwtInstance({
  hasher: (data, alg) => {
    if (alg !== "sha-256") throw new Error(`unexpected hash ${alg}`);
    return new Uint8Array(createHash("sha256").update(data).digest());
  },
  verifier: (data, signature) =>
    verify(null, Buffer.from(data), key, Buffer.from(signature, "base64url")),
});

const results = [];
for (const token of input.tokens) {
  try {
    const { header, payload } = await sdjwt.verify(token);
    results.push({ header, payload });
  } catch (error) {
    results.push({ error: String(error) });
  }
}
process.stdout.write(JSON.stringify(results));

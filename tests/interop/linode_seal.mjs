// Seals one value with the npm package @linode/kubeseal-encrypt (an independent
// JavaScript implementation; namespace-wide scope only, takes a PUBLIC KEY PEM).
//   node linode_seal.mjs PACKAGE_DIR PUBKEY.pem NAMESPACE VALUE   -> prints base64
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [pkgDir, pubkeyPath, namespace, value] = process.argv.slice(2);
if (!value) {
  console.error('usage: node linode_seal.mjs PACKAGE_DIR PUBKEY.pem NAMESPACE VALUE');
  process.exit(2);
}
const { encryptSecretItem } = await import(pathToFileURL(join(pkgDir, 'dist', 'index.js')).href);
const sealed = await encryptSecretItem(readFileSync(pubkeyPath, 'utf8'), namespace, value);
process.stdout.write(sealed + '\n');

// The registry this project is built against does not serve every platform build of chdb
// (@chdb/lib-*), so npm leaves them out of package-lock.json and `npm ci` then refuses the lock.
// This adds the missing platform entries (optional, os/cpu-gated: npm skips them off-platform and
// fetches them from the registry on the platform that needs them). Idempotent; run after
// `npm install` changes the lock.
import fs from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const chdb = lock.packages['node_modules/chdb'];
const platforms = {
  'darwin-arm64': { os: ['darwin'], cpu: ['arm64'] },
  'darwin-x64': { os: ['darwin'], cpu: ['x64'] },
  'linux-arm64-gnu': { os: ['linux'], cpu: ['arm64'], libc: ['glibc'] },
  'linux-x64-gnu': { os: ['linux'], cpu: ['x64'], libc: ['glibc'] },
};
let added = 0;
for (const [name, version] of Object.entries(chdb?.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  const platform = platforms[name.replace('@chdb/lib-', '')];
  if (lock.packages[key] || !platform) continue;
  lock.packages[key] = { version, ...platform, optional: true, license: 'Apache-2.0' };
  added++;
}
if (added) {
  lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
  fs.writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
}
console.log(added ? `package-lock.json: added ${added} platform entries for chdb` : 'package-lock.json: complete');

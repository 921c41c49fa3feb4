import { spawnSync } from 'node:child_process';

/** The browser tests serve console/dist: build it once for the whole e2e run, from the current sources. */
export default function buildConsole(): void {
  const build = spawnSync('npx', ['vite', 'build', '--config', 'console/vite.config.ts'], { stdio: 'ignore' });
  if (build.status !== 0) throw new Error('console build failed');
}

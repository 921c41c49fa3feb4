import { describe, expect, it } from 'vitest';
import { startLoop } from '../../src/core/index.js';

/** Resolves when `ready()` holds, checking every millisecond. */
async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((r) => setTimeout(r, 1));
}

describe('startLoop', () => {
  it('runs at once, one pass at a time, reports failures, and stop waits for the running pass', async () => {
    let passes = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const errors: unknown[] = [];
    let sawStop = false;
    // Each pass waits until the test lets it finish, so the order of events does not depend on timers.
    const release: (() => void)[] = [];
    const stop = startLoop(
      async (stopped) => {
        passes++;
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await new Promise<void>((r) => release.push(r));
        concurrent--;
        if (stopped()) sawStop = true;
        if (passes === 2) throw new Error('boom');
      },
      5,
      (err) => errors.push(err),
    );
    expect(passes).toBe(1);
    // Ticks while the first pass runs start nothing.
    await new Promise((r) => setTimeout(r, 30));
    expect(passes).toBe(1);
    release.shift()!();
    await until(() => passes === 2);
    release.shift()!(); // the second pass fails
    await until(() => passes === 3);
    const stopping = stop();
    let stopDone = false;
    void stopping.then(() => (stopDone = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(stopDone).toBe(false); // waits for the running pass
    release.shift()!();
    await stopping;
    await new Promise((r) => setTimeout(r, 30));
    expect(passes).toBe(3);
    expect(maxConcurrent).toBe(1);
    expect(errors).toHaveLength(1);
    expect(concurrent).toBe(0);
    expect(sawStop).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { startLoop } from '../../src/core/index.js';

describe('startLoop', () => {
  it('runs at once, one pass at a time, reports failures, and stop waits for the running pass', async () => {
    let passes = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const errors: unknown[] = [];
    let sawStop = false;
    const stop = startLoop(
      async (stopped) => {
        passes++;
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await new Promise((r) => setTimeout(r, 25));
        concurrent--;
        if (stopped()) sawStop = true;
        if (passes === 2) throw new Error('boom');
      },
      5,
      (err) => errors.push(err),
    );
    expect(passes).toBe(1);
    await new Promise((r) => setTimeout(r, 80));
    await stop();
    const after = passes;
    await new Promise((r) => setTimeout(r, 30));
    expect(passes).toBe(after);
    expect(passes).toBeGreaterThanOrEqual(2);
    expect(maxConcurrent).toBe(1);
    expect(errors).toHaveLength(1);
    expect(concurrent).toBe(0);
    expect(sawStop).toBe(true);
  });
});

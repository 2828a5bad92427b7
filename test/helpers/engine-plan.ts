import type { LoadPlan } from '../../src/engine/index.ts';

/** One flow of single GETs at a constant rate: what the accuracy and drop tests offer their targets. */
export function constantGetPlan(rate: number, durationMs: number, path = '/'): LoadPlan {
  return {
    flows: [
      {
        name: 'get',
        services: ['target'],
        rate: { startRate: rate, stages: [{ target: rate, durationMs }] },
        async iterate(ctx) {
          const res = await ctx.request({ service: 'target', flow: 'get' }, { method: 'GET', path });
          ctx.check(res.status === 200);
        },
      },
    ],
  };
}

import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread that runs one of our own modules, next to the caller's (`sibling` is a file name
 * without its extension, resolved against the caller's `import.meta.url`): compiled JavaScript when
 * the caller is compiled, else the TypeScript source through tsx, which a bootstrap registers in the
 * thread first (a loader does not carry over to workers).
 */
export function moduleWorker(callerUrl: string, sibling: string, options: WorkerOptions): Worker {
  const compiled = callerUrl.endsWith('.js');
  const entry = new URL(`./${sibling}.${compiled ? 'js' : 'ts'}`, callerUrl);
  if (compiled) return new Worker(entry, options);
  const boot = `const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}); register(); await import(${JSON.stringify(entry.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), options);
}

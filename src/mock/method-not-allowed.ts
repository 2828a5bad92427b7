import type { FastifyInstance } from 'fastify';

interface KnownPath {
  readonly pattern: RegExp;
  readonly methods: Set<string>;
}

/**
 * The methods each known path answers, from every route as it is added (onRoute), so that a known
 * path called with another method (TRACE, say) is 405 with `Allow` (RFC 9110 §15.5.6) instead of 404.
 * A GET route answers HEAD too (Fastify's exposeHeadRoutes).
 */
export function installMethodTable(app: FastifyInstance): (path: string) => readonly string[] | undefined {
  const known = new Map<string, KnownPath>();
  app.addHook('onRoute', (route) => {
    const url = route.url ?? route.path;
    if (url === undefined) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    let entry = known.get(url);
    if (!entry) {
      // ':id' stands for one path segment; everything else is literal.
      const source = url
        .split(/(:[A-Za-z0-9_]+)/)
        .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('');
      entry = { pattern: new RegExp(`^${source}$`), methods: new Set() };
      known.set(url, entry);
    }
    for (const m of methods) {
      entry.methods.add(m.toUpperCase());
      if (m.toUpperCase() === 'GET') entry.methods.add('HEAD');
    }
  });
  return (path) => {
    const allowed = new Set<string>();
    for (const entry of known.values()) if (entry.pattern.test(path)) for (const m of entry.methods) allowed.add(m);
    return allowed.size > 0 ? [...allowed].sort() : undefined;
  };
}

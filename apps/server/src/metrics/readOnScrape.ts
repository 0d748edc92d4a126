import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * A counter whose value is read when scraped from a running total kept elsewhere (a broker's
 * or a store's stats), rather than incremented where things happen.
 */
export function counterReadOnScrape(registry: Registry, name: string, help: string, read: () => number): Counter {
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** A gauge whose value is read when scraped. */
export function gaugeReadOnScrape(registry: Registry, name: string, help: string, read: () => number): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

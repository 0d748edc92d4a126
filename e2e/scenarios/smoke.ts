import { expect } from '../support/fixtures.ts';
import type { E2ETest } from '../support/fixtures.ts';

/** The dashboard loads and its stream goes live: the least every target must do. */
export function smokeScenarios(test: E2ETest): void {
  test.describe('smoke', () => {
    test('the dashboard loads and the indicator reaches live', async ({ dashboard }) => {
      await dashboard.goto('/');
      expect(await dashboard.waitForConnectionState('live')).toBe('live');
    });
  });
}

import { smokeScenarios } from '../scenarios/smoke.ts';
import { webkitTest } from '../support/fixtures.ts';

smokeScenarios(webkitTest);

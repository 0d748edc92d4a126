import { smokeScenarios } from '../scenarios/smoke.ts';
import { test } from '../support/fixtures.ts';

smokeScenarios(test);

import { fallbackScenarios } from '../scenarios/fallback.ts';
import { test } from '../support/fixtures.ts';

fallbackScenarios(test);

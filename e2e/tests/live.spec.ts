import { liveScenarios } from '../scenarios/live.ts';
import { test } from '../support/fixtures.ts';

liveScenarios(test);
